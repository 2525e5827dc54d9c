/**
 * Engram inside langchain4j: {@link dev.engram.langchain4j.EngramContentRetriever} injects a user's
 * memories into an AI service's prompt, {@link dev.engram.langchain4j.MemoryTools} lets an agent
 * manage its memory itself, and {@link dev.engram.langchain4j.EngramChatMemoryStore} keeps
 * langchain4j's chat memory in Engram's working tier.
 */
package dev.engram.langchain4j;
