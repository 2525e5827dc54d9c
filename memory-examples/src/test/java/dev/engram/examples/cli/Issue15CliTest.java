package dev.engram.examples.cli;

import static dev.engram.examples.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.MemoryStore;
import dev.engram.StoreIOException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Issue 15, item 5, the command line's share: every bad input is one line naming the option, exit
 * 2, and nothing is written; a hung model can be given a short timeout.
 */
class Issue15CliTest {
  @TempDir Path dir;

  private Path store() {
    return dir.resolve("store");
  }

  private void assertRefused(CliRun r, String message) {
    assertEquals(2, r.code(), r.err());
    assertEquals("engram: " + message + "\n", r.err());
    assertEquals("", r.out());
  }

  @Test
  void fileOnADirectory_saysItIsADirectory_andWritesNothing() {
    CliRun r = run("add", "--store", store().toString(), "--file", dir.toString());
    assertRefused(
        r,
        "--file "
            + dir
            + " is a directory; give a file with one memory per line or a JSON list of strings");
    assertFalse(Files.exists(store()), "nothing was created");
  }

  /**
   * /dev/null is read as empty input (it is what a user who passes it means; and pipes from {@code
   * <(command)} or /dev/stdin are not regular files either but must be read), so it is an input
   * with no memories.
   */
  @Test
  void fileOnDevNull_isReadAsEmptyInput() {
    CliRun r = run("add", "--store", store().toString(), "--file", "/dev/null");
    assertRefused(
        r, "--file /dev/null has no memories: expected one per line or a JSON list of strings");
    assertFalse(Files.exists(store()), "nothing was created");
    CliRun missing = run("add", "--store", store().toString(), "--file", dir + "/nope.txt");
    assertRefused(missing, "--file " + dir + "/nope.txt: no such file");
  }

  @Test
  void anEmptyStoreOption_isNamed() {
    for (String command : List.of("list", "stats", "add hello", "search hello", "maintain")) {
      List<String> args = new ArrayList<>(List.of(command.split(" ")));
      args.addAll(1, List.of("--store", ""));
      assertRefused(
          run(args.toArray(String[]::new)),
          "--store is empty; give the store's directory, or leave --store out for $ENGRAM_STORE,"
              + " else ./.engram");
    }
  }

  @Test
  void minScoreOutOfRange_isAUsageError() {
    run("add", "--store", store().toString(), "I sail on weekends");
    assertRefused(
        run("search", "--store", store().toString(), "--min-score", "2", "sail"),
        "--min-score must be from 0 to 1, got '2'");
  }

  @Test
  void aBaseUrlThatIsNoUrl_isRefusedBeforeAnyCallOrWrite() {
    Map<String, String> key = Map.of("OPENAI_API_KEY", "test-key");
    CliRun r =
        run(
            new Stores(key),
            "add",
            "--store",
            store().toString(),
            "--llm",
            "openai",
            "--base-url",
            "not a url",
            "I moved to Porto");
    assertRefused(r, "--base-url must be an http:// or https:// URL with a host, got 'not a url'");
    assertFalse(Files.exists(store()), "nothing was created");
    CliRun ollama =
        run(
            new Stores(Map.of("OLLAMA_BASE_URL", "ftp://models.example")),
            "add",
            "--store",
            store().toString(),
            "--llm",
            "ollama",
            "hello");
    assertRefused(
        ollama,
        "$OLLAMA_BASE_URL must be an http:// or https:// URL with a host, got"
            + " 'ftp://models.example'");
    assertFalse(Files.exists(store()), "nothing was created");
  }

  /** Every single-valued option of every command, given twice, is one line naming it. */
  @Test
  void everyRepeatedOption_ofEveryCommand_isAnError() {
    CommandLine root =
        new Cli(new ByteArrayInputStream(new byte[0]), System.out, System.err, new Stores(Map.of()))
            .commandLine();
    List<String> checked = new ArrayList<>();
    for (CommandLine command : all(root)) {
      CommandSpec spec = command.getCommandSpec();
      for (OptionSpec o : spec.options()) {
        if (o.isMultiValue() || o.usageHelp() || o.versionHelp()) {
          continue;
        }
        List<String> args =
            new ArrayList<>(List.of(spec.qualifiedName(" ").split(" ")).subList(1, depth(spec)));
        String name = o.longestName();
        for (int i = 0; i < 2; i++) {
          args.add(name);
          if (o.arity().max() > 0) {
            args.add(i == 0 ? "1" : "2");
          }
        }
        CliRun r = run(args.toArray(String[]::new));
        assertEquals(2, r.code(), args + ": " + r.err());
        assertTrue(
            r.err().startsWith("engram: " + name + " is given more than once; give it once"),
            args + ": " + r.err());
        checked.add(spec.qualifiedName(" ") + " " + name);
      }
    }
    assertTrue(checked.contains("engram add --user"), checked.toString());
    assertTrue(checked.contains("engram eval locomo-qa --model"), checked.toString());
  }

  private static int depth(CommandSpec spec) {
    return spec.qualifiedName(" ").split(" ").length;
  }

  private static List<CommandLine> all(CommandLine c) {
    List<CommandLine> out = new ArrayList<>();
    for (CommandLine sub : c.getSubcommands().values()) {
      out.add(sub);
      out.addAll(all(sub));
    }
    return out;
  }

  @Test
  void permissionDeniedAndReadOnlyFileSystems_areSaidAsSuch() {
    Path lock = dir.resolve("store/engram.lock");
    assertEquals(
        "cannot open the store at "
            + store()
            + ": permission denied: "
            + lock
            + " (check the permissions of "
            + store()
            + ")",
        Cli.describe(
            new StoreIOException(
                "cannot open the store at " + store() + ": " + lock,
                new AccessDeniedException(lock.toString()))));
    assertEquals(
        "cannot open the store at " + store() + ": read-only file system: " + lock,
        Cli.describe(
            new StoreIOException(
                "cannot open the store at " + store() + ": " + lock + ": Read-only file system",
                new FileSystemException(lock.toString(), null, "Read-only file system"))));

    assertEquals(
        "cannot open the store at "
            + store()
            + ": permission denied: "
            + store()
            + " (check the permissions of "
            + dir
            + ")",
        Cli.describe(
            new StoreIOException(
                "cannot open the store at " + store() + ": " + store(),
                new AccessDeniedException(store().toString()))),
        "the path named twice: only the exception's own text is replaced");

    // The whole path: a store that cannot be opened for want of permission.
    Stores denied =
        new Stores(Map.of()) {
          @Override
          MemoryStore open(Path d, dev.langchain4j.model.chat.ChatModel pipeline) {
            throw new StoreIOException(
                "cannot open the store at " + d + ": " + d.resolve("engram.lock"),
                new AccessDeniedException(d.resolve("engram.lock").toString()));
          }
        };
    CliRun r = run(denied, "add", "--store", store().toString(), "hello");
    assertEquals(1, r.code());
    assertEquals(
        "engram: cannot open the store at "
            + store()
            + ": permission denied: "
            + lock
            + " (check the permissions of "
            + store()
            + ")\n",
        r.err());
  }

  /** As root, permissions deny nothing; the mapping above covers the message there. */
  @Test
  @DisabledIfSystemProperty(named = "user.name", matches = "root")
  void aStoreThatMayNotBeRead_isPermissionDenied() throws Exception {
    run("add", "--store", store().toString(), "hello");
    Files.setPosixFilePermissions(store(), PosixFilePermissions.fromString("---------"));
    try {
      CliRun r = run("list", "--store", store().toString());
      assertRefused(r, "--store " + store() + ": permission denied");
      CliRun f = run("add", "--store", dir.resolve("other").toString(), "--file", store() + "/x");
      assertRefused(f, "--file " + store() + "/x: permission denied");
    } finally {
      Files.setPosixFilePermissions(store(), PosixFilePermissions.fromString("rwx------"));
    }
  }

  /**
   * A model that accepts the connection and never answers: {@code --llm-timeout 1 --llm-retries 1}
   * gives up after two calls of a second each, stores the text verbatim and says so in one line.
   */
  @Test
  void aHungModel_isBoundedByLlmTimeout_inItsOwnJvm() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          new Thread(
              () -> {
                while (!server.isClosed()) {
                  try {
                    held.add(server.accept()); // read nothing, answer nothing
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      String url = "http://127.0.0.1:" + server.getLocalPort() + "/v1";
      Path out = dir.resolve("stdout.txt");
      Path err = dir.resolve("stderr.txt");
      ProcessBuilder pb =
          new ProcessBuilder(
                  ProcessHandle.current().info().command().orElseThrow(),
                  "--add-modules",
                  "jdk.incubator.vector",
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  System.getProperty("java.class.path"),
                  Cli.class.getName(),
                  "add",
                  "--store",
                  store().toString(),
                  "--llm",
                  "openai",
                  "--base-url",
                  url,
                  "--llm-timeout",
                  "1",
                  "--llm-retries",
                  "1",
                  "I moved to Porto")
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      pb.environment().put("OPENAI_API_KEY", "test-key");
      Process p = pb.start();
      // Far below the 60 s x 2 of the defaults, far above the 2 s the options allow.
      boolean ended = p.waitFor(100, TimeUnit.SECONDS);
      if (!ended) {
        p.destroyForcibly();
      }
      assertTrue(ended, "add waited for the hung model: " + Files.readString(err));
      assertEquals(0, p.exitValue(), Files.readString(err));
      assertEquals(
          List.of(
              "engram: the LLM at "
                  + url
                  + " did not answer in time twice; stored the text"
                  + " verbatim"),
          Files.readString(err)
              .lines()
              .filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector"))
              .toList());
      assertTrue(Files.readString(out).contains("I moved to Porto"), Files.readString(out));
      assertEquals(2, held.size(), "one call and one retry");
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void llmTimeoutAndRetries_areChecked() {
    Map<String, String> key = Map.of("OPENAI_API_KEY", "test-key");
    String s = store().toString();
    assertRefused(
        run(new Stores(key), "add", "--store", s, "--llm", "openai", "--llm-timeout", "0", "x"),
        "--llm-timeout must be from 0.1 to 3600, got '0'");
    assertRefused(
        run(new Stores(key), "add", "--store", s, "--llm", "openai", "--llm-retries", "9", "x"),
        "--llm-retries must be a number from 0 to 5, got '9'");
    assertRefused(
        run("add", "--store", s, "--llm-timeout", "5", "x"),
        "--llm-timeout needs an LLM: add --llm openai or --llm ollama (or set $ENGRAM_LLM)");
    assertFalse(Files.exists(store()), "nothing was created");
  }
}
