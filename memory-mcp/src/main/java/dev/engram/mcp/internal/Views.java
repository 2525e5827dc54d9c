package dev.engram.mcp.internal;

import dev.engram.PipelineOutcome;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON shapes tools return (documented in docs/mcp.md and declared as output schemas in {@link
 * ToolSchemas}): snake_case keys, lower-case enum values, ISO-8601 instants.
 */
final class Views {
  private Views() {}

  static Map<String, Object> memory(Memory m) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", m.id().value());
    out.put("text", m.text());
    out.put("tier", lower(m.tier()));
    out.put("kind", lower(m.kind()));
    out.put("status", lower(m.status()));
    out.put("importance", m.importance());
    out.put("created_at", instant(m.createdAt()));
    out.put("updated_at", instant(m.updatedAt()));
    out.put("observed_at", instant(m.observedAt()));
    out.put("valid_to", m.validTo() == null ? null : instant(m.validTo()));
    out.put("metadata", m.metadata());
    out.put("tags", m.tags());
    return out;
  }

  static Map<String, Object> eventSummary(HistoryEvent e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("type", lower(e.type()));
    out.put("memory_id", e.memoryId().value());
    return out;
  }

  static Map<String, Object> event(HistoryEvent e) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("sequence", e.sequence());
    out.put("type", lower(e.type()));
    out.put("at", instant(e.at()));
    out.put("actor", e.actor());
    out.put("reason", e.reason());
    out.put("text_before", e.before() == null ? null : e.before().text());
    out.put("text_after", e.after() == null ? null : e.after().text());
    out.put("status_after", e.after() == null ? null : lower(e.after().status()));
    return out;
  }

  static Map<String, Object> pipeline(PipelineOutcome p) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("status", lower(p.status()));
    out.put("detail", p.detail());
    out.put("llm_calls", p.usage().llmCalls());
    out.put("input_tokens", p.usage().inputTokens());
    out.put("output_tokens", p.usage().outputTokens());
    out.put("notes", p.notes());
    return out;
  }

  static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static String instant(Instant i) {
    return i.toString();
  }
}
