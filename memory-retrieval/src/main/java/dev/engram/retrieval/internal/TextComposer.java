package dev.engram.retrieval.internal;

import dev.engram.memory.Memory;
import dev.engram.retrieval.PassageFormat;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * What a memory looks like to the retrievers, in the store's {@link PassageFormat}. Dating and
 * attributing a turn ("On 8 May 2023, Caroline said: …") lets both BM25 and the embedding match
 * questions that name a time or a person; measured on LoCoMo it is worth about 1.4 points of
 * recall@10.
 */
final class TextComposer {
  private final PassageFormat format;
  private final DateTimeFormatter date;

  TextComposer(PassageFormat format) {
    this.format = format;
    this.date =
        DateTimeFormatter.ofPattern(format.datePattern(), format.locale()).withZone(ZoneOffset.UTC);
  }

  /** Who said a memory, for a turn said by a named speaker; {@code null} otherwise. */
  static String speaker(Memory m) {
    return m.turn() == null ? null : m.turn().speaker();
  }

  /** The text indexed for BM25 and embedded: date, speaker and the memory's text. */
  String content(Memory m) {
    String speaker = speaker(m);
    String template = speaker != null ? format.withSpeaker() : format.withoutSpeaker();
    // {text} last, so a memory's own text is never read as a placeholder.
    return template
        .replace("{date}", date.format(m.observedAt()))
        .replace("{speaker}", speaker != null ? speaker : "")
        .replace("{text}", m.text());
  }

  /**
   * What is embedded: the content, then the enrichment a pipeline added (A-MEM embeds these too).
   */
  String embedded(Memory m) {
    StringBuilder sb = new StringBuilder(content(m));
    if (!m.context().isEmpty()) {
      sb.append(" (").append(m.context()).append(')');
    }
    if (!m.keywords().isEmpty()) {
      sb.append(' ').append(format.keywordsLabel()).append(String.join(", ", m.keywords()));
      sb.append('.');
    }
    return sb.toString();
  }

  /** A turn as the next turn's context field sees it: "Speaker: text". */
  static String asPrevious(Memory m) {
    String speaker = speaker(m);
    return speaker != null ? speaker + ": " + m.text() : m.text();
  }
}
