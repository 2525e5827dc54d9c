package dev.engram.mcp.internal;

import dev.engram.memory.MemoryId;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A tool call's arguments as the JSON decoder produced them, read with messages that name the
 * argument. Arguments a tool does not declare are ignored (except the tenant-naming ones, which
 * {@link MemoryToolSet} checks first).
 */
final class Arguments {
  private final Map<String, Object> values;

  Arguments(Map<String, Object> values) {
    this.values = values == null ? Map.of() : values;
  }

  Object raw(String name) {
    return values.get(name);
  }

  String requiredString(String name) {
    Object v = values.get(name);
    if (v == null) {
      throw new ToolError(name + " is required");
    }
    if (!(v instanceof String s)) {
      throw new ToolError(name + " must be a string");
    }
    if (s.isBlank()) {
      throw new ToolError(name + " must not be blank");
    }
    return s;
  }

  String optionalString(String name) {
    Object v = values.get(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof String s)) {
      throw new ToolError(name + " must be a string");
    }
    return s.isEmpty() ? null : s;
  }

  int optionalInt(String name, int defaultValue, int min, int max) {
    Object v = values.get(name);
    if (v == null) {
      return defaultValue;
    }
    long n;
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      n = ((Number) v).longValue();
    } else if (v instanceof Number num
        && num.doubleValue() == Math.rint(num.doubleValue())
        && Math.abs(num.doubleValue()) < 1e15) {
      n = (long) num.doubleValue(); // JSON 5.0: a whole number written with a decimal point
    } else {
      throw new ToolError(name + " must be a whole number between " + min + " and " + max);
    }
    if (n < min || n > max) {
      throw new ToolError(name + " must be between " + min + " and " + max + ", got " + n);
    }
    return (int) n;
  }

  Map<String, Object> optionalObject(String name) {
    Object v = values.get(name);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map<?, ?> m)) {
      throw new ToolError(name + " must be an object");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : m.entrySet()) {
      out.put(String.valueOf(e.getKey()), e.getValue());
    }
    return out;
  }

  MemoryId requiredId(String name) {
    String s = requiredString(name).strip();
    try {
      return MemoryId.of(s);
    } catch (IllegalArgumentException e) {
      // Same answer as an id of another tenant: nothing to learn from the difference.
      throw new ToolError("No memory has the id \"" + abbreviate(s) + "\".");
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 80) + "…";
  }
}
