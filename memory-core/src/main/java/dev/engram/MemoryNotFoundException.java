package dev.engram;

import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;

/**
 * No memory with that id exists in that scope (it may exist in another scope, which is not said).
 */
public class MemoryNotFoundException extends EngramException {
  private static final long serialVersionUID = 1L;

  /** For the id and scope that were asked for. */
  public MemoryNotFoundException(MemoryId id, Scope scope) {
    super("no memory " + id + " in " + scope);
  }
}
