/**
 * The LLM pipeline: {@link dev.engram.llm.LlmPipeline} turns conversation into well-kept memory
 * through any langchain4j {@code ChatModel} — extract, consolidate, enrich, link, evolve, and
 * summarise sessions — without ever dropping what was said.
 */
package dev.engram.llm;
