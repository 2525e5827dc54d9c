/**
 * The adapter from a Spring AI chat model to the pipeline's langchain4j one. Not part of the API.
 */
package dev.engram.spring.internal;
