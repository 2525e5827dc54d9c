package dev.engram.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.PageRequest;
import dev.engram.filter.Filter;
import dev.engram.llm.Prompts;
import dev.engram.llm.testing.LoopbackLlmServer;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engram command driven as a user drives it: arguments and stdin in, output and exit code out.
 */
class CliTest {
  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private Run run(String stdin, Stores stores, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new Cli(
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                stores)
            .run(args);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Run run(String... args) {
    return run("", new Stores(Map.of()), args);
  }

  private String store() {
    return dir.resolve("store").toString();
  }

  @Test
  void addSearchListHistoryForgetPurge_asAUserWouldRunThem() throws Exception {
    Run added =
        run(
            "add", "--store", store(), "--user", "alice", "I", "prefer", "green", "tea", "in",
            "the", "morning");
    assertEquals(0, added.code(), added.err());
    Matcher id = Pattern.compile("ADD +([0-9a-f-]{36})").matcher(added.out());
    assertTrue(id.find(), added.out());
    String memoryId = id.group(1);
    run("add", "--store", store(), "--user", "alice", "My sister lives in Porto");
    run("add", "--store", store(), "--user", "bob", "Bob drinks black coffee");

    Run search =
        run("search", "--store", store(), "--user", "alice", "what do I drink?", "--explain");
    assertEquals(0, search.code(), search.err());
    assertTrue(
        search
            .out()
            .lines()
            .findFirst()
            .orElseThrow()
            .endsWith("I prefer green tea in the morning"),
        search.out());
    assertTrue(
        search.out().contains("relevance"), "--explain shows the breakdown: " + search.out());
    assertFalse(search.out().contains("Bob"), "another user's memory: " + search.out());

    JsonNode json =
        new ObjectMapper()
            .readTree(run("search", "--store", store(), "--user", "alice", "tea", "--json").out());
    assertEquals(
        "I prefer green tea in the morning", json.get(0).get("memory").get("text").asText());

    Run list = run("list", "--store", store(), "--user", "alice");
    assertTrue(list.out().endsWith("2 memories\n"), list.out());

    Run forget = run("forget", "--store", store(), "--user", "alice", memoryId);
    assertEquals(0, forget.code(), forget.err());
    assertEquals(
        1,
        new ObjectMapper()
            .readTree(
                run("list", "--store", store(), "--user", "alice", "--status", "deleted", "--json")
                    .out())
            .size());

    Run history = run("history", "--store", store(), "--user", "alice", memoryId);
    assertTrue(history.out().contains("ADD") && history.out().contains("DELETE"), history.out());

    Run stats = run("stats", "--store", store(), "--user", "alice", "--json");
    JsonNode s = new ObjectMapper().readTree(stats.out());
    assertEquals(2, s.get("total").asInt());
    assertEquals(1, s.get("byStatus").get("deleted").asInt());

    Run refused = run("purge", "--store", store(), "--user", "alice", "--all");
    assertEquals(2, refused.code());
    assertTrue(refused.err().contains("add --yes to confirm"), refused.err());
    Run purged = run("purge", "--store", store(), "--user", "alice", "--all", "--yes");
    assertEquals("purged 2 memories of user alice\n", purged.out());
    assertEquals(
        1,
        new ObjectMapper()
            .readTree(run("stats", "--store", store(), "--all", "--json").out())
            .get("total")
            .asInt());
  }

  @Test
  void errorsAreOneLineAndANonZeroExit() throws Exception {
    Run unknown = run("frobnicate");
    assertEquals(2, unknown.code());
    assertEquals("engram: unknown command 'frobnicate' (see engram --help)\n", unknown.err());

    Run badOption = run("search", "--store", store(), "--colour", "red", "x");
    assertEquals(2, badOption.code());
    assertEquals("engram: unknown option --colour (see engram search --help)\n", badOption.err());

    Run badUser = run("add", "--store", store(), "--user", "not valid!", "hello");
    assertEquals(1, badUser.code());
    assertTrue(badUser.err().startsWith("engram: scope.userId must be"), badUser.err());
    assertEquals(1, badUser.err().lines().count());

    Run noStore = run("history", "--store", store(), "00000000-0000-0000-0000-000000000000");
    assertEquals(2, noStore.code());
    assertEquals(
        "engram: no store at " + store() + " (from --store); `engram add` creates one\n",
        noStore.err());
    assertFalse(Files.exists(dir.resolve("store")), "a read never creates a store");
    run("add", "--store", store(), "--user", "alice", "something");
    Run noSuch = run("history", "--store", store(), "00000000-0000-0000-0000-000000000000");
    assertEquals(1, noSuch.code());
    assertTrue(
        noSuch.err().startsWith("engram: no memory 00000000-0000-0000-0000-000000000000"),
        noSuch.err());

    Path foreign = dir.resolve("thesis");
    Files.createDirectories(foreign);
    Files.writeString(foreign.resolve("chapter1.tex"), "...");
    Run notAStore = run("list", "--store", foreign.toString());
    assertEquals(1, notAStore.code());
    assertTrue(notAStore.err().contains("is not an Engram store"), notAStore.err());
    assertEquals(1, notAStore.err().lines().count(), "no stack trace: " + notAStore.err());

    Run noKey = run("add", "--store", store(), "--llm", "openai", "I like tea");
    assertEquals(1, noKey.code());
    assertEquals(
        "engram: --llm openai needs the OPENAI_API_KEY environment variable\n", noKey.err());

    for (String command :
        List.of(
            "demo",
            "chat",
            "add",
            "search",
            "list",
            "history",
            "forget",
            "purge",
            "stats",
            "maintain",
            "reindex",
            "eval",
            "get",
            "update",
            "restore",
            "mcp",
            "serve",
            "completion")) {
      Run help = run(command, "--help");
      assertEquals(0, help.code(), command);
      assertTrue(help.out().startsWith("Usage: engram " + command), help.out());
    }
    for (String command : List.of("eval locomo", "eval locomo-qa")) {
      Run help = run((command + " --help").split(" "));
      assertEquals(0, help.code(), command);
      assertTrue(help.out().startsWith("Usage: engram " + command), help.out());
    }
    String main = run("--help").out();
    List<String> commands =
        main.lines()
            .dropWhile(l -> !l.equals("Commands:"))
            .skip(1)
            .takeWhile(l -> !l.isBlank())
            .filter(l -> l.matches("  [a-z].*"))
            .map(l -> l.strip().split(" ")[0])
            .toList();
    assertEquals(
        List.of(
            "demo",
            "chat",
            "add",
            "search",
            "list",
            "get",
            "history",
            "update",
            "forget",
            "restore",
            "purge",
            "stats",
            "maintain",
            "reindex",
            "repair",
            "mcp",
            "serve",
            "export",
            "import",
            "eval",
            "completion"),
        commands,
        main);
  }

  @Test
  void chatWithoutAnLlm_isALabelledRecallOnlyMode_thatRemembersAcrossRestarts() {
    Run first =
        run(
            "I keep bees on my balcony\n/quit\n",
            new Stores(Map.of()),
            "chat",
            "--store",
            store(),
            "--user",
            "alice");
    assertEquals(0, first.code(), first.err());
    assertTrue(first.out().contains("Mode: RECALL-ONLY"), first.out());
    assertTrue(
        first.out().contains("memory: I don't remember anything about that yet."), first.out());

    Run second =
        run(
            "/why\ntell me about my bees\n",
            new Stores(Map.of()),
            "chat",
            "--store",
            store(),
            "--user",
            "alice");
    assertTrue(second.out().contains("  - I keep bees on my balcony ("), second.out());
    assertTrue(
        second.out().contains("recalled:") && second.out().contains("relevance"),
        "/why shows recall: " + second.out());
    assertTrue(
        second.out().contains("stored: nothing (a question)"),
        "/why shows storage: " + second.out());
    assertFalse(second.out().contains("assistant:"), "no made-up reply without an LLM");
  }

  /**
   * Answers the pipeline's steps with JSON and chat turns with text, recording what it was sent.
   */
  private static final class ScriptedModel implements ChatModel {
    final List<String> systemPrompts = Collections.synchronizedList(new ArrayList<>());

    @Override
    public ChatResponse doChat(ChatRequest request) {
      String system = "";
      for (ChatMessage m : request.messages()) {
        if (m instanceof SystemMessage s) {
          system = s.text();
        }
      }
      systemPrompts.add(system);
      String reply;
      if (system.equals(Prompts.defaults().extract())) {
        reply =
            "{\"facts\": [{\"text\": \"alice keeps bees on her balcony\", \"about\": \"user\", \"kind\":"
                + " \"semantic\", \"importance\": 6, \"keywords\": [\"bees\"], \"tags\": [\"hobby\"],"
                + " \"context\": \"hobbies\", \"sources\": [1]}]}";
      } else if (system.equals(Prompts.defaults().consolidate())) {
        reply =
            "{\"decisions\": [{\"fact\": 1, \"action\": \"NONE\", \"target\": \"0\", \"text\": \"\", \"related\": [], \"reason\": \"known\"}]}";
      } else {
        reply = "You keep bees on your balcony!";
      }
      return ChatResponse.builder().aiMessage(AiMessage.from(reply)).build();
    }
  }

  @Test
  void chatWithAnLlm_answersWithRecalledMemoriesInThePrompt_andRunsThePipeline() {
    ScriptedModel model = new ScriptedModel();
    Stores stores = new Stores(Map.of(), a -> model);
    run(
        "I keep bees on my balcony\n",
        stores,
        "chat",
        "--store",
        store(),
        "--user",
        "alice",
        "--llm",
        "openai");
    Run second =
        run(
            "/why\nwhat do I keep at home?\n",
            stores,
            "chat",
            "--store",
            store(),
            "--user",
            "alice",
            "--llm",
            "openai");
    assertEquals(0, second.code(), second.err());
    assertTrue(second.out().contains("assistant: You keep bees on your balcony!"), second.out());
    String chatPrompt =
        model.systemPrompts.stream()
            .filter(p -> p.startsWith("You are a helpful assistant"))
            .reduce((a, b) -> b)
            .orElseThrow();
    assertTrue(
        chatPrompt.contains("keeps bees on her balcony")
            || chatPrompt.contains("I keep bees on my balcony"),
        chatPrompt);
    assertTrue(
        model.systemPrompts.contains(Prompts.defaults().extract()), "the pipeline ran on the turn");
    assertTrue(second.out().contains("stored: ADD"), second.out());
  }

  @Test
  void evalLocomo_reportsRecallPerCategoryOnAnyFileInTheFormat() throws Exception {
    Path file = Path.of(CliTest.class.getResource("/tiny-locomo.json").toURI());
    Path out = dir.resolve("out/report.json");
    Run r = run("eval", "locomo", "--data", file.toString(), "--out", out.toString(), "--k", "1,5");
    assertEquals(0, r.code(), r.err());
    JsonNode report = new ObjectMapper().readTree(out.toFile());
    assertEquals(4, report.get("questions").asInt());
    assertEquals(1, report.get("skippedWithoutEvidence").asInt());
    assertEquals(
        1.0, report.get("recall").get("5").asDouble(), "five turns, k=5: everything is found");
    assertEquals(
        1.0,
        report.get("byCategory").get("4").get("recall").get("1").asDouble(),
        "the greyhound question");
    assertEquals(
        1.0,
        report.get("byCategory").get("3").get("recall").get("5").asDouble(),
        "D9:9 does not exist and is dropped");
    assertEquals(5, report.get("ingest").get("turns").asInt());
    assertTrue(report.get("search").get("p50Ms").asDouble() > 0);
    assertTrue(r.out().contains("all (1-4)"), r.out());
    Run quantized =
        run("eval", "locomo", "--data", file.toString(), "--out", out.toString(), "--quantized");
    assertEquals(0, quantized.code(), quantized.err());
    JsonNode q = new ObjectMapper().readTree(out.toFile());
    assertTrue(q.get("store").asText().contains("vectors quantised to 8 bits"), q.toString());
    assertEquals(1.0, q.get("recall").get("5").asDouble());
    Run missing =
        run(
            "eval",
            "locomo",
            "--data",
            dir.resolve("nope.json").toString(),
            "--out",
            out.toString());
    assertEquals(1, missing.code());
    assertEquals("engram: no such file: " + dir.resolve("nope.json") + "\n", missing.err());
  }

  @Test
  void theDemoTellsTheWholeStory() {
    Run demo = run("demo");
    assertEquals(0, demo.code(), demo.err());
    for (String section :
        List.of(
            "== 1. Three conversations",
            "== 2. Recall",
            "== 3. History",
            "== 4. Forgetting",
            "== Done")) {
      assertTrue(demo.out().contains(section), section + " missing:\n" + demo.out());
    }
    assertTrue(demo.out().contains("Maya is allergic to shellfish"), demo.out());
    assertTrue(demo.out().contains("INVALIDATE"), demo.out());
    assertTrue(demo.out().contains("sister fact: archived"), demo.out());
    assertTrue(demo.out().contains("dog fact:    active"), demo.out());
    assertEquals(demo.out(), run("demo").out(), "the demo is deterministic");
  }

  @Test
  void theReadmeCommandsExist() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    assertTrue(readme.contains("./engram demo"), "README runs the demo");
    assertTrue(readme.contains("mvn -B -ntp verify"), "README runs the tests as CI does");
    assertTrue(Files.isExecutable(Path.of("..", "engram")));
    assertTrue(Files.readString(Path.of("..", ".ci", "run")).contains("mvn -B -ntp verify"));
  }

  private Run run(Map<String, String> env, String... args) {
    return run("", new Stores(env), args);
  }

  /** Stores that open one shared in-memory store, for tests that need many memories cheaply. */
  private static Stores sharing(MemoryStore shared) {
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
      MemoryStore create(Options.Store where, ChatModel pipeline) {
        return unclosable;
      }

      @Override
      MemoryStore existing(Options.Store where) {
        return unclosable;
      }
    };
  }

  private static List<String> texts(MemoryStore store, Scope scope) {
    return store
        .list(scope, Filter.all(), PageRequest.first(PageRequest.MAX_LIMIT))
        .items()
        .stream()
        .map(Memory::text)
        .toList();
  }

  @Test
  void everyCommandTakesOnlyItsOwnOptions_andSaysWhichDoNotApply() {
    Map<String, String> cases = new java.util.LinkedHashMap<>();
    cases.put("search --llm openai x", "--llm does not apply to search");
    cases.put("list --model gpt-4o", "--model does not apply to list");
    cases.put(
        "history --base-url http://x 00000000-0000-0000-0000-000000000000",
        "--base-url does not apply to history");
    cases.put("maintain --user bob", "--user does not apply to maintain");
    cases.put("chat --json", "--json does not apply to chat");
    cases.put("demo --json", "--json does not apply to demo");
    cases.put("add --llm bogus hello", "--llm must be none, openai or ollama, got 'bogus'");
    cases.put("add --model gpt-4o hello", "--model needs an LLM: add --llm openai or --llm ollama");
    cases.put("stats --all --user bob", "stats --all counts the whole store; it takes no --user");
    cases.put("purge --all --yes --session s1", "purge --all erases a user in every agent");
    cases.put("add --file notes.txt hello", "add takes the text or --file F, not both");
    cases.put("maintain now", "maintain takes no arguments, got 'now'");
    for (var c : cases.entrySet()) {
      List<String> args = new ArrayList<>(List.of(c.getKey().split(" ")));
      args.addAll(1, List.of("--store", store()));
      Run r = run(args.toArray(String[]::new));
      assertEquals(2, r.code(), c.getKey() + ": " + r.err());
      assertTrue(r.err().startsWith("engram: " + c.getValue()), c.getKey() + ": " + r.err());
      assertEquals(1, r.err().lines().count(), r.err());
    }
    Run badEnv = run(Map.of("ENGRAM_LLM", "gpt"), "add", "--store", store(), "hello");
    assertEquals("engram: $ENGRAM_LLM must be none, openai or ollama, got 'gpt'\n", badEnv.err());
    assertFalse(Files.exists(dir.resolve("store")), "nothing was written by a refused command");
  }

  @Test
  void jsonWhereverTheOutputIsData() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String id =
        json.readTree(run("add", "--store", store(), "--json", "I sail on weekends").out())
            .get("events")
            .get(0)
            .get("memoryId")
            .asText();
    String other =
        json.readTree(run("add", "--store", store(), "--json", "I dislike olives").out())
            .get("events")
            .get(0)
            .get("memoryId")
            .asText();
    JsonNode forgotten = json.readTree(run("forget", "--store", store(), "--json", id).out());
    assertEquals("DELETED", forgotten.get("status").asText());
    assertEquals("I sail on weekends", forgotten.get("text").asText());
    assertEquals(
        other,
        json.readTree(run("purge", "--store", store(), "--json", other).out())
            .get("purged")
            .asText());
    JsonNode maintained = json.readTree(run("maintain", "--store", store(), "--json").out());
    assertTrue(maintained.get("scanned").isNumber(), maintained.toString());
    assertEquals(0, maintained.get("archived").asInt());
    JsonNode erased =
        json.readTree(run("purge", "--store", store(), "--all", "--yes", "--json").out());
    assertEquals("me", erased.get("user").asText());
    assertEquals(1, erased.get("purged").asInt(), "the forgotten memory is erased too");
  }

  @Test
  void purgeOneMemory_andMaintain_asAUserWouldRunThem() {
    Matcher added =
        Pattern.compile("ADD +([0-9a-f-]{36})")
            .matcher(run("add", "--store", store(), "My locker code is 1234").out());
    assertTrue(added.find());
    run("add", "--store", store(), "I like hiking");
    Run purged = run("purge", "--store", store(), added.group(1));
    assertEquals(0, purged.code(), purged.err());
    assertEquals("purged " + added.group(1) + " and the content of its history\n", purged.out());
    assertFalse(run("list", "--store", store()).out().contains("locker"));
    Run history = run("history", "--store", store(), added.group(1));
    assertFalse(history.out().contains("1234"), "the content is gone: " + history.out());
    Run again = run("purge", "--store", store(), added.group(1));
    assertEquals(1, again.code());
    assertTrue(again.err().startsWith("engram: no memory " + added.group(1)), again.err());

    Run maintain = run("maintain", "--store", store());
    assertEquals(0, maintain.code(), maintain.err());
    assertTrue(
        maintain
            .out()
            .matches("scanned \\d+, archived 0, moved tier 0(; index merged for search)?\n"),
        maintain.out());
  }

  @Test
  void addWithAnLlm_runsThePipeline_andRawOverridesIt() {
    ScriptedModel model = new ScriptedModel();
    Stores stores = new Stores(Map.of("ENGRAM_LLM", "openai"), a -> model);
    Run piped = run("", stores, "add", "--store", store(), "--user", "alice", "I keep bees");
    assertEquals(0, piped.code(), piped.err());
    assertTrue(piped.out().contains("alice keeps bees on her balcony"), piped.out());
    assertTrue(piped.out().contains("pipeline: 1 call(s)"), piped.out());
    int calls = model.systemPrompts.size();

    Run raw = run("", stores, "add", "--store", store(), "--user", "alice", "--raw", "I keep bees");
    assertEquals(0, raw.code(), raw.err());
    assertTrue(raw.out().matches("(?s)ADD +\\S+ +I keep bees\n"), raw.out());
    assertEquals(calls, model.systemPrompts.size(), "--raw never calls the model");
  }

  @Test
  void theLlmComesFromFlagsOrEnvironment_andTheSchemaIsSentOverTheWire() throws Exception {
    try (LoopbackLlmServer server = LoopbackLlmServer.start()) {
      server.respondWith(
          r ->
              r.messageTexts().get(0).equals(Prompts.defaults().extract())
                  ? "{\"facts\": []}"
                  : "{\"decisions\": []}");
      Map<String, String> env =
          Map.of(
              "ENGRAM_LLM", "openai",
              "ENGRAM_MODEL", "my-model",
              "OPENAI_API_KEY", "test-key",
              "OPENAI_BASE_URL", server.openAiBaseUrl());
      Run openAi = run(env, "add", "--store", store(), "I moved to Porto");
      assertEquals(0, openAi.code(), openAi.err());
      LoopbackLlmServer.Request request = server.requests().get(0);
      assertEquals("my-model", request.body().path("model").asText());
      assertEquals(
          "json_schema", request.responseFormat().path("type").asText(), request.body().toString());
      assertEquals("facts", request.responseFormat().path("json_schema").path("name").asText());

      Run ollama =
          run(
              Map.of(),
              "add",
              "--store",
              store(),
              "--llm",
              "ollama",
              "--base-url",
              server.ollamaBaseUrl(),
              "I moved to Porto");
      assertEquals(0, ollama.code(), ollama.err());
      LoopbackLlmServer.Request last = server.requests().get(server.requests().size() - 1);
      assertEquals("/api/chat", last.path());
      assertEquals("llama3.1", last.body().path("model").asText());
      assertTrue(last.responseFormat().path("properties").has("facts"), last.body().toString());
    }
  }

  @Test
  void addFile_ingestsLinesOrAJsonList_andChecksEveryEntryFirst() throws Exception {
    Path lines = dir.resolve("notes.txt");
    Files.writeString(
        lines, "I prefer green tea\n\n  I keep bees on my balcony  \nMy sister lives in Porto\n");
    Run r = run("add", "--store", store(), "--file", lines.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(lines + ": 3 entries, 3 added\n", r.out());
    Path list = dir.resolve("notes.json");
    Files.writeString(list, "[\"I run on Sundays\", {\"text\": \"I am allergic to shellfish\"}]");
    assertEquals(0, run("add", "--store", store(), "--file", list.toString()).code());
    Run all = run("list", "--store", store());
    assertTrue(all.out().contains("  I keep bees on my balcony\n"), all.out());
    assertTrue(all.out().contains("I am allergic to shellfish"), all.out());
    assertTrue(all.out().endsWith("5 memories\n"), all.out());

    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "[\"one\",\n  oops]");
    Run bad = run("add", "--store", store(), "--file", broken.toString());
    assertEquals(2, bad.code());
    assertTrue(
        bad.err().startsWith("engram: --file " + broken + " is not valid JSON: "), bad.err());
    assertTrue(bad.err().contains("(line 2, column"), bad.err());
    assertEquals(1, bad.err().lines().count(), bad.err());

    Path tooLong = dir.resolve("long.txt");
    Files.writeString(tooLong, "fine\n" + "x".repeat(40_000) + "\n");
    Run refused = run("add", "--store", store(), "--file", tooLong.toString());
    assertEquals(2, refused.code());
    assertTrue(refused.err().contains("line 2 is 40000 bytes"), refused.err());
    assertFalse(run("list", "--store", store()).out().contains("fine"), "nothing was stored");
    assertEquals("", r.err(), "no progress bar when no one watches (tests run without a terminal)");
  }

  @Test
  void reindexRebuildsTheStore_andSearchStillWorks() throws Exception {
    run("add", "--store", store(), "I keep bees on my balcony");
    run("add", "--store", store(), "My sister lives in Porto");
    Run r = run("reindex", "--store", store());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().startsWith("reindexed 2 memories in " + store()), r.out());
    assertTrue(
        run("search", "--store", store(), "where does my sister live").out().contains("Porto"));
    assertEquals(
        2,
        new ObjectMapper()
            .readTree(run("reindex", "--store", store(), "--json").out())
            .get("reindexed")
            .asInt());
    Run missing = run("reindex", "--store", dir.resolve("nothing-here").toString());
    assertEquals(1, missing.code());
    assertEquals(
        "engram: no store at " + dir.resolve("nothing-here") + " to reindex\n", missing.err());
  }

  @Test
  void recallOnlyChat_answersWithRelevantMemoriesOnly() {
    run("add", "--store", store(), "--user", "alice", "I prefer green tea in the morning");
    run("add", "--store", store(), "--user", "alice", "I keep bees on my balcony");
    Run chat =
        run(
            "hello there\ntell me about my bees\n",
            new Stores(Map.of()),
            "chat",
            "--store",
            store(),
            "--user",
            "alice");
    assertEquals(0, chat.code(), chat.err());
    String[] replies = chat.out().split("> ");
    assertTrue(
        replies[1].startsWith("memory: (small talk is not stored)"),
        "small talk gets no memories: " + replies[1]);
    assertTrue(replies[2].contains("  - I keep bees on my balcony"), replies[2]);
    assertFalse(replies[2].contains("green tea"), "only what is relevant: " + replies[2]);
    assertTrue(
        run("list", "--store", store(), "--user", "alice").out().endsWith("2 memories\n"),
        "neither the greeting nor the question was stored");
  }

  @Test
  void aTooLongMessage_isOneErrorLine_andTheChatGoesOn() {
    // Longer than a query may be (8,192 characters), so it is searched by its beginning.
    String longButStorable = "I keep bees on my balcony " + "z".repeat(10_000);
    String tooLongToStore = "x".repeat(40_000);
    Run chat =
        run(
            longButStorable + "\n" + tooLongToStore + "\nI also grow tomatoes\n",
            new Stores(Map.of()),
            "chat",
            "--store",
            store(),
            "--user",
            "alice");
    assertEquals(0, chat.code(), chat.err());
    assertEquals(
        "engram: that message is 40000 bytes; at most 32768 can be remembered, so it was not sent"
            + " or stored — split it up\n",
        chat.err());
    Run list = run("list", "--store", store(), "--user", "alice");
    assertTrue(list.out().contains("I also grow tomatoes"), "the rest of stdin was read");
    assertTrue(list.out().contains("I keep bees on my balcony zzz"), list.out());
    assertTrue(list.out().endsWith("2 memories\n"), list.out());
  }

  @Test
  void aMessageTheStoreCannotSearch_isOneErrorLine_andTheChatGoesOn() {
    // About 1,600 words fit in a query; the embedded store has refused that many (Lucene's clause
    // limit). Whatever it does with them, the chat must go on.
    String manyWords = "bees honey hive ".repeat(700);
    Run chat =
        run(
            manyWords + "\nI also grow tomatoes\n",
            new Stores(Map.of()),
            "chat",
            "--store",
            store(),
            "--user",
            "alice");
    assertEquals(0, chat.code(), chat.err());
    assertTrue(chat.err().lines().count() <= 1, chat.err());
    assertFalse(chat.err().contains("\tat "), "no stack trace: " + chat.err());
    assertTrue(
        run("list", "--store", store(), "--user", "alice").out().contains("I also grow tomatoes"));
  }

  @Test
  void chatMemoriesShowsTheNewest_andForgetRetiresOne() {
    MemoryStore shared = Engram.inMemory();
    Scope alice = Scope.user("alice");
    Memory newest = null;
    for (int i = 1; i <= 1_005; i++) {
      newest =
          shared.add(alice, String.format(java.util.Locale.ROOT, "note %04d", i)).added().get(0);
    }
    Run chat =
        run(
            "/memories\n/forget " + newest.id() + "\n/forget not-an-id\n/memories\n/quit\n",
            sharing(shared),
            "chat",
            "--user",
            "alice");
    assertEquals(0, chat.code(), chat.err());
    String[] outputs = chat.out().split("> ");
    assertTrue(outputs[1].contains("the 10 newest of 1005 memories, newest first:"), outputs[1]);
    assertTrue(
        outputs[1].indexOf("note 1005") < outputs[1].indexOf("note 0996"),
        "newest first: " + outputs[1]);
    assertFalse(outputs[1].contains("note 0995"), outputs[1]);
    assertEquals("forgotten: note 1005\n", outputs[2]);
    assertTrue(outputs[3].startsWith("cannot forget: "), outputs[3]);
    assertEquals(1, outputs[3].lines().count());
    assertTrue(outputs[4].contains("of 1004 memories"), outputs[4]);
    assertFalse(outputs[4].contains("note 1005"), outputs[4]);
    assertEquals(Status.DELETED, shared.get(alice, newest.id()).orElseThrow().status());
  }

  @Test
  void whenTheModelFails_theChatSaysSoInOneLine_keepsWhatWasSaid_andGoesOn() {
    MemoryStore shared = Engram.inMemory();
    ChatModel failing =
        new ChatModel() {
          @Override
          public ChatResponse doChat(ChatRequest request) {
            throw new IllegalStateException(
                "HTTP 500:\n{\n  \"error\": {\"message\": \"upstream overloaded\"}\n}");
          }
        };
    Stores sharing = sharing(shared);
    Stores stores =
        new Stores(Map.of(), a -> failing) {
          @Override
          MemoryStore create(Options.Store where, ChatModel pipeline) {
            return sharing.create(where, pipeline);
          }
        };
    Run chat =
        run(
            "I keep bees\nI also grow tomatoes\n",
            stores,
            "chat",
            "--user",
            "alice",
            "--llm",
            "openai");
    assertEquals(0, chat.code(), chat.err());
    List<String> errors = chat.err().lines().toList();
    assertEquals(2, errors.size(), chat.err());
    assertTrue(
        errors.get(0).startsWith("engram: the LLM call failed (IllegalStateException: HTTP 500: {")
            && errors.get(0).endsWith("); what you said is stored"),
        errors.get(0));
    assertFalse(chat.out().contains("assistant:"), "no reply is made up");
    assertEquals(
        List.of("I keep bees", "I also grow tomatoes"), texts(shared, Scope.user("alice")));
  }

  @Test
  void theDemoCanLeaveItsStoreBehind_butNeverInARealOne() throws Exception {
    run("add", "--store", store(), "my own memory");
    Run refused = run("demo", "--store", store());
    assertEquals(2, refused.code());
    assertTrue(refused.err().startsWith("engram: demo --store needs a new or empty directory"));
    Path kept = dir.resolve("demo-store");
    Run demo = run("demo", "--store", kept.toString());
    assertEquals(0, demo.code(), demo.err());
    assertTrue(demo.out().contains("./engram list --store " + kept + " --user maya"), demo.out());
    assertTrue(
        run("list", "--store", kept.toString(), "--user", "maya")
            .out()
            .contains("Maya is allergic to shellfish"));
  }

  @Test
  void aMalformedDataFile_isOneErrorLine() throws Exception {
    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, "[{\"sample_id\": \"x\",\n \"conversation\": {,}}]");
    Run r =
        run("eval", "locomo", "--data", bad.toString(), "--out", dir.resolve("o.json").toString());
    assertEquals(1, r.code());
    assertTrue(r.err().startsWith("engram: " + bad + " is not valid JSON: "), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  /**
   * Runs the command line in a JVM of its own, as ./engram does, with stdout and stderr redirected.
   */
  private Run runJvm(String stdin, String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules",
                "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Cli.class.getName()));
    command.addAll(List.of(args));
    Path in = Files.writeString(Files.createTempFile(dir, "stdin", ".txt"), stdin);
    Path out = Files.createTempFile(dir, "stdout", ".txt");
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    Process p =
        new ProcessBuilder(command)
            .redirectInput(in.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    int code = p.waitFor();
    return new Run(code, Files.readString(out), Files.readString(err));
  }

  @Test
  void aNormalSession_printsNoLogNoiseNoStackTraceAndNoProgressBarWhenRedirected()
      throws Exception {
    Path notes = dir.resolve("notes.txt");
    Files.writeString(notes, "I prefer green tea in the morning\nI keep bees on my balcony\n");
    Run add = runJvm("", "add", "--store", store(), "--file", notes.toString());
    Run chat = runJvm("tell me about my bees\n/memories\n/quit\n", "chat", "--store", store());
    Run search = runJvm("", "search", "--store", store(), "--explain", "green tea");
    for (Run r : List.of(add, chat, search)) {
      assertEquals(0, r.code(), r.err());
      // The JVM's own notice about the vector module cannot be turned off (see docs/cli.md).
      List<String> noise =
          r.err()
              .lines()
              .filter(l -> !l.equals("WARNING: Using incubator modules: jdk.incubator.vector"))
              .toList();
      assertEquals(List.of(), noise, "stderr of a normal session:\n" + r.err());
    }
    assertEquals(notes + ": 2 entries, 2 added\n", add.out());
    assertTrue(chat.out().contains("  - I keep bees on my balcony"), chat.out());
    assertTrue(search.out().contains("I prefer green tea in the morning"), search.out());
  }
}
