package dev.engram;

/**
 * Reading or writing the store's storage failed (disk full, permissions, I/O error). The change
 * that raised it was not applied; what was durable before stays readable.
 */
public class StoreIOException extends EngramException {
  private static final long serialVersionUID = 1L;

  /** With the message and cause. */
  public StoreIOException(String message, Throwable cause) {
    super(message, cause);
  }
}
