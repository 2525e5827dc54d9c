/**
 * The embedding plug-in point: an {@link dev.engram.embed.Embedder} turns text into vectors, and an
 * {@link dev.engram.embed.EmbedderProvider} offers a default one through {@link
 * java.util.ServiceLoader}.
 */
package dev.engram.embed;
