package dev.engram.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recall-only chat with the real bundled embedding model: a question asked in other words than the
 * fact that answers it is offered that fact; questions and small talk are not stored.
 */
class ChatRecallTest {
  @TempDir Path dir;

  /** Each question, and the stored fact that answers it without sharing its words. */
  private static final Map<String, String> PAIRS = new LinkedHashMap<>();

  static {
    PAIRS.put("What food must I avoid?", "I am allergic to shellfish");
    PAIRS.put("Do I have any pets?", "My dog is called Pastel");
    PAIRS.put("What do I do for a living?", "I work as a nurse at the city hospital");
    PAIRS.put("When is my birthday?", "I was born on 3 May 1990");
    PAIRS.put("Which sport do I play?", "I play tennis every Saturday");
    PAIRS.put("How do I get to the office?", "I commute by bike");
    PAIRS.put("What kind of music do I enjoy?", "I love listening to jazz");
    PAIRS.put("What car do I drive?", "I drive an old Volvo estate");
    PAIRS.put("Which languages can I speak?", "I speak Portuguese and German fluently");
    PAIRS.put("What am I scared of?", "I have a fear of heights");
    PAIRS.put("Where did I go on holiday last summer?", "Last summer we travelled to Japan");
    PAIRS.put("Who is my best friend?", "Sara and I have been close since school");
  }

  private record Run(int code, String out, String err) {}

  private Run run(String stdin, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code =
        new Cli(
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                new Stores(Map.of()))
            .run(args);
    return new Run(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aQuestionInOtherWords_isOfferedTheFactThatAnswersIt_andNothingOfItIsStored() {
    String store = dir.resolve("store").toString();
    StringBuilder facts = new StringBuilder();
    PAIRS.values().forEach(f -> facts.append(f).append('\n'));
    Run told = run(facts + "/quit\n", "chat", "--store", store);
    assertEquals(0, told.code(), told.err());

    StringBuilder asked = new StringBuilder("/why\n");
    PAIRS.keySet().forEach(q -> asked.append(q).append('\n'));
    asked.append("hello there\nthanks!\nWhat is the capital of Mongolia?\n");
    Run chat = run(asked.toString(), "chat", "--store", store, "--no-reinforce");
    assertEquals(0, chat.code(), chat.err());
    String[] turns = chat.out().split("\n> ");
    List<String> missed = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    int i = 2; // the banner, then /why
    for (var pair : PAIRS.entrySet()) {
      String reply = turns[i++];
      String offered = reply.substring(reply.indexOf("memory: "));
      if (!offered.contains("  - " + pair.getValue() + " (")) {
        missed.add(pair.getKey() + " -> " + offered);
        assertTrue(reply.contains("stored: nothing (a question)"), reply);
        continue;
      }
      long others =
          PAIRS.values().stream()
              .filter(f -> !f.equals(pair.getValue()) && offered.contains("  - " + f + " ("))
              .count();
      if (others > 1) {
        wrong.add(pair.getKey() + " -> " + offered);
      }
      assertTrue(reply.contains("stored: nothing (a question)"), reply);
    }
    // The model may rank an answer below another fact: e5-small-v2 (the default) scores the nurse
    // within 0.005 of three other facts for "What do I do for a living?" and offers the birthday;
    // bge-small-en-v1.5 (the default before) missed that one and "Who is my best friend?". At most
    // two may be missed; the rest must be found.
    System.out.println("not offered their answer: " + missed);
    assertTrue(missed.size() <= 2, "questions not offered their answer: " + missed);
    assertEquals(List.of(), wrong, "answers offered with more than one unrelated fact");
    String hello = turns[i++];
    assertTrue(hello.contains("memory: (small talk is not stored)"), hello);
    String thanks = turns[i++];
    assertTrue(thanks.contains("memory: (small talk is not stored)"), thanks);
    String unrelated = turns[i];
    assertTrue(
        unrelated.contains("memory: I don't remember anything about that yet."),
        "a question no memory answers: " + unrelated);

    Run list = run("", "list", "--store", store);
    assertTrue(
        list.out().endsWith(PAIRS.size() + " memories\n"),
        "only the statements were stored: " + list.out());
  }

  @Test
  void questionsStatementsAndSmallTalk_areToldApart() {
    Map<String, Utterance.Kind> cases = new LinkedHashMap<>();
    cases.put("hello there", Utterance.Kind.SMALL_TALK);
    cases.put("Thanks a lot!", Utterance.Kind.SMALL_TALK);
    cases.put("ok", Utterance.Kind.SMALL_TALK);
    cases.put("good morning", Utterance.Kind.SMALL_TALK);
    cases.put("do I have any pets", Utterance.Kind.QUESTION);
    cases.put("tell me about my bees", Utterance.Kind.QUESTION);
    cases.put("my favourite colour is?", Utterance.Kind.QUESTION);
    cases.put("I keep bees on my balcony", Utterance.Kind.STATEMENT);
    cases.put("My dog is called Pastel", Utterance.Kind.STATEMENT);
    cases.put("Hello, I am allergic to shellfish", Utterance.Kind.STATEMENT);
    cases.forEach((line, kind) -> assertEquals(kind, Utterance.classify(line), line));
  }
}
