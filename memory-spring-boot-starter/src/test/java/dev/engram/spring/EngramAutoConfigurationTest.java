package dev.engram.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.StoreIOException;
import dev.engram.embeddings.onnx.OnnxEmbedders;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.micrometer.EngramMetrics;
import dev.engram.observe.StoreObserver;
import dev.engram.opensearch.OpenSearchMemory;
import dev.engram.retrieval.EmbeddedMemory;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class EngramAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(EngramAutoConfiguration.class));

  @TempDir Path dir;

  @Test
  void embeddedStore_fromItsPath_closedWithTheContext() {
    runner
        .withPropertyValues("engram.store.path=" + dir)
        .run(
            context -> {
              MemoryStore store = context.getBean(MemoryStore.class);
              store.add(Scope.user("alice"), "I am allergic to peanuts");
              Health health = context.getBean(EngramHealthIndicator.class).health(true);
              assertEquals(Status.UP, health.getStatus());
              assertEquals(1L, health.getDetails().get("memories"));
              assertThat(context).hasSingleBean(EngramMemoryAdvisor.class);
            });
    // The context closed the store: its directory opens again, with the memory in it.
    try (MemoryStore reopened = EmbeddedMemory.open(dir)) {
      assertEquals(
          List.of("I am allergic to peanuts"),
          reopened.list(Scope.user("alice")).items().stream().map(Memory::text).toList());
    }
  }

  @Test
  void embeddedStoreWithoutAPath_failsStartupSayingWhatToSet() {
    runner.run(
        context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure())
              .rootCause()
              .hasMessageContaining("engram.store.path is required for the embedded store");
        });
  }

  @Test
  void badAdvisorSettings_failStartupNamingTheProperty() {
    runner
        .withPropertyValues("engram.store.type=in-memory", "engram.advisor.limit=0")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("engram.advisor.limit must be between 1 and 100, got 0"));
  }

  @Test
  void anApplicationsOwnStore_replacesTheAutoConfiguredOne() {
    MemoryStore own = Engram.inMemory();
    runner
        .withBean(MemoryStore.class, () -> own)
        .run(context -> assertThat(context.getBean(MemoryStore.class)).isSameAs(own));
    own.close();
  }

  @Test
  void healthIsDown_whenTheStoreFails() {
    MemoryStore failing =
        (MemoryStore)
            Proxy.newProxyInstance(
                MemoryStore.class.getClassLoader(),
                new Class<?>[] {MemoryStore.class},
                (proxy, method, args) -> {
                  throw new StoreIOException("disk gone", new java.io.IOException("EIO"));
                });
    Health health = new EngramHealthIndicator(failing).health(true);
    assertEquals(Status.DOWN, health.getStatus());
    assertTrue(
        health.getDetails().get("error").toString().contains("disk gone"), health.toString());
  }

  @Test
  void streaming_storesTheWholeAnswerOnce() {
    runner
        .withPropertyValues("engram.store.type=in-memory", "engram.pipeline.enabled=false")
        .withBean(ScriptedChatModel.class, ScriptedChatModel::new)
        .run(
            context -> {
              ChatClient chat =
                  ChatClient.builder(context.getBean(ScriptedChatModel.class))
                      .defaultAdvisors(context.getBean(EngramMemoryAdvisor.class))
                      .build();
              String answer =
                  String.join(
                      "",
                      chat
                          .prompt()
                          .user("Dinner ideas?")
                          .advisors(a -> a.param(EngramMemoryAdvisor.USER_ID, "dave"))
                          .stream()
                          .content()
                          .collectList()
                          .block());
              assertEquals("Sure, no peanuts tonight.", answer);
              List<String> stored =
                  context.getBean(MemoryStore.class).list(Scope.user("dave")).items().stream()
                      .map(Memory::text)
                      .toList();
              assertEquals(List.of("Dinner ideas?", "Sure, no peanuts tonight."), stored);
            });
  }

  @Test
  void withARegistry_theStoreReportsEngramsMeters() {
    runner
        .withPropertyValues("engram.store.type=in-memory")
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(
            context -> {
              MemoryStore store = context.getBean(MemoryStore.class);
              store.add(Scope.user("alice"), "I am allergic to peanuts");
              store.search(Scope.user("alice"), "what am I allergic to?");
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              assertEquals(
                  1L, registry.get(EngramMetrics.ADD).tag("outcome", "not_run").timer().count());
              assertEquals(1L, registry.get(EngramMetrics.SEARCH).timer().count());
              assertEquals(1.0, registry.get(EngramMetrics.MEMORIES).gauge().value());
            });
  }

  @Test
  void anApplicationsOwnObserver_replacesTheMeters() {
    List<String> told = new java.util.ArrayList<>();
    StoreObserver own =
        new StoreObserver() {
          @Override
          public void searched(int hits, java.time.Duration elapsed) {
            told.add("searched " + hits);
          }
        };
    runner
        .withPropertyValues("engram.store.type=in-memory")
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .withBean(StoreObserver.class, () -> own)
        .run(
            context -> {
              context.getBean(MemoryStore.class).search(Scope.user("alice"), "anything");
              assertEquals(List.of("searched 0"), told);
              assertTrue(
                  context
                      .getBean(MeterRegistry.class)
                      .find(EngramMetrics.SEARCH)
                      .timers()
                      .isEmpty());
            });
  }

  @Test
  void openSearchStoreWithoutAUrl_failsStartupSayingWhatToSet() {
    runner
        .withPropertyValues("engram.store.type=opensearch")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .rootCause()
                    .hasMessageContaining("engram.store.url is required for the opensearch store"));
  }

  @Test
  void openSearchStoreWithABadPrefix_failsStartupNamingTheProperty() {
    runner
        .withPropertyValues(
            "engram.store.type=opensearch",
            "engram.store.url=http://127.0.0.1:9",
            "engram.store.index-prefix=Bad Prefix")
        .run(
            context ->
                assertThat(context.getStartupFailure())
                    .hasStackTraceContaining("engram.store: indexPrefix must be"));
  }

  @Test
  @EnabledIfEnvironmentVariable(named = "ENGRAM_OPENSEARCH_URL", matches = ".+")
  void openSearchStore_fromItsUrl_storesAndRecallsPerUser() {
    String url = System.getenv("ENGRAM_OPENSEARCH_URL");
    String prefix = "starter-test";
    OpenSearchMemory.builder().url(url).indexPrefix(prefix).deleteStore();
    try {
      runner
          .withPropertyValues(
              "engram.store.type=opensearch",
              "engram.store.url=" + url,
              "engram.store.index-prefix=" + prefix)
          .run(
              context -> {
                MemoryStore store = context.getBean(MemoryStore.class);
                store.add(Scope.user("alice"), "I am allergic to peanuts");
                assertEquals(
                    List.of("I am allergic to peanuts"),
                    store.search(Scope.user("alice"), "what am I allergic to?").stream()
                        .map(h -> h.memory().text())
                        .toList());
                assertEquals(List.of(), store.search(Scope.user("bob"), "what am I allergic to?"));
              });
      assertEquals(
          Optional.of(OnnxEmbedders.E5_SMALL_V2_ID),
          OpenSearchMemory.builder().url(url).indexPrefix(prefix).recordedModel(),
          "the same default model as the embedded store");
    } finally {
      OpenSearchMemory.builder().url(url).indexPrefix(prefix).deleteStore();
    }
  }
}
