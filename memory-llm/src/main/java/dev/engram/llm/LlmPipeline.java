package dev.engram.llm;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.filter.Filter;
import dev.engram.llm.internal.DataBlock;
import dev.engram.llm.internal.ModelCaller;
import dev.engram.llm.internal.Replies;
import dev.engram.llm.internal.Schemas;
import dev.engram.memory.Kind;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Message;
import dev.engram.memory.Role;
import dev.engram.memory.Scope;
import dev.engram.memory.Tier;
import dev.engram.pipeline.MemoryDraft;
import dev.engram.pipeline.MemoryPipeline;
import dev.engram.pipeline.PipelineContext;
import dev.engram.pipeline.PipelineException;
import dev.engram.pipeline.PipelineInput;
import dev.engram.pipeline.PipelinePlan;
import dev.engram.pipeline.PlannedChange;
import dev.engram.recall.SearchHit;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mem0- and A-MEM-style memory through any langchain4j {@link ChatModel}. For each add:
 *
 * <ol>
 *   <li><b>Extract</b> (1 call): the new messages, with a little recent context, become short,
 *       self-contained facts with absolute dates, in the language they were said in, each already
 *       <b>enriched</b> with keywords, tags, a context line and an importance of 1–10.
 *   <li><b>Consolidate</b> (1 call, skipped when nothing similar is stored): each fact is compared
 *       with the most similar existing memories of the scope, shown to the model under small
 *       integer ids that are mapped back here (raw episodes, the verbatim messages, are not
 *       compared). ADD stores it; UPDATE rewrites a memory (its old text stays in history) and
 *       merges in the fact's keywords, tags and sources; INVALIDATE closes a contradicted memory's
 *       validity and adds the new fact, linked with {@code supersedes}; NONE notes that it is known
 *       and adds the new message to the known memory's sources. A decision naming an unknown id or
 *       action falls back to ADD, so a new fact is never lost.
 *   <li><b>Link</b>: each fact is linked to the existing memories the model called related; with
 *       consolidation off, to at most 3 similar memories whose relevance reaches {@link
 *       Builder#linkThreshold(double)}.
 *   <li><b>Evolve</b> (optional, 1 call for all the new facts that have related memories): those
 *       related memories' context and tags are refined.
 * </ol>
 *
 * <p>Model calls per add: 1 to extract (none with extraction off), 1 to consolidate when any fact
 * has a similar stored memory, 1 to evolve when evolution is on and any new fact has related
 * memories — so 1 to 3 (0 to 2 without extraction). A step whose reply is unusable is asked once
 * more, so at most twice that. Retries of transport errors (429, 5xx) are the langchain4j client's
 * own ({@code maxRetries}) and happen inside one counted call. Session consolidation costs 1
 * summarise call plus the same consolidate and evolve calls.
 *
 * <p>With {@link Builder#keepEpisodes(boolean)} (the default) the raw messages are stored too, as
 * short-term episodic memories that fade unless recalled, and every fact links to the episodes it
 * came from; {@link dev.engram.MemoryStore#consolidate(Scope)} later summarises a session's
 * episodes into lasting facts.
 *
 * <p>If an extract or consolidate call fails, times out, is rate-limited, or the model answers
 * unusably twice, the pipeline throws and the store keeps the raw messages instead, reporting why:
 * nothing said is dropped. A failed evolve call only leaves the neighbours as they were; the rest
 * of the plan is applied and the failure is one of the outcome's notes.
 *
 * {@snippet :
 * ChatModel model = OpenAiChatModel.builder().apiKey(System.getenv("OPENAI_API_KEY"))
 *     .modelName("gpt-4o-mini")
 *     .supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA) // else no schema is sent
 *     .strictJsonSchema(true)
 *     .build();
 * MemoryStore memory = Engram.builder().pipeline(LlmPipeline.builder(model).build()).build();
 * memory.add(Scope.user("alice"), "I moved to Porto last week");
 * }
 */
public final class LlmPipeline implements MemoryPipeline {
  /**
   * Raw episodes: the episodic messages the store keeps verbatim as conversation turns (this
   * pipeline's kept episodes, the store's fall-back, {@code infer(false)} adds). Extracted facts,
   * episodic ones (events) included, are not turns, and facts stored verbatim as semantic memories
   * are not episodic, so later facts are compared with them.
   */
  static final Filter RAW_EPISODE =
      Filter.and(Filter.eq("kind", Kind.EPISODIC), Filter.exists("turn"));

  private static final Filter NOT_RAW_EPISODE = Filter.not(RAW_EPISODE);
  private static final Logger LOG = LoggerFactory.getLogger(LlmPipeline.class);
  private static final int MAX_EXISTING = 30;
  private static final int MAX_UNJUDGED_LINKS = 3;

  private final Prompts prompts;
  private final ModelCaller caller;
  private final boolean extraction;
  private final boolean consolidation;
  private final boolean linking;
  private final boolean evolution;
  private final boolean keepEpisodes;
  private final int similarLimit;
  private final int recentContext;
  private final double linkThreshold;
  private final ZoneId zone;

  private LlmPipeline(Builder b) {
    this.prompts = b.prompts;
    boolean structured =
        switch (b.structuredOutput) {
          case ALWAYS -> true;
          case NEVER -> false;
          case AUTO ->
              b.model.supportedCapabilities().contains(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
        };
    this.caller = new ModelCaller(b.model, structured, b.listeners);
    this.extraction = b.extraction;
    this.consolidation = b.consolidation;
    this.linking = b.linking;
    this.evolution = b.evolution;
    this.keepEpisodes = b.keepEpisodes;
    this.similarLimit = b.similarLimit;
    this.recentContext = b.recentContext;
    this.linkThreshold = b.linkThreshold;
    this.zone = b.zone;
  }

  /** A builder for a pipeline over {@code model}. */
  public static Builder builder(ChatModel model) {
    return new Builder(model);
  }

  // ------------------------------------------------------------------------------------ add

  @Override
  public PipelinePlan plan(PipelineInput input, PipelineContext context) {
    ModelCaller.Usage usage = new ModelCaller.Usage();
    List<Message> messages = input.messages();
    List<PlannedChange> changes = new ArrayList<>();
    List<String> notes = new ArrayList<>();

    List<MemoryId> episodes = new ArrayList<>();
    if (keepEpisodes) {
      for (Message m : messages) {
        MemoryDraft episode = episode(m, input.metadata());
        episodes.add(episode.id());
        changes.add(new PlannedChange.Add(episode, "said in conversation"));
      }
    }
    List<Replies.Fact> facts =
        extraction ? extract(messages, context, usage) : verbatimFacts(messages);
    if (facts.isEmpty()) {
      notes.add("nothing worth remembering as a fact");
    }
    List<Source> sources = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      sources.add(new Source(m.id(), m.observedAt(), keepEpisodes ? episodes.get(i) : null));
    }
    consolidate(facts, sources, input.metadata(), context, usage, changes, notes);
    return new PipelinePlan(changes, usage.snapshot(), notes);
  }

  /** Where a fact came from: a message's id and time, and the episode that stores it (if kept). */
  private record Source(String messageId, Instant observedAt, MemoryId episode) {}

  private MemoryDraft episode(Message m, Map<String, Object> metadata) {
    Map<String, Object> meta = new LinkedHashMap<>(metadata);
    return new MemoryDraft(
        MemoryId.random(),
        m.text(),
        Kind.EPISODIC,
        Tier.SHORT_TERM,
        0.3,
        1,
        List.of(),
        List.of(),
        "",
        meta,
        m.id() == null ? List.of() : List.of(m.id()),
        m.observedAt(),
        List.of(),
        m);
  }

  private List<Replies.Fact> extract(
      List<Message> messages, PipelineContext context, ModelCaller.Usage usage) {
    StringBuilder user = new StringBuilder();
    List<Memory> recent = recentContext > 0 ? context.recent(recentContext) : List.of();
    if (!recent.isEmpty()) {
      ArrayNode items = DataBlock.array();
      for (int i = recent.size() - 1; i >= 0; i--) {
        Memory m = recent.get(i);
        ObjectNode o = items.addObject();
        if (m.turn() != null) {
          o.put("speaker", m.turn().speakerOrRole());
        }
        o.put("date", DataBlock.date(m.observedAt(), zone));
        o.put("text", m.text());
      }
      ObjectNode recentData = DataBlock.object();
      recentData.set("recent", items);
      user.append(DataBlock.wrap("RECENT CONTEXT (oldest first):", recentData));
    }
    ArrayNode items = DataBlock.array();
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      ObjectNode o = items.addObject();
      o.put("n", i + 1);
      o.put("role", m.role().name().toLowerCase(Locale.ROOT));
      if (m.name() != null) {
        o.put("speaker", m.name());
      }
      o.put("date", DataBlock.date(m.observedAt(), zone));
      o.put("text", m.text());
    }
    ObjectNode data = DataBlock.object();
    data.set("messages", items);
    user.append(DataBlock.wrap("NEW MESSAGES:", data));
    return caller.call(
        LlmCall.Stage.EXTRACT,
        prompts.extract(),
        user.toString(),
        Schemas.FACTS,
        "facts",
        Replies::facts,
        usage);
  }

  private static List<Replies.Fact> verbatimFacts(List<Message> messages) {
    List<Replies.Fact> facts = new ArrayList<>();
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      if (m.role() == Role.SYSTEM) {
        continue;
      }
      facts.add(
          new Replies.Fact(
              m.text(),
              switch (m.role()) {
                case ASSISTANT -> "assistant";
                case TOOL -> "tool";
                default -> "user";
              },
              "semantic",
              5,
              List.of(),
              List.of(),
              "",
              List.of(i + 1)));
    }
    return facts;
  }

  /**
   * Compares facts with what is stored and turns the decisions into planned changes. Shared by add
   * and session consolidation.
   */
  private void consolidate(
      List<Replies.Fact> facts,
      List<Source> sources,
      Map<String, Object> metadata,
      PipelineContext context,
      ModelCaller.Usage usage,
      List<PlannedChange> changes,
      List<String> notes) {
    if (facts.isEmpty()) {
      return;
    }
    // Existing memories similar to any fact, shown to the model as "0", "1", … and mapped back
    // here; and, per fact, the similar ones close enough to link without a model's judgement.
    List<Memory> existing = new ArrayList<>();
    List<List<Memory>> nearByFact = new ArrayList<>();
    Set<MemoryId> seen = new LinkedHashSet<>();
    boolean search = consolidation || linking || evolution;
    for (Replies.Fact f : facts) {
      List<Memory> near = new ArrayList<>();
      List<SearchHit> hits =
          search ? context.similar(f.text(), similarLimit, NOT_RAW_EPISODE) : List.of();
      for (SearchHit hit : hits) {
        Memory m = hit.memory();
        if (existing.size() < MAX_EXISTING && seen.add(m.id())) {
          existing.add(m);
        }
        if (hit.score() >= linkThreshold
            && near.size() < MAX_UNJUDGED_LINKS
            && seen.contains(m.id())) {
          near.add(m);
        }
      }
      nearByFact.add(near);
    }
    Map<Integer, Replies.Decision> decisions = new LinkedHashMap<>();
    if (consolidation && !existing.isEmpty()) {
      for (Replies.Decision d : decide(facts, existing, usage)) {
        if (d.fact() >= 1 && d.fact() <= facts.size()) {
          decisions.putIfAbsent(d.fact(), d);
        }
      }
    }
    List<MemoryDraft> added = new ArrayList<>();
    List<List<Memory>> addedNeighbours = new ArrayList<>();
    for (int i = 0; i < facts.size(); i++) {
      Replies.Fact fact = facts.get(i);
      Replies.Decision d = decisions.get(i + 1);
      String action = d == null ? "ADD" : d.action();
      if (!Replies.ACTIONS.contains(action)) {
        notes.add("fact " + (i + 1) + ": unknown action \"" + action + "\"; added instead");
        action = "ADD";
      }
      Memory target = d == null ? null : byShortId(existing, d.target());
      if (!action.equals("ADD") && target == null) {
        if (d != null && !existing.isEmpty()) {
          notes.add(
              "fact "
                  + (i + 1)
                  + ": "
                  + action
                  + " named unknown memory \""
                  + d.target()
                  + "\"; added instead");
        }
        action = "ADD";
      }
      List<Memory> related = new ArrayList<>();
      if (consolidation) {
        // The model judged what is related.
        for (String id : d == null ? List.<String>of() : d.related()) {
          Memory r = byShortId(existing, id);
          if (r != null && !related.contains(r) && r != target) {
            related.add(r);
          }
        }
      } else {
        related.addAll(nearByFact.get(i));
      }
      List<Memory> links = linking ? related : List.of();
      String reason = d == null || d.reason().isEmpty() ? "" : d.reason();
      switch (action) {
        case "NONE" -> {
          notes.add("already known: \"" + fact.text() + "\" (memory " + target.id() + ")");
          // Said again: the known memory now traces to this message too.
          List<String> newSources = new ArrayList<>(messageIds(fact, sources));
          newSources.removeAll(target.sources());
          if (!newSources.isEmpty()) {
            changes.add(
                new PlannedChange.Update(
                    target.id(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    Map.of(),
                    newSources,
                    "said again: " + fact.text()));
          }
          linkEpisodes(target, fact, sources, changes);
        }
        case "UPDATE" -> {
          String text = d.text().isEmpty() ? fact.text() : d.text();
          List<String> keywords = merged(target.keywords(), fact.keywords());
          List<String> tags = merged(target.tags(), fact.tags());
          double importance = fact.importance() / 10.0;
          changes.add(
              new PlannedChange.Update(
                  target.id(),
                  text,
                  keywords.equals(target.keywords()) ? null : keywords,
                  tags.equals(target.tags()) ? null : tags,
                  target.context().isEmpty() && !fact.context().isEmpty() ? fact.context() : null,
                  importance > target.importance() ? importance : null,
                  Map.of(),
                  messageIds(fact, sources),
                  reason.isEmpty() ? "refined by: " + fact.text() : reason));
          linkEpisodes(target, fact, sources, changes);
          for (Memory r : links) {
            changes.add(new PlannedChange.AddLink(target.id(), Link.related(r.id()), "related"));
          }
        }
        default -> {
          MemoryDraft draft = draft(fact, sources, metadata, links);
          changes.add(new PlannedChange.Add(draft, reason));
          if (action.equals("INVALIDATE")) {
            changes.add(
                new PlannedChange.Invalidate(
                    target.id(),
                    draft.id(),
                    reason.isEmpty() ? "contradicted by: " + fact.text() : reason));
          }
          if (!related.isEmpty()) {
            added.add(draft);
            addedNeighbours.add(related);
          }
        }
      }
    }
    if (evolution && !added.isEmpty()) {
      try {
        evolve(added, addedNeighbours, usage, changes);
      } catch (PipelineException e) {
        // Evolution only refines neighbours: what was extracted and decided still stands.
        LOG.warn("{}; the neighbours were left unchanged", e.getMessage());
        notes.add(e.getMessage() + "; the neighbours were left unchanged");
      }
    }
  }

  /**
   * Whom a stored memory is about: the subject extraction gave it, else who said it (a verbatim
   * message), else unknown.
   */
  private static String subject(Memory m) {
    Object subject = m.metadata().get("subject");
    if (subject != null) {
      return subject.toString();
    }
    if (m.turn() == null) {
      return null;
    }
    return switch (m.turn().role().name().toLowerCase(Locale.ROOT)) {
      case "assistant" -> "assistant";
      case "tool" -> "tool";
      case "system" -> null;
      default -> "user";
    };
  }

  private List<Replies.Decision> decide(
      List<Replies.Fact> facts, List<Memory> existing, ModelCaller.Usage usage) {
    ArrayNode memories = DataBlock.array();
    for (int i = 0; i < existing.size(); i++) {
      Memory m = existing.get(i);
      ObjectNode o = memories.addObject();
      o.put("id", String.valueOf(i));
      o.put("text", m.text());
      String about = subject(m);
      if (about != null) {
        o.put("about", about);
      }
      o.put("date", DataBlock.date(m.observedAt(), zone));
    }
    ArrayNode newFacts = DataBlock.array();
    for (int i = 0; i < facts.size(); i++) {
      Replies.Fact f = facts.get(i);
      newFacts.addObject().put("fact", i + 1).put("text", f.text()).put("about", f.about());
    }
    ObjectNode existingData = DataBlock.object();
    existingData.set("memories", memories);
    ObjectNode factData = DataBlock.object();
    factData.set("facts", newFacts);
    String user =
        DataBlock.wrap("EXISTING MEMORIES:", existingData) + DataBlock.wrap("NEW FACTS:", factData);
    return caller.call(
        LlmCall.Stage.CONSOLIDATE,
        prompts.consolidate(),
        user,
        Schemas.DECISIONS,
        "decisions",
        Replies::decisions,
        usage);
  }

  /**
   * One call for all the memories this plan adds: their neighbours (the memories each relates to)
   * get a refined context line and tags.
   */
  private void evolve(
      List<MemoryDraft> added,
      List<List<Memory>> relatedByAdded,
      ModelCaller.Usage usage,
      List<PlannedChange> changes) {
    List<Memory> neighbours = new ArrayList<>();
    Map<MemoryId, List<Integer>> relatedTo = new LinkedHashMap<>();
    ArrayNode newItems = DataBlock.array();
    for (int i = 0; i < added.size(); i++) {
      MemoryDraft a = added.get(i);
      newItems.addObject().put("n", i + 1).put("text", a.text()).put("context", a.context());
      for (Memory n : relatedByAdded.get(i)) {
        if (!relatedTo.containsKey(n.id())) {
          neighbours.add(n);
          relatedTo.put(n.id(), new ArrayList<>());
        }
        relatedTo.get(n.id()).add(i + 1);
      }
    }
    ArrayNode items = DataBlock.array();
    for (int i = 0; i < neighbours.size(); i++) {
      Memory m = neighbours.get(i);
      ObjectNode o = items.addObject();
      o.put("id", String.valueOf(i));
      o.put("text", m.text());
      o.put("context", m.context());
      ArrayNode tags = o.putArray("tags");
      m.tags().forEach(tags::add);
      ArrayNode to = o.putArray("related_to");
      relatedTo.get(m.id()).forEach(to::add);
    }
    ObjectNode newData = DataBlock.object();
    newData.set("memories", newItems);
    ObjectNode neighbourData = DataBlock.object();
    neighbourData.set("neighbours", items);
    String user =
        DataBlock.wrap("NEW MEMORIES:", newData) + DataBlock.wrap("NEIGHBOURS:", neighbourData);
    Set<MemoryId> changed = new LinkedHashSet<>();
    for (Replies.NeighbourChange c :
        caller.call(
            LlmCall.Stage.EVOLVE,
            prompts.evolve(),
            user,
            Schemas.NEIGHBOURS,
            "neighbours",
            Replies::neighbours,
            usage)) {
      Memory n = byShortId(neighbours, c.id());
      if (n == null || !changed.add(n.id())) {
        continue;
      }
      String contextLine =
          c.context().isEmpty() || c.context().equals(n.context()) ? null : c.context();
      List<String> tags = c.tags().isEmpty() || c.tags().equals(n.tags()) ? null : c.tags();
      if (contextLine != null || tags != null) {
        List<String> after = new ArrayList<>();
        relatedTo.get(n.id()).forEach(k -> after.add(added.get(k - 1).text()));
        changes.add(
            new PlannedChange.Update(
                n.id(),
                null,
                null,
                tags,
                contextLine,
                null,
                Map.of(),
                List.of(),
                "evolved after: " + String.join("; ", after)));
      }
    }
  }

  private MemoryDraft draft(
      Replies.Fact fact, List<Source> sources, Map<String, Object> metadata, List<Memory> related) {
    Map<String, Object> meta = new LinkedHashMap<>(metadata);
    meta.put("subject", fact.about());
    List<Link> links = new ArrayList<>();
    related.forEach(r -> links.add(Link.related(r.id())));
    Instant observed = null;
    for (Source s : sourcesOf(fact, sources)) {
      if (s.episode() != null) {
        links.add(new Link(s.episode(), Link.DERIVED_FROM));
      }
      if (s.observedAt() != null && (observed == null || s.observedAt().isAfter(observed))) {
        observed = s.observedAt();
      }
    }
    Kind kind =
        switch (fact.kind()) {
          case "episodic" -> Kind.EPISODIC;
          case "procedural" -> Kind.PROCEDURAL;
          default -> Kind.SEMANTIC;
        };
    double importance = fact.importance() / 10.0;
    // Importance seeds strength: a critical fact (10) starts three times as durable as a trivial
    // one.
    double strength = 1 + 2 * (fact.importance() - 1) / 9.0;
    return new MemoryDraft(
        MemoryId.random(),
        fact.text(),
        kind,
        Tier.LONG_TERM,
        importance,
        strength,
        fact.keywords(),
        fact.tags(),
        fact.context(),
        meta,
        messageIds(fact, sources),
        observed,
        links);
  }

  /** Links an existing memory a fact confirmed or refined to the episodes the fact came from. */
  private static void linkEpisodes(
      Memory target, Replies.Fact fact, List<Source> sources, List<PlannedChange> changes) {
    for (Source s : sourcesOf(fact, sources)) {
      Link link = s.episode() == null ? null : new Link(s.episode(), Link.DERIVED_FROM);
      if (link != null && !target.links().contains(link)) {
        changes.add(new PlannedChange.AddLink(target.id(), link, "said in conversation"));
      }
    }
  }

  /** {@code existing} followed by what {@code more} adds to it, at most 16 terms. */
  private static List<String> merged(List<String> existing, List<String> more) {
    List<String> out = new ArrayList<>(existing);
    for (String term : more) {
      if (out.size() < 16 && out.stream().noneMatch(t -> t.equalsIgnoreCase(term))) {
        out.add(term);
      }
    }
    return out;
  }

  /** The sources a fact cites; all of them when it cites none that exist. */
  private static List<Source> sourcesOf(Replies.Fact fact, List<Source> sources) {
    List<Source> out = new ArrayList<>();
    for (int n : fact.sources()) {
      if (n >= 1 && n <= sources.size() && !out.contains(sources.get(n - 1))) {
        out.add(sources.get(n - 1));
      }
    }
    return out.isEmpty() ? sources : out;
  }

  private static List<String> messageIds(Replies.Fact fact, List<Source> sources) {
    List<String> ids = new ArrayList<>();
    for (Source s : sourcesOf(fact, sources)) {
      if (s.messageId() != null && !ids.contains(s.messageId())) {
        ids.add(s.messageId());
      }
    }
    return ids;
  }

  private static Memory byShortId(List<Memory> memories, String shortId) {
    try {
      int i = Integer.parseInt(shortId.strip());
      return i >= 0 && i < memories.size() ? memories.get(i) : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  // ------------------------------------------------------------------------------------ sessions

  @Override
  public PipelinePlan consolidate(Scope scope, List<Memory> episodes, PipelineContext context) {
    ModelCaller.Usage usage = new ModelCaller.Usage();
    List<PlannedChange> changes = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    if (episodes.isEmpty()) {
      return new PipelinePlan(changes, usage.snapshot(), notes);
    }
    ArrayNode items = DataBlock.array();
    List<Source> sources = new ArrayList<>();
    for (int i = 0; i < episodes.size(); i++) {
      Memory e = episodes.get(i);
      ObjectNode o = items.addObject();
      o.put("n", i + 1);
      if (e.turn() != null) {
        o.put("speaker", e.turn().speakerOrRole());
      }
      o.put("date", DataBlock.date(e.observedAt(), zone));
      o.put("text", e.text());
      sources.add(
          new Source(e.sources().isEmpty() ? null : e.sources().get(0), e.observedAt(), e.id()));
    }
    ObjectNode data = DataBlock.object();
    data.set("episodes", items);
    List<Replies.Fact> facts =
        caller.call(
            LlmCall.Stage.SUMMARIZE,
            prompts.summarize(),
            DataBlock.wrap("EPISODES of " + scope + ":", data),
            Schemas.FACTS,
            "facts",
            Replies::facts,
            usage);
    consolidate(facts, sources, Map.of(), context, usage, changes, notes);
    return new PipelinePlan(changes, usage.snapshot(), notes);
  }

  // ------------------------------------------------------------------------------------ builder

  /**
   * Whether to send each step's JSON schema as the response format. Without one, the reply's text
   * is parsed tolerantly.
   */
  public enum StructuredOutput {
    /**
     * When the model declares {@link Capability#RESPONSE_FORMAT_JSON_SCHEMA}. langchain4j's OpenAI
     * and Ollama models declare it only when built with {@code supportedCapabilities(...)} (or, for
     * OpenAI, {@code responseFormat("json_schema")}).
     */
    AUTO,
    /**
     * Whatever the model declares. The endpoint must accept the schema: one that rejects it fails
     * every call, and every add then falls back to storing the raw messages.
     */
    ALWAYS,
    /** Never: parse the reply's text tolerantly. */
    NEVER
  }

  /** Builds {@link LlmPipeline}s; every setter validates at once and states its default. */
  public static final class Builder {
    private final ChatModel model;
    private Prompts prompts = Prompts.defaults();
    private StructuredOutput structuredOutput = StructuredOutput.AUTO;
    private final List<PipelineListener> listeners = new ArrayList<>();
    private boolean extraction = true;
    private boolean consolidation = true;
    private boolean linking = true;
    private boolean evolution;
    private boolean keepEpisodes = true;
    private int similarLimit = 5;
    private int recentContext = 6;
    private double linkThreshold = 0.4;
    private ZoneId zone = ZoneOffset.UTC;

    private Builder(ChatModel model) {
      this.model = Objects.requireNonNull(model, "model must not be null");
    }

    /** Overrides the prompts; default {@link Prompts#defaults()}. */
    public Builder prompts(Prompts prompts) {
      this.prompts = Objects.requireNonNull(prompts, "prompts must not be null");
      return this;
    }

    /** Sets when to request JSON-schema output; default {@link StructuredOutput#AUTO}. */
    public Builder structuredOutput(StructuredOutput mode) {
      this.structuredOutput = Objects.requireNonNull(mode, "structuredOutput must not be null");
      return this;
    }

    /** Adds a listener told about every model call (tokens, time, errors). */
    public Builder listener(PipelineListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener must not be null"));
      return this;
    }

    /**
     * Sets whether the model extracts facts; default true. Off, each non-system message is taken as
     * a fact verbatim (still consolidated and linked).
     */
    public Builder extraction(boolean on) {
      this.extraction = on;
      return this;
    }

    /** Sets whether facts are consolidated against similar memories; default true. */
    public Builder consolidation(boolean on) {
      this.consolidation = on;
      return this;
    }

    /** Sets whether new facts are linked to related memories; default true. */
    public Builder linking(boolean on) {
      this.linking = on;
      return this;
    }

    /**
     * Sets whether related memories' context and tags are refined after an add (A-MEM evolution,
     * one more call per add that has related memories); default false.
     */
    public Builder evolution(boolean on) {
      this.evolution = on;
      return this;
    }

    /**
     * Sets whether the raw messages are also stored, as short-term episodic memories that facts
     * link to and that session consolidation summarises; default true.
     */
    public Builder keepEpisodes(boolean on) {
      this.keepEpisodes = on;
      return this;
    }

    /**
     * Sets how many similar memories are fetched per fact for consolidation, 1 to 20; default 5.
     */
    public Builder similarLimit(int limit) {
      if (limit < 1 || limit > 20) {
        throw new IllegalArgumentException("similarLimit must be between 1 and 20, got " + limit);
      }
      this.similarLimit = limit;
      return this;
    }

    /**
     * Sets how many recent memories of the session are shown to extraction for resolving
     * references, 0 to 50; default 6.
     */
    public Builder recentContext(int count) {
      if (count < 0 || count > 50) {
        throw new IllegalArgumentException("recentContext must be between 0 and 50, got " + count);
      }
      this.recentContext = count;
      return this;
    }

    /**
     * Sets how relevant a similar memory must be to be linked (and evolved) when {@link
     * #consolidation(boolean) consolidation} is off, so that no model judges what is related; more
     * than 0, at most 1; default 0.4. Each fact then links to at most 3 of its {@link
     * #similarLimit(int) similar memories} whose relevance ({@link SearchHit#score()} with
     * relevance-only weights) reaches this. Relevance is the backend's: in a small check with the
     * in-memory backend and the bge-small embedder, the memory a fact was clearly about scored 0.44
     * to 0.47, loosely related ones 0.38 to 0.41 and unrelated ones 0.28 to 0.36; without an
     * embedder even an identical sentence stays under 0.45; the embedded Lucene store normalises
     * per query, so its best hit scores about 0.6 whatever it is — there, keep consolidation on for
     * judged links, or set this above 0.6 to link nothing unjudged.
     */
    public Builder linkThreshold(double threshold) {
      if (!(threshold > 0 && threshold <= 1)) {
        throw new IllegalArgumentException(
            "linkThreshold must be greater than 0 and at most 1, got " + threshold);
      }
      this.linkThreshold = threshold;
      return this;
    }

    /**
     * Sets the time zone the model reads dates in (each message's, each memory's), so that
     * "yesterday" or "tonight" resolves to the user's calendar day; default UTC. Each date is shown
     * with its zone, e.g. {@code Sunday, 7 May 2023, 20:00 America/Los_Angeles (UTC-07:00)}.
     */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone must not be null");
      return this;
    }

    /** Builds the pipeline. */
    public LlmPipeline build() {
      return new LlmPipeline(this);
    }
  }
}
