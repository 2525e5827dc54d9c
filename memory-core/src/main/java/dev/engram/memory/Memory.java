package dev.engram.memory;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One remembered item and everything known about it. Immutable: every change produces a new value
 * with a higher {@link #version()}, and the store records the change in the memory's history.
 *
 * <p>Times: {@code createdAt} is when the store learned it, {@code observedAt} when it was said or
 * happened (historical conversations keep their real dates), {@code lastAccessedAt} when it was
 * last stored, recalled or reinforced (the decay clock), and {@code validFrom} / {@code validTo}
 * when it was true in the world. A superseded fact gets a {@code validTo} and status {@link
 * Status#INVALIDATED} instead of being erased, so "what was true on date X" stays answerable.
 *
 * @param id stable identity
 * @param text the memory itself, never blank
 * @param scope whose memory it is
 * @param tier working, short-term or long-term
 * @param kind episodic, semantic or procedural
 * @param status active, archived, invalidated or deleted
 * @param importance how much it matters, in [0, 1]; seeds and weights ranking
 * @param strength Ebbinghaus strength S, at least 1; grows each time the memory is recalled
 * @param accessCount how many times the memory has been returned by a search
 * @param createdAt when the store first stored it
 * @param updatedAt when it last changed
 * @param observedAt when it was said or happened
 * @param lastAccessedAt the start of the current forgetting curve
 * @param validFrom when it started being true
 * @param validTo when it stopped being true, or {@code null} while it still is
 * @param metadata caller-supplied attributes, see {@link Metadata}
 * @param keywords salient terms, indexed for lexical search
 * @param tags categories
 * @param context a one-line description of the situation the memory belongs to, or empty
 * @param links links to other memories of the same scope
 * @param sources ids of the messages it came from, for tracing an answer back
 * @param turn where it was said, when it is a conversation turn stored verbatim; {@code null} for
 *     everything else (facts, summaries)
 * @param version 1 when stored, incremented by every change
 */
public record Memory(
    MemoryId id,
    String text,
    Scope scope,
    Tier tier,
    Kind kind,
    Status status,
    double importance,
    double strength,
    long accessCount,
    Instant createdAt,
    Instant updatedAt,
    Instant observedAt,
    Instant lastAccessedAt,
    Instant validFrom,
    Instant validTo,
    Map<String, Object> metadata,
    List<String> keywords,
    List<String> tags,
    String context,
    List<Link> links,
    List<String> sources,
    Turn turn,
    long version) {

  /** Most keywords, tags, links or sources a memory may carry. */
  public static final int MAX_LIST_SIZE = 256;

  /** Longest keyword, tag or source id, in characters. */
  public static final int MAX_LABEL_LENGTH = 256;

  /**
   * The earliest time a memory's times may hold: the start of 1678 (UTC). Stores index times as
   * nanoseconds since 1970 in 64 bits, which reach from late 1677 to early 2262; outside that range
   * times could not be sorted or filtered exactly.
   */
  public static final Instant EARLIEST_TIME = Instant.parse("1678-01-01T00:00:00Z");

  /**
   * The latest time a memory's times may hold: the end of 2261 (UTC); see {@link #EARLIEST_TIME}.
   */
  public static final Instant LATEST_TIME = Instant.parse("2261-12-31T23:59:59.999999999Z");

  /**
   * Checks that a time given for {@code field} lies within {@link #EARLIEST_TIME} and {@link
   * #LATEST_TIME}: times outside cannot be indexed, sorted or compared exactly.
   *
   * @return the time
   * @throws IllegalArgumentException naming the field if it does not
   */
  public static Instant checkTime(String field, Instant time) {
    Objects.requireNonNull(time, field + " must not be null");
    if (time.isBefore(EARLIEST_TIME) || time.isAfter(LATEST_TIME)) {
      throw new IllegalArgumentException(
          field
              + " ("
              + time
              + ") is out of range: it must lie between "
              + EARLIEST_TIME
              + " and "
              + LATEST_TIME);
    }
    return time;
  }

  /**
   * Checks that a text given for {@code field} is well-formed UTF-16: a lone surrogate has no UTF-8
   * form and would be stored as U+FFFD, silently changing the text.
   *
   * @return the text
   * @throws IllegalArgumentException naming the field and position if it is not
   */
  public static String checkWellFormed(String field, String text) {
    if (text == null) {
      return null;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < text.length()
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            field
                + " has a lone surrogate (U+"
                + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT)
                + ") at index "
                + i
                + ": it is not valid Unicode text");
      }
    }
    return text;
  }

  /** Validates every field; a memory that exists is always well-formed. */
  public Memory {
    Objects.requireNonNull(id, "id must not be null");
    Objects.requireNonNull(text, "text must not be null");
    if (text.isBlank()) {
      throw new IllegalArgumentException("text must not be blank");
    }
    checkWellFormed("text", text);
    Objects.requireNonNull(scope, "scope must not be null");
    Objects.requireNonNull(tier, "tier must not be null");
    Objects.requireNonNull(kind, "kind must not be null");
    Objects.requireNonNull(status, "status must not be null");
    if (!(importance >= 0 && importance <= 1)) {
      throw new IllegalArgumentException("importance must be between 0 and 1, got " + importance);
    }
    if (!(strength >= 1 && strength <= 1e9)) {
      throw new IllegalArgumentException("strength must be between 1 and 1e9, got " + strength);
    }
    if (accessCount < 0) {
      throw new IllegalArgumentException("accessCount must not be negative, got " + accessCount);
    }
    Objects.requireNonNull(createdAt, "createdAt must not be null");
    Objects.requireNonNull(updatedAt, "updatedAt must not be null");
    Objects.requireNonNull(observedAt, "observedAt must not be null");
    Objects.requireNonNull(lastAccessedAt, "lastAccessedAt must not be null");
    Objects.requireNonNull(validFrom, "validFrom must not be null");
    checkTime("createdAt", createdAt);
    checkTime("updatedAt", updatedAt);
    checkTime("observedAt", observedAt);
    checkTime("lastAccessedAt", lastAccessedAt);
    checkTime("validFrom", validFrom);
    if (validTo != null) {
      checkTime("validTo", validTo);
    }
    if (validTo != null && validTo.isBefore(validFrom)) {
      throw new IllegalArgumentException(
          "validTo (" + validTo + ") must not be before validFrom (" + validFrom + ")");
    }
    metadata = Metadata.normalize(metadata);
    keywords = labels("keywords", keywords);
    tags = labels("tags", tags);
    context = context == null ? "" : checkWellFormed("context", context);
    if (context.length() > Metadata.MAX_STRING_LENGTH) {
      throw new IllegalArgumentException(
          "context is " + context.length() + " characters; at most 4096 are allowed");
    }
    links = links == null ? List.of() : List.copyOf(links);
    if (links.size() > MAX_LIST_SIZE) {
      throw new IllegalArgumentException("links has more than " + MAX_LIST_SIZE + " entries");
    }
    sources = labels("sources", sources);
    if (turn != null && !Objects.equals(turn.session(), scope.sessionId())) {
      throw new IllegalArgumentException(
          "turn.session ("
              + turn.session()
              + ") must be the memory's scope.sessionId ("
              + scope.sessionId()
              + ")");
    }
    if (version < 1) {
      throw new IllegalArgumentException("version must be at least 1, got " + version);
    }
  }

  private static List<String> labels(String field, List<String> values) {
    if (values == null || values.isEmpty()) {
      return List.of();
    }
    if (values.size() > MAX_LIST_SIZE) {
      throw new IllegalArgumentException(
          field + " has " + values.size() + " entries; at most " + MAX_LIST_SIZE + " are allowed");
    }
    for (String v : values) {
      if (v == null || v.isBlank()) {
        throw new IllegalArgumentException(field + " must not contain null or blank entries");
      }
      if (v.length() > MAX_LABEL_LENGTH) {
        throw new IllegalArgumentException(
            field + " entries must be at most " + MAX_LABEL_LENGTH + " characters");
      }
      checkWellFormed(field, v);
    }
    return List.copyOf(values);
  }

  /** Whether the memory is a conversation turn stored verbatim ({@link #turn()} is set). */
  public boolean isTurn() {
    return turn != null;
  }

  /** Whether the memory was true at {@code instant}: validFrom &lt;= instant &lt; validTo. */
  public boolean isValidAt(Instant instant) {
    return !validFrom.isAfter(instant) && (validTo == null || instant.isBefore(validTo));
  }

  /** A builder initialised with this memory's fields, for deriving a changed copy. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** A builder for a new memory; id, text, scope and the times must be set. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds {@link Memory} values. Validation happens in {@link #build()}. */
  public static final class Builder {
    private MemoryId id;
    private String text;
    private Scope scope;
    private Tier tier = Tier.SHORT_TERM;
    private Kind kind = Kind.EPISODIC;
    private Status status = Status.ACTIVE;
    private double importance = 0.5;
    private double strength = 1;
    private long accessCount;
    private Instant createdAt;
    private Instant updatedAt;
    private Instant observedAt;
    private Instant lastAccessedAt;
    private Instant validFrom;
    private Instant validTo;
    private Map<String, Object> metadata = Map.of();
    private List<String> keywords = List.of();
    private List<String> tags = List.of();
    private String context = "";
    private List<Link> links = List.of();
    private List<String> sources = List.of();
    private Turn turn;
    private long version = 1;

    private Builder() {}

    private Builder(Memory m) {
      id = m.id;
      text = m.text;
      scope = m.scope;
      tier = m.tier;
      kind = m.kind;
      status = m.status;
      importance = m.importance;
      strength = m.strength;
      accessCount = m.accessCount;
      createdAt = m.createdAt;
      updatedAt = m.updatedAt;
      observedAt = m.observedAt;
      lastAccessedAt = m.lastAccessedAt;
      validFrom = m.validFrom;
      validTo = m.validTo;
      metadata = m.metadata;
      keywords = m.keywords;
      tags = m.tags;
      context = m.context;
      links = m.links;
      sources = m.sources;
      turn = m.turn;
      version = m.version;
    }

    /** Sets the id. */
    public Builder id(MemoryId id) {
      this.id = id;
      return this;
    }

    /** Sets the text. */
    public Builder text(String text) {
      this.text = text;
      return this;
    }

    /** Sets the scope. */
    public Builder scope(Scope scope) {
      this.scope = scope;
      return this;
    }

    /** Sets the tier; default {@link Tier#SHORT_TERM}. */
    public Builder tier(Tier tier) {
      this.tier = tier;
      return this;
    }

    /** Sets the kind; default {@link Kind#EPISODIC}. */
    public Builder kind(Kind kind) {
      this.kind = kind;
      return this;
    }

    /** Sets the status; default {@link Status#ACTIVE}. */
    public Builder status(Status status) {
      this.status = status;
      return this;
    }

    /** Sets the importance in [0, 1]; default 0.5. */
    public Builder importance(double importance) {
      this.importance = importance;
      return this;
    }

    /** Sets the strength; default 1. */
    public Builder strength(double strength) {
      this.strength = strength;
      return this;
    }

    /** Sets the access count; default 0. */
    public Builder accessCount(long accessCount) {
      this.accessCount = accessCount;
      return this;
    }

    /** Sets the creation time. */
    public Builder createdAt(Instant createdAt) {
      this.createdAt = createdAt;
      return this;
    }

    /** Sets the last-change time. */
    public Builder updatedAt(Instant updatedAt) {
      this.updatedAt = updatedAt;
      return this;
    }

    /** Sets when it was said or happened. */
    public Builder observedAt(Instant observedAt) {
      this.observedAt = observedAt;
      return this;
    }

    /** Sets the start of the current forgetting curve. */
    public Builder lastAccessedAt(Instant lastAccessedAt) {
      this.lastAccessedAt = lastAccessedAt;
      return this;
    }

    /** Sets when it started being true. */
    public Builder validFrom(Instant validFrom) {
      this.validFrom = validFrom;
      return this;
    }

    /** Sets when it stopped being true; {@code null} while it still is. */
    public Builder validTo(Instant validTo) {
      this.validTo = validTo;
      return this;
    }

    /** Sets all four times of a memory that has just been created at {@code now}. */
    public Builder createdAt(Instant now, Instant observedAt) {
      this.createdAt = now;
      this.updatedAt = now;
      this.lastAccessedAt = now;
      this.observedAt = observedAt;
      this.validFrom = observedAt;
      return this;
    }

    /** Replaces the metadata. */
    public Builder metadata(Map<String, ?> metadata) {
      this.metadata = Metadata.normalize(metadata);
      return this;
    }

    /** Replaces the keywords. */
    public Builder keywords(List<String> keywords) {
      this.keywords = keywords;
      return this;
    }

    /** Replaces the tags. */
    public Builder tags(List<String> tags) {
      this.tags = tags;
      return this;
    }

    /** Sets the context line. */
    public Builder context(String context) {
      this.context = context;
      return this;
    }

    /** Replaces the links. */
    public Builder links(List<Link> links) {
      this.links = links;
      return this;
    }

    /** Replaces the sources. */
    public Builder sources(List<String> sources) {
      this.sources = sources;
      return this;
    }

    /** Sets where it was said, for a conversation turn; default {@code null} (not a turn). */
    public Builder turn(Turn turn) {
      this.turn = turn;
      return this;
    }

    /** Sets the version; default 1. */
    public Builder version(long version) {
      this.version = version;
      return this;
    }

    /** Validates and builds. */
    public Memory build() {
      return new Memory(
          id,
          text,
          scope,
          tier,
          kind,
          status,
          importance,
          strength,
          accessCount,
          createdAt,
          updatedAt,
          observedAt,
          lastAccessedAt,
          validFrom,
          validTo,
          metadata,
          keywords,
          tags,
          context,
          links,
          sources,
          turn,
          version);
    }
  }
}
