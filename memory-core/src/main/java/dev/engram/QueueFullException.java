package dev.engram;

/**
 * An async call found {@link AsyncMemoryStore}'s queue full and was not accepted ({@link
 * AsyncMemoryStore.WhenFull#FAIL}). Nothing was stored or searched: try again once some futures
 * have completed, or configure a larger queue or {@link AsyncMemoryStore.WhenFull#BLOCK}.
 */
public class QueueFullException extends EngramException {
  private static final long serialVersionUID = 1L;

  /** With the message. */
  public QueueFullException(String message) {
    super(message);
  }
}
