package dev.engram.mcp.internal;

import dev.engram.PageRequest;
import io.modelcontextprotocol.spec.McpSchema;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names, descriptions and JSON schemas of the tools. Output schemas describe exactly what {@link
 * Views} writes, so a client that validates structured results (the SDK's does) accepts them.
 */
final class ToolSchemas {
  private ToolSchemas() {}

  static McpSchema.Tool.Builder addMemory() {
    return McpSchema.Tool.builder(
            "add_memory",
            object(
                props(
                    "text",
                    prop("string", "what to remember"),
                    "metadata",
                    Map.of(
                        "type",
                        "object",
                        "description",
                        "optional attributes: string, number, boolean or list-of-string values")),
                List.of("text")))
        .description(
            "Remember something about the user for future conversations: a fact, a preference, an"
                + " event. Write it as the user said it or as one self-contained sentence. Returns"
                + " the memories stored or changed.")
        .outputSchema(
            object(
                props(
                    "memories",
                    array(memory()),
                    "events",
                    array(
                        object(
                            props("type", string(), "memory_id", string()),
                            List.of("type", "memory_id"))),
                    "pipeline",
                    object(
                        props(
                            "status",
                            Map.of(
                                "type",
                                "string",
                                "enum",
                                List.of("not_run", "applied", "fell_back")),
                            "detail",
                            string(),
                            "llm_calls",
                            integer(),
                            "input_tokens",
                            integer(),
                            "output_tokens",
                            integer(),
                            "notes",
                            array(string())),
                        List.of("status", "llm_calls"))),
                List.of("memories", "events", "pipeline")));
  }

  static McpSchema.Tool.Builder searchMemory() {
    return McpSchema.Tool.builder(
            "search_memory",
            object(
                props(
                    "query",
                    prop("string", "what to look for, in natural language"),
                    "limit",
                    limit(MemoryToolSet.SEARCH_DEFAULT_LIMIT, MemoryToolSet.SEARCH_MAX_LIMIT)),
                List.of("query")))
        .description(
            "Search the user's memories for what is relevant to a question or topic. Returns the"
                + " best matches first, with their ids and dates.")
        .outputSchema(object(props("results", array(scoredMemory())), List.of("results")));
  }

  static McpSchema.Tool.Builder listMemories() {
    return McpSchema.Tool.builder(
            "list_memories",
            object(
                props(
                    "limit",
                    limit(MemoryToolSet.LIST_DEFAULT_LIMIT, PageRequest.MAX_LIMIT),
                    "cursor",
                    prop("string", "next_cursor from the previous page")),
                List.of()))
        .description(
            "List the user's memories (not deleted ones), oldest first, one page at a time. Pass"
                + " next_cursor back as cursor for the next page; it is null on the last page.")
        .outputSchema(
            object(
                props(
                    "memories",
                    array(memory()),
                    "next_cursor",
                    Map.of("type", List.of("string", "null"))),
                List.of("memories")));
  }

  static McpSchema.Tool.Builder deleteMemory() {
    return McpSchema.Tool.builder(
            "delete_memory", object(props("id", prop("string", "the memory's id")), List.of("id")))
        .description(
            "Delete a memory the user wants forgotten, by its id (from search_memory or"
                + " list_memories). It is no longer recalled; its history is kept.")
        .outputSchema(object(props("id", string(), "status", string()), List.of("id", "status")));
  }

  static McpSchema.Tool.Builder memoryHistory() {
    return McpSchema.Tool.builder(
            "memory_history", object(props("id", prop("string", "the memory's id")), List.of("id")))
        .description(
            "The history of one memory, oldest first: when it was added, changed, invalidated,"
                + " archived or deleted, by whom, and its text before and after.")
        .outputSchema(
            object(
                props(
                    "id",
                    string(),
                    "events",
                    array(
                        object(
                            props(
                                "sequence",
                                integer(),
                                "type",
                                string(),
                                "at",
                                string(),
                                "actor",
                                string(),
                                "reason",
                                string(),
                                "text_before",
                                nullableString(),
                                "text_after",
                                nullableString(),
                                "status_after",
                                nullableString()),
                            List.of("sequence", "type", "at", "actor")))),
                List.of("id", "events")));
  }

  private static Map<String, Object> memory() {
    return object(memoryProps(), MEMORY_REQUIRED);
  }

  private static Map<String, Object> scoredMemory() {
    Map<String, Object> p = memoryProps();
    p.put("score", Map.of("type", "number"));
    List<String> required = new java.util.ArrayList<>(MEMORY_REQUIRED);
    required.add("score");
    return object(p, required);
  }

  private static final List<String> MEMORY_REQUIRED =
      List.of("id", "text", "tier", "kind", "status", "created_at", "observed_at");

  private static Map<String, Object> memoryProps() {
    return props(
        "id",
        string(),
        "text",
        string(),
        "tier",
        Map.of("type", "string", "enum", List.of("working", "short_term", "long_term")),
        "kind",
        Map.of("type", "string", "enum", List.of("episodic", "semantic", "procedural")),
        "status",
        Map.of("type", "string", "enum", List.of("active", "archived", "invalidated", "deleted")),
        "importance",
        Map.of("type", "number"),
        "created_at",
        string(),
        "updated_at",
        string(),
        "observed_at",
        string(),
        "valid_to",
        nullableString(),
        "metadata",
        Map.of("type", "object"),
        "tags",
        array(string()));
  }

  private static Map<String, Object> limit(int defaultValue, int max) {
    return Map.of(
        "type",
        "integer",
        "minimum",
        1,
        "maximum",
        max,
        "description",
        "how many to return, 1 to " + max + " (default " + defaultValue + ")");
  }

  private static Map<String, Object> object(Map<String, Object> properties, List<String> required) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("type", "object");
    m.put("properties", properties);
    if (!required.isEmpty()) {
      m.put("required", required);
    }
    return m;
  }

  private static Map<String, Object> array(Map<String, Object> items) {
    return Map.of("type", "array", "items", items);
  }

  private static Map<String, Object> prop(String type, String description) {
    return Map.of("type", type, "description", description);
  }

  private static Map<String, Object> string() {
    return Map.of("type", "string");
  }

  private static Map<String, Object> nullableString() {
    return Map.of("type", List.of("string", "null"));
  }

  private static Map<String, Object> integer() {
    return Map.of("type", "integer");
  }

  private static Map<String, Object> props(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }
}
