/**
 * An MCP (Model Context Protocol) server for Engram: {@link dev.engram.mcp.EngramMcp} serves a
 * {@link dev.engram.MemoryStore} over stdio ({@link dev.engram.mcp.StdioMcpServer}, one tenant per
 * process) or streamable HTTP ({@link dev.engram.mcp.HttpMcpServer}, one tenant per {@link
 * dev.engram.mcp.ApiKeys API key}).
 */
package dev.engram.mcp;
