package dev.engram.examples.cli;

import java.io.Console;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.Locale;

/** Whether a person is watching, and an indicator for work whose size is unknown. */
final class Terminal {
  private Terminal() {}

  /**
   * Whether the process runs on a terminal, so a progress bar helps rather than litters a file. On
   * JDK 22+ {@code System.console()} is not null even when output is redirected; {@code
   * Console.isTerminal()} (JDK 22+, called reflectively because we compile for 21) tells. On JDK 21
   * a console exists only on a terminal.
   */
  static boolean interactive() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      Method isTerminal = Console.class.getMethod("isTerminal");
      return (Boolean) isTerminal.invoke(console);
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  /** Shows that long work of unknown size is still going, redrawn in place until closed. */
  static final class Spinner implements AutoCloseable {
    private final PrintStream out;
    private final Thread thread;

    Spinner(PrintStream out, String label) {
      this.out = out;
      long start = System.nanoTime();
      this.thread =
          Thread.ofPlatform()
              .daemon()
              .name("engram-progress")
              .unstarted(
                  () -> {
                    String frames = "|/-\\";
                    int i = 0;
                    while (!Thread.currentThread().isInterrupted()) {
                      out.printf(
                          Locale.ROOT,
                          "\r%s %c %d s",
                          label,
                          frames.charAt(i++ % frames.length()),
                          (System.nanoTime() - start) / 1_000_000_000L);
                      out.flush();
                      try {
                        Thread.sleep(250);
                      } catch (InterruptedException e) {
                        return;
                      }
                    }
                  });
      thread.start();
    }

    @Override
    public void close() {
      thread.interrupt();
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      out.print("\r" + " ".repeat(70) + "\r");
      out.flush();
    }
  }
}
