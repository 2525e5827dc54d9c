/**
 * The store's implementation and the in-memory backend. Not exported: use {@link dev.engram.Engram}
 * and {@link dev.engram.MemoryStore}.
 */
package dev.engram.internal;
