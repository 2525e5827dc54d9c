package dev.engram;

/**
 * The store's files cannot be read as a store: corrupt, truncated beyond recovery, or not a store
 * at all. The message names the file and what was found.
 */
public class StoreCorruptedException extends EngramException {
  private static final long serialVersionUID = 1L;

  /** With the message. */
  public StoreCorruptedException(String message, Throwable cause) {
    super(message, cause);
  }
}
