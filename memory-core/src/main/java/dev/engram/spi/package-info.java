/**
 * Plug-in points: storage and retrieval backends ({@link dev.engram.spi.MemoryBackend}), embedding
 * models ({@link dev.engram.spi.Embedder}) and memory pipelines ({@link
 * dev.engram.spi.MemoryPipeline}), with the values they exchange with the store.
 */
package dev.engram.spi;
