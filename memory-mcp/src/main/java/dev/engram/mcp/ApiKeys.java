package dev.engram.mcp;

import dev.engram.memory.Scope;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * API keys of an HTTP MCP server, each mapped to exactly one {@link Scope}: the only tenant whose
 * memory a request with that key reaches.
 *
 * <p>The key file has one key per line followed by the scope it is bound to; blank lines and lines
 * starting with {@code #} are ignored:
 *
 * <pre>
 * # key                                scope
 * 6f1c0c3e9d2b4a58a1f7e0b3c2d4e5f6     user=alice
 * 0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d     user=bob agent=travel-bot
 * </pre>
 *
 * <p>A key is {@value #MIN_KEY_LENGTH} to {@value #MAX_KEY_LENGTH} characters of letters, digits
 * and {@code - _ . ~ + / =} (so random hex, base64 and base64url keys fit); {@code openssl rand
 * -hex 32} makes a good one. The scope names {@code user=} and/or {@code agent=}, optionally {@code
 * session=}, with the ids {@link Scope} accepts. Several keys may share a scope (to rotate keys);
 * one key never has two. Keys are held as SHA-256 digests, so looking one up does not compare the
 * secret itself character by character.
 */
public final class ApiKeys {
  /** Shortest key accepted: 128 bits of hex. */
  public static final int MIN_KEY_LENGTH = 32;

  /** Longest key accepted. */
  public static final int MAX_KEY_LENGTH = 256;

  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._~+/=-]+");

  private final Map<String, Scope> byDigest;

  private ApiKeys(Map<String, Scope> byDigest) {
    this.byDigest = Map.copyOf(byDigest);
  }

  /**
   * Keys from a map of key to scope.
   *
   * @throws IllegalArgumentException if a key is malformed or a scope has no user or agent
   */
  public static ApiKeys of(Map<String, Scope> keys) {
    Objects.requireNonNull(keys, "keys must not be null");
    if (keys.isEmpty()) {
      throw new IllegalArgumentException("keys must not be empty: no client could connect");
    }
    Map<String, Scope> byDigest = new HashMap<>();
    keys.forEach(
        (key, scope) -> {
          checkKey(key, "key");
          checkScope(scope, "the scope of a key");
          byDigest.put(digest(key), scope);
        });
    return new ApiKeys(byDigest);
  }

  /**
   * Reads a key file (format above).
   *
   * @throws IllegalArgumentException naming the file and line of a malformed entry or a key given
   *     twice
   * @throws UncheckedIOException if the file cannot be read
   */
  public static ApiKeys load(Path file) {
    Objects.requireNonNull(file, "file must not be null");
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the API key file " + file + ": " + e, e);
    }
    Map<String, Scope> byDigest = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String where = file + " line " + (i + 1);
      String[] parts = line.split("\\s+");
      checkKey(parts[0], where + ": the key");
      Scope scope = parseScope(parts, where);
      if (byDigest.put(digest(parts[0]), scope) != null) {
        throw new IllegalArgumentException(
            where + ": this key is already given on an earlier line");
      }
    }
    if (byDigest.isEmpty()) {
      throw new IllegalArgumentException(file + " has no keys: no client could connect");
    }
    return new ApiKeys(byDigest);
  }

  private static Scope parseScope(String[] parts, String where) {
    String user = null;
    String agent = null;
    String session = null;
    if (parts.length == 1) {
      throw new IllegalArgumentException(where + ": the key needs a scope, e.g. user=alice");
    }
    for (int p = 1; p < parts.length; p++) {
      String part = parts[p];
      int eq = part.indexOf('=');
      String name = eq < 0 ? part : part.substring(0, eq);
      String value = eq < 0 ? "" : part.substring(eq + 1);
      String previous =
          switch (name) {
            case "user" -> {
              String old = user;
              user = value;
              yield old;
            }
            case "agent" -> {
              String old = agent;
              agent = value;
              yield old;
            }
            case "session" -> {
              String old = session;
              session = value;
              yield old;
            }
            default ->
                throw new IllegalArgumentException(
                    where + ": expected user=ID, agent=ID or session=ID, got '" + part + "'");
          };
      if (previous != null) {
        throw new IllegalArgumentException(where + ": " + name + "= is given twice");
      }
    }
    Scope scope;
    try {
      scope = Scope.of(user, agent, session);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
    }
    checkScope(scope, where + ": the scope");
    return scope;
  }

  private static void checkKey(String key, String what) {
    Objects.requireNonNull(key, what + " must not be null");
    if (key.length() < MIN_KEY_LENGTH || key.length() > MAX_KEY_LENGTH) {
      throw new IllegalArgumentException(
          what
              + " must be "
              + MIN_KEY_LENGTH
              + " to "
              + MAX_KEY_LENGTH
              + " characters, got "
              + key.length()
              + " (make one with: openssl rand -hex 32)");
    }
    if (!KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(
          what + " may contain only letters, digits and - _ . ~ + / =");
    }
  }

  private static void checkScope(Scope scope, String what) {
    Objects.requireNonNull(scope, what + " must not be null");
    if (!scope.hasOwner()) {
      throw new IllegalArgumentException(
          what + " must name a user or an agent, not only a session");
    }
  }

  /** The scope a presented key is bound to, or empty for an unknown or malformed key. */
  public Optional<Scope> scopeOf(String presentedKey) {
    if (presentedKey == null
        || presentedKey.length() < MIN_KEY_LENGTH
        || presentedKey.length() > MAX_KEY_LENGTH) {
      return Optional.empty();
    }
    return Optional.ofNullable(byDigest.get(digest(presentedKey)));
  }

  /** How many keys there are. */
  public int size() {
    return byDigest.size();
  }

  @Override
  public String toString() {
    return "ApiKeys[" + byDigest.size() + " keys]"; // never the keys themselves
  }

  private static String digest(String key) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
