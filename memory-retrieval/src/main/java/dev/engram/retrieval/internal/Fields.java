package dev.engram.retrieval.internal;

/** Names of the Lucene fields of memory and history documents. */
final class Fields {
  private Fields() {}

  /** Document type: {@link #MEMORY} or {@link #EVENT}. */
  static final String TYPE = "_type";

  static final String MEMORY = "memory";
  static final String EVENT = "event";

  /**
   * The full record, as {@code MemoryCodec} JSON: the index is the source of truth. A stored field;
   * memories written since {@link #RECORD_VALUES} was introduced keep theirs there instead.
   */
  static final String RECORD = "_record";

  /** A memory's record as binary doc values (UTF-8 JSON), read through {@link Records}. */
  static final String RECORD_VALUES = "_recordValues";

  /** A memory document's unique key, for replacing it. */
  static final String MEMORY_KEY = "_memoryKey";

  /** Memory id (memories) or the memory an event belongs to (events). */
  static final String ID = "id";

  /** An event's store-wide sequence. */
  static final String SEQ = "_seq";

  /** Optional fields that are present on a memory, and {@code m:<key>} for metadata keys. */
  static final String PRESENT = "_present";

  /** Metadata keys whose value is a list. */
  static final String LIST_KEYS = "_listKeys";

  /** BM25 fields. */
  static final String CONTENT = "content";

  static final String PREVIOUS = "prev";
  static final String LABELS = "labels";
  static final String CONTEXT_TEXT = "contextText";

  /** The embedding, and a hash of the text it was computed from (to reuse it when unchanged). */
  static final String VECTOR = "vec";

  static final String EMBEDDED_HASH = "_embedHash";

  /** Conversation structure: a turn's session key (owner and session) and its number there. */
  static final String SESSION_INDEX = "_sessionIdx";

  static final String TURN = "_turn";

  /** The text of the previous turn, kept so that rewriting a memory keeps its context field. */
  static final String PREVIOUS_STORED = "_prevText";

  static String metadataString(String key) {
    return "m." + key + ".s";
  }

  /** A metadata value stored as a double. */
  static String metadataNumber(String key) {
    return "m." + key + ".n";
  }

  /** A metadata value stored as a long: indexed exactly, apart from the doubles. */
  static String metadataLong(String key) {
    return "m." + key + ".l";
  }

  static String metadataBoolean(String key) {
    return "m." + key + ".b";
  }
}
