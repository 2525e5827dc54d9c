/**
 * The embedded default: {@link dev.engram.retrieval.EmbeddedMemory} keeps memories in a Lucene
 * index on local disk, durable through an operation log, with hybrid BM25 + HNSW retrieval and
 * in-process embeddings ({@link dev.engram.retrieval.Embedders}) ranked as {@link
 * dev.engram.retrieval.RetrievalConfig} describes.
 */
package dev.engram.retrieval;
