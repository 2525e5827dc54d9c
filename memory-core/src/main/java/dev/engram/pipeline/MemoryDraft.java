package dev.engram.pipeline;

import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Message;
import dev.engram.memory.Metadata;
import dev.engram.memory.Tier;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A memory a pipeline proposes to add; the store fills in the scope, times, status and version.
 *
 * @param id names the draft within its plan, so that other planned changes (and other drafts'
 *     links) can refer to it; the store gives the stored memory a new id of its own and maps every
 *     such reference to it
 * @param text the memory
 * @param kind episodic, semantic or procedural
 * @param tier where it starts
 * @param importance in [0, 1]
 * @param strength initial strength, at least 1
 * @param keywords salient terms
 * @param tags categories
 * @param context one-line situation
 * @param metadata attributes
 * @param sources ids of the messages it came from
 * @param observedAt when it was said or happened, or {@code null} for now
 * @param links links to memories of the same scope
 * @param said the message this draft keeps verbatim, which makes the stored memory a conversation
 *     {@link dev.engram.memory.Turn turn} (the store numbers it in its session and takes the
 *     speaker and role from the message); {@code null} for facts, summaries and everything else
 */
public record MemoryDraft(
    MemoryId id,
    String text,
    Kind kind,
    Tier tier,
    double importance,
    double strength,
    List<String> keywords,
    List<String> tags,
    String context,
    Map<String, Object> metadata,
    List<String> sources,
    Instant observedAt,
    List<Link> links,
    Message said) {

  /** Validates what the store cannot fill in. */
  public MemoryDraft {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(text, "text");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(tier, "tier");
    keywords = keywords == null ? List.of() : List.copyOf(keywords);
    tags = tags == null ? List.of() : List.copyOf(tags);
    context = context == null ? "" : context;
    metadata = Metadata.normalize(metadata);
    sources = sources == null ? List.of() : List.copyOf(sources);
    links = links == null ? List.of() : List.copyOf(links);
  }

  /** A draft that is not a conversation turn. */
  public MemoryDraft(
      MemoryId id,
      String text,
      Kind kind,
      Tier tier,
      double importance,
      double strength,
      List<String> keywords,
      List<String> tags,
      String context,
      Map<String, Object> metadata,
      List<String> sources,
      Instant observedAt,
      List<Link> links) {
    this(
        id,
        text,
        kind,
        tier,
        importance,
        strength,
        keywords,
        tags,
        context,
        metadata,
        sources,
        observedAt,
        links,
        null);
  }

  /** A semantic long-term fact with default attributes. */
  public static MemoryDraft fact(String text) {
    return new MemoryDraft(
        MemoryId.random(),
        text,
        Kind.SEMANTIC,
        Tier.LONG_TERM,
        0.5,
        1,
        List.of(),
        List.of(),
        "",
        Map.of(),
        List.of(),
        null,
        List.of());
  }
}
