package dev.engram;

import dev.engram.history.HistoryEvent;
import dev.engram.memory.Kind;
import dev.engram.memory.Memory;
import dev.engram.memory.Metadata;
import dev.engram.memory.Tier;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A change to an existing memory: only the fields set here change. The previous value stays in the
 * memory's history. Build with {@link #builder()}.
 */
public final class MemoryUpdate {
  private final String text;
  private final Map<String, Object> metadata;
  private final Double importance;
  private final List<String> keywords;
  private final List<String> tags;
  private final String context;
  private final Kind kind;
  private final Tier tier;
  private final Instant validFrom;
  private final String reason;
  private final String actor;
  private final long ifVersion;

  private MemoryUpdate(Builder b) {
    this.text = b.text;
    this.metadata = b.metadata;
    this.importance = b.importance;
    this.keywords = b.keywords;
    this.tags = b.tags;
    this.context = b.context;
    this.kind = b.kind;
    this.tier = b.tier;
    this.validFrom = b.validFrom;
    this.reason = b.reason;
    this.actor = b.actor;
    this.ifVersion = b.ifVersion;
  }

  /** A builder with nothing set. */
  public static Builder builder() {
    return new Builder();
  }

  /** An update of the text alone. */
  public static MemoryUpdate text(String text) {
    return builder().text(text).build();
  }

  /** The new text, or {@code null}. */
  public String text() {
    return text;
  }

  /** The new metadata (replacing the old), or {@code null}. */
  public Map<String, Object> metadata() {
    return metadata;
  }

  /** The new importance, or {@code null}. */
  public Double importance() {
    return importance;
  }

  /** The new keywords, or {@code null}. */
  public List<String> keywords() {
    return keywords;
  }

  /** The new tags, or {@code null}. */
  public List<String> tags() {
    return tags;
  }

  /** The new context, or {@code null}. */
  public String context() {
    return context;
  }

  /** The new kind, or {@code null}. */
  public Kind kind() {
    return kind;
  }

  /** The new tier, or {@code null}. */
  public Tier tier() {
    return tier;
  }

  /** The new valid-from, or {@code null}. */
  public Instant validFrom() {
    return validFrom;
  }

  /** Why, for history. */
  public String reason() {
    return reason;
  }

  /** Who, for history. */
  public String actor() {
    return actor;
  }

  /**
   * The version the memory must be at for the update to apply, or 0 for any version; see {@link
   * Builder#ifVersion(long)}.
   */
  public long ifVersion() {
    return ifVersion;
  }

  /** Builds {@link MemoryUpdate}s. */
  public static final class Builder {
    private String text;
    private Map<String, Object> metadata;
    private Double importance;
    private List<String> keywords;
    private List<String> tags;
    private String context;
    private Kind kind;
    private Tier tier;
    private Instant validFrom;
    private String reason = "";
    private String actor = "api";
    private long ifVersion;

    private Builder() {}

    /** Sets new text; must not be blank. */
    public Builder text(String text) {
      if (text == null || text.isBlank()) {
        throw new IllegalArgumentException("text must not be null or blank");
      }
      this.text = Memory.checkWellFormed("text", text);
      return this;
    }

    /** Replaces the metadata. */
    public Builder metadata(Map<String, ?> metadata) {
      this.metadata =
          Metadata.normalize(Objects.requireNonNull(metadata, "metadata must not be null"));
      return this;
    }

    /** Sets the importance, in [0, 1]. */
    public Builder importance(double importance) {
      if (!(importance >= 0 && importance <= 1)) {
        throw new IllegalArgumentException("importance must be between 0 and 1, got " + importance);
      }
      this.importance = importance;
      return this;
    }

    /** Replaces the keywords; the rules of {@link dev.engram.memory.Memory#keywords()} apply. */
    public Builder keywords(List<String> keywords) {
      this.keywords = labels("keywords", keywords);
      return this;
    }

    /** Replaces the tags; the rules of {@link dev.engram.memory.Memory#tags()} apply. */
    public Builder tags(List<String> tags) {
      this.tags = labels("tags", tags);
      return this;
    }

    private static List<String> labels(String field, List<String> values) {
      Objects.requireNonNull(values, field + " must not be null");
      if (values.size() > Memory.MAX_LIST_SIZE) {
        throw new IllegalArgumentException(
            field
                + " has "
                + values.size()
                + " entries; at most "
                + Memory.MAX_LIST_SIZE
                + " are allowed");
      }
      for (String v : values) {
        if (v == null || v.isBlank()) {
          throw new IllegalArgumentException(field + " must not contain null or blank entries");
        }
        if (v.length() > Memory.MAX_LABEL_LENGTH) {
          throw new IllegalArgumentException(
              field + " entries must be at most " + Memory.MAX_LABEL_LENGTH + " characters");
        }
      }
      return List.copyOf(values);
    }

    /** Sets the context line. */
    public Builder context(String context) {
      this.context = Objects.requireNonNull(context, "context must not be null");
      return this;
    }

    /** Sets the kind. */
    public Builder kind(Kind kind) {
      this.kind = Objects.requireNonNull(kind, "kind must not be null");
      return this;
    }

    /** Moves the memory to a tier. */
    public Builder tier(Tier tier) {
      this.tier = Objects.requireNonNull(tier, "tier must not be null");
      return this;
    }

    /** Sets when it started being true. */
    public Builder validFrom(Instant validFrom) {
      this.validFrom = Memory.checkTime("validFrom", validFrom);
      return this;
    }

    /**
     * Says why, for history; at most {@value HistoryEvent#MAX_REASON_LENGTH} characters; default
     * empty.
     */
    public Builder reason(String reason) {
      this.reason =
          HistoryEvent.checkReason(Objects.requireNonNull(reason, "reason must not be null"));
      return this;
    }

    /** Says who, for history; default {@code api}. */
    public Builder actor(String actor) {
      if (actor == null || actor.isBlank() || actor.length() > 64) {
        throw new IllegalArgumentException("actor must be 1 to 64 characters");
      }
      this.actor = actor;
      return this;
    }

    /**
     * Applies the update only if the memory is still at {@code version} (its {@link
     * dev.engram.memory.Memory#version()} when it was read); otherwise the update throws {@link
     * VersionConflictException} and changes nothing. This makes a read-modify-write safe against
     * other threads and processes changing the memory in between. Default: any version.
     */
    public Builder ifVersion(long version) {
      if (version < 1) {
        throw new IllegalArgumentException("ifVersion must be at least 1, got " + version);
      }
      this.ifVersion = version;
      return this;
    }

    /**
     * Builds the update.
     *
     * @throws IllegalArgumentException if nothing is set
     */
    public MemoryUpdate build() {
      if (text == null
          && metadata == null
          && importance == null
          && keywords == null
          && tags == null
          && context == null
          && kind == null
          && tier == null
          && validFrom == null) {
        throw new IllegalArgumentException("update changes nothing: set at least one field");
      }
      return new MemoryUpdate(this);
    }
  }
}
