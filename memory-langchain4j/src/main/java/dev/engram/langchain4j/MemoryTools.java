package dev.engram.langchain4j;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MemoryNotFoundException;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.filter.Filter;
import dev.engram.memory.Kind;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Tier;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolMemoryId;
import java.util.List;
import java.util.Objects;

/**
 * Memory tools an agent calls itself (Letta / LangMem style): remember, recall, update, forget.
 * Give an instance to {@code AiServices.builder(...).tools(...)}. The user is always the service's
 * {@code @MemoryId}, never an argument the model chooses, so a model cannot reach another user's
 * memory: an id from another scope is simply "not found". Bad arguments from the model (an empty or
 * malformed id, an over-long text) come back to it as a short message, never as an exception; an
 * over-long recall query is cut to {@link SearchRequest#MAX_QUERY_LENGTH} characters.
 */
public final class MemoryTools {
  private final MemoryStore store;
  private final ChatScopes scopes;

  /** Tools over {@code store}, with chat memory ids mapped by {@link ChatScopes#byUser()}. */
  public MemoryTools(MemoryStore store) {
    this(store, ChatScopes.byUser());
  }

  /** Tools over {@code store}, with chat memory ids mapped by {@code scopes}. */
  public MemoryTools(MemoryStore store, ChatScopes scopes) {
    this.store = Objects.requireNonNull(store, "store must not be null");
    this.scopes = Objects.requireNonNull(scopes, "scopes must not be null");
  }

  /** Stores a fact. */
  @Tool(
      "Remember a fact about the user or the conversation for future conversations. Write one short,"
          + " self-contained sentence with absolute dates.")
  public String remember(
      @ToolMemoryId Object memoryId,
      @P("the fact to remember, as one self-contained sentence") String fact) {
    if (fact == null || fact.isBlank()) {
      return "Nothing remembered: the fact was empty.";
    }
    Scope scope = scopes.scopeOf(memoryId);
    try {
      AddResult r =
          store.add(
              AddRequest.builder(scope)
                  .text(fact)
                  .kind(Kind.SEMANTIC)
                  .tier(Tier.LONG_TERM)
                  .importance(0.7)
                  .actor("agent")
                  .build());
      List<Memory> stored = r.memories();
      return stored.isEmpty()
          ? "Already known; nothing new stored."
          : "Remembered (id " + stored.get(stored.size() - 1).id() + ").";
    } catch (IllegalArgumentException e) {
      return "Nothing remembered: " + e.getMessage();
    }
  }

  /** Searches memory, leaving out the asking chat's own messages (its window holds them). */
  @Tool(
      "Search your long-term memory of the user. Returns matching memories with their ids and dates.")
  public String recall(@ToolMemoryId Object memoryId, @P("what to look for") String query) {
    if (query == null || query.isBlank()) {
      return "Nothing to search for: the query was empty.";
    }
    List<SearchHit> hits;
    try {
      hits =
          store.search(
              SearchRequest.builder(scopes.ownerOf(memoryId), Queries.truncate(query))
                  .filter(Queries.outsideChat(Filter.all(), scopes.scopeOf(memoryId)))
                  .limit(5)
                  .build());
    } catch (IllegalArgumentException e) {
      return "Nothing searched: " + e.getMessage();
    }
    if (hits.isEmpty()) {
      return "No memories match.";
    }
    StringBuilder sb = new StringBuilder();
    for (SearchHit h : hits) {
      sb.append(h.memory().id())
          .append(" | ")
          .append(h.memory().observedAt().toString(), 0, 10)
          .append(" | ")
          .append(h.text())
          .append('\n');
    }
    return sb.toString().strip();
  }

  /** Corrects a memory. */
  @Tool(
      "Correct a memory that is wrong or out of date, by its id (from recall). The old text is kept in history.")
  public String updateMemory(
      @ToolMemoryId Object memoryId,
      @P("the memory's id, as returned by recall") String id,
      @P("the corrected memory, one self-contained sentence") String text) {
    MemoryId parsed = parse(id);
    if (parsed == null) {
      return "No memory has the id \"" + id + "\".";
    }
    if (text == null || text.isBlank()) {
      return "Not updated: the new text was empty.";
    }
    try {
      store.update(
          scopes.ownerOf(memoryId),
          parsed,
          MemoryUpdate.builder().text(text).actor("agent").build());
      return "Updated memory " + parsed + ".";
    } catch (MemoryNotFoundException e) {
      return "No memory has the id \"" + id + "\".";
    } catch (IllegalArgumentException | IllegalStateException e) {
      return "Not updated: " + e.getMessage();
    }
  }

  /** Forgets a memory (softly: it can be restored). */
  @Tool("Forget a memory the user wants forgotten, by its id (from recall).")
  public String forget(
      @ToolMemoryId Object memoryId, @P("the memory's id, as returned by recall") String id) {
    MemoryId parsed = parse(id);
    if (parsed == null) {
      return "No memory has the id \"" + id + "\".";
    }
    try {
      store.delete(scopes.ownerOf(memoryId), parsed, "forgotten at the user's request");
      return "Forgot memory " + parsed + ".";
    } catch (MemoryNotFoundException e) {
      return "No memory has the id \"" + id + "\".";
    }
  }

  private static MemoryId parse(String id) {
    try {
      return id == null ? null : MemoryId.of(id.strip());
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
