/** The OpenSearch backend's implementation: HTTP calls, index design, filter translation. */
package dev.engram.opensearch.internal;
