package dev.engram;

/**
 * The store was built with a different configuration that it cannot change in place, such as
 * another embedding model or vector dimension. The message says how to migrate.
 */
public class IncompatibleStoreException extends EngramException {
  private static final long serialVersionUID = 1L;

  /** With the message. */
  public IncompatibleStoreException(String message) {
    super(message);
  }
}
