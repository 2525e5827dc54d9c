package dev.engram.micrometer;

import dev.engram.observe.AddSummary;
import dev.engram.observe.StoreObserver;
import dev.engram.observe.StoreProbe;
import dev.engram.pipeline.PipelineUsage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * A store's meters, registered in a Micrometer registry: give it to the store's builder.
 *
 * {@snippet :
 * MemoryStore store =
 *     Engram.builder()
 *         .backend(EmbeddedMemory.backend(dir).build())
 *         .observer(EngramMetrics.of(registry, Tags.of("store", "assistant")))
 *         .build();
 * }
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #ADD}</td><td>timer</td><td>outcome: applied, fell_back, not_run, error</td>
 *       <td>adds and consolidations</td></tr>
 *   <tr><td>{@value #SEARCH}</td><td>timer</td><td>outcome: ok, error</td><td>searches</td></tr>
 *   <tr><td>{@value #PIPELINE_CALLS}</td><td>counter</td><td></td>
 *       <td>model calls made by pipelines, retries included</td></tr>
 *   <tr><td>{@value #PIPELINE_TOKENS}</td><td>counter</td><td>type: input, output</td>
 *       <td>tokens the model reported</td></tr>
 *   <tr><td>{@value #PIPELINE_FALLBACKS}</td><td>counter</td><td></td>
 *       <td>adds whose pipeline failed, stored verbatim instead</td></tr>
 *   <tr><td>{@value #MEMORIES}</td><td>gauge</td><td></td><td>memories stored</td></tr>
 *   <tr><td>{@value #PENDING_REINFORCEMENT}</td><td>gauge</td><td></td>
 *       <td>memories whose recalls wait to be written</td></tr>
 * </table>
 *
 * <p>No meter is tagged with a user, agent or session: ids would be unbounded tag values, and a
 * dashboard must not tell one user's activity to another. One instance observes one store (give
 * each store its own, with a tag telling them apart); failures of single model calls are counted by
 * {@link LlmCallMetrics}.
 */
public final class EngramMetrics implements StoreObserver {
  /** Timer of adds and consolidations. */
  public static final String ADD = "engram.add";

  /** Timer of searches. */
  public static final String SEARCH = "engram.search";

  /** Counter of model calls made by pipelines. */
  public static final String PIPELINE_CALLS = "engram.pipeline.calls";

  /** Counter of model tokens, tagged {@code type} input or output. */
  public static final String PIPELINE_TOKENS = "engram.pipeline.tokens";

  /** Counter of adds whose pipeline failed and which stored the text verbatim. */
  public static final String PIPELINE_FALLBACKS = "engram.pipeline.fallbacks";

  /** Gauge of memories stored. */
  public static final String MEMORIES = "engram.memories";

  /** Gauge of memories whose recalls wait to be written. */
  public static final String PENDING_REINFORCEMENT = "engram.reinforcement.pending";

  private final MeterRegistry registry;
  private final Tags tags;
  private final Map<AddSummary.Pipeline, Timer> adds = new EnumMap<>(AddSummary.Pipeline.class);
  private final Timer addErrors;
  private final Timer searches;
  private final Timer searchErrors;
  private final Counter calls;
  private final Counter inputTokens;
  private final Counter outputTokens;
  private final Counter fallbacks;

  private EngramMetrics(MeterRegistry registry, Tags tags) {
    this.registry = registry;
    this.tags = tags;
    for (AddSummary.Pipeline s : AddSummary.Pipeline.values()) {
      adds.put(s, addTimer(s.name().toLowerCase(Locale.ROOT)));
    }
    addErrors = addTimer("error");
    searches = searchTimer("ok");
    searchErrors = searchTimer("error");
    calls =
        Counter.builder(PIPELINE_CALLS)
            .description("Model calls made by pipelines, retries included")
            .tags(tags)
            .register(registry);
    inputTokens = tokens("input");
    outputTokens = tokens("output");
    fallbacks =
        Counter.builder(PIPELINE_FALLBACKS)
            .description("Adds whose pipeline failed and which stored the text verbatim")
            .tags(tags)
            .register(registry);
  }

  /** Meters in {@code registry}, with {@code tags} on each (e.g. {@code Tags.of("store", "a")}). */
  public static EngramMetrics of(MeterRegistry registry, Iterable<Tag> tags) {
    Objects.requireNonNull(registry, "registry must not be null");
    Objects.requireNonNull(tags, "tags must not be null");
    return new EngramMetrics(registry, Tags.of(tags));
  }

  /** Meters in {@code registry} with no extra tags. */
  public static EngramMetrics of(MeterRegistry registry) {
    return of(registry, Tags.empty());
  }

  private Timer addTimer(String outcome) {
    return Timer.builder(ADD)
        .description("Adds and consolidations, by what their pipeline did")
        .tags(tags)
        .tag("outcome", outcome)
        .register(registry);
  }

  private Timer searchTimer(String outcome) {
    return Timer.builder(SEARCH)
        .description("Searches")
        .tags(tags)
        .tag("outcome", outcome)
        .register(registry);
  }

  private Counter tokens(String type) {
    return Counter.builder(PIPELINE_TOKENS)
        .description("Tokens the model reported for pipeline calls")
        .baseUnit("tokens")
        .tags(tags)
        .tag("type", type)
        .register(registry);
  }

  @Override
  public void attached(StoreProbe probe) {
    gauge(MEMORIES, "Memories stored, of every user and status", probe, StoreProbe::memories);
    gauge(
        PENDING_REINFORCEMENT,
        "Memories whose recalls wait to be written",
        probe,
        p -> p.pendingReinforcements());
  }

  private void gauge(
      String name, String description, StoreProbe probe, ToDoubleFunction<StoreProbe> read) {
    Gauge.builder(
            name,
            probe,
            p -> {
              try {
                double v = read.applyAsDouble(p);
                return v < 0 ? Double.NaN : v; // closed
              } catch (RuntimeException e) {
                return Double.NaN; // closed while being read
              }
            })
        .description(description)
        .tags(tags)
        .strongReference(true) // the store holds the probe; the registry must not lose it
        .register(registry);
  }

  @Override
  public void added(AddSummary summary, Duration elapsed) {
    adds.get(summary.pipeline()).record(elapsed);
    PipelineUsage usage = summary.usage();
    calls.increment(usage.llmCalls());
    inputTokens.increment(usage.inputTokens());
    outputTokens.increment(usage.outputTokens());
    if (summary.pipeline() == AddSummary.Pipeline.FELL_BACK) {
      fallbacks.increment();
    }
  }

  @Override
  public void addFailed(RuntimeException error, Duration elapsed) {
    addErrors.record(elapsed);
  }

  @Override
  public void searched(int hits, Duration elapsed) {
    searches.record(elapsed);
  }

  @Override
  public void searchFailed(RuntimeException error, Duration elapsed) {
    searchErrors.record(elapsed);
  }
}
