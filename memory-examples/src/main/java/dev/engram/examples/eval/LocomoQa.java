package dev.engram.examples.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MemoryStore;
import dev.engram.decay.RankingWeights;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * LoCoMo question answering following the Mem0 paper's protocol: memories retrieved for each
 * question (categories 1–4) are given to an answering model, and a judge model labels the answer
 * CORRECT or WRONG against the gold answer (J = share of CORRECT). Reports J per category and
 * overall, tokens and latency per question, and — from the same run — recall@k of the gold evidence
 * through the memories' sources, so pipeline-built memory and raw-turn memory can be compared. A
 * question whose answering or judging call fails is left out of J and counted under {@code errors};
 * the run goes on.
 */
public final class LocomoQa {
  private static final Set<Integer> CATEGORIES = Set.of(1, 2, 3, 4);
  private static final ObjectMapper JSON = new ObjectMapper();

  static final String ANSWER_SYSTEM =
      "You answer questions about a long conversation between two people using only the memories"
          + " provided. Memories are dated; answer time questions with the dates they imply (convert"
          + " relative dates using the memory's date). Answer in a short phrase (under ten words). If"
          + " the memories do not say, answer with your best guess from them.";

  static final String JUDGE_SYSTEM =
      "Your task is to label an answer to a question as 'CORRECT' or 'WRONG'. You will be given a"
          + " question, a gold (ground truth) answer, and a generated answer. Be generous: if the"
          + " generated answer touches on the same topic as the gold answer it is CORRECT; for time"
          + " questions, a different format of the same date or period is CORRECT. Reply with only a"
          + " JSON object {\"label\": \"CORRECT\"} or {\"label\": \"WRONG\"}.";

  private final MemoryStore store;
  private final ChatModel answerer;
  private final ChatModel judge;
  private final boolean throughPipeline;
  private final int k;
  private final LocomoEval.Progress progress;

  /**
   * A run.
   *
   * @param throughPipeline whether turns go through the store's LLM pipeline (else stored verbatim)
   * @param k memories retrieved per question
   */
  public LocomoQa(
      MemoryStore store,
      ChatModel answerer,
      ChatModel judge,
      boolean throughPipeline,
      int k,
      LocomoEval.Progress progress) {
    this.store = store;
    this.answerer = answerer;
    this.judge = judge;
    this.throughPipeline = throughPipeline;
    this.k = k;
    this.progress = progress;
  }

  /** Runs and returns the report. */
  public ObjectNode run(List<Locomo.Conversation> conversations) {
    int turns =
        conversations.stream()
            .mapToInt(c -> c.sessions().stream().mapToInt(s -> s.turns().size()).sum())
            .sum();
    long ingestStart = System.nanoTime();
    long pipelineCalls = 0;
    long pipelineTokens = 0;
    int fellBack = 0;
    int done = 0;
    for (Locomo.Conversation c : conversations) {
      for (Locomo.Session s : c.sessions()) {
        if (s.turns().isEmpty()) {
          continue;
        }
        AddRequest.Builder b =
            AddRequest.builder(
                    Scope.user(LocomoEval.scopeId(c.sampleId()))
                        .withSession("session_" + s.number()))
                .observedAt(s.date())
                .infer(throughPipeline);
        for (Locomo.Turn t : s.turns()) {
          b.message(Message.user(t.text()).withName(t.speaker()).withId(t.diaId()));
        }
        AddResult r = store.add(b.build());
        pipelineCalls += r.pipeline().usage().llmCalls();
        pipelineTokens += r.pipeline().usage().inputTokens() + r.pipeline().usage().outputTokens();
        if (r.pipeline().status() == dev.engram.PipelineOutcome.Status.FELL_BACK) {
          fellBack++;
        }
        done += s.turns().size();
        if (progress != null) {
          progress.update("ingest", done, turns);
        }
      }
    }
    double ingestSeconds = (System.nanoTime() - ingestStart) / 1e9;

    Map<Integer, int[]> correct = new TreeMap<>();
    Map<Integer, double[]> recall = new TreeMap<>();
    List<Double> searchMs = new ArrayList<>();
    List<Double> totalMs = new ArrayList<>();
    long tokens = 0;
    int asked = 0;
    int errors = 0;
    String firstError = null;
    int total =
        conversations.stream()
            .mapToInt(
                c ->
                    (int)
                        c.questions().stream()
                            .filter(
                                q -> CATEGORIES.contains(q.category()) && !q.evidence().isEmpty())
                            .count())
            .sum();
    for (Locomo.Conversation c : conversations) {
      Scope scope = Scope.user(LocomoEval.scopeId(c.sampleId()));
      for (Locomo.Question q : c.questions()) {
        if (!CATEGORIES.contains(q.category()) || q.evidence().isEmpty() || q.text().isBlank()) {
          continue;
        }
        long t0 = System.nanoTime();
        List<SearchHit> hits =
            store.search(
                SearchRequest.builder(scope, q.text())
                    .limit(k)
                    .reinforce(false)
                    .weights(RankingWeights.RELEVANCE_ONLY)
                    .build());
        searchMs.add((System.nanoTime() - t0) / 1e6);
        StringBuilder memories = new StringBuilder();
        for (SearchHit h : hits) {
          memories
              .append("- [")
              .append(h.memory().observedAt().toString(), 0, 10)
              .append("] ")
              .append(h.text())
              .append('\n');
        }
        ChatResponse answer;
        ChatResponse verdict;
        try {
          answer =
              answerer.chat(
                  SystemMessage.from(ANSWER_SYSTEM),
                  UserMessage.from(
                      "Memories:\n" + memories + "\nQuestion: " + q.text() + "\nAnswer:"));
          String generated =
              answer.aiMessage().text() == null ? "" : answer.aiMessage().text().strip();
          verdict =
              judge.chat(
                  SystemMessage.from(JUDGE_SYSTEM),
                  UserMessage.from(
                      "Question: "
                          + q.text()
                          + "\nGold answer: "
                          + q.answer()
                          + "\nGenerated answer: "
                          + generated));
        } catch (RuntimeException e) {
          // One failed model call costs one question, not the run.
          errors++;
          if (firstError == null) {
            firstError =
                e.getClass().getSimpleName()
                    + ": "
                    + String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " ");
          }
          if (progress != null) {
            progress.update("questions", asked + errors, total);
          }
          continue;
        }
        totalMs.add((System.nanoTime() - t0) / 1e6);
        tokens += tokens(answer.tokenUsage());
        int[] cj = correct.computeIfAbsent(q.category(), x -> new int[2]);
        cj[0] += isCorrect(verdict.aiMessage().text()) ? 1 : 0;
        cj[1]++;
        recall.computeIfAbsent(q.category(), x -> new double[1])[0] +=
            LocomoEval.recall(hits, q.evidence(), k);
        asked++;
        if (progress != null) {
          progress.update("questions", asked + errors, total);
        }
      }
    }
    if (progress != null) {
      progress.finish();
    }
    ObjectNode root = JSON.createObjectNode();
    root.put("questions", asked);
    root.put("errors", errors);
    if (firstError != null) {
      root.put(
          "firstError",
          firstError.length() <= 300 ? firstError : firstError.substring(0, 297) + "...");
    }
    root.put(
        "memory",
        throughPipeline ? "LLM pipeline (extracted memories only)" : "one memory per turn");
    int allCorrect = 0;
    double allRecall = 0;
    ObjectNode byCategory = root.putObject("byCategory");
    for (var e : correct.entrySet()) {
      ObjectNode cat = byCategory.putObject(String.valueOf(e.getKey()));
      cat.put("questions", e.getValue()[1]);
      cat.put("j", round((double) e.getValue()[0] / e.getValue()[1]));
      cat.put("recallAt" + k, round(recall.get(e.getKey())[0] / e.getValue()[1]));
      allCorrect += e.getValue()[0];
      allRecall += recall.get(e.getKey())[0];
    }
    root.put("j", round(asked == 0 ? 0 : (double) allCorrect / asked));
    root.put("recallAt" + k, round(asked == 0 ? 0 : allRecall / asked));
    ObjectNode ingest = root.putObject("ingest");
    ingest.put("turns", turns);
    ingest.put("seconds", round(ingestSeconds));
    ingest.put("pipelineCalls", pipelineCalls);
    ingest.put("pipelineTokens", pipelineTokens);
    ingest.put("sessionsFellBack", fellBack);
    ObjectNode perQuestion = root.putObject("perQuestion");
    perQuestion.put("answerTokens", round(asked == 0 ? 0 : (double) tokens / asked));
    double[] search = searchMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    double[] all = totalMs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    perQuestion.put("searchP50Ms", round(LocomoEval.percentile(search, 0.5)));
    perQuestion.put("searchP95Ms", round(LocomoEval.percentile(search, 0.95)));
    perQuestion.put("totalP50Ms", round(LocomoEval.percentile(all, 0.5)));
    perQuestion.put("totalP95Ms", round(LocomoEval.percentile(all, 0.95)));
    return root;
  }

  private static long tokens(TokenUsage u) {
    if (u == null) {
      return 0;
    }
    return (u.inputTokenCount() == null ? 0 : u.inputTokenCount())
        + (u.outputTokenCount() == null ? 0 : u.outputTokenCount());
  }

  /** The judge's label; anything but a clear CORRECT counts as WRONG. */
  static boolean isCorrect(String verdict) {
    if (verdict == null) {
      return false;
    }
    try {
      JsonNode n =
          JSON.readTree(verdict.substring(verdict.indexOf('{'), verdict.lastIndexOf('}') + 1));
      return "CORRECT".equalsIgnoreCase(n.path("label").asText());
    } catch (Exception e) {
      String v = verdict.toUpperCase(Locale.ROOT);
      return v.contains("CORRECT") && !v.contains("WRONG");
    }
  }

  private static double round(double v) {
    return Math.round(v * 10_000) / 10_000.0;
  }

  /** The report as a readable table. */
  public static String table(ObjectNode r, int k) {
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT, "%-12s %9s %7s %8s%n", "category", "questions", "J", "R@" + k));
    for (Map.Entry<String, JsonNode> e : r.get("byCategory").properties()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-12s %9d %7.3f %8.3f%n",
              e.getKey(),
              e.getValue().get("questions").asInt(),
              e.getValue().get("j").asDouble(),
              e.getValue().get("recallAt" + k).asDouble()));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "%-12s %9d %7.3f %8.3f%n",
            "all (1-4)",
            r.get("questions").asInt(),
            r.get("j").asDouble(),
            r.get("recallAt" + k).asDouble()));
    if (r.path("errors").asInt() > 0) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%d question(s) failed and are left out (first: %s)%n",
              r.get("errors").asInt(),
              r.path("firstError").asText()));
    }
    JsonNode p = r.get("perQuestion");
    sb.append(
        String.format(
            Locale.ROOT,
            "per question: %.0f answer tokens, search p50 %.1f ms / p95 %.1f ms, total p50 %.0f ms / p95 %.0f ms%n",
            p.get("answerTokens").asDouble(),
            p.get("searchP50Ms").asDouble(),
            p.get("searchP95Ms").asDouble(),
            p.get("totalP50Ms").asDouble(),
            p.get("totalP95Ms").asDouble()));
    return sb.toString();
  }
}
