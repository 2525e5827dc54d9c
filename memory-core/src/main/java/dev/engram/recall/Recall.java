package dev.engram.recall;

import dev.engram.backend.Candidate;
import dev.engram.backend.CandidateQuery;
import dev.engram.backend.Candidates;
import dev.engram.backend.MemoryBackend;
import dev.engram.decay.DecayPolicy;
import dev.engram.decay.RankingWeights;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Turn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole ranking of a search, the same over every backend:
 *
 * <ol>
 *   <li><b>Admit</b>: scope, status, validity at now or as-of, and the caller's filter, handed to
 *       the backend as one filter ({@link Admission}) and checked again on each memory as reads
 *       present it.
 *   <li><b>Candidates</b>: the backend's lexical (BM25) and vector lists, each {@link
 *       RecallSettings#candidateDepth()} deep, ranked under that filter.
 *   <li><b>Fusion</b>: each list min-max normalised and combined by weight (or reciprocal rank).
 *   <li><b>Conversation signals</b> for turns said in a session: the session's summed score, the
 *       speaker the query names, the neighbouring turns, the question a turn answers.
 *   <li><b>Time</b>: when the query asks about time, the memories whose text names one score × (1 +
 *       {@link RecallSettings#timeWeight()}).
 *   <li><b>Supersession</b>: a turn ranks below the facts derived from it and the memories that
 *       superseded them; a turn whose every derived fact is out of date loses relevance.
 *   <li><b>Blend</b> of relevance, retention and importance ({@link RankingWeights}).
 *   <li><b>Link expansion</b>, when asked for.
 *   <li><b>What was recalled</b>: the direct hits whose relevance clears the reinforcement
 *       threshold; the store reinforces those.
 * </ol>
 *
 * <p>Thread-safe; one instance per store.
 */
public final class Recall {
  private static final Logger LOG = LoggerFactory.getLogger(Recall.class);
  private static final int RRF_K = 60;

  private final MemoryBackend backend;
  private final DecayPolicy decay;
  private final RankingWeights weights;
  private final RecallSettings settings;
  private final Admission admission;
  private final boolean vectors;

  /**
   * Recall over a backend.
   *
   * @param weights the store's blend weights, for requests that name none
   * @param vectors whether the backend answers vector lists
   */
  public Recall(
      MemoryBackend backend,
      DecayPolicy decay,
      RankingWeights weights,
      RecallSettings settings,
      boolean vectors) {
    this.backend = Objects.requireNonNull(backend, "backend");
    this.decay = Objects.requireNonNull(decay, "decay");
    this.weights = Objects.requireNonNull(weights, "weights");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.admission = new Admission(decay);
    this.vectors = vectors;
  }

  /** The settings this recall ranks by. */
  public RecallSettings settings() {
    return settings;
  }

  /**
   * What a search returns and what it recalled.
   *
   * @param hits the hits, best first, then the memories link expansion added
   * @param recalled the direct hits, as returned, whose relevance clears the reinforcement
   *     threshold: those the store reinforces (empty when the request does not reinforce)
   */
  public record Result(List<SearchHit> hits, List<Memory> recalled) {
    /** Copies the lists. */
    public Result {
      hits = List.copyOf(hits);
      recalled = List.copyOf(recalled);
    }
  }

  /** One candidate's way through the ranking. */
  static final class Scored {
    final Memory memory;
    double bm25 = Double.NaN;
    double cosine = Double.NaN;
    double lexicalRank;
    double vectorRank;
    double fused;
    double boosted;
    double neighbour;
    double reply;
    double timeFactor = 1;
    double relevance;
    double retention;
    double score;
    boolean stale;
    MemoryId cappedBy;

    Scored(Memory memory) {
      this.memory = memory;
    }
  }

  /**
   * Ranks a search.
   *
   * @param now the store's current time
   * @param present how a stored memory reads at {@code now} (decay due, reinforcement not yet
   *     written); applied to every candidate before it is admitted and scored
   */
  public Result search(SearchRequest request, Instant now, UnaryOperator<Memory> present) {
    RecallSettings.Fusion fusion = settings.fusion();
    boolean lexical = fusion != RecallSettings.Fusion.VECTOR_ONLY || !vectors;
    boolean vector = vectors && fusion != RecallSettings.Fusion.LEXICAL_ONLY;
    List<String> terms = QueryWords.content(request.query(), settings.queryStopwords());
    Candidates lists =
        backend.candidates(
            new CandidateQuery(
                request.scope(),
                request.query(),
                terms,
                request.queryVector(),
                admission.forSearch(request, now),
                settings.candidateDepth(),
                lexical,
                vector));

    Map<MemoryId, Scored> byId = new LinkedHashMap<>();
    double[] lexRange = range(lists.lexical());
    double[] vecRange = range(lists.vector());
    int rank = 0;
    for (Candidate c : lists.lexical()) {
      rank++;
      Scored x = byId.computeIfAbsent(c.memory().id(), id -> new Scored(c.memory()));
      if (Double.isNaN(x.bm25)) {
        x.bm25 = c.score();
        x.lexicalRank = rank;
      }
    }
    rank = 0;
    for (Candidate c : lists.vector()) {
      rank++;
      Scored x = byId.computeIfAbsent(c.memory().id(), id -> new Scored(c.memory()));
      if (Double.isNaN(x.cosine)) {
        x.cosine = c.score();
        x.vectorRank = rank;
      }
    }

    // Admit each candidate as reads present it; ranges above stay those of the lists as given, so a
    // memory dropped here does not move the others' scores.
    List<Scored> admitted = new ArrayList<>(byId.size());
    for (Scored x : byId.values()) {
      if (!request.scope().contains(x.memory.scope())) {
        LOG.error("backend returned memory {} outside {}; dropped", x.memory.id(), request.scope());
        continue;
      }
      Scored p = new Scored(present.apply(x.memory));
      if (!admission.admits(request, p.memory, now)) {
        continue;
      }
      p.bm25 = x.bm25;
      p.cosine = x.cosine;
      p.lexicalRank = x.lexicalRank;
      p.vectorRank = x.vectorRank;
      admitted.add(p);
    }
    if (admitted.isEmpty()) {
      return new Result(List.of(), List.of());
    }
    fuse(admitted, lexRange, vecRange, fusion);
    ConversationSignals.apply(admitted, request.query(), settings);

    RankingWeights w = request.weights() != null ? request.weights() : weights;
    double timeBoost =
        settings.timeWeight() > 0 && settings.timeCues().asksAboutTime(request.query())
            ? 1 + settings.timeWeight()
            : 1;
    Map<MemoryId, Scored> admittedById = new HashMap<>();
    for (Scored x : admitted) {
      admittedById.put(x.memory.id(), x);
      if (timeBoost > 1 && settings.timeCues().namesTime(x.memory.text())) {
        x.timeFactor = timeBoost;
      }
      double finalScore = (x.boosted + x.neighbour + x.reply) * x.timeFactor;
      x.relevance = Math.max(0, Math.min(1, finalScore / (attainable(x.memory) * timeBoost)));
      // As of an earlier date a turn was not yet out of date.
      x.stale = request.asOf() == null && isStale(x.memory);
      if (x.stale) {
        x.relevance *= settings.staleTurnFactor();
      }
      x.retention = decay.retention(x.memory, now);
      x.score = w.blend(x.relevance, x.retention, x.memory.importance());
    }
    capBelowReplacements(admitted, admittedById);

    List<Scored> ranked = new ArrayList<>();
    for (Scored x : admitted) {
      if (x.score >= request.minScore()) {
        ranked.add(x);
      }
    }
    ranked.sort(
        Comparator.comparingDouble((Scored x) -> x.score)
            .reversed()
            .thenComparing(x -> x.memory.isTurn())
            .thenComparing(x -> x.memory.id()));
    if (ranked.size() > request.limit()) {
      ranked = ranked.subList(0, request.limit());
    }
    List<SearchHit> hits = new ArrayList<>(ranked.size());
    List<Memory> recalled = new ArrayList<>();
    boolean reinforce = request.reinforce() && request.asOf() == null;
    double bestRelevance = 0;
    for (Scored x : ranked) {
      bestRelevance = Math.max(bestRelevance, x.relevance);
    }
    for (Scored x : ranked) {
      hits.add(new SearchHit(x.memory, x.score, request.explain() ? explain(x, w) : null, null));
      if (reinforce && isRecalled(x.relevance, bestRelevance)) {
        recalled.add(x.memory);
      }
    }
    if (request.expandLinks()) {
      hits.addAll(expandLinks(List.copyOf(hits), request, now, present, w));
    }
    return new Result(hits, recalled);
  }

  /**
   * Whether a hit was really recalled: relevant in itself, and close to the best hit of its search,
   * so that the memories that only fill the list are not reinforced with the one the search found.
   */
  private boolean isRecalled(double relevance, double bestRelevance) {
    return relevance >= settings.reinforceThreshold()
        && relevance >= settings.reinforceNearBest() * bestRelevance;
  }

  private void fuse(
      List<Scored> admitted, double[] lexRange, double[] vecRange, RecallSettings.Fusion fusion) {
    switch (fusion) {
      case RRF -> {
        double best = 2.0 / (RRF_K + 1);
        for (Scored x : admitted) {
          double s = 0;
          if (x.lexicalRank > 0) {
            s += 1.0 / (RRF_K + x.lexicalRank);
          }
          if (x.vectorRank > 0) {
            s += 1.0 / (RRF_K + x.vectorRank);
          }
          x.fused = s / best;
        }
      }
      case LEXICAL_ONLY -> {
        for (Scored x : admitted) {
          x.fused = normalize(x.bm25, lexRange);
        }
      }
      case MIN_MAX, VECTOR_ONLY -> {
        double w =
            !vectors
                ? 0
                : fusion == RecallSettings.Fusion.VECTOR_ONLY ? 1 : settings.vectorWeight();
        for (Scored x : admitted) {
          x.fused = (1 - w) * normalize(x.bm25, lexRange) + w * normalize(x.cosine, vecRange);
        }
      }
    }
  }

  /** The lowest and highest score of a list; an empty list gives an empty range. */
  private static double[] range(List<Candidate> list) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (Candidate c : list) {
      min = Math.min(min, c.score());
      max = Math.max(max, c.score());
    }
    return new double[] {min, max};
  }

  /** Min-max over the list the score came from (0 if not in it); a list of one score gives 1. */
  private static double normalize(double score, double[] range) {
    if (Double.isNaN(score) || range[0] > range[1]) {
      return 0;
    }
    double span = range[1] - range[0];
    return span == 0 ? 1 : (score - range[0]) / span;
  }

  /**
   * The most a memory's fused score can grow to with the conversation signals it can get, so that
   * relevance 1 means a perfect match for every kind of memory: a fact has no session or
   * neighbours, and is not held to a turn's scale.
   */
  private double attainable(Memory m) {
    Turn t = m.turn();
    boolean session = t != null && t.inSession();
    boolean speaker = t != null && t.speaker() != null;
    return (1 + (session ? settings.sessionWeight() : 0) + (speaker ? settings.speakerBoost() : 0))
        * (1 + (session ? settings.neighbourWeight() + settings.replyWeight() : 0));
  }

  /** A turn every fact derived from which was since invalidated or rewritten. */
  private static boolean isStale(Memory m) {
    if (!m.isTurn()) {
      return false;
    }
    boolean outdated = false;
    for (Link l : m.links()) {
      if (l.relation().equals(Link.FACT)) {
        return false;
      }
      outdated |= l.relation().equals(Link.OUTDATED_FACT);
    }
    return outdated;
  }

  /**
   * A turn ranks below the facts derived from it and the memories that replaced them, when those
   * are candidates too: they say what the turn said, distilled or brought up to date.
   */
  private static void capBelowReplacements(List<Scored> admitted, Map<MemoryId, Scored> byId) {
    for (Scored t : admitted) {
      if (!t.memory.isTurn()) {
        continue;
      }
      for (Link l : t.memory.links()) {
        if (!l.relation().equals(Link.FACT) && !l.relation().equals(Link.SUPERSEDED_BY)) {
          continue;
        }
        Scored f = byId.get(l.target());
        if (f != null && !f.memory.isTurn() && f.score <= t.score) {
          t.score = f.score;
          t.cappedBy = f.memory.id();
        }
      }
    }
  }

  private ScoreBreakdown explain(Scored x, RankingWeights w) {
    Map<String, Double> signals = new LinkedHashMap<>();
    if (!Double.isNaN(x.bm25)) {
      signals.put("bm25", x.bm25);
    }
    if (!Double.isNaN(x.cosine)) {
      signals.put("vector", x.cosine);
    }
    signals.put("fused", x.fused);
    signals.put("conversation", x.boosted - x.fused);
    signals.put("neighbours", x.neighbour);
    if (settings.replyWeight() > 0) {
      signals.put("reply", x.reply);
    }
    if (x.timeFactor != 1) {
      signals.put("timeFactor", x.timeFactor);
    }
    if (x.stale) {
      signals.put("staleTurnFactor", settings.staleTurnFactor());
    }
    if (x.cappedBy != null) {
      signals.put("rankedBelowReplacement", 1.0);
    }
    return new ScoreBreakdown(x.relevance, x.retention, x.memory.importance(), w, x.score, signals);
  }

  private List<SearchHit> expandLinks(
      List<SearchHit> direct,
      SearchRequest request,
      Instant now,
      UnaryOperator<Memory> present,
      RankingWeights w) {
    Set<MemoryId> seen = new HashSet<>();
    direct.forEach(h -> seen.add(h.memory().id()));
    Set<MemoryId> targets = new HashSet<>();
    for (SearchHit hit : direct) {
      hit.memory().links().forEach(l -> targets.add(l.target()));
    }
    targets.removeAll(seen);
    if (targets.isEmpty()) {
      return List.of();
    }
    Map<MemoryId, Memory> loaded = new HashMap<>();
    for (Memory m : backend.getAll(targets)) {
      if (request.scope().contains(m.scope())) {
        loaded.put(m.id(), present.apply(m));
      }
    }
    List<SearchHit> out = new ArrayList<>();
    for (SearchHit hit : direct) {
      for (Link link : hit.memory().links()) {
        if (out.size() >= request.limit() || !seen.add(link.target())) {
          continue;
        }
        Memory t = loaded.get(link.target());
        if (t == null || !admission.admits(request, t, now)) {
          continue;
        }
        double score = hit.score() * settings.linkFactor();
        if (score < request.minScore()) {
          continue;
        }
        ScoreBreakdown why =
            request.explain()
                ? new ScoreBreakdown(
                    0,
                    decay.retention(t, now),
                    t.importance(),
                    w,
                    score,
                    Map.of("linkedFromScore", hit.score(), "linkFactor", settings.linkFactor()))
                : null;
        out.add(new SearchHit(t, score, why, hit.memory().id()));
      }
    }
    return Collections.unmodifiableList(out);
  }
}
