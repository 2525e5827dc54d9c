package dev.engram.spring;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.llm.LlmPipeline;
import dev.engram.micrometer.EngramMetrics;
import dev.engram.observe.StoreObserver;
import dev.engram.retrieval.EmbeddedMemory;
import dev.engram.spring.internal.OpenSearchStores;
import dev.engram.spring.internal.SpringAiChatModel;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

/**
 * Engram's beans: a {@link MemoryStore} (unless the application defines one) built from {@link
 * EngramProperties}, closed when the context closes; an {@link EngramMemoryAdvisor} for {@code
 * ChatClient}s; and, with actuator, the {@code engram} health indicator.
 *
 * <p>The store is embedded ({@code engram.store.path}), on an OpenSearch cluster ({@code
 * engram.store.url}, with memory-opensearch on the class path) or in memory. With memory-micrometer
 * on the class path and a {@code MeterRegistry} bean, the store reports Engram's meters to it (an
 * application's own {@code StoreObserver} bean replaces that).
 *
 * <p>When the context has a Spring AI {@link ChatModel} bean (and {@code engram.pipeline.enabled}
 * is not false), adds go through Engram's LLM pipeline with that model; otherwise texts are stored
 * verbatim.
 */
@AutoConfiguration(
    afterName = {
      "org.springframework.ai.model.openai.autoconfigure.OpenAiChatAutoConfiguration",
      "org.springframework.ai.model.ollama.autoconfigure.OllamaChatAutoConfiguration",
      "org.springframework.ai.model.anthropic.autoconfigure.AnthropicChatAutoConfiguration"
    })
@EnableConfigurationProperties(EngramProperties.class)
public class EngramAutoConfiguration {
  private static final Logger LOG = LoggerFactory.getLogger(EngramAutoConfiguration.class);
  private static final String OPENSEARCH_ENTRY = "dev.engram.opensearch.OpenSearchMemory";

  /** Used by Spring. */
  public EngramAutoConfiguration() {}

  /**
   * The store {@code engram.store.*} describes.
   *
   * @throws IllegalStateException if the embedded store has no {@code engram.store.path}
   */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public MemoryStore engramMemoryStore(
      EngramProperties properties,
      ObjectProvider<ChatModel> chatModels,
      ObjectProvider<StoreObserver> observers) {
    Engram.Builder b = Engram.builder();
    EngramProperties.Store store = properties.store();
    String description =
        switch (store.type()) {
          case EMBEDDED -> {
            if (store.path() == null) {
              throw new IllegalStateException(
                  "engram.store.path is required for the embedded store: set it to the directory the"
                      + " memories live in (or set engram.store.type=in-memory for a throwaway store)");
            }
            b.backend(EmbeddedMemory.backend(store.path()).build());
            yield "embedded store in " + store.path();
          }
          case OPENSEARCH -> {
            if (!ClassUtils.isPresent(OPENSEARCH_ENTRY, getClass().getClassLoader())) {
              throw new IllegalStateException(
                  "engram.store.type=opensearch needs the dependency dev.engram:memory-opensearch on"
                      + " the class path: add it (its version comes from dev.engram:memory-bom)");
            }
            b.backend(OpenSearchStores.backend(store));
            yield "OpenSearch store at " + store.url();
          }
          case IN_MEMORY -> "in-memory store";
        };
    StoreObserver observer = observers.getIfUnique();
    if (observer != null) {
      b.observer(observer);
    }
    ChatModel model = properties.pipeline().enabled() ? chatModels.getIfUnique() : null;
    if (model != null) {
      b.pipeline(LlmPipeline.builder(new SpringAiChatModel(model)).build());
    }
    LOG.info(
        "Engram: {}, {}",
        description,
        model == null ? "texts stored verbatim" : "adds through the LLM pipeline");
    return b.build();
  }

  /** The advisor, configured by {@code engram.advisor.*}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(ChatClient.class)
  static class AdvisorConfiguration {
    @Bean
    @ConditionalOnMissingBean
    EngramMemoryAdvisor engramMemoryAdvisor(MemoryStore store, EngramProperties properties) {
      EngramProperties.Advisor a = properties.advisor();
      return EngramMemoryAdvisor.builder(store)
          .limit(a.limit())
          .minScore(a.minScore())
          .storeExchanges(a.storeExchanges())
          .build();
    }
  }

  /**
   * Engram's meters ({@code engram.add}, {@code engram.search}, ...; see memory-micrometer's {@code
   * EngramMetrics}) in the application's {@code MeterRegistry}, when memory-micrometer is on the
   * class path and the context has a registry (actuator provides one).
   */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(
      name = {"io.micrometer.core.instrument.MeterRegistry", "dev.engram.micrometer.EngramMetrics"})
  static class MetricsConfiguration {
    @Bean
    @ConditionalOnMissingBean(StoreObserver.class)
    StoreObserver engramMetrics(ObjectProvider<MeterRegistry> registries) {
      // Looked up when the store is built, after every registry bean is defined, so the order of
      // auto-configurations does not matter.
      MeterRegistry registry = registries.getIfUnique();
      return registry == null ? StoreObserver.NONE : EngramMetrics.of(registry);
    }
  }

  /** The health indicator, when actuator's health support is present. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  static class HealthConfiguration {
    @Bean
    @ConditionalOnMissingBean(name = "engramHealthIndicator")
    EngramHealthIndicator engramHealthIndicator(MemoryStore store) {
      return new EngramHealthIndicator(store);
    }
  }
}
