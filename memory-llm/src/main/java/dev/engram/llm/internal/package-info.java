/** Internals of the LLM pipeline: prompt data encoding, reply parsing, schemas and model calls. */
package dev.engram.llm.internal;
