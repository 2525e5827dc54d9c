package dev.engram.spring;

import dev.engram.MemoryStore;
import dev.engram.StoreStats;
import java.util.Objects;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Reports the store UP with its memory counts when it answers, DOWN with the error when it does not
 * (closed, corrupted, its disk gone). Registered as {@code engram} when actuator is present.
 */
public final class EngramHealthIndicator extends AbstractHealthIndicator {
  private final MemoryStore store;

  /** A health indicator for {@code store}. */
  public EngramHealthIndicator(MemoryStore store) {
    super("Engram memory store health check failed");
    this.store = Objects.requireNonNull(store, "store must not be null");
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    StoreStats stats = store.stats();
    builder.up().withDetail("memories", stats.total()).withDetail("byStatus", stats.byStatus());
  }
}
