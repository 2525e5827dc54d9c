package dev.engram.examples.cli;

import static dev.engram.examples.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.llm.testing.LoopbackLlmServer;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands of the daily tool: get, update, restore, id prefixes, and how failures read. */
class CliCommandsTest {
  @TempDir Path dir;

  private String store() {
    return dir.resolve("store").toString();
  }

  private String add(String text) {
    CliRun added = run("add", "--store", store(), text);
    assertEquals(0, added.code(), added.err());
    Matcher id = Pattern.compile("ADD +([0-9a-f-]{36})").matcher(added.out());
    assertTrue(id.find(), added.out());
    return id.group(1);
  }

  @Test
  void getUpdateForgetRestore_byAUniquePrefix() throws Exception {
    String id = add("I prefer green tea in the morning");
    add("My sister lives in Porto");
    String prefix = id.substring(0, 8);

    CliRun get = run("get", "--store", store(), prefix);
    assertEquals(0, get.code(), get.err());
    assertTrue(get.out().startsWith(id + "  I prefer green tea in the morning\n"), get.out());

    CliRun update = run("update", "--store", store(), prefix, "I prefer black tea in the morning");
    assertEquals(0, update.code(), update.err());
    assertEquals("updated " + id + ": I prefer black tea in the morning\n", update.out());

    CliRun forget = run("forget", "--store", store(), prefix);
    assertEquals(0, forget.code(), forget.err());
    assertTrue(forget.out().contains("engram restore " + prefix), forget.out());
    CliRun restore = run("restore", "--store", store(), "--json", id.substring(0, 4));
    assertEquals(0, restore.code(), restore.err());
    JsonNode restored = new ObjectMapper().readTree(restore.out());
    assertEquals("ACTIVE", restored.get("status").asText());
    assertEquals("I prefer black tea in the morning", restored.get("text").asText());

    CliRun history = run("history", "--store", store(), prefix);
    assertTrue(
        history.out().contains("UPDATE")
            && history.out().contains("DELETE")
            && history.out().contains("RESTORE"),
        history.out());

    CliRun tooShort = run("get", "--store", store(), id.substring(0, 3));
    assertEquals(2, tooShort.code());
    assertEquals(
        "engram: '"
            + id.substring(0, 3)
            + "' is too short for a memory id: give at least 4 characters of it\n",
        tooShort.err());
    CliRun none = run("get", "--store", store(), "ffffffff-0000");
    assertEquals(1, none.code());
    assertTrue(none.err().startsWith("engram: no memory ffffffff-0000 for "), none.err());
    CliRun noChange = run("update", "--store", store(), prefix);
    assertEquals(2, noChange.code());
    assertTrue(noChange.err().startsWith("engram: update needs the new text"), noChange.err());
  }

  @Test
  void anAmbiguousPrefix_isOneLineListingTheCandidates() {
    MemoryStore shared = Engram.inMemory();
    Scope me = Scope.user("me");
    // Random ids: add until two share their first four characters (certain long before 5,000).
    Map<String, String> byPrefix = new HashMap<>();
    String prefix = null;
    List<String> pair = null;
    for (int i = 0; i < 5_000 && prefix == null; i++) {
      Memory m = shared.add(me, "note " + i).added().get(0);
      String p = m.id().value().substring(0, 4);
      String earlier = byPrefix.putIfAbsent(p, m.id().value());
      if (earlier != null) {
        prefix = p;
        pair = List.of(earlier, m.id().value());
      }
    }
    assertTrue(prefix != null, "no two of 5,000 random ids share 4 characters");
    CliRun r = run(sharing(shared), "get", prefix);
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("engram: '" + prefix + "' matches "), r.err());
    assertTrue(r.err().contains(pair.get(0)) && r.err().contains(pair.get(1)), r.err());
    assertTrue(r.err().strip().endsWith("give more characters"), r.err());
    CliRun whole = run(sharing(shared), "get", pair.get(1));
    assertEquals(0, whole.code(), whole.err());
  }

  @Test
  void readCommandsNeverCreateAStore_andSayWhichPathIsMissing() {
    Path typo = dir.resolve("typo");
    for (String command : List.of("list", "stats", "search hello", "get abcd", "maintain")) {
      List<String> args = new ArrayList<>(List.of(command.split(" ")));
      args.addAll(1, List.of("--store", typo.toString()));
      CliRun r = run(args.toArray(String[]::new));
      assertEquals(2, r.code(), command + ": " + r.err());
      assertEquals(
          "engram: no store at " + typo + " (from --store); `engram add` creates one\n",
          r.err(),
          command);
      assertEquals("", r.out(), command);
    }
    assertFalse(Files.exists(typo), "nothing was created");
    CliRun fromEnv = run(new Stores(Map.of("ENGRAM_STORE", typo.toString())), "stats");
    assertEquals(2, fromEnv.code());
    assertTrue(fromEnv.err().contains("no store at " + typo), fromEnv.err());
  }

  @Test
  void repeatedOptionsAndBadValues_areOneLineNamingTheField() {
    add("I sail on weekends");
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("list --user a --user b", "--user is given more than once; give it once");
    cases.put("search --limit 5 --limit 6 sail", "--limit is given more than once");
    cases.put("search --limit many sail", "--limit must be a number from 1 to 1000, got 'many'");
    cases.put("add --importance 2 hi", "--importance must be from 0 to 1, got '2'");
    cases.put("list --tier forever", "--tier must be working, short_term or long_term");
    cases.put("search sail --store", "--store needs a value (DIR)");
    for (var c : cases.entrySet()) {
      List<String> args = new ArrayList<>(List.of(c.getKey().split(" ")));
      if (!c.getKey().endsWith("--store")) {
        args.addAll(1, List.of("--store", store()));
      }
      CliRun r = run(args.toArray(String[]::new));
      assertEquals(2, r.code(), c.getKey() + ": " + r.err());
      assertTrue(r.err().startsWith("engram: " + c.getValue()), c.getKey() + ": " + r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
  }

  @Test
  void commandsThatEmbedNothing_neverLoadTheModel() {
    String id = add("I keep bees on my balcony");
    Stores stores = new Stores(Map.of());
    for (String command :
        List.of("stats", "list", "get " + id, "history " + id, "forget " + id, "maintain")) {
      List<String> args = new ArrayList<>(List.of(command.split(" ")));
      args.addAll(1, List.of("--store", store()));
      CliRun r = run(stores, args.toArray(String[]::new));
      assertEquals(0, r.code(), command + ": " + r.err());
    }
    assertFalse(stores.embedder().loaded(), "the embedding model was loaded");
    CliRun restored = run(stores, "restore", "--store", store(), id);
    assertEquals(0, restored.code(), restored.err());
    CliRun search = run(stores, "search", "--store", store(), "bees");
    assertTrue(search.out().contains("I keep bees on my balcony"), search.out());
    assertTrue(stores.embedder().loaded(), "search embeds the query");
  }

  @Test
  void noReinforce_leavesWhatWasFoundUntouched() throws Exception {
    String id = add("I prefer green tea in the morning");
    add("My sister lives in Porto");
    ObjectMapper json = new ObjectMapper();
    for (int i = 0; i < 2; i++) {
      CliRun r = run("search", "--store", store(), "--no-reinforce", "green tea in the morning");
      assertTrue(r.out().contains("green tea"), r.out());
    }
    JsonNode untouched = json.readTree(run("get", "--store", store(), "--json", id).out());
    assertEquals(0, untouched.get("accessCount").asLong(), untouched.toString());
    run("search", "--store", store(), "green tea in the morning");
    JsonNode recalled = json.readTree(run("get", "--store", store(), "--json", id).out());
    assertEquals(1, recalled.get("accessCount").asLong(), recalled.toString());
  }

  @Test
  void versionAndCompletion() {
    CliRun version = run("--version");
    assertEquals(0, version.code());
    assertTrue(version.out().matches("(?s)engram \\d+\\.\\d+\\.\\d+\\S*\n.*"), version.out());
    CliRun completion = run("completion");
    assertEquals(0, completion.code(), completion.err());
    assertTrue(completion.out().contains("complete -F"), completion.out());
    assertTrue(completion.out().contains("--no-reinforce"), "search's options are completed");
  }

  @Test
  void anLlmAnsweringHttp500_isOneLineNamingTheEndpoint_andTheTextIsStored() {
    try (LoopbackLlmServer server = LoopbackLlmServer.start()) {
      server.then(
          LoopbackLlmServer.Step.error(500, "upstream overloaded"),
          LoopbackLlmServer.Step.error(500, "upstream overloaded"));
      Map<String, String> env =
          Map.of(
              "ENGRAM_LLM", "openai",
              "OPENAI_API_KEY", "test-key",
              "OPENAI_BASE_URL", server.openAiBaseUrl());
      CliRun r = run(new Stores(env), "add", "--store", store(), "I moved to Porto");
      assertEquals(0, r.code(), r.err());
      assertEquals(
          "engram: the LLM at "
              + server.openAiBaseUrl()
              + " answered HTTP 500 twice; stored the text verbatim\n",
          r.err());
      assertEquals(2, server.requests().size(), "one retry, by us");
      assertTrue(r.out().contains("I moved to Porto"), r.out());
    }
  }

  @Test
  void anUnreachableLlm_isOneLineNamingTheUrl() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port + "/v1";
    Map<String, String> env = Map.of("OPENAI_API_KEY", "test-key");
    CliRun r =
        run(new Stores(env), "add", "--store", store(), "--llm", "openai", "--base-url", url, "hi");
    assertEquals(0, r.code(), r.err());
    assertEquals(
        "engram: cannot reach " + url + ": connection refused; stored the text verbatim\n",
        r.err());
  }

  @Test
  void inItsOwnJvm_anLlmFailurePrintsNoRetryWarningAndNoStackTrace() throws Exception {
    try (LoopbackLlmServer server = LoopbackLlmServer.start()) {
      server.then(
          LoopbackLlmServer.Step.error(500, "upstream overloaded"),
          LoopbackLlmServer.Step.error(500, "upstream overloaded"));
      List<String> command =
          new ArrayList<>(
              List.of(
                  ProcessHandle.current().info().command().orElseThrow(),
                  "--add-modules",
                  "jdk.incubator.vector",
                  "--enable-native-access=ALL-UNNAMED",
                  "-cp",
                  System.getProperty("java.class.path"),
                  Cli.class.getName(),
                  "add",
                  "--store",
                  store(),
                  "--llm",
                  "openai",
                  "--base-url",
                  server.openAiBaseUrl(),
                  "I moved to Porto"));
      Path out = Files.createTempFile(dir, "stdout", ".txt");
      Path err = Files.createTempFile(dir, "stderr", ".txt");
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(out.toFile())
              .redirectError(err.toFile());
      pb.environment().put("OPENAI_API_KEY", "test-key");
      int code = pb.start().waitFor();
      assertEquals(0, code, Files.readString(err));
      List<String> lines =
          Files.readString(err)
              .lines()
              .filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector"))
              .toList();
      assertEquals(
          List.of(
              "engram: the LLM at "
                  + server.openAiBaseUrl()
                  + " answered HTTP 500 twice; stored the text verbatim"),
          lines);
    }
  }

  /** Stores that open one shared in-memory store. */
  static Stores sharing(MemoryStore shared) {
    MemoryStore unclosable =
        (MemoryStore)
            Proxy.newProxyInstance(
                MemoryStore.class.getClassLoader(),
                new Class<?>[] {MemoryStore.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("close")) {
                    return null;
                  }
                  try {
                    return method.invoke(shared, args);
                  } catch (InvocationTargetException e) {
                    throw e.getCause();
                  }
                });
    return new Stores(Map.of()) {
      @Override
      MemoryStore create(Options.Store where, dev.langchain4j.model.chat.ChatModel pipeline) {
        return unclosable;
      }

      @Override
      MemoryStore existing(Options.Store where) {
        return unclosable;
      }
    };
  }
}
