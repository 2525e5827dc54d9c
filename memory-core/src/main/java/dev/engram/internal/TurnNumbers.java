package dev.engram.internal;

import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.memory.Turn;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Numbers the turns of one batch: 1, 2, 3 … per session in the order stored, and per owner for
 * turns stored without a session. The last number of a session is read once per batch (turns are
 * created in order, so the newest one has it); the owner's lock keeps two batches apart.
 */
final class TurnNumbers {
  private final MemoryBackend backend;
  private final Map<Scope, Long> last = new HashMap<>();

  TurnNumbers(MemoryBackend backend) {
    this.backend = backend;
  }

  /** The turn of a message said in {@code scope}, numbered next in its session. */
  Turn next(Scope scope, Message said) {
    long number = last.computeIfAbsent(scope, this::lastNumber) + 1;
    last.put(scope, number);
    return new Turn(scope.sessionId(), number, said.name(), said.role());
  }

  private long lastNumber(Scope scope) {
    Filter where =
        scope.sessionId() != null
            ? Filter.of(scope)
            : Filter.and(Filter.of(scope), Filter.not(Filter.exists("sessionId")));
    List<Memory> newest =
        backend.list(new ListQuery(Filter.and(where, Filter.exists("turn")), null, null, 1, true));
    return newest.isEmpty() ? 0 : newest.get(0).turn().number();
  }
}
