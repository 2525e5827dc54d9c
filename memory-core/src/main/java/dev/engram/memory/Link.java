package dev.engram.memory;

import java.util.Objects;

/**
 * A directed link from one memory to another of the same scope (Zettelkasten style).
 *
 * @param target the linked memory
 * @param relation a short lower-case label such as {@code related}, {@code supersedes} or {@code
 *     derived_from}
 */
public record Link(MemoryId target, String relation) {
  /** The default relation. */
  public static final String RELATED = "related";

  /** From a newer fact to the fact it invalidated. */
  public static final String SUPERSEDES = "supersedes";

  /** From a summary or extracted fact to the memory it was derived from. */
  public static final String DERIVED_FROM = "derived_from";

  /**
   * From a conversation turn to a fact derived from it (the inverse of {@link #DERIVED_FROM}, kept
   * by the store): the fact says what the turn said, so the turn ranks below it.
   */
  public static final String FACT = "fact";

  /**
   * From a conversation turn to a fact derived from it that was since invalidated or rewritten
   * (kept by the store): what the turn said there is out of date.
   */
  public static final String OUTDATED_FACT = "outdated_fact";

  /**
   * From a conversation turn to the memory that replaced a fact derived from it (kept by the
   * store): the turn ranks below it.
   */
  public static final String SUPERSEDED_BY = "superseded_by";

  /** Validates the relation label. */
  public Link {
    Objects.requireNonNull(target, "link.target must not be null");
    Objects.requireNonNull(relation, "link.relation must not be null");
    if (!validRelation(relation)) {
      throw new IllegalArgumentException(
          "link.relation must be 1 to 32 lower-case letters, digits or '_', got '"
              + Text.abbreviate(relation)
              + "'");
    }
  }

  /** {@code [a-z][a-z0-9_]{0,31}}. */
  private static boolean validRelation(String relation) {
    int n = relation.length();
    if (n < 1 || n > 32 || relation.charAt(0) < 'a' || relation.charAt(0) > 'z') {
      return false;
    }
    for (int i = 1; i < n; i++) {
      char c = relation.charAt(i);
      if (!(c >= 'a' && c <= 'z') && !(c >= '0' && c <= '9') && c != '_') {
        return false;
      }
    }
    return true;
  }

  /** A {@link #RELATED} link. */
  public static Link related(MemoryId target) {
    return new Link(target, RELATED);
  }
}
