/** The embedding plug-in point: an {@link dev.engram.embed.Embedder} turns text into vectors. */
package dev.engram.embed;
