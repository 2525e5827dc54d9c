package dev.engram.mcp.internal;

/** A mistake in a tool call, reported to the client as a tool error with this message. */
final class ToolError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  ToolError(String message) {
    super(message, null, false, false);
  }
}
