/**
 * The storage plug-in point: a {@link dev.engram.backend.MemoryBackend} keeps memories and their
 * history and supplies ranked candidate lists; the store above it owns every rule and the ranking.
 */
package dev.engram.backend;
