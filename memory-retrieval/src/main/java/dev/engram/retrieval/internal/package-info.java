/** Internals of the embedded store: index layout, operation log, filter translation and ranking. */
package dev.engram.retrieval.internal;
