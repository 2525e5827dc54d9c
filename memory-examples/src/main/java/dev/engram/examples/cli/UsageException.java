package dev.engram.examples.cli;

/** A command line that cannot be run as written; reported in one line with exit code 2. */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
