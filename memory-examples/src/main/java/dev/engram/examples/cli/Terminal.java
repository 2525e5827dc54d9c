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

  /**
   * Stored text made safe to print on a terminal: control characters (C0, DEL, C1) and the
   * bidirectional overrides are written as escapes ({@code \n}, {@code \x1b}, {@code \u202e}), so a
   * memory cannot clear the screen, retitle the terminal or reorder what is shown.
   */
  static String safe(String text) {
    if (text == null) {
      return null;
    }
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean control =
          c < 0x20
              || (c >= 0x7f && c <= 0x9f)
              || (c >= 0x202a && c <= 0x202e)
              || (c >= 0x2066 && c <= 0x2069);
      if (!control) {
        if (out != null) {
          out.append(c);
        }
        continue;
      }
      if (out == null) {
        out = new StringBuilder(text.length() + 16).append(text, 0, i);
      }
      switch (c) {
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default ->
            out.append(
                c < 0x100
                    ? String.format(java.util.Locale.ROOT, "\\x%02x", (int) c)
                    : String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
      }
    }
    return out == null ? text : out.toString();
  }

  /** {@link #safe}, keeping line breaks: for a model's multi-line answer. */
  static String safeKeepingLines(String text) {
    if (text == null) {
      return null;
    }
    String[] lines = text.split("\\R", -1);
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < lines.length; i++) {
      if (i > 0) {
        out.append('\n');
      }
      out.append(safe(lines[i]));
    }
    return out.toString();
  }
}
