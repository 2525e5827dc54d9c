package dev.engram.mcp.internal;

import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MemoryNotFoundException;
import dev.engram.MemoryStore;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The five memory tools, confined to the scope the transport bound to the call. The scope comes
 * from {@code scopeOf} (the launch configuration or the caller's API key), never from the tool's
 * arguments: an argument that names a tenant ({@code user_id}, {@code userId}, {@code agent_id}, …)
 * is accepted only when it names the bound tenant itself, and the call is refused otherwise.
 *
 * <p>Mistakes by the client (a missing text, a malformed id, a limit out of range) come back as a
 * tool error ({@code isError}) with a message naming the argument, as MCP asks, so a model can
 * correct itself; a memory of another tenant is "not found", exactly like one that does not exist.
 */
public final class MemoryToolSet {
  private static final Logger LOG = LoggerFactory.getLogger(MemoryToolSet.class);

  /** The actor recorded in history for changes made through MCP. */
  public static final String ACTOR = "mcp";

  /** Default {@code limit} of {@code search_memory}. */
  public static final int SEARCH_DEFAULT_LIMIT = 10;

  /** Largest {@code limit} of {@code search_memory}. */
  public static final int SEARCH_MAX_LIMIT = 100;

  /** Default {@code limit} of {@code list_memories}. */
  public static final int LIST_DEFAULT_LIMIT = 50;

  /** Argument names a client may use to pick a tenant, mapped to the scope id they name. */
  private static final Map<String, Function<Scope, String>> TENANT_ARGUMENTS =
      Map.of(
          "user_id", Scope::userId,
          "userId", Scope::userId,
          "agent_id", Scope::agentId,
          "agentId", Scope::agentId,
          "session_id", Scope::sessionId,
          "sessionId", Scope::sessionId,
          "run_id", Scope::sessionId,
          "runId", Scope::sessionId);

  private final MemoryStore store;
  private final Function<McpSyncServerExchange, Scope> scopeOf;
  private final InFlight inFlight;
  private final McpJsonMapper json;

  /**
   * Tools over {@code store}.
   *
   * @param scopeOf the tenant of a call, from its transport; must never return {@code null}
   * @param inFlight admits calls until the server closes, so closing waits for running calls
   */
  public MemoryToolSet(
      MemoryStore store,
      Function<McpSyncServerExchange, Scope> scopeOf,
      InFlight inFlight,
      McpJsonMapper json) {
    this.store = Objects.requireNonNull(store, "store must not be null");
    this.scopeOf = Objects.requireNonNull(scopeOf, "scopeOf must not be null");
    this.inFlight = Objects.requireNonNull(inFlight, "inFlight must not be null");
    this.json = Objects.requireNonNull(json, "json must not be null");
  }

  /** The tool specifications, to register with an MCP server. */
  public List<SyncToolSpecification> specifications() {
    return List.of(
        spec(
            ToolSchemas.addMemory(),
            new ToolAnnotations("Add a memory", false, false, false, false, null),
            this::add),
        spec(
            ToolSchemas.searchMemory(),
            new ToolAnnotations("Search memories", true, false, true, false, null),
            this::search),
        spec(
            ToolSchemas.listMemories(),
            new ToolAnnotations("List memories", true, false, true, false, null),
            this::list),
        spec(
            ToolSchemas.deleteMemory(),
            new ToolAnnotations("Delete a memory", false, true, true, false, null),
            this::delete),
        spec(
            ToolSchemas.memoryHistory(),
            new ToolAnnotations("Memory history", true, false, true, false, null),
            this::history));
  }

  private interface Handler {
    Map<String, Object> handle(Scope scope, Arguments args);
  }

  private SyncToolSpecification spec(
      McpSchema.Tool.Builder tool, ToolAnnotations annotations, Handler handler) {
    McpSchema.Tool t = tool.annotations(annotations).build();
    return SyncToolSpecification.builder()
        .tool(t)
        .callHandler((exchange, request) -> call(t.name(), exchange, request, handler))
        .build();
  }

  private CallToolResult call(
      String tool, McpSyncServerExchange exchange, CallToolRequest request, Handler handler) {
    if (!inFlight.enter()) {
      return error("The memory server is shutting down; try again later.");
    }
    try {
      Scope scope = scopeOf.apply(exchange);
      if (scope == null) {
        // Fail closed: a transport that bound no tenant must not reach any memory.
        LOG.error("no tenant is bound to this {} call; refused", tool);
        return error("This connection is not bound to a tenant.");
      }
      Arguments args = new Arguments(request.arguments());
      String refusal = checkTenantArguments(scope, args);
      if (refusal != null) {
        LOG.warn("{} call for {} refused: {}", tool, scope, refusal);
        return error(refusal);
      }
      Map<String, Object> result = handler.handle(scope, args);
      return CallToolResult.builder()
          .structuredContent(result)
          .addTextContent(write(result))
          .isError(false)
          .build();
    } catch (ToolError e) {
      return error(e.getMessage());
    } catch (IllegalArgumentException | IllegalStateException e) {
      // The store validated the input (metadata, text size, a deleted memory...): say what.
      return error(e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("{} failed", tool, e);
      return error(tool + " failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    } finally {
      inFlight.exit();
    }
  }

  /**
   * A refusal message if an argument names a tenant other than {@code scope}, else {@code null}.
   * One that names the bound tenant itself is harmless and ignored, so clients written for servers
   * that take {@code user_id} keep working for their own user.
   */
  static String checkTenantArguments(Scope scope, Arguments args) {
    for (Map.Entry<String, Function<Scope, String>> e : TENANT_ARGUMENTS.entrySet()) {
      Object value = args.raw(e.getKey());
      if (value == null) {
        continue;
      }
      String bound = e.getValue().apply(scope);
      if (!(value instanceof String s) || !s.equals(bound)) {
        return "The argument "
            + e.getKey()
            + " cannot choose whose memory is used: this connection is bound to one tenant by"
            + " the server's configuration or API key. Leave "
            + e.getKey()
            + " out.";
      }
    }
    return null;
  }

  private Map<String, Object> add(Scope scope, Arguments args) {
    String text = args.requiredString("text");
    AddRequest.Builder b = AddRequest.builder(scope).text(text).actor(ACTOR);
    Map<String, Object> metadata = args.optionalObject("metadata");
    if (metadata != null) {
      b.metadata(metadata);
    }
    AddResult r = store.add(b.build());
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("memories", r.memories().stream().map(Views::memory).toList());
    out.put("events", r.events().stream().map(Views::eventSummary).toList());
    out.put("pipeline", Views.pipeline(r.pipeline()));
    return out;
  }

  private Map<String, Object> search(Scope scope, Arguments args) {
    String query = args.requiredString("query");
    if (query.length() > SearchRequest.MAX_QUERY_LENGTH) {
      query = query.substring(0, SearchRequest.MAX_QUERY_LENGTH);
    }
    int limit = args.optionalInt("limit", SEARCH_DEFAULT_LIMIT, 1, SEARCH_MAX_LIMIT);
    List<SearchHit> hits = store.search(SearchRequest.builder(scope, query).limit(limit).build());
    List<Map<String, Object>> results = new ArrayList<>();
    for (SearchHit h : hits) {
      Map<String, Object> m = Views.memory(h.memory());
      m.put("score", h.score());
      results.add(m);
    }
    return Map.of("results", results);
  }

  private Map<String, Object> list(Scope scope, Arguments args) {
    int limit = args.optionalInt("limit", LIST_DEFAULT_LIMIT, 1, PageRequest.MAX_LIMIT);
    String cursor = args.optionalString("cursor");
    PageRequest page;
    try {
      page = new PageRequest(limit, cursor);
    } catch (IllegalArgumentException e) {
      throw new ToolError("cursor is not one this server returned: " + e.getMessage());
    }
    // Deleted memories are gone from the caller's point of view; their history stays reachable.
    Page<Memory> p = store.list(scope, Filter.ne("status", Status.DELETED), page);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("memories", p.items().stream().map(Views::memory).toList());
    out.put("next_cursor", p.nextCursor());
    return out;
  }

  private Map<String, Object> delete(Scope scope, Arguments args) {
    MemoryId id = args.requiredId("id");
    try {
      Memory m = store.delete(scope, id, "deleted through MCP", ACTOR);
      return Map.of("id", m.id().value(), "status", Views.lower(m.status()));
    } catch (MemoryNotFoundException e) {
      throw notFound(id);
    }
  }

  private Map<String, Object> history(Scope scope, Arguments args) {
    MemoryId id = args.requiredId("id");
    List<HistoryEvent> events = store.history(scope, id);
    if (events.isEmpty()) {
      throw notFound(id);
    }
    return Map.of("id", id.value(), "events", events.stream().map(Views::event).toList());
  }

  private static ToolError notFound(MemoryId id) {
    return new ToolError("No memory has the id \"" + id + "\".");
  }

  private CallToolResult error(String message) {
    return CallToolResult.builder().addTextContent(message).isError(true).build();
  }

  private String write(Map<String, Object> result) {
    try {
      return json.writeValueAsString(result);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
