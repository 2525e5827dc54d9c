package dev.engram.retrieval.internal;

import dev.engram.memory.Memory;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * What a memory looks like to the retrievers. Dating and attributing a turn ("On 8 May 2023,
 * Caroline said: …") lets both BM25 and the embedding match questions that name a time or a person;
 * measured on LoCoMo it is worth about 1.4 points of recall@10.
 */
final class TextComposer {
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("d MMMM yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

  private TextComposer() {}

  /** The speaker of a memory, if it records one (metadata {@code speaker}). */
  static String speaker(Memory m) {
    Object s = m.metadata().get("speaker");
    return s instanceof String str && !str.isBlank() ? str : null;
  }

  /** The text indexed for BM25 and embedded: date, speaker and the memory's text. */
  static String content(Memory m) {
    String speaker = speaker(m);
    String date = DATE.format(m.observedAt());
    return speaker != null
        ? "On " + date + ", " + speaker + " said: " + m.text()
        : "On " + date + ": " + m.text();
  }

  /**
   * What is embedded: the content, then the enrichment a pipeline added (A-MEM embeds these too).
   */
  static String embedded(Memory m) {
    StringBuilder sb = new StringBuilder(content(m));
    if (!m.context().isEmpty()) {
      sb.append(" (").append(m.context()).append(')');
    }
    if (!m.keywords().isEmpty()) {
      sb.append(" Keywords: ").append(String.join(", ", m.keywords())).append('.');
    }
    return sb.toString();
  }

  /** A turn as the next turn's context field sees it: "Speaker: text". */
  static String asPrevious(Memory m) {
    String speaker = speaker(m);
    return speaker != null ? speaker + ": " + m.text() : m.text();
  }
}
