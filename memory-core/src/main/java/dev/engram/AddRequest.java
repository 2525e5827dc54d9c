package dev.engram;

import dev.engram.memory.Kind;
import dev.engram.memory.Memory;
import dev.engram.memory.Message;
import dev.engram.memory.Metadata;
import dev.engram.memory.Scope;
import dev.engram.memory.Tier;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to remember: one or more texts or chat messages for a scope. Build with {@link
 * #builder(Scope)}; every setter validates its argument.
 *
 * <p>Without a pipeline (or with {@code infer(false)}) each message becomes one memory, verbatim,
 * with the message's speaker in the metadata keys {@code role} and {@code speaker}. With a
 * pipeline, the pipeline decides what is stored.
 */
public final class AddRequest {
  /**
   * How far after the store's clock an observed-at time may lie (clock skew between the caller and
   * the store): 5 minutes. A later one is rejected; a memory is never valid before it is stored, so
   * one within the tolerance is searchable at once.
   */
  public static final Duration OBSERVED_AT_TOLERANCE = Duration.ofMinutes(5);

  /**
   * The most messages one add may hold: 10,000 (their size is limited by {@code
   * Engram.Builder.maxAddBytes}).
   */
  public static final int MAX_MESSAGES = 10_000;

  private final Scope scope;
  private final List<Message> messages;
  private final Map<String, Object> metadata;
  private final Instant observedAt;
  private final List<String> sources;
  private final Tier tier;
  private final Kind kind;
  private final double importance;
  private final List<String> tags;
  private final Boolean infer;
  private final String actor;

  private AddRequest(Builder b) {
    this.scope = b.scope;
    this.messages = List.copyOf(b.messages);
    this.metadata = Metadata.normalize(b.metadata);
    this.observedAt = b.observedAt;
    this.sources = List.copyOf(b.sources);
    this.tier = b.tier;
    this.kind = b.kind;
    this.importance = b.importance;
    this.tags = List.copyOf(b.tags);
    this.infer = b.infer;
    this.actor = b.actor;
  }

  /** A builder for the given scope. */
  public static Builder builder(Scope scope) {
    return new Builder(scope);
  }

  /** A request storing texts said by the user. */
  public static AddRequest of(Scope scope, String... texts) {
    Builder b = builder(scope);
    for (String t : texts) {
      b.text(t);
    }
    return b.build();
  }

  /** Whose memory. */
  public Scope scope() {
    return scope;
  }

  /** The messages, at least one. */
  public List<Message> messages() {
    return messages;
  }

  /** Metadata put on every stored memory. */
  public Map<String, Object> metadata() {
    return metadata;
  }

  /** When the messages were said, or {@code null} for now; a message's own time wins. */
  public Instant observedAt() {
    return observedAt;
  }

  /** Source ids recorded on every stored memory, besides each message's own id. */
  public List<String> sources() {
    return sources;
  }

  /** The tier raw memories go to. */
  public Tier tier() {
    return tier;
  }

  /** The kind of raw memories. */
  public Kind kind() {
    return kind;
  }

  /** The importance of raw memories. */
  public double importance() {
    return importance;
  }

  /** Tags put on every stored memory. */
  public List<String> tags() {
    return tags;
  }

  /** Whether to run the pipeline; {@code null} means the store's default. */
  public Boolean infer() {
    return infer;
  }

  /** Who is making the change, for history. */
  public String actor() {
    return actor;
  }

  /** Builds {@link AddRequest}s. */
  public static final class Builder {
    private final Scope scope;
    private final List<Message> messages = new ArrayList<>();
    private final Map<String, Object> metadata = new LinkedHashMap<>();
    private Instant observedAt;
    private final List<String> sources = new ArrayList<>();
    private Tier tier = Tier.SHORT_TERM;
    private Kind kind = Kind.EPISODIC;
    private double importance = 0.5;
    private final List<String> tags = new ArrayList<>();
    private Boolean infer;
    private String actor = "api";

    private Builder(Scope scope) {
      this.scope = Objects.requireNonNull(scope, "scope must not be null");
    }

    /** Adds a text said by the user. */
    public Builder text(String text) {
      return message(Message.user(text));
    }

    /** Adds a chat message. */
    public Builder message(Message message) {
      messages.add(Objects.requireNonNull(message, "message must not be null"));
      return this;
    }

    /** Adds chat messages. */
    public Builder messages(List<Message> messages) {
      Objects.requireNonNull(messages, "messages must not be null").forEach(this::message);
      return this;
    }

    /** Puts a metadata entry on every stored memory; see {@link Metadata} for what is allowed. */
    public Builder metadata(String key, Object value) {
      // A null key or value is bad input (named in the message), not a NullPointerException.
      Map<String, Object> one = Metadata.normalize(Collections.singletonMap(key, value));
      metadata.putAll(one);
      Metadata.normalize(metadata);
      return this;
    }

    /** Puts metadata entries on every stored memory. */
    public Builder metadata(Map<String, ?> entries) {
      Objects.requireNonNull(entries, "metadata must not be null");
      metadata.putAll(Metadata.normalize(entries));
      Metadata.normalize(metadata);
      return this;
    }

    /**
     * Sets when the messages were said; default now. Historical conversations keep their real dates
     * this way; a message's own {@link Message#observedAt()} wins over this. The store rejects a
     * time more than {@link #OBSERVED_AT_TOLERANCE} after its clock.
     */
    public Builder observedAt(Instant observedAt) {
      this.observedAt = Memory.checkTime("observedAt", observedAt);
      return this;
    }

    /** Records a source id (e.g. a message or document id) on every stored memory. */
    public Builder source(String sourceId) {
      if (sourceId == null || sourceId.isBlank() || sourceId.length() > 256) {
        throw new IllegalArgumentException("source must be 1 to 256 characters");
      }
      sources.add(Memory.checkWellFormed("source", sourceId));
      return this;
    }

    /**
     * Sets the tier raw memories go to; default {@link Tier#SHORT_TERM}. {@link Tier#WORKING} needs
     * a session in the scope.
     */
    public Builder tier(Tier tier) {
      this.tier = Objects.requireNonNull(tier, "tier must not be null");
      return this;
    }

    /** Sets the kind of raw memories; default {@link Kind#EPISODIC}. */
    public Builder kind(Kind kind) {
      this.kind = Objects.requireNonNull(kind, "kind must not be null");
      return this;
    }

    /** Sets the importance of raw memories, in [0, 1]; default 0.5. */
    public Builder importance(double importance) {
      if (!(importance >= 0 && importance <= 1)) {
        throw new IllegalArgumentException("importance must be between 0 and 1, got " + importance);
      }
      this.importance = importance;
      return this;
    }

    /** Adds a tag to every stored memory. */
    public Builder tag(String tag) {
      if (tag == null || tag.isBlank() || tag.length() > 256) {
        throw new IllegalArgumentException("tag must be 1 to 256 characters");
      }
      tags.add(Memory.checkWellFormed("tag", tag));
      return this;
    }

    /**
     * Sets whether the store's pipeline runs; default: it runs when the store has one. {@code
     * false} stores the messages verbatim.
     */
    public Builder infer(boolean infer) {
      this.infer = infer;
      return this;
    }

    /** Sets who is making the change, recorded in history; default {@code api}. */
    public Builder actor(String actor) {
      if (actor == null || actor.isBlank() || actor.length() > 64) {
        throw new IllegalArgumentException("actor must be 1 to 64 characters");
      }
      this.actor = actor;
      return this;
    }

    /**
     * Builds the request.
     *
     * @throws IllegalArgumentException if there is no message or more than {@link #MAX_MESSAGES},
     *     or the working tier is asked for without a session
     */
    public AddRequest build() {
      if (messages.isEmpty()) {
        throw new IllegalArgumentException("messages must not be empty: add at least one text");
      }
      if (messages.size() > MAX_MESSAGES) {
        throw new IllegalArgumentException(
            "messages has "
                + messages.size()
                + " entries; at most "
                + MAX_MESSAGES
                + " are allowed in one add (AddRequest.MAX_MESSAGES)");
      }
      if (tier == Tier.WORKING && scope.sessionId() == null) {
        throw new IllegalArgumentException(
            "tier WORKING needs scope.sessionId: working memory belongs to one session");
      }
      return new AddRequest(this);
    }
  }
}
