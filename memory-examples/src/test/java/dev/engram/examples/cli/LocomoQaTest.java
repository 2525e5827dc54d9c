package dev.engram.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.llm.Prompts;
import dev.engram.llm.testing.LoopbackLlmServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LoCoMo QA harness end to end through the real OpenAI client against a loopback server that
 * plays extractor, consolidator, answerer and judge — its plumbing, not a model's quality.
 */
class LocomoQaTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  /** Facts copied from the messages of an extraction request, each citing its message. */
  private static String extract(LoopbackLlmServer.Request r) throws Exception {
    String user = r.messageTexts().get(1);
    String data = user.substring(user.lastIndexOf("<data>\n") + 7, user.lastIndexOf("\n</data>"));
    ObjectNode out = JSON.createObjectNode();
    ArrayNode facts = out.putArray("facts");
    for (JsonNode m : JSON.readTree(data).get("messages")) {
      ObjectNode f = facts.addObject();
      f.put("text", "fact: " + m.get("speaker").asText() + ": " + m.get("text").asText());
      f.put("about", "user").put("kind", "episodic").put("importance", 5).put("context", "");
      f.putArray("keywords");
      f.putArray("tags");
      f.putArray("sources").add(m.get("n").asInt());
    }
    return out.toString();
  }

  private static String respond(LoopbackLlmServer.Request r) {
    List<String> texts = r.messageTexts();
    String system = texts.get(0);
    try {
      if (system.equals(Prompts.defaults().extract())) {
        return extract(r);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    if (system.equals(Prompts.defaults().consolidate())) {
      return "{\"decisions\": []}";
    }
    if (system.startsWith("You answer questions")) {
      return "Comet";
    }
    return texts.get(1).contains("Gold answer: Comet\n")
        ? "{\"label\": \"CORRECT\"}"
        : "{\"label\": \"WRONG\"}";
  }

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private int run(String... args) {
    out.reset();
    return new Cli(
            new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new Stores(Map.of("OPENAI_API_KEY", "test-key")))
        .run(args);
  }

  private static List<String> args(Path data, Path out, String baseUrl, String... more) {
    List<String> args =
        new java.util.ArrayList<>(
            List.of(
                "eval",
                "locomo-qa",
                "--data",
                data.toString(),
                "--out",
                out.toString(),
                "--llm",
                "openai",
                "--base-url",
                baseUrl,
                "--model",
                "answerer",
                "--judge-model",
                "judge",
                "--k",
                "5"));
    args.addAll(List.of(more));
    return args;
  }

  /** The memory lines of an answering request. */
  private static List<String> memoriesShown(LoopbackLlmServer.Request r) {
    String user = r.messageTexts().get(1);
    return user.substring(user.indexOf("Memories:\n") + 10, user.indexOf("\nQuestion: "))
        .lines()
        .filter(l -> !l.isBlank())
        .toList();
  }

  @Test
  void answersAreJudged_recallIsTracedThroughSources_andCostsAreReported() throws Exception {
    Path data = Path.of(LocomoQaTest.class.getResource("/tiny-locomo.json").toURI());
    try (LoopbackLlmServer server = LoopbackLlmServer.start()) {
      server.respondWith(LocomoQaTest::respond);
      for (boolean pipeline : new boolean[] {false, true}) {
        Path file = dir.resolve("qa-" + pipeline + ".json");
        int before = server.requests().size();
        List<String> args =
            pipeline
                ? args(data, file, server.openAiBaseUrl(), "--pipeline")
                : args(data, file, server.openAiBaseUrl());
        assertEquals(0, run(args.toArray(String[]::new)));
        JsonNode report = JSON.readTree(Files.readString(file));
        assertEquals(4, report.get("questions").asInt());
        assertEquals(0.5, report.get("j").asDouble(), "two of four gold answers are Comet");
        assertEquals(1.0, report.get("byCategory").get("4").get("j").asDouble());
        assertEquals(0.0, report.get("byCategory").get("1").get("j").asDouble());
        assertEquals(
            1.0,
            report.get("recallAt5").asDouble(),
            "evidence found through the memories' sources");
        assertTrue(report.get("perQuestion").get("answerTokens").asDouble() > 0);
        assertEquals(0, report.get("errors").asInt());
        if (pipeline) {
          assertEquals("LLM pipeline (extracted memories only)", report.get("memory").asText());
          List<String> shown =
              server.requests().subList(before, server.requests().size()).stream()
                  .filter(r -> r.messageTexts().get(0).startsWith("You answer questions"))
                  .flatMap(r -> memoriesShown(r).stream())
                  .toList();
          assertFalse(shown.isEmpty());
          assertTrue(
              shown.stream().allMatch(l -> l.matches("- \\[\\d{4}-\\d{2}-\\d{2}] fact: .*")),
              "answers come from the pipeline's memories, not raw turns stored beside them: "
                  + shown);
          // Two extractions, and the second session's facts consolidated against the first's.
          assertEquals(
              3,
              report.get("ingest").get("pipelineCalls").asInt(),
              "one extraction per session, one consolidation");
          assertEquals(0, report.get("ingest").get("sessionsFellBack").asInt());
        }
      }
      assertTrue(
          server.requests().stream()
              .anyMatch(r -> "judge".equals(r.body().path("model").asText())));
      assertTrue(
          server.requests().stream()
              .anyMatch(
                  r ->
                      r.messageTexts().get(0).startsWith("You answer questions")
                          && "answerer".equals(r.body().path("model").asText())));
    }
  }

  @Test
  void aQuestionWhoseModelCallFails_isCountedAndTheRunGoesOn() throws Exception {
    Path data = Path.of(LocomoQaTest.class.getResource("/tiny-locomo.json").toURI());
    Path report = dir.resolve("qa.json");
    try (LoopbackLlmServer server = LoopbackLlmServer.start()) {
      // The first question's answering call fails for good (a 400 is not retried).
      server.then(LoopbackLlmServer.Step.error(400, "context length exceeded"));
      server.respondWith(LocomoQaTest::respond);
      assertEquals(0, run(args(data, report, server.openAiBaseUrl()).toArray(String[]::new)));
    }
    JsonNode r = JSON.readTree(Files.readString(report));
    assertEquals(1, r.get("errors").asInt());
    assertEquals(3, r.get("questions").asInt(), "the other questions were answered and judged");
    assertTrue(r.get("firstError").asText().contains("context length exceeded"), r.toString());
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("1 question(s) failed"));
  }
}
