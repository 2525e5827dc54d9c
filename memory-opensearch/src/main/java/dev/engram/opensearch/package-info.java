/**
 * A cluster backend on OpenSearch: {@link dev.engram.opensearch.OpenSearchMemory} opens a {@code
 * MemoryStore} whose memories and history live in OpenSearch indices, ranked exactly as the
 * embedded store ranks them (per-scope BM25 statistics, HNSW with the filter inside the search).
 */
package dev.engram.opensearch;
