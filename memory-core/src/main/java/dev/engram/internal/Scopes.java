package dev.engram.internal;

import dev.engram.filter.Filter;
import dev.engram.memory.Scope;

/** The scope rule of {@link Scope#contains} expressed as a filter, so backends can push it down. */
public final class Scopes {
  private Scopes() {}

  /** A filter matching exactly the memories {@code scope} contains. */
  public static Filter filter(Scope scope) {
    return Filter.of(scope);
  }

  /** The lock key of a scope's owner: memories of one owner are written one change at a time. */
  static String ownerKey(Scope scope) {
    return (scope.userId() == null ? "" : scope.userId())
        + '\u0000'
        + (scope.agentId() == null ? "" : scope.agentId());
  }
}
