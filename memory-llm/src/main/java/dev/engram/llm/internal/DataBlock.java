package dev.engram.llm.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Puts untrusted text (messages, stored memories) into prompts as JSON inside {@code <data>}
 * blocks. Angle brackets are escaped, so no text can close the block and pose as instructions.
 */
public final class DataBlock {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("EEEE, d MMMM yyyy, HH:mm", Locale.ENGLISH);
  private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("xxx", Locale.ROOT);

  static {
    MAPPER.getFactory().setCharacterEscapes(new AngleBracketEscapes());
  }

  private DataBlock() {}

  /** A new JSON object. */
  public static ObjectNode object() {
    return NODES.objectNode();
  }

  /** A new JSON array. */
  public static ArrayNode array() {
    return NODES.arrayNode();
  }

  /**
   * A date as the model should read it: weekday, day, month name, year and time in {@code zone},
   * and the zone: {@code Monday, 8 May 2023, 13:56 UTC}, or {@code Sunday, 7 May 2023, 20:00
   * America/Los_Angeles (UTC-07:00)}.
   */
  public static String date(Instant instant, ZoneId zone) {
    ZonedDateTime t = instant.atZone(zone);
    if (zone.normalized().equals(ZoneOffset.UTC)) {
      return DATE.format(t) + " UTC";
    }
    return DATE.format(t) + " " + zone.getId() + " (UTC" + OFFSET.format(t) + ")";
  }

  /** {@code title}, then the JSON of {@code data} between {@code <data>} and {@code </data>}. */
  public static String wrap(String title, JsonNode data) {
    try {
      return title + "\n<data>\n" + MAPPER.writeValueAsString(data) + "\n</data>\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode prompt data", e);
    }
  }

  private static final class AngleBracketEscapes extends CharacterEscapes {
    private static final long serialVersionUID = 1L;
    private final int[] escapes;

    AngleBracketEscapes() {
      escapes = CharacterEscapes.standardAsciiEscapesForJSON();
      escapes['<'] = CharacterEscapes.ESCAPE_STANDARD;
      escapes['>'] = CharacterEscapes.ESCAPE_STANDARD;
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return escapes;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return null;
    }
  }
}
