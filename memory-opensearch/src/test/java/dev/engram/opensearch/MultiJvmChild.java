package dev.engram.opensearch;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.VersionConflictException;
import dev.engram.backend.ForwardingBackend;
import dev.engram.backend.MemoryBackend;
import dev.engram.backend.OwnerLease;
import dev.engram.llm.LlmPipeline;
import dev.engram.llm.Prompts;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of {@link MultiJvmTest}. It opens the store, prints {@code READY}, waits for the file
 * {@code go} in its directory (the start barrier), does its part and prints {@code DONE}.
 *
 * <p>Arguments: mode ({@code add}, {@code update}, {@code hold}), URL, index prefix, directory,
 * name, {@code lease} or {@code nolease}, then for {@code update} the memory id and the count.
 */
public final class MultiJvmChild {
  static final Scope OWNER = Scope.user("alice");
  static final String FACT = "Alice is allergic to peanuts";
  private static final Duration WAIT = Duration.ofSeconds(120);

  private MultiJvmChild() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String url = args[1];
    String prefix = args[2];
    Path dir = Path.of(args[3]);
    String name = args[4];
    boolean lease = args[5].equals("lease");
    MemoryBackend backend =
        OpenSearchMemory.builder()
            .url(url)
            .indexPrefix(prefix)
            .embedder(new HashEmbedder())
            .leaseTime(Duration.ofSeconds(15))
            .leaseTimeout(Duration.ofSeconds(120))
            .backend();
    Engram.Builder store = Engram.builder().backend(marked(backend, dir, name, lease));
    CountDownLatch never = new CountDownLatch(1);
    ChatModel model =
        switch (mode) {
          case "add" -> new Model(r -> answer(r, dir, name));
          case "hold" ->
              new Model(
                  r -> {
                    System.out.println("IN-MODEL");
                    System.out.flush();
                    await(never); // killed here, holding the owner's lease
                    return "";
                  });
          default -> null;
        };
    if (model != null) {
      store.pipeline(LlmPipeline.builder(model).keepEpisodes(false).linking(false).build());
    }
    try (MemoryStore memory = store.build()) {
      System.out.println("READY");
      System.out.flush();
      waitFor(dir.resolve("go"));
      switch (mode) {
        case "add", "hold" ->
            memory.add(
                AddRequest.builder(OWNER)
                    .message(Message.user("I am allergic to peanuts").withName("Alice"))
                    .build());
        case "update" -> {
          MemoryId id = MemoryId.of(args[6]);
          int count = Integer.parseInt(args[7]);
          int conflicts = 0;
          for (int i = 0; i < count; i++) {
            while (true) {
              Memory read = memory.get(OWNER, id).orElseThrow();
              try {
                memory.update(
                    OWNER,
                    id,
                    MemoryUpdate.builder()
                        .text(read.text() + " " + name + "-" + i)
                        .ifVersion(read.version())
                        .build());
                break;
              } catch (VersionConflictException e) {
                conflicts++;
              }
            }
          }
          System.out.println("CONFLICTS " + conflicts);
        }
        default -> throw new IllegalArgumentException("unknown mode " + mode);
      }
      System.out.println("DONE");
      System.out.flush();
    }
  }

  /**
   * Marks in the directory that this JVM asks for a lease (just before it may block on it), or,
   * with {@code nolease}, switches leases off: the check that the tests fail without them.
   */
  private static MemoryBackend marked(MemoryBackend backend, Path dir, String name, boolean on) {
    return new ForwardingBackend(backend) {
      @Override
      public OwnerLease lease(String owner) {
        if (!on) {
          return OwnerLease.NONE;
        }
        touch(dir.resolve("leasing-" + name));
        return super.lease(owner);
      }
    };
  }

  /**
   * The scripted model of the add test. Extraction says the fact, after a gate: it waits until the
   * other JVM is in its model call too (the runs overlap) or is asking for the lease (it is held
   * out), so that without leases the two runs overlap every time, whatever the timing. The
   * consolidation step keeps the fact out when a stored memory already says it.
   */
  private static String answer(ChatRequest r, Path dir, String name) {
    if (system(r).equals(Prompts.defaults().extract())) {
      touch(dir.resolve("inside-" + name));
      String other = name.equals("a") ? "b" : "a";
      waitForAny(dir.resolve("inside-" + other), dir.resolve("leasing-" + other));
      return "{\"facts\": [{\"text\": \""
          + FACT
          + "\", \"about\": \"user\", \"kind\": \"semantic\", \"importance\": 7,"
          + " \"keywords\": [\"peanuts\"], \"tags\": [\"health\"], \"context\": \"food\","
          + " \"sources\": [1]}]}";
    }
    String action = user(r).contains("\"text\":\"" + FACT + "\",") ? "NONE" : "ADD";
    return "{\"decisions\": [{\"fact\": 1, \"action\": \""
        + action
        + "\", \"target\": \"0\", \"text\": \"\", \"related\": [], \"reason\": \"scripted\"}]}";
  }

  private static String system(ChatRequest request) {
    for (ChatMessage m : request.messages()) {
      if (m instanceof SystemMessage s) {
        return s.text();
      }
    }
    return "";
  }

  private static String user(ChatRequest request) {
    for (ChatMessage m : request.messages()) {
      if (m instanceof UserMessage u) {
        return u.singleText();
      }
    }
    return "";
  }

  static void touch(Path file) {
    try {
      Files.writeString(file, "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void waitFor(Path file) {
    waitForAny(file, file);
  }

  /** Waits for either file; the limit only turns a hang into a failure. */
  private static void waitForAny(Path a, Path b) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!Files.exists(a) && !Files.exists(b)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("neither " + a + " nor " + b + " appeared in " + WAIT);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(1, TimeUnit.DAYS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A chat model answering each request with the function's reply. */
  private record Model(java.util.function.Function<ChatRequest, String> replies)
      implements ChatModel {
    @Override
    public ChatResponse doChat(ChatRequest request) {
      return ChatResponse.builder()
          .aiMessage(AiMessage.from(replies.apply(request)))
          .tokenUsage(new TokenUsage(10, 10))
          .build();
    }
  }
}
