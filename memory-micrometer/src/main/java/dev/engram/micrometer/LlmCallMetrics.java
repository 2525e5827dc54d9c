package dev.engram.micrometer;

import dev.engram.llm.LlmCall;
import dev.engram.llm.PipelineListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An LLM pipeline's model calls as meters: give it to {@code LlmPipeline.builder(model)
 * .listener(...)}. Needs memory-llm (an optional dependency of this module).
 *
 * <table>
 *   <caption>Meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>what</th></tr>
 *   <tr><td>{@value #CALL}</td><td>timer</td>
 *       <td>stage: extract, consolidate, evolve, summarize; outcome: success, failure</td>
 *       <td>each model call, retries included</td></tr>
 *   <tr><td>{@value #FAILURES}</td><td>counter</td><td>stage</td>
 *       <td>model calls that failed or whose reply was unusable</td></tr>
 * </table>
 */
public final class LlmCallMetrics implements PipelineListener {
  /** Timer of model calls. */
  public static final String CALL = "engram.pipeline.call";

  /** Counter of model calls that failed or whose reply was unusable. */
  public static final String FAILURES = "engram.pipeline.failures";

  private final Map<LlmCall.Stage, Timer> succeeded = new EnumMap<>(LlmCall.Stage.class);
  private final Map<LlmCall.Stage, Timer> failed = new EnumMap<>(LlmCall.Stage.class);
  private final Map<LlmCall.Stage, Counter> failures = new EnumMap<>(LlmCall.Stage.class);

  private LlmCallMetrics(MeterRegistry registry, Tags tags) {
    for (LlmCall.Stage stage : LlmCall.Stage.values()) {
      String name = stage.name().toLowerCase(Locale.ROOT);
      succeeded.put(stage, timer(registry, tags, name, "success"));
      failed.put(stage, timer(registry, tags, name, "failure"));
      failures.put(
          stage,
          Counter.builder(FAILURES)
              .description("Model calls that failed or whose reply was unusable")
              .tags(tags)
              .tag("stage", name)
              .register(registry));
    }
  }

  /** Meters in {@code registry}, with {@code tags} on each. */
  public static LlmCallMetrics of(MeterRegistry registry, Iterable<Tag> tags) {
    Objects.requireNonNull(registry, "registry must not be null");
    Objects.requireNonNull(tags, "tags must not be null");
    return new LlmCallMetrics(registry, Tags.of(tags));
  }

  /** Meters in {@code registry} with no extra tags. */
  public static LlmCallMetrics of(MeterRegistry registry) {
    return of(registry, Tags.empty());
  }

  private static Timer timer(MeterRegistry registry, Tags tags, String stage, String outcome) {
    return Timer.builder(CALL)
        .description("Model calls of the LLM pipeline")
        .tags(tags)
        .tag("stage", stage)
        .tag("outcome", outcome)
        .register(registry);
  }

  @Override
  public void onCall(LlmCall call) {
    if (call.succeeded()) {
      succeeded.get(call.stage()).record(call.elapsed());
    } else {
      failed.get(call.stage()).record(call.elapsed());
      failures.get(call.stage()).increment();
    }
  }
}
