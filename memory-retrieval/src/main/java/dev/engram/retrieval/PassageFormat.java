package dev.engram.retrieval;

import dev.engram.memory.Memory;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * How the embedded store writes a memory out for BM25 and the embedding model. The default, {@link
 * #english()}, dates and attributes it — {@code On 8 May 2023, Caroline said: I adopted a dog} — so
 * that both retrievers match questions that name a time or a person (worth about 1.4 points of
 * LoCoMo recall@10). Those words are English: for a store in another language give its own, so its
 * passages are not padded with English, or use {@link #plain()} for the text alone.
 *
 * {@snippet :
 * PassageFormat chinese = new PassageFormat(
 *     "zh", Locale.CHINESE, "yyyy年M月d日", "{date}，{speaker}说：{text}", "{date}：{text}", "关键词：");
 * }
 *
 * <p>A store records the format's name and refuses to open with another; {@link
 * EmbeddedMemory#reindex} rewrites it with a new one.
 *
 * @param name a stable name recorded in the store: 1 to 64 lower-case letters, digits or {@code . _
 *     -}
 * @param locale the locale of month and day names in dates
 * @param datePattern a {@link DateTimeFormatter} pattern for {@code {date}} (when it was said)
 * @param withSpeaker the passage of a memory with a speaker (metadata {@code speaker}): must hold
 *     {@code {speaker}} and {@code {text}}, may hold {@code {date}}
 * @param withoutSpeaker the passage of any other memory: must hold {@code {text}}, may hold {@code
 *     {date}}
 * @param keywordsLabel written before a memory's keywords in the embedded text (may be empty)
 */
public record PassageFormat(
    String name,
    Locale locale,
    String datePattern,
    String withSpeaker,
    String withoutSpeaker,
    String keywordsLabel) {
  private static final Map<String, DateTimeFormatter> FORMATTERS = new ConcurrentHashMap<>();
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");
  private static final PassageFormat ENGLISH =
      new PassageFormat(
          "english",
          Locale.ENGLISH,
          "d MMMM yyyy",
          "On {date}, {speaker} said: {text}",
          "On {date}: {text}",
          "Keywords: ");
  private static final PassageFormat PLAIN =
      new PassageFormat("plain", Locale.ROOT, "yyyy-MM-dd", "{speaker}: {text}", "{text}", "");

  /** Validates every part, naming the one that is wrong. */
  public PassageFormat {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "name must be 1 to 64 lower-case letters, digits or . _ -, got '" + name + "'");
    }
    Objects.requireNonNull(locale, "locale must not be null");
    if (datePattern == null || datePattern.isBlank()) {
      throw new IllegalArgumentException("datePattern must not be blank");
    }
    try {
      DateTimeFormatter.ofPattern(datePattern, locale);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "datePattern '" + datePattern + "' is not a DateTimeFormatter pattern: " + e.getMessage(),
          e);
    }
    if (withSpeaker == null
        || !withSpeaker.contains("{speaker}")
        || !withSpeaker.contains("{text}")) {
      throw new IllegalArgumentException(
          "withSpeaker must contain {speaker} and {text}, got '" + withSpeaker + "'");
    }
    if (withoutSpeaker == null || !withoutSpeaker.contains("{text}")) {
      throw new IllegalArgumentException(
          "withoutSpeaker must contain {text}, got '" + withoutSpeaker + "'");
    }
    Objects.requireNonNull(keywordsLabel, "keywordsLabel must not be null (use \"\")");
  }

  /** The default: English words, {@code On 8 May 2023, Caroline said: …}. */
  public static PassageFormat english() {
    return ENGLISH;
  }

  /** The memory's text alone ({@code Caroline: …} when it has a speaker), in no language. */
  public static PassageFormat plain() {
    return PLAIN;
  }

  /**
   * The passage a memory is indexed under for BM25, and the start of what is embedded: the template
   * for a memory with or without a speaker, with its date and text filled in. Every backend
   * composes with this, so the same memory reads the same to the retrievers everywhere.
   */
  public String passage(Memory m) {
    String speaker = speakerOf(m);
    String template = speaker != null ? withSpeaker : withoutSpeaker;
    String date = dateFormatter().format(m.observedAt());
    // {text} last, so a memory's own text is never read as a placeholder.
    return template
        .replace("{date}", date)
        .replace("{speaker}", speaker != null ? speaker : "")
        .replace("{text}", m.text());
  }

  /**
   * What is embedded: the {@link #passage}, then the enrichment a pipeline added (A-MEM embeds
   * these too).
   */
  public String embeddedText(Memory m) {
    StringBuilder sb = new StringBuilder(passage(m));
    if (!m.context().isEmpty()) {
      sb.append(" (").append(m.context()).append(')');
    }
    if (!m.keywords().isEmpty()) {
      sb.append(' ').append(keywordsLabel).append(String.join(", ", m.keywords())).append('.');
    }
    return sb.toString();
  }

  /** A turn as the next turn's previous-turn field sees it, in any format: "Speaker: text". */
  public static String previousTurnText(Memory m) {
    String speaker = speakerOf(m);
    return speaker != null ? speaker + ": " + m.text() : m.text();
  }

  /** Parsed once per pattern and locale: every stored memory is composed with it. */
  private DateTimeFormatter dateFormatter() {
    return FORMATTERS.computeIfAbsent(
        datePattern + '\u0000' + locale.toLanguageTag(),
        k -> DateTimeFormatter.ofPattern(datePattern, locale).withZone(ZoneOffset.UTC));
  }

  private static String speakerOf(Memory m) {
    return m.turn() == null ? null : m.turn().speaker();
  }
}
