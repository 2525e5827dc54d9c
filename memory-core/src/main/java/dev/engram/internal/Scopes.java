package dev.engram.internal;

import dev.engram.filter.Filter;
import dev.engram.memory.Scope;
import java.util.ArrayList;
import java.util.List;

/** The scope rule of {@link Scope#contains} expressed as a filter, so backends can push it down. */
public final class Scopes {
  private Scopes() {}

  /** A filter matching exactly the memories {@code scope} contains. */
  public static Filter filter(Scope scope) {
    List<Filter> parts = new ArrayList<>(3);
    parts.add(
        scope.userId() != null
            ? Filter.eq("userId", scope.userId())
            : Filter.not(Filter.exists("userId")));
    parts.add(
        scope.agentId() != null
            ? Filter.eq("agentId", scope.agentId())
            : Filter.not(Filter.exists("agentId")));
    if (scope.sessionId() != null) {
      parts.add(Filter.eq("sessionId", scope.sessionId()));
    }
    return Filter.and(parts);
  }

  /** The lock key of a scope's owner: memories of one owner are written one change at a time. */
  static String ownerKey(Scope scope) {
    return (scope.userId() == null ? "" : scope.userId())
        + '\u0000'
        + (scope.agentId() == null ? "" : scope.agentId());
  }
}
