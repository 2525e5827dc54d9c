package dev.engram.langchain4j;

import dev.engram.MemoryStore;
import dev.engram.filter.Filter;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import dev.langchain4j.rag.content.Content;
import dev.langchain4j.rag.content.retriever.ContentRetriever;
import dev.langchain4j.rag.query.Query;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Recalls a user's memories for an AI service: plug it into {@code AiServices.builder(...)
 * .contentRetriever(...)} and each user message is answered with that user's relevant memories
 * injected into the prompt. The user is the service's {@code @MemoryId}, mapped by {@link
 * ChatScopes}; no other user's memory can be retrieved. The service method must declare a
 * {@code @MemoryId} parameter: without one langchain4j passes the id {@code "default"} for every
 * caller, which the default mapping refuses (use {@link ChatScopes#sharedUser(String)} for a
 * single-user application).
 *
 * {@snippet :
 * interface Assistant {
 *   String chat(@MemoryId String userId, @UserMessage String message);
 * }
 *
 * EngramChatMemoryStore chatStore = new EngramChatMemoryStore(memory);
 * Assistant assistant = AiServices.builder(Assistant.class)
 *     .chatModel(model)
 *     .chatMemoryProvider(id -> MessageWindowChatMemory.builder()
 *         .id(id).maxMessages(10).chatMemoryStore(chatStore).build())
 *     .contentRetriever(EngramContentRetriever.builder(memory).build())
 *     .build();
 * }
 *
 * <p>By default the current chat's own working memories (the messages {@link EngramChatMemoryStore}
 * keeps for this session) are not recalled: the chat window already carries them, and injecting
 * them again would only repeat the conversation back to the model.
 */
public final class EngramContentRetriever implements ContentRetriever {
  private final MemoryStore store;
  private final ChatScopes scopes;
  private final int limit;
  private final double minScore;
  private final Filter filter;
  private final boolean includeDates;
  private final boolean includeCurrentChat;

  private EngramContentRetriever(Builder b) {
    this.store = b.store;
    this.scopes = b.scopes;
    this.limit = b.limit;
    this.minScore = b.minScore;
    this.filter = b.filter;
    this.includeDates = b.includeDates;
    this.includeCurrentChat = b.includeCurrentChat;
  }

  /** A builder over {@code store}. */
  public static Builder builder(MemoryStore store) {
    return new Builder(store);
  }

  @Override
  public List<Content> retrieve(Query query) {
    Object memoryId = query.metadata() == null ? null : query.metadata().chatMemoryId();
    if (memoryId == null) {
      throw new IllegalStateException(
          "EngramContentRetriever needs the chat memory id to know whose memory to search; declare a"
              + " @MemoryId parameter on the AI service method");
    }
    if (query.text() == null || query.text().isBlank()) {
      return List.of();
    }
    String text = Queries.truncate(query.text());
    Filter f = includeCurrentChat ? filter : Queries.outsideChat(filter, scopes.scopeOf(memoryId));
    List<SearchHit> hits =
        store.search(
            SearchRequest.builder(scopes.ownerOf(memoryId), text)
                .limit(limit)
                .minScore(minScore)
                .filter(f)
                .build());
    List<Content> out = new ArrayList<>(hits.size());
    for (SearchHit h : hits) {
      out.add(
          Content.from(
              includeDates
                  ? "[" + h.memory().observedAt().toString().substring(0, 10) + "] " + h.text()
                  : h.text()));
    }
    return out;
  }

  /**
   * Builds {@link EngramContentRetriever}s; each setter validates at once and states its default.
   */
  public static final class Builder {
    private final MemoryStore store;
    private ChatScopes scopes = ChatScopes.byUser();
    private int limit = 5;
    private double minScore;
    private Filter filter = Filter.all();
    private boolean includeDates = true;
    private boolean includeCurrentChat;

    private Builder(MemoryStore store) {
      this.store = Objects.requireNonNull(store, "store must not be null");
    }

    /** Sets how chat memory ids map to scopes; default {@link ChatScopes#byUser()}. */
    public Builder scopes(ChatScopes scopes) {
      this.scopes = Objects.requireNonNull(scopes, "scopes must not be null");
      return this;
    }

    /** Sets how many memories are injected, 1 to 50; default 5. */
    public Builder limit(int limit) {
      if (limit < 1 || limit > 50) {
        throw new IllegalArgumentException("limit must be between 1 and 50, got " + limit);
      }
      this.limit = limit;
      return this;
    }

    /** Sets the minimum blended score of an injected memory, in [0, 1]; default 0. */
    public Builder minScore(double minScore) {
      if (!(minScore >= 0 && minScore <= 1)) {
        throw new IllegalArgumentException("minScore must be between 0 and 1, got " + minScore);
      }
      this.minScore = minScore;
      return this;
    }

    /** Narrows what is recalled (e.g. only semantic facts); default none. */
    public Builder filter(Filter filter) {
      this.filter = Objects.requireNonNull(filter, "filter must not be null");
      return this;
    }

    /**
     * Sets whether each memory is prefixed with the date it was said, {@code [2025-03-08]}, so the
     * model can reason about time; default true.
     */
    public Builder includeDates(boolean includeDates) {
      this.includeDates = includeDates;
      return this;
    }

    /**
     * Sets whether the current chat's own working memories (this session's messages, which the chat
     * window already holds) may be recalled; default false.
     */
    public Builder includeCurrentChat(boolean includeCurrentChat) {
      this.includeCurrentChat = includeCurrentChat;
      return this;
    }

    /** Builds the retriever. */
    public EngramContentRetriever build() {
      return new EngramContentRetriever(this);
    }
  }
}
