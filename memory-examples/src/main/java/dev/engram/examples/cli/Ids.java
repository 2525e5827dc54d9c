package dev.engram.examples.cli;

import dev.engram.MemoryStore;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Memory ids as typed: whole, or (like git) a unique prefix of at least 4 characters. */
final class Ids {
  static final int MIN_PREFIX = 4;

  /** How many candidates an ambiguous prefix lists. */
  private static final int SHOWN = 8;

  private Ids() {}

  /**
   * The id {@code typed} stands for in {@code scope}: the memory whose id starts with it, or — when
   * none does (e.g. a purged memory, which is no longer listed) — the typed text itself, so the
   * command reports that there is no such memory.
   *
   * @throws UsageException if the text is too short, not id characters, or matches several
   */
  static MemoryId resolve(MemoryStore store, Scope scope, String typed) {
    String prefix = typed.strip().toLowerCase(Locale.ROOT);
    if (prefix.length() < MIN_PREFIX) {
      throw new UsageException(
          "'"
              + typed
              + "' is too short for a memory id: give at least "
              + MIN_PREFIX
              + " characters of it");
    }
    MemoryId asTyped;
    try {
      asTyped = MemoryId.of(typed.strip());
    } catch (IllegalArgumentException e) {
      throw new UsageException("'" + typed + "' is not a memory id");
    }
    if (store.get(scope, asTyped).isPresent()) {
      return asTyped;
    }
    List<MemoryId> matches = new ArrayList<>();
    PageRequest page = PageRequest.first(PageRequest.MAX_LIMIT);
    while (true) {
      Page<Memory> p = store.list(scope, Filter.all(), page);
      for (Memory m : p.items()) {
        if (m.id().value().toLowerCase(Locale.ROOT).startsWith(prefix)) {
          matches.add(m.id());
        }
      }
      if (!p.hasNext()) {
        break;
      }
      page = page.next(p);
    }
    if (matches.size() == 1) {
      return matches.get(0);
    }
    if (matches.isEmpty()) {
      return asTyped;
    }
    List<String> shown = matches.stream().limit(SHOWN).map(MemoryId::value).toList();
    throw new UsageException(
        "'"
            + typed
            + "' matches "
            + matches.size()
            + " memories: "
            + String.join(", ", shown)
            + (matches.size() > SHOWN ? ", ..." : "")
            + "; give more characters");
  }
}
