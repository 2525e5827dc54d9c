package dev.engram.decay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class DecayPolicyTest {
  private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
  private final DecayPolicy policy = DecayPolicy.defaults();

  private static Memory memory(Tier tier, double strength) {
    return Memory.builder()
        .id(MemoryId.random())
        .text("x")
        .scope(Scope.user("u"))
        .tier(tier)
        .strength(strength)
        .createdAt(T0, T0)
        .build();
  }

  @Test
  void retention_isOneAtFirst_andOneOverEAfterTauTimesStrength() {
    Memory m = memory(Tier.SHORT_TERM, 2);
    assertEquals(1.0, policy.retention(m, T0));
    Duration tau = policy.timeConstant(Tier.SHORT_TERM);
    assertEquals(Math.exp(-1), policy.retention(m, T0.plus(tau.multipliedBy(2))), 1e-12);
    assertEquals(Math.exp(-0.5), policy.retention(m, T0.plus(tau)), 1e-12);
  }

  @Test
  void retention_aStrongerMemoryForgetsMoreSlowly() {
    Instant later = T0.plus(Duration.ofDays(5));
    double weak = policy.retention(memory(Tier.SHORT_TERM, 1), later);
    double strong = policy.retention(memory(Tier.SHORT_TERM, 4), later);
    assertTrue(strong > weak, "strong " + strong + " must exceed weak " + weak);
  }

  @Test
  void retention_longTermForgetsMoreSlowlyThanShortTerm() {
    Instant later = T0.plus(Duration.ofDays(5));
    assertTrue(
        policy.retention(memory(Tier.LONG_TERM, 1), later)
            > policy.retention(memory(Tier.SHORT_TERM, 1), later));
  }

  @Test
  void retention_decreasesWithTime() {
    Memory m = memory(Tier.LONG_TERM, 1);
    double previous = 1.0;
    for (int day = 1; day < 400; day += 7) {
      double r = policy.retention(m, T0.plus(Duration.ofDays(day)));
      assertTrue(r < previous);
      previous = r;
    }
  }

  @Test
  void archiveDeadline_isWhereRetentionMeetsTheThreshold() {
    Memory m = memory(Tier.SHORT_TERM, 3);
    Instant deadline = policy.archiveDeadline(m);
    assertEquals(policy.archiveThreshold(), policy.retention(m, deadline), 1e-9);
    assertSame(m, policy.effective(m, deadline.minusMillis(1)));
    assertEquals(Status.ARCHIVED, policy.effective(m, deadline).status());
    assertNull(DecayPolicy.builder().archiveThreshold(0).build().archiveDeadline(m));
  }

  @Test
  void archiveDeadline_ofAVeryStrongMemory_isCenturiesAway_notCappedAt292Years() {
    Memory m = memory(Tier.LONG_TERM, 1000);
    Instant deadline = policy.archiveDeadline(m);
    double years = Duration.between(T0, deadline).toDays() / 365.25;
    double expected =
        policy.timeConstant(Tier.LONG_TERM).toDays()
            * 1000
            * Math.log(1 / policy.archiveThreshold())
            / 365.25;
    assertEquals(expected, years, 1e-3 * expected);
    assertTrue(years > 1000, "got " + years + " years");
    assertSame(m, policy.effective(m, T0.plus(Duration.ofDays(365 * 500))));
    Memory far = memory(Tier.LONG_TERM, 1e9);
    assertNull(policy.archiveDeadline(far), "beyond what an Instant can hold: never");
  }

  @Test
  void effective_isTheSameWhenEverItIsComputedAfterTheDeadline() {
    Memory m = memory(Tier.SHORT_TERM, 1);
    Memory a = policy.effective(m, T0.plus(Duration.ofDays(20)));
    Memory b = policy.effective(m, T0.plus(Duration.ofDays(2000)));
    assertEquals(a, b);
    assertEquals(m.version() + 1, a.version());
  }

  @Test
  void reinforce_countsStrengthensRestartsAndPromotes() {
    Memory m = memory(Tier.SHORT_TERM, 1);
    Instant t = T0;
    for (int i = 1; i <= policy.promoteAfterRecalls(); i++) {
      t = t.plus(Duration.ofHours(1));
      m = policy.reinforce(m, t);
      assertEquals(i, m.accessCount());
      assertEquals(1 + i, m.strength());
      assertEquals(t, m.lastAccessedAt());
    }
    assertEquals(Tier.LONG_TERM, m.tier());
  }

  @Test
  void builder_rejectsBadValuesByName() {
    assertEquals(
        "archiveThreshold must be in [0, 1), got 1.0",
        assertThrows(
                IllegalArgumentException.class, () -> DecayPolicy.builder().archiveThreshold(1))
            .getMessage());
    assertEquals(
        "timeConstant for SHORT_TERM must be positive, got PT0S",
        assertThrows(
                IllegalArgumentException.class,
                () -> DecayPolicy.builder().timeConstant(Tier.SHORT_TERM, Duration.ZERO))
            .getMessage());
    assertEquals(
        "ranking weight retention must be between 0 and 1000, got NaN",
        assertThrows(IllegalArgumentException.class, () -> new RankingWeights(1, Double.NaN, 0))
            .getMessage());
  }
}
