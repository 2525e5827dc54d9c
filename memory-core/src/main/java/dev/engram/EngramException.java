package dev.engram;

/**
 * The root of Engram's exceptions. Bad input is reported as {@link IllegalArgumentException} naming
 * the field instead; this family is for the state of the store and its surroundings.
 */
public class EngramException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** With a message saying what went wrong and what to do. */
  public EngramException(String message) {
    super(message);
  }

  /** With a message and the cause. */
  public EngramException(String message, Throwable cause) {
    super(message, cause);
  }
}
