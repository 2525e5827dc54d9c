/**
 * The tools, their JSON shapes and schemas, the API-key filter and the command line. Not part of
 * the API: use {@link dev.engram.mcp.EngramMcp}.
 */
package dev.engram.mcp.internal;
