package dev.engram.pipeline;

import dev.engram.memory.Link;
import dev.engram.memory.MemoryId;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One change a pipeline asks the store to make. The store checks every id it refers to (it must
 * exist, be in the caller's scope and not be deleted) and skips, with a note, a change that fails
 * the check; an {@link Add} is never skipped for a problem in another change.
 */
public sealed interface PlannedChange {

  /**
   * Store a new memory.
   *
   * @param draft the memory
   * @param reason why, in words, for history
   */
  record Add(MemoryDraft draft, String reason) implements PlannedChange {
    /** Validates. */
    public Add {
      Objects.requireNonNull(draft, "draft");
      reason = reason == null ? "" : reason;
    }
  }

  /**
   * Change an existing memory's text and/or attributes; the old value stays in history.
   *
   * @param id the memory
   * @param text the new text, or {@code null} to keep it
   * @param keywords new keywords, or {@code null} to keep them
   * @param tags new tags, or {@code null} to keep them
   * @param context a new context line, or {@code null} to keep it
   * @param importance a new importance, or {@code null} to keep it
   * @param metadata entries to put into the metadata (others kept), or empty
   * @param sources source ids to add, or empty
   * @param reason why, in words, for history
   */
  record Update(
      MemoryId id,
      String text,
      List<String> keywords,
      List<String> tags,
      String context,
      Double importance,
      Map<String, Object> metadata,
      List<String> sources,
      String reason)
      implements PlannedChange {
    /** Validates. */
    public Update {
      Objects.requireNonNull(id, "id");
      metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
      sources = sources == null ? List.of() : List.copyOf(sources);
      reason = reason == null ? "" : reason;
    }

    /** An update of the text only. */
    public static Update text(MemoryId id, String text, String reason) {
      return new Update(id, text, null, null, null, null, Map.of(), List.of(), reason);
    }
  }

  /**
   * Mark an existing memory as no longer true (valid-to = the new information's time); kept, not
   * erased.
   *
   * @param id the memory
   * @param supersededBy the id of the memory that replaces it (usually an {@link Add} of the same
   *     plan), or {@code null}
   * @param reason why, in words, for history
   */
  record Invalidate(MemoryId id, MemoryId supersededBy, String reason) implements PlannedChange {
    /** Validates. */
    public Invalidate {
      Objects.requireNonNull(id, "id");
      reason = reason == null ? "" : reason;
    }
  }

  /**
   * Link two memories of the scope.
   *
   * @param from the memory that gets the link
   * @param link the target and relation
   * @param reason why, in words, for history
   */
  record AddLink(MemoryId from, Link link, String reason) implements PlannedChange {
    /** Validates. */
    public AddLink {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(link, "link");
      reason = reason == null ? "" : reason;
    }
  }
}
