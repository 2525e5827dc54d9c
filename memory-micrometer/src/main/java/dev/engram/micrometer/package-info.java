/**
 * Micrometer meters for Engram: {@link dev.engram.micrometer.EngramMetrics} for a store (adds,
 * searches, pipeline cost and fallbacks, size) and {@link dev.engram.micrometer.LlmCallMetrics} for
 * an LLM pipeline's model calls. The meter names are listed in docs/metrics.md.
 */
package dev.engram.micrometer;
