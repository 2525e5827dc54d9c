package dev.engram.examples.cli;

import static dev.engram.examples.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs: one holds the store open and writes it (an engram chat), the other reads it with the
 * read commands, which see everything the writer has acknowledged.
 */
class SharedReadTest {
  @TempDir Path dir;

  private static List<Path> copies() throws IOException {
    try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
      return files.filter(p -> p.getFileName().toString().startsWith("engram-read-")).toList();
    }
  }

  @Test
  void searchListAndStats_readAStoreAnotherProcessIsWriting() throws Exception {
    String store = dir.resolve("store").toString();
    // Written and committed before the writer starts: its history is in the history index.
    CliRun added = run("add", "--store", store, "I was born in Lisbon");
    assertEquals(0, added.code(), added.err());
    java.util.regex.Matcher id =
        java.util.regex.Pattern.compile("ADD +([0-9a-f-]{36})").matcher(added.out());
    assertTrue(id.find(), added.out());
    List<Path> before = copies();
    Process writer =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Cli.class.getName(),
                "chat",
                "--store",
                store)
            .redirectError(dir.resolve("writer-stderr.txt").toFile())
            .start();
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                  lines.add(l);
                }
              } catch (IOException e) {
                // the writer ended
              }
            });
    reader.setDaemon(true);
    reader.start();
    try (OutputStream in = writer.getOutputStream()) {
      say(in, "My dog is called Pastel");
      awaitListed(lines, "My dog is called Pastel");

      CliRun list = run("list", "--store", store);
      assertEquals(0, list.code(), list.err());
      assertTrue(list.out().contains("My dog is called Pastel"), list.out());
      CliRun search = run("search", "--store", store, "dog");
      assertTrue(search.out().contains("My dog is called Pastel"), search.out());

      say(in, "I keep bees on my balcony");
      awaitListed(lines, "I keep bees on my balcony");
      CliRun stats = run("stats", "--store", store, "--json");
      assertEquals(0, stats.code(), stats.err());
      assertTrue(stats.out().contains("\"total\" : 3"), stats.out());

      CliRun history = run("history", "--store", store, id.group(1));
      assertEquals(0, history.code(), history.err());
      assertTrue(history.out().contains("I was born in Lisbon"), history.out());
      CliRun get = run("get", "--store", store, id.group(1).substring(0, 8));
      assertEquals(0, get.code(), get.err());
      assertTrue(get.out().contains("I was born in Lisbon"), get.out());

      CliRun forget = run("forget", "--store", store, "abcd");
      assertEquals(1, forget.code(), "a write still needs the store to itself");
      assertTrue(forget.err().contains("is locked"), forget.err());

      in.write("/quit\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
    }
    assertTrue(writer.waitFor(120, TimeUnit.SECONDS), "the writer did not end");
    assertEquals(0, writer.exitValue(), Files.readString(dir.resolve("writer-stderr.txt")));
    List<Path> left = new java.util.ArrayList<>(copies());
    left.removeAll(before);
    assertEquals(List.of(), left, "the copies read were deleted");
  }

  private static void say(OutputStream in, String line) throws IOException {
    in.write((line + "\n/memories\n").getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** Waits until the writer's /memories lists {@code text}: then it has stored it. */
  private static void awaitListed(BlockingQueue<String> lines, String text)
      throws InterruptedException {
    while (true) {
      String line = lines.poll(120, TimeUnit.SECONDS);
      assertTrue(line != null, "the writer never listed '" + text + "'");
      if (line.matches(".*[0-9a-f-]{36}  " + java.util.regex.Pattern.quote(text))) {
        return;
      }
    }
  }
}
