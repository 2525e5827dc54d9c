package dev.engram.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.llm.Prompts;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
                Map.of(),
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
    assertEquals("engram: unknown option --colour (see --help)\n", badOption.err());

    Run badUser = run("add", "--store", store(), "--user", "not valid!", "hello");
    assertEquals(1, badUser.code());
    assertTrue(badUser.err().startsWith("engram: scope.userId must be"), badUser.err());
    assertEquals(1, badUser.err().lines().count());

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
            "eval")) {
      Run help = run(command, "--help");
      assertEquals(0, help.code(), command);
      assertTrue(help.out().startsWith("Usage: engram " + command), help.out());
    }
    assertTrue(run("--help").out().contains("eval locomo"));
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
    assertTrue(second.out().contains("stored: ADD"), "/why shows storage: " + second.out());
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
    assertTrue(readme.contains("mvn -B verify"), "README runs the tests");
    assertTrue(Files.isExecutable(Path.of("..", "engram")));
    assertTrue(Files.readString(Path.of("..", ".ci", "run")).contains("mvn -B -ntp verify"));
  }
}
