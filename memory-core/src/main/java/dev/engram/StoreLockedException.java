package dev.engram;

/** Another process (or another open store in this one) holds the store directory. */
public class StoreLockedException extends EngramException {
  private static final long serialVersionUID = 1L;

  /** With the message. */
  public StoreLockedException(String message, Throwable cause) {
    super(message, cause);
  }
}
