package dev.engram.langchain4j;

import dev.engram.memory.Scope;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a langchain4j chat memory id (the {@code @MemoryId} of an AI service) becomes an Engram
 * {@link Scope}. The scope names the owner (user and/or agent) and the session the chat's working
 * memory lives in; recall and tools use the owner's whole memory, across sessions.
 *
 * <p>The built-in mappings keep users apart: two different memory ids never become the same user
 * (see {@link #userIdOf(Object)}), and langchain4j's id {@value #LANGCHAIN4J_DEFAULT_ID}, which an
 * AI service without {@code @MemoryId} passes for every caller, is refused rather than made into
 * one user that everybody shares. An application that really has one user says so with {@link
 * #sharedUser(String)}.
 */
@FunctionalInterface
public interface ChatScopes extends Function<Object, Scope> {

  /** The session used when a mapping gives none. */
  String DEFAULT_SESSION = "chat";

  /**
   * The memory id langchain4j substitutes when an AI service method has no {@code @MemoryId}
   * parameter ({@code ChatMemoryService.DEFAULT}).
   */
  String LANGCHAIN4J_DEFAULT_ID = "default";

  /**
   * The prefix of a user id made from a memory id that is not a valid Engram id (or that starts
   * with this prefix itself).
   */
  String HASHED_PREFIX = "sha256:";

  /**
   * The default: the memory id is the user id (see {@link #userIdOf(Object)}) and the session is
   * {@value #DEFAULT_SESSION}.
   *
   * @throws IllegalStateException from the mapping, for the memory id {@value
   *     #LANGCHAIN4J_DEFAULT_ID}: the AI service has no {@code @MemoryId}, so every caller would
   *     share one user's memory
   */
  static ChatScopes byUser() {
    return id -> Scope.user(userIdOf(requireExplicit(id))).withSession(DEFAULT_SESSION);
  }

  /**
   * Every chat memory id is a user of one agent: {@code Scope.of(userIdOf(id), agentId, "chat")};
   * the id {@value #LANGCHAIN4J_DEFAULT_ID} is refused as by {@link #byUser()}.
   */
  static ChatScopes byUser(String agentId) {
    Objects.requireNonNull(agentId, "agentId must not be null");
    Scope.agent(agentId); // validates the id now rather than on the first chat
    return id -> Scope.of(userIdOf(requireExplicit(id)), agentId, DEFAULT_SESSION);
  }

  /**
   * Every chat, whatever its memory id ({@value #LANGCHAIN4J_DEFAULT_ID} included), is the one user
   * {@code userId}, session {@value #DEFAULT_SESSION}: for an application with a single user, such
   * as an AI service without {@code @MemoryId}. All chats then share one memory and one chat
   * window.
   */
  static ChatScopes sharedUser(String userId) {
    Scope shared = Scope.user(userId).withSession(DEFAULT_SESSION);
    return id -> shared;
  }

  /**
   * The Engram user id of a chat memory id, one to one: the id's {@code toString()} as it is when
   * it is a valid Engram id (1 to 128 letters, digits or {@code . _ - : @ +}, starting with a
   * letter or digit) and does not start with {@value #HASHED_PREFIX}; otherwise {@value
   * #HASHED_PREFIX} followed by the hex SHA-256 of its UTF-8 bytes. So {@code "alice@example.com"}
   * stays as it is, {@code "bob smith"} and {@code "bob_smith"} are different users, and so are any
   * two names in other scripts.
   *
   * @throws IllegalArgumentException if {@code memoryId} is null
   */
  static String userIdOf(Object memoryId) {
    if (memoryId == null) {
      throw new IllegalArgumentException("chat memory id must not be null");
    }
    String s = memoryId.toString();
    if (isValidId(s) && !s.startsWith(HASHED_PREFIX)) {
      return s;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HASHED_PREFIX + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** The scope of a chat memory id, always with a session. */
  default Scope scopeOf(Object memoryId) {
    if (memoryId == null) {
      throw new IllegalArgumentException("chat memory id must not be null");
    }
    Scope s = apply(memoryId);
    if (s == null) {
      throw new IllegalStateException("the ChatScopes mapping returned no scope for " + memoryId);
    }
    return s.sessionId() == null ? s.withSession(DEFAULT_SESSION) : s;
  }

  /** The owner's scope (no session): what recall and tools search. */
  default Scope ownerOf(Object memoryId) {
    Scope s = scopeOf(memoryId);
    return s.hasOwner() ? s.withoutSession() : s;
  }

  private static Object requireExplicit(Object memoryId) {
    if (memoryId != null && LANGCHAIN4J_DEFAULT_ID.equals(memoryId.toString())) {
      throw new IllegalStateException(
          "the chat memory id is langchain4j's \"default\", which it uses when the AI service"
              + " method has no @MemoryId parameter, so every caller would share one user's memory;"
              + " add a @MemoryId parameter (and @ToolMemoryId on tools), or map every chat to one"
              + " user on purpose with ChatScopes.sharedUser(userId)");
    }
    return memoryId;
  }

  /** Engram's id syntax (as {@link Scope} checks it). */
  private static boolean isValidId(String s) {
    if (s.isEmpty() || s.length() > 128) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || "._:@+-".indexOf(c) < 0)) {
        return false;
      }
    }
    return true;
  }
}
