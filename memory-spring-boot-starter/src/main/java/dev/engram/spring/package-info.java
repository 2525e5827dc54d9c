/**
 * Engram for Spring Boot: {@link dev.engram.spring.EngramAutoConfiguration} provides a {@link
 * dev.engram.MemoryStore} bean from {@link dev.engram.spring.EngramProperties engram.*}, a health
 * indicator, and {@link dev.engram.spring.EngramMemoryAdvisor}, a Spring AI advisor that recalls
 * each user's memories into the prompt and stores the exchange.
 */
package dev.engram.spring;
