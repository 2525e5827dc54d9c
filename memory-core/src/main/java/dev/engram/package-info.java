/**
 * Engram's API: a {@link dev.engram.MemoryStore} built by {@link dev.engram.Engram}, and the
 * requests and results it exchanges with agents.
 */
package dev.engram;
