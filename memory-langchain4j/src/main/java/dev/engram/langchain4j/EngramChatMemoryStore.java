package dev.engram.langchain4j;

import dev.engram.AddRequest;
import dev.engram.MemoryStore;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * langchain4j's chat memory kept in Engram's working tier, so a chat's short-term messages and the
 * user's long-term memory are one store: what is said in a chat is searchable later, fades like any
 * episode, and is consolidated by {@link MemoryStore#consolidate}.
 *
 * <p>Each chat memory id is a session ({@link ChatScopes}). User and AI text messages are stored;
 * system messages (re-sent by the service every turn) and tool calls and results are not. {@code
 * updateMessages} receives the whole window every time: only messages not already stored at the end
 * of the session are added, so calling it again with the same list stores nothing twice; calls for
 * the same session are serialised, so concurrent calls do not either. Engram keeps at most {@code
 * DecayPolicy.workingCapacity()} (20) working memories per session and moves older ones to
 * short-term; use a {@code MessageWindowChatMemory} no larger than that.
 *
 * <p>The last window of each session is kept in this process (with its tool messages) only while it
 * agrees with the store: once the session's working memories change from outside (a forget, a
 * consolidation, another process), the window is rebuilt from the store.
 */
public final class EngramChatMemoryStore implements ChatMemoryStore {
  private static final int MAX_WINDOWS = 10_000;

  /**
   * Serialises the read-compare-write of one session. Striped and shared by every instance, so two
   * stores over the same {@link MemoryStore} in this JVM do not race either.
   */
  private static final ReentrantLock[] LOCKS = new ReentrantLock[64];

  static {
    for (int i = 0; i < LOCKS.length; i++) {
      LOCKS[i] = new ReentrantLock();
    }
  }

  private final MemoryStore store;
  private final ChatScopes scopes;

  /** The current window of each session, as langchain4j last gave it (tool messages included). */
  private final Map<Scope, List<ChatMessage>> windows =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Scope, List<ChatMessage>> eldest) {
              return size() > MAX_WINDOWS;
            }
          });

  /** Chat memory in {@code store}, with ids mapped by {@link ChatScopes#byUser()}. */
  public EngramChatMemoryStore(MemoryStore store) {
    this(store, ChatScopes.byUser());
  }

  /** Chat memory in {@code store}, with ids mapped by {@code scopes}. */
  public EngramChatMemoryStore(MemoryStore store, ChatScopes scopes) {
    this.store = Objects.requireNonNull(store, "store must not be null");
    this.scopes = Objects.requireNonNull(scopes, "scopes must not be null");
  }

  @Override
  public List<ChatMessage> getMessages(Object memoryId) {
    Scope session = scopes.scopeOf(memoryId);
    ReentrantLock lock = lockOf(session);
    lock.lock();
    try {
      List<Memory> stored = working(session);
      List<ChatMessage> window = windows.get(session);
      if (window != null && agrees(window, stored)) {
        return window;
      }
      windows.remove(session);
      List<ChatMessage> out = new ArrayList<>();
      for (Memory m : stored) {
        out.add(
            m.turn() != null && m.turn().role() == dev.engram.memory.Role.ASSISTANT
                ? AiMessage.from(m.text())
                : UserMessage.from(m.text()));
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void updateMessages(Object memoryId, List<ChatMessage> messages) {
    Scope session = scopes.scopeOf(memoryId);
    List<Message> incoming = storable(messages);
    ReentrantLock lock = lockOf(session);
    lock.lock();
    try {
      List<Memory> stored = working(session);
      int overlap = overlap(stored, incoming);
      List<Message> fresh = incoming.subList(overlap, incoming.size());
      if (!fresh.isEmpty()) {
        store.add(
            AddRequest.builder(session)
                .messages(fresh)
                .tier(Tier.WORKING)
                .infer(false)
                .actor("chat-memory")
                .build());
      }
      windows.put(session, List.copyOf(messages));
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void deleteMessages(Object memoryId) {
    Scope session = scopes.scopeOf(memoryId);
    ReentrantLock lock = lockOf(session);
    lock.lock();
    try {
      windows.remove(session);
      for (Memory m : working(session)) {
        store.delete(session, m.id(), "chat memory cleared");
      }
    } finally {
      lock.unlock();
    }
  }

  private static ReentrantLock lockOf(Scope session) {
    return LOCKS[Math.floorMod(session.hashCode(), LOCKS.length)];
  }

  /**
   * Whether a cached window still describes the store: its storable messages are exactly the last
   * working memories of the session (the window slides, so older ones may be missing from it).
   */
  private static boolean agrees(List<ChatMessage> window, List<Memory> stored) {
    List<Message> kept = storable(window);
    if (kept.isEmpty()) {
      return stored.isEmpty();
    }
    return kept.size() <= stored.size() && overlap(stored, kept) == kept.size();
  }

  private static List<Message> storable(List<ChatMessage> messages) {
    List<Message> out = new ArrayList<>();
    for (ChatMessage m : messages) {
      Message converted = convert(m);
      if (converted != null) {
        out.add(converted);
      }
    }
    return out;
  }

  /** The session's active working memories, oldest first. */
  private List<Memory> working(Scope session) {
    List<Memory> out = new ArrayList<>();
    Filter f = Filter.and(Filter.eq("tier", Tier.WORKING), Filter.eq("status", Status.ACTIVE));
    PageRequest page = PageRequest.first(PageRequest.MAX_LIMIT);
    while (true) {
      Page<Memory> p = store.list(session, f, page);
      out.addAll(p.items());
      if (!p.hasNext()) {
        return out;
      }
      page = page.next(p);
    }
  }

  private static Message convert(ChatMessage m) {
    if (m instanceof UserMessage u && u.hasSingleText() && !u.singleText().isBlank()) {
      return Message.user(u.singleText());
    }
    if (m instanceof AiMessage a
        && a.text() != null
        && !a.text().isBlank()
        && !a.hasToolExecutionRequests()) {
      return Message.assistant(a.text());
    }
    return null;
  }

  /**
   * The longest k such that the last k stored messages equal the first k incoming ones: those are
   * already stored (the window slides, so older stored messages may be missing from it).
   */
  private static int overlap(List<Memory> stored, List<Message> incoming) {
    for (int k = Math.min(stored.size(), incoming.size()); k > 0; k--) {
      boolean same = true;
      for (int i = 0; i < k && same; i++) {
        Memory s = stored.get(stored.size() - k + i);
        Message in = incoming.get(i);
        same = s.text().equals(in.text()) && s.turn() != null && s.turn().role() == in.role();
      }
      if (same) {
        return k;
      }
    }
    return 0;
  }
}
