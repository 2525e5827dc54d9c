package dev.engram.pipeline;

import java.util.Objects;

/**
 * Thrown by a pipeline to the store, never to the store's callers: a pipeline could not finish (the
 * model failed, timed out, rate-limited or kept answering unusably). The store then keeps the raw
 * messages instead and reports this message and the usage spent.
 */
public class PipelineException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient PipelineUsage usage;

  /** With what went wrong, what was spent before it did, and the cause. */
  public PipelineException(String message, PipelineUsage usage, Throwable cause) {
    super(message, cause);
    this.usage = Objects.requireNonNull(usage, "usage");
  }

  /** Calls, tokens and time spent before the failure. */
  public PipelineUsage usage() {
    return usage == null ? PipelineUsage.NONE : usage;
  }
}
