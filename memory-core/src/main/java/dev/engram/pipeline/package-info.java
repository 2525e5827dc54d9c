/**
 * The pipeline plug-in point: a {@link dev.engram.pipeline.MemoryPipeline} turns raw conversation
 * into a plan of changes (adds, updates, invalidations, links) that the store checks and applies.
 */
package dev.engram.pipeline;
