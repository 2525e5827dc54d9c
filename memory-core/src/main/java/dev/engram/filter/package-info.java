/**
 * The filter language: {@link dev.engram.filter.Filter} conditions over memory fields and metadata,
 * with reference semantics that every backend reproduces.
 */
package dev.engram.filter;
