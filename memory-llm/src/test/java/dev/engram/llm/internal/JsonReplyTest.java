package dev.engram.llm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class JsonReplyTest {
  private static List<String> factTexts(String reply) {
    return Replies.facts(JsonReply.parse(reply, "facts")).stream().map(Replies.Fact::text).toList();
  }

  private static String problem(String reply) {
    return assertThrows(IllegalArgumentException.class, () -> JsonReply.parse(reply, "facts"))
        .getMessage();
  }

  @Test
  void proseBeforeTheJsonMayContainBraces() {
    assertEquals(
        List.of("Alice likes jazz"),
        factTexts(
            "I'll use the format {text, about}. Here: {\"facts\": [{\"text\": \"Alice likes jazz\"}]}"));
    assertEquals(
        List.of("Alice likes jazz"),
        factTexts("Note: { opens an object.\n{\"facts\": [\"Alice likes jazz\"]}"));
    assertEquals(
        List.of("Alice likes jazz"),
        factTexts(
            "An example: {\"text\": \"...\"}. The answer: {\"facts\": [\"Alice likes jazz\"]}"));
  }

  @Test
  void proseAfterTheJsonMayContainBraces() {
    assertEquals(
        List.of("Alice likes jazz"),
        factTexts("{\"facts\": [\"Alice likes jazz\"]}\nHope that helps {:"));
  }

  @Test
  void aLiteralThinkTagInsideAStringIsKept() {
    assertEquals(
        List.of("Alice called her talk <think> again"),
        factTexts("{\"facts\": [{\"text\": \"Alice called her talk <think> again\"}]}"));
    assertEquals(
        List.of("Alice wrote <think>x</think> on the board"),
        factTexts("{\"facts\": [\"Alice wrote <think>x</think> on the board\"]}"));
  }

  @Test
  void aLeadingThinkBlockIsSkipped_evenWithJsonDraftsInIt() {
    assertEquals(
        List.of("final"),
        factTexts("<think>maybe {\"facts\": [\"draft\"]}? no.</think>\n{\"facts\": [\"final\"]}"));
    assertEquals(List.of("final"), factTexts("  <thinking>hmm</thinking>{\"facts\": [\"final\"]}"));
  }

  @Test
  void anUnclosedLeadingThinkBlockIsAProblem() {
    assertEquals(
        "the reply's <think> block was never closed (truncated?)",
        problem("<think>The user said {\"facts\""));
  }

  @Test
  void trailingCommasAreTolerated() {
    assertEquals(
        List.of("a", "b"),
        factTexts("{\"facts\": [{\"text\": \"a\", \"tags\": [\"x\",],}, \"b\",],}"));
  }

  @Test
  void codeFencesAreTolerated() {
    assertEquals(List.of("a"), factTexts("```json\n{\"facts\": [\"a\"]}\n```"));
  }

  @Test
  void anObjectWithoutTheKeyIsReturnedForTheCallerToReject() {
    assertEquals(
        "the JSON object has no \"facts\" array",
        assertThrows(IllegalArgumentException.class, () -> factTexts("{\"memories\": [\"a\"]}"))
            .getMessage());
  }

  @Test
  void whatWentWrongIsSaid() {
    assertEquals("the reply was empty", problem("  "));
    assertEquals("the reply contained no JSON object", problem("Sorry, I can't help."));
    assertEquals(
        "the reply's JSON object was not closed (truncated?)",
        problem("Sure: {\"facts\": [{\"text\": \"broken"));
    String invalid = problem("{\"facts\": [{\"text\": \"a\" \"about\": \"user\"}]}");
    assertTrue(invalid.startsWith("the reply was not valid JSON: Unexpected character"), invalid);
  }

  @Test
  void oneUnknownDecisionActionDoesNotSpoilTheOthers() {
    List<Replies.Decision> decisions =
        Replies.decisions(
            JsonReply.parse(
                "{\"decisions\": [{\"fact\": 1, \"action\": \"merge\"},"
                    + " {\"fact\": 2, \"action\": \"NONE\", \"target\": \"0\"},"
                    + " {\"fact\": 3, \"action\": \"delete\", \"target\": \"1\"}]}",
                "decisions"));
    assertEquals(
        List.of("MERGE", "NONE", "INVALIDATE"),
        decisions.stream().map(Replies.Decision::action).toList());
  }
}
