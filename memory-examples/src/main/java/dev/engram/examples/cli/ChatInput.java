package dev.engram.examples.cli;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.TerminalBuilder;

/**
 * The chat's input: on a terminal, JLine (line editing, history across chats in {@code
 * ~/.engram_history}); from a pipe or a file, plain lines.
 */
interface ChatInput extends Closeable {
  /** The next line, or {@code null} at the end (Ctrl-D, Ctrl-C, end of input). */
  String readLine(String prompt) throws IOException;

  /** JLine when {@code in} is the process's own input on a terminal, else plain lines. */
  static ChatInput open(InputStream in, PrintStream out) throws IOException {
    if (in == System.in && Terminal.interactive()) {
      return new Interactive();
    }
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    return new ChatInput() {
      @Override
      public String readLine(String prompt) throws IOException {
        out.print(prompt);
        out.flush();
        return reader.readLine();
      }

      @Override
      public void close() {
        // the caller's stream: not ours to close
      }
    };
  }

  /** Line editing and history on a terminal. */
  final class Interactive implements ChatInput {
    private final org.jline.terminal.Terminal terminal;
    private final LineReader reader;

    Interactive() throws IOException {
      // The exec provider (stty) needs no native code; JLine falls back to a dumb terminal.
      terminal = TerminalBuilder.builder().system(true).provider("exec").dumb(true).build();
      reader =
          LineReaderBuilder.builder()
              .terminal(terminal)
              .appName("engram")
              .variable(
                  LineReader.HISTORY_FILE,
                  Path.of(System.getProperty("user.home"), ".engram_history"))
              .variable(LineReader.HISTORY_SIZE, 1000)
              .build();
    }

    @Override
    public String readLine(String prompt) {
      try {
        return reader.readLine(prompt);
      } catch (UserInterruptException | EndOfFileException e) {
        return null;
      }
    }

    @Override
    public void close() throws IOException {
      try {
        reader.getHistory().save();
      } finally {
        terminal.close();
      }
    }
  }
}
