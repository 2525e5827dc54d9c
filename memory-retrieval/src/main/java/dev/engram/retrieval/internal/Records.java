package dev.engram.retrieval.internal;

import dev.engram.backend.MemoryCodec;
import dev.engram.memory.Memory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.apache.lucene.index.BinaryDocValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.util.BytesRef;

/**
 * Reads memories' records from the index. A memory document keeps its record as uncompressed binary
 * doc values ({@link Fields#RECORD_VALUES}): a search reads every candidate's record, and
 * decompressing stored-field blocks for them cost more than the search itself. The value is a
 * {@link BinaryRecord}, or JSON in documents written before that form (and for the rare memory the
 * binary form would not give back equal); documents written before doc values kept the JSON as a
 * stored field ({@link Fields#RECORD}), which is read when a document has no doc value. So an
 * existing store opens and reads as it is; merges carry each form along.
 */
final class Records {
  private static final Set<String> STORED = Set.of(Fields.RECORD);

  private final List<LeafReaderContext> leaves;
  private int leaf = -1;
  private int last = -1;
  private BinaryDocValues values;

  /** A reader over the searcher's segments. */
  Records(IndexSearcher s) {
    this(s.getIndexReader().leaves());
  }

  /** A reader over these segments, documents numbered across them. */
  Records(List<LeafReaderContext> leaves) {
    this.leaves = leaves;
  }

  /**
   * A memory's record for its document: the binary form, or its JSON if the binary form would not
   * decode to an equal memory (a string Lucene's UTF-8 encoder would alter), which is checked here
   * once per write so that no record can be read back different.
   */
  static byte[] encode(Memory m) {
    byte[] binary = BinaryRecord.encode(m);
    Memory back;
    try {
      back = BinaryRecord.decode(binary, 0, binary.length);
    } catch (IllegalArgumentException e) {
      back = null;
    }
    return m.equals(back) ? binary : MemoryCodec.toJson(m).getBytes(StandardCharsets.UTF_8);
  }

  /** One document's memory. */
  static Memory read(IndexSearcher s, int doc) throws IOException {
    return new Records(s).memory(doc);
  }

  /**
   * The memory of a document; reads in increasing document order share each segment's doc-values
   * iterator, any other order works too.
   */
  Memory memory(int doc) throws IOException {
    Memory m = memoryOrNull(doc);
    if (m == null) {
      throw new IllegalStateException("document " + doc + " holds no memory record");
    }
    return m;
  }

  /** The memory of a document, or {@code null} if it holds none (not a memory). */
  Memory memoryOrNull(int doc) throws IOException {
    int i = ReaderUtil.subIndex(doc, leaves);
    LeafReaderContext ctx = leaves.get(i);
    int local = doc - ctx.docBase;
    if (i != leaf || local <= last) {
      // Doc-values iterators only go forward.
      leaf = i;
      values = ctx.reader().getBinaryDocValues(Fields.RECORD_VALUES);
    }
    last = local;
    if (values != null && values.advanceExact(local)) {
      BytesRef b = values.binaryValue();
      return BinaryRecord.isBinary(b.bytes, b.offset, b.length)
          ? BinaryRecord.decode(b.bytes, b.offset, b.length)
          : MemoryCodec.memoryFromJson(b.bytes, b.offset, b.length);
    }
    String json = ctx.reader().storedFields().document(local, STORED).get(Fields.RECORD);
    return json == null ? null : MemoryCodec.memoryFromJson(json);
  }
}
