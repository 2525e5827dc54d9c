package dev.engram.spring;

import dev.engram.AddRequest;
import dev.engram.MemoryStore;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.client.ChatClientMessageAggregator;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.AdvisorChain;
import org.springframework.ai.chat.client.advisor.api.BaseAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.core.Ordered;
import reactor.core.publisher.Flux;

/**
 * A Spring AI advisor that gives a {@code ChatClient} long-term memory of each user: before the
 * call it recalls the user's memories relevant to the message into the system prompt (dated, so the
 * model can reason about time); after it, it stores the user's message and the answer (through the
 * store's LLM pipeline when it has one, which extracts the facts worth keeping).
 *
 * <p>The user is named per request, never inferred from the prompt:
 *
 * {@snippet :
 * String answer = chatClient.prompt()
 *     .user("What should I cook tonight?")
 *     .advisors(a -> a.param(EngramMemoryAdvisor.USER_ID, "alice"))
 *     .call()
 *     .content();
 * }
 *
 * <p>A request without {@link #USER_ID} fails with an {@link IllegalStateException} instead of
 * falling back to a shared memory, so two users never share one by accident. With {@link
 * ChatMemory#CONVERSATION_ID} also set (and a valid id), the exchange is stored in that session of
 * the user, while recall covers all of the user's memory.
 */
public final class EngramMemoryAdvisor implements BaseAdvisor {
  private static final Logger LOG = LoggerFactory.getLogger(EngramMemoryAdvisor.class);

  /** The advisor parameter naming the user whose memory the request uses. */
  public static final String USER_ID = "engram.user_id";

  /** The context key under which {@link #before} leaves the recalled hits (a list). */
  public static final String RECALLED = "engram.recalled";

  private static final String SCOPE = "engram.scope";
  private static final String USER_TEXT = "engram.user_text";
  private static final Pattern VALID_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:@+-]{0,127}");

  /** Heads the block of recalled memories in the system prompt. */
  public static final String MEMORY_HEADER =
      "Memories about the user from earlier conversations, each with the date it was recorded"
          + " (newer ones win when they disagree):";

  private final MemoryStore store;
  private final String agentId;
  private final int limit;
  private final double minScore;
  private final boolean storeExchanges;
  private final int order;

  private EngramMemoryAdvisor(Builder b) {
    this.store = b.store;
    this.agentId = b.agentId;
    this.limit = b.limit;
    this.minScore = b.minScore;
    this.storeExchanges = b.storeExchanges;
    this.order = b.order;
  }

  /** A builder for an advisor over {@code store}. */
  public static Builder builder(MemoryStore store) {
    return new Builder(store);
  }

  @Override
  public String getName() {
    return "EngramMemoryAdvisor";
  }

  @Override
  public int getOrder() {
    return order;
  }

  @Override
  public ChatClientRequest before(ChatClientRequest request, AdvisorChain chain) {
    Scope owner = ownerOf(request.context());
    UserMessage user = request.prompt().getUserMessage();
    String text = user == null ? null : user.getText();
    ChatClientRequest.Builder next = request.mutate().context(SCOPE, sessionOf(owner, request));
    if (text == null || text.isBlank()) {
      return next.context(RECALLED, List.of()).build();
    }
    next.context(USER_TEXT, text);
    String query =
        text.length() > SearchRequest.MAX_QUERY_LENGTH
            ? text.substring(0, SearchRequest.MAX_QUERY_LENGTH)
            : text;
    List<SearchHit> hits =
        store.search(SearchRequest.builder(owner, query).limit(limit).minScore(minScore).build());
    next.context(RECALLED, hits);
    if (hits.isEmpty()) {
      return next.build();
    }
    StringBuilder block = new StringBuilder(MEMORY_HEADER);
    for (SearchHit h : hits) {
      block
          .append("\n- [")
          .append(h.memory().observedAt().toString(), 0, 10)
          .append("] ")
          .append(h.text());
    }
    return next.prompt(request.prompt().augmentSystemMessage(existing -> augment(existing, block)))
        .build();
  }

  private static org.springframework.ai.chat.messages.SystemMessage augment(
      org.springframework.ai.chat.messages.SystemMessage existing, CharSequence block) {
    String current = existing == null ? "" : existing.getText();
    String text =
        current == null || current.isBlank() ? block.toString() : current + "\n\n" + block;
    return new org.springframework.ai.chat.messages.SystemMessage(text);
  }

  @Override
  public ChatClientResponse after(ChatClientResponse response, AdvisorChain chain) {
    if (storeExchanges) {
      store(response);
    }
    return response;
  }

  /**
   * Streams pass through untouched; the exchange is stored once, with the whole answer, when the
   * stream completes (the default would store each chunk's end on its own).
   */
  @Override
  public Flux<ChatClientResponse> adviseStream(
      ChatClientRequest request, StreamAdvisorChain chain) {
    ChatClientRequest advised = before(request, chain);
    Flux<ChatClientResponse> responses = chain.nextStream(advised);
    if (!storeExchanges) {
      return responses;
    }
    return new ChatClientMessageAggregator().aggregateChatClientResponse(responses, this::store);
  }

  private void store(ChatClientResponse response) {
    Map<String, Object> context = response.context();
    if (!(context.get(SCOPE) instanceof Scope scope)
        || !(context.get(USER_TEXT) instanceof String userText)) {
      return; // nothing the user said, or a response this advisor did not see the request of
    }
    String answer =
        response.chatResponse() == null || response.chatResponse().getResult() == null
            ? null
            : response.chatResponse().getResult().getOutput().getText();
    AddRequest.Builder add =
        AddRequest.builder(scope).message(Message.user(userText)).actor("spring-ai");
    if (answer != null && !answer.isBlank()) {
      add.message(Message.assistant(answer));
    }
    try {
      store.add(add.build());
    } catch (RuntimeException e) {
      // The user already has the answer: a failed write is logged, not turned into a failed chat.
      LOG.warn("could not store the exchange for {}: {}", scope, e.toString());
    }
  }

  private Scope ownerOf(Map<String, Object> context) {
    Object user = context.get(USER_ID);
    if (user == null) {
      throw new IllegalStateException(
          "EngramMemoryAdvisor needs the user of each request: add"
              + " .advisors(a -> a.param(EngramMemoryAdvisor.USER_ID, userId)) to the prompt");
    }
    try {
      return Scope.of(user.toString(), agentId, null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(EngramMemoryAdvisor.USER_ID + ": " + e.getMessage(), e);
    }
  }

  private static Scope sessionOf(Scope owner, ChatClientRequest request) {
    Object conversation = request.context().get(ChatMemory.CONVERSATION_ID);
    if (conversation instanceof String id && VALID_ID.matcher(id).matches()) {
      return owner.withSession(id);
    }
    return owner;
  }

  /** Builds {@link EngramMemoryAdvisor}s; every setter validates at once. */
  public static final class Builder {
    private final MemoryStore store;
    private String agentId;
    private int limit = 5;
    private double minScore;
    private boolean storeExchanges = true;
    private int order = Ordered.HIGHEST_PRECEDENCE + 1000;

    private Builder(MemoryStore store) {
      this.store = Objects.requireNonNull(store, "store must not be null");
    }

    /**
     * Binds the advisor to one agent: memories are the pair (user, agent), as {@link Scope}
     * defines. Default none: the user's memory shared by the application's agents.
     */
    public Builder agentId(String agentId) {
      Scope.of(null, Objects.requireNonNull(agentId, "agentId must not be null"), null);
      this.agentId = agentId;
      return this;
    }

    /** How many memories to recall into a prompt, 1 to 100; default 5. */
    public Builder limit(int limit) {
      if (limit < 1 || limit > 100) {
        throw new IllegalArgumentException("limit must be between 1 and 100, got " + limit);
      }
      this.limit = limit;
      return this;
    }

    /** The least blended score a recalled memory needs, 0 to 1; default 0. */
    public Builder minScore(double minScore) {
      if (!(minScore >= 0 && minScore <= 1)) {
        throw new IllegalArgumentException("minScore must be between 0 and 1, got " + minScore);
      }
      this.minScore = minScore;
      return this;
    }

    /** Whether to store each user message and answer; default true. */
    public Builder storeExchanges(boolean storeExchanges) {
      this.storeExchanges = storeExchanges;
      return this;
    }

    /**
     * The advisor's order among the client's advisors; default {@code HIGHEST_PRECEDENCE + 1000}
     * (before chat-memory advisors, which sit at {@code HIGHEST_PRECEDENCE + 10000}).
     */
    public Builder order(int order) {
      this.order = order;
      return this;
    }

    /** Builds the advisor. */
    public EngramMemoryAdvisor build() {
      return new EngramMemoryAdvisor(this);
    }
  }
}
