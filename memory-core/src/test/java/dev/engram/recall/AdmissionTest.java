package dev.engram.recall;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.decay.DecayPolicy;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdmissionTest {
  private static final Instant T0 = Instant.parse("2025-06-01T10:00:00Z");
  private static final Scope ALICE = Scope.user("alice");

  @Test
  void widenedFilters_admitEveryStoredMemoryWhoseReadTimeValueMatches() {
    long seed = Long.getLong("engram.seed", System.nanoTime());
    Random random = new Random(seed);
    DecayPolicy policy = DecayPolicy.defaults();
    Instant now = T0.plus(Duration.ofDays(90));
    Admission admission = new Admission(policy);
    List<Memory> stored = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      Instant accessed = now.minus(Duration.ofMinutes(random.nextInt(90 * 24 * 60)));
      stored.add(
          Memory.builder()
              .id(MemoryId.random())
              .text("m" + i)
              .scope(ALICE.withSession("s"))
              .tier(Tier.values()[random.nextInt(3)])
              .status(Status.values()[random.nextInt(4)])
              .strength(1 + random.nextInt(5))
              .createdAt(accessed, accessed)
              .build());
    }
    for (int q = 0; q < 300; q++) {
      Filter f = lazyFilter(random, 3, now);
      Filter widened = Admission.widen(f, admission.mayDecay(now));
      for (Memory m : stored) {
        if (f.test(policy.effective(m, now))) {
          assertTrue(
              widened.test(m),
              "widened " + f + " rejects " + m + "; reproduce with -Dengram.seed=" + seed);
        }
      }
    }
  }

  private static Filter lazyFilter(Random r, int depth, Instant now) {
    Instant t = now.minus(Duration.ofHours(r.nextInt(90 * 24)));
    return switch (r.nextInt(depth > 0 ? 9 : 6)) {
      case 0 -> Filter.eq("status", Status.values()[r.nextInt(4)]);
      case 1 -> Filter.in("status", List.of(Status.values()[r.nextInt(4)], Status.ARCHIVED));
      case 2 -> Filter.eq("tier", Tier.values()[r.nextInt(3)]);
      case 3 -> Filter.gt("updatedAt", t);
      case 4 -> Filter.lte("updatedAt", t);
      case 5 -> Filter.eq("kind", "episodic");
      case 6 -> Filter.not(lazyFilter(r, depth - 1, now));
      case 7 -> Filter.and(lazyFilter(r, depth - 1, now), lazyFilter(r, depth - 1, now));
      default -> Filter.or(lazyFilter(r, depth - 1, now), lazyFilter(r, depth - 1, now));
    };
  }
}
