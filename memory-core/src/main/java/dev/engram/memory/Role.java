package dev.engram.memory;

/** Who said a message. */
public enum Role {
  /** The end user. */
  USER,
  /** The agent or assistant. */
  ASSISTANT,
  /** Instructions from the application. */
  SYSTEM,
  /** Output of a tool the agent called. */
  TOOL
}
