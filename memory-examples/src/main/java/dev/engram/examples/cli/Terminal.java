package dev.engram.examples.cli;

import java.io.Console;
import java.lang.reflect.Method;

/** Whether a person is watching. */
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
}
