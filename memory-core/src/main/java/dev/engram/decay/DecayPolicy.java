package dev.engram.decay;

import dev.engram.memory.Memory;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How memories fade, strengthen, move between tiers and get archived.
 *
 * <h2>Retention</h2>
 *
 * <p>The Ebbinghaus forgetting curve, written once here:
 *
 * <pre>R = exp(-Δt / (τ_tier · S))</pre>
 *
 * <p>where Δt is the time since the memory was last accessed ({@link Memory#lastAccessedAt()}),
 * τ_tier the time constant of its tier and S its {@link Memory#strength() strength}. S is at least
 * 1 and grows by {@link Builder#recallStrengthIncrement(double)} each time a search returns the
 * memory, which also restarts the curve. A larger S stretches the curve, so a stronger memory
 * forgets more slowly. (MemoryBank wrote {@code exp(-t / 5*S)}, which precedence turns into the
 * opposite.)
 *
 * <h2>Tiers</h2>
 *
 * <ul>
 *   <li>A working memory idle for {@link Builder#workingIdleTimeout(Duration)} moves to short-term,
 *       and so do the least recently used ones beyond {@link Builder#workingCapacity(int)} per
 *       session, whichever way they entered working memory (an add, a pipeline, an update).
 *   <li>A short-term memory recalled {@link Builder#promoteAfterRecalls(int)} times, or whose
 *       importance reaches {@link Builder#promoteAtImportance(double)}, is promoted to long-term.
 *       The rule is applied when the memory is stored, recalled, or its importance is updated (an
 *       update that names a tier keeps that tier), not by the passage of time.
 *   <li>An active memory whose retention falls to {@link Builder#archiveThreshold(double)} is
 *       archived: excluded from default searches, still listed, restorable. Nothing is destroyed.
 * </ul>
 *
 * <p>Time-driven changes are computed lazily at read time by {@link #effective(Memory, Instant)}
 * and persisted by the store's maintenance pass; both produce the same value because the change is
 * dated at the instant the threshold was crossed, not at the instant it was noticed.
 */
public final class DecayPolicy {
  private static final double MAX_SECONDS = 1e15;

  private final Map<Tier, Duration> timeConstants;
  private final double archiveThreshold;
  private final double recallStrengthIncrement;
  private final int promoteAfterRecalls;
  private final double promoteAtImportance;
  private final int workingCapacity;
  private final Duration workingIdleTimeout;

  private DecayPolicy(Builder b) {
    this.timeConstants = Map.copyOf(b.timeConstants);
    this.archiveThreshold = b.archiveThreshold;
    this.recallStrengthIncrement = b.recallStrengthIncrement;
    this.promoteAfterRecalls = b.promoteAfterRecalls;
    this.promoteAtImportance = b.promoteAtImportance;
    this.workingCapacity = b.workingCapacity;
    this.workingIdleTimeout = b.workingIdleTimeout;
  }

  /** The defaults described on each {@link Builder} method. */
  public static DecayPolicy defaults() {
    return builder().build();
  }

  /** A builder starting from the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Retention R in (0, 1] of a memory at {@code now}; 1 for a memory accessed at or after {@code
   * now}.
   */
  public double retention(Memory m, Instant now) {
    return retention(m.tier(), m.strength(), m.lastAccessedAt(), now);
  }

  /** R = exp(-Δt / (τ_tier · S)). */
  public double retention(Tier tier, double strength, Instant lastAccessedAt, Instant now) {
    double dt = Math.max(0, seconds(Duration.between(lastAccessedAt, now)));
    return Math.exp(-dt / (seconds(timeConstant(tier)) * strength));
  }

  /** The time constant τ of a tier. */
  public Duration timeConstant(Tier tier) {
    return timeConstants.get(tier);
  }

  /** Retention at or below which an active memory is archived. */
  public double archiveThreshold() {
    return archiveThreshold;
  }

  /** Most working memories kept per session. */
  public int workingCapacity() {
    return workingCapacity;
  }

  /** How long a working memory may stay idle before it moves to short-term. */
  public Duration workingIdleTimeout() {
    return workingIdleTimeout;
  }

  /** Recalls after which a short-term memory is promoted. */
  public int promoteAfterRecalls() {
    return promoteAfterRecalls;
  }

  /** Importance at which a short-term memory is promoted. */
  public double promoteAtImportance() {
    return promoteAtImportance;
  }

  /**
   * The instant at which the memory's retention reaches the archive threshold, or {@code null} if
   * it never does (threshold 0, or too far in the future to represent).
   */
  public Instant archiveDeadline(Memory m) {
    return archiveDeadline(m.tier(), m.strength(), m.lastAccessedAt());
  }

  private Instant archiveDeadline(Tier tier, double strength, Instant lastAccessedAt) {
    if (archiveThreshold <= 0) {
      return null;
    }
    // R <= θ  ⇔  Δt >= τ · S · ln(1/θ)
    double s = seconds(timeConstant(tier)) * strength * Math.log(1 / archiveThreshold);
    if (!(s < MAX_SECONDS)) {
      return null;
    }
    // Whole seconds and the nanosecond rest apart: s * 1e9 as a long would cap at ~292 years.
    long whole = (long) Math.floor(s);
    long nanos = Math.round((s - whole) * 1e9);
    try {
      return lastAccessedAt.plusSeconds(whole).plusNanos(nanos);
    } catch (DateTimeException | ArithmeticException e) {
      return null; // beyond Instant.MAX: never
    }
  }

  /**
   * The memory as it is at {@code now} once time-driven changes apply: an idle working memory moves
   * to short-term; an active memory past its archive deadline is archived. Each change bumps the
   * version and sets {@code updatedAt} to the instant the change became due, so calling this at
   * read time or persisting it in a maintenance pass yields the same value. Returns {@code m}
   * itself when nothing is due.
   */
  public Memory effective(Memory m, Instant now) {
    List<Memory> steps = transitions(m, now);
    return steps.isEmpty() ? m : steps.get(steps.size() - 1);
  }

  /**
   * The time-driven changes due at {@code now}, one value per change in the order they happened (a
   * tier move, then possibly archiving); empty when none is due. The last one is {@link
   * #effective(Memory, Instant)}.
   */
  public List<Memory> transitions(Memory m, Instant now) {
    if (m.status() != Status.ACTIVE) {
      return List.of();
    }
    List<Memory> steps = new ArrayList<>(2);
    Memory current = m;
    if (current.tier() == Tier.WORKING) {
      Instant due = m.lastAccessedAt().plus(workingIdleTimeout);
      if (!now.isBefore(due)) {
        Tier to = meetsPromotion(current) ? Tier.LONG_TERM : Tier.SHORT_TERM;
        current = promoteTo(current, to, max(due, current.updatedAt()));
        steps.add(current);
      }
    }
    Instant deadline = archiveDeadline(current);
    if (deadline != null && !now.isBefore(deadline)) {
      current =
          current.toBuilder()
              .status(Status.ARCHIVED)
              .updatedAt(max(deadline, current.updatedAt()))
              .version(current.version() + 1)
              .build();
      steps.add(current);
    }
    return steps;
  }

  /**
   * A memory just recalled at {@code now}: one more access, a stronger S, a restarted curve, and
   * promotion to long-term if that makes it qualify. Tier and status changes bump the version; the
   * access statistics alone do not, as they are bookkeeping rather than content.
   */
  public Memory reinforce(Memory m, Instant now) {
    Memory recalled =
        m.toBuilder()
            .accessCount(m.accessCount() + 1)
            .strength(Math.min(1e9, m.strength() + recallStrengthIncrement))
            .lastAccessedAt(max(now, m.lastAccessedAt()))
            .build();
    return promoteIfDue(recalled, now);
  }

  /**
   * Applies the importance / recall-count promotion rule; {@code m} itself when it does not apply.
   */
  public Memory promoteIfDue(Memory m, Instant now) {
    if (m.status() == Status.ACTIVE && m.tier() == Tier.SHORT_TERM && meetsPromotion(m)) {
      return promoteTo(m, Tier.LONG_TERM, max(now, m.updatedAt()));
    }
    return m;
  }

  private boolean meetsPromotion(Memory m) {
    return m.accessCount() >= promoteAfterRecalls || m.importance() >= promoteAtImportance;
  }

  private static Memory promoteTo(Memory m, Tier tier, Instant at) {
    return m.toBuilder().tier(tier).updatedAt(at).version(m.version() + 1).build();
  }

  private static Instant max(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private static double seconds(Duration d) {
    return d.getSeconds() + d.getNano() / 1e9;
  }

  @Override
  public String toString() {
    return "DecayPolicy[timeConstants="
        + timeConstants
        + ", archiveThreshold="
        + archiveThreshold
        + ", recallStrengthIncrement="
        + recallStrengthIncrement
        + ", promoteAfterRecalls="
        + promoteAfterRecalls
        + ", promoteAtImportance="
        + promoteAtImportance
        + ", workingCapacity="
        + workingCapacity
        + ", workingIdleTimeout="
        + workingIdleTimeout
        + "]";
  }

  /** Builds a {@link DecayPolicy}; every setter validates its argument at once. */
  public static final class Builder {
    private final Map<Tier, Duration> timeConstants = new EnumMap<>(Tier.class);
    private double archiveThreshold = 0.05;
    private double recallStrengthIncrement = 1.0;
    private int promoteAfterRecalls = 3;
    private double promoteAtImportance = 0.8;
    private int workingCapacity = 20;
    private Duration workingIdleTimeout = Duration.ofHours(1);

    private Builder() {
      timeConstants.put(Tier.WORKING, Duration.ofDays(1));
      timeConstants.put(Tier.SHORT_TERM, Duration.ofDays(3));
      timeConstants.put(Tier.LONG_TERM, Duration.ofDays(180));
    }

    /**
     * Sets a tier's time constant τ: after τ·S without access, retention has fallen to 1/e.
     * Defaults: working 1 day, short-term 3 days, long-term 180 days.
     */
    public Builder timeConstant(Tier tier, Duration tau) {
      Objects.requireNonNull(tier, "tier");
      Objects.requireNonNull(tau, "timeConstant");
      if (tau.isNegative() || tau.isZero()) {
        throw new IllegalArgumentException(
            "timeConstant for " + tier + " must be positive, got " + tau);
      }
      timeConstants.put(tier, tau);
      return this;
    }

    /**
     * Sets the retention at or below which an active memory is archived; default 0.05. 0 disables
     * archiving.
     */
    public Builder archiveThreshold(double threshold) {
      if (!(threshold >= 0 && threshold < 1)) {
        throw new IllegalArgumentException("archiveThreshold must be in [0, 1), got " + threshold);
      }
      this.archiveThreshold = threshold;
      return this;
    }

    /**
     * Sets how much S grows each time a search returns the memory; default 1 (MemoryBank's rule).
     */
    public Builder recallStrengthIncrement(double increment) {
      if (!(increment >= 0 && increment <= 1000)) {
        throw new IllegalArgumentException(
            "recallStrengthIncrement must be in [0, 1000], got " + increment);
      }
      this.recallStrengthIncrement = increment;
      return this;
    }

    /** Sets the recall count that promotes a short-term memory to long-term; default 3. */
    public Builder promoteAfterRecalls(int recalls) {
      if (recalls < 1) {
        throw new IllegalArgumentException(
            "promoteAfterRecalls must be at least 1, got " + recalls);
      }
      this.promoteAfterRecalls = recalls;
      return this;
    }

    /** Sets the importance that promotes a short-term memory to long-term; default 0.8. */
    public Builder promoteAtImportance(double importance) {
      if (!(importance >= 0 && importance <= 1)) {
        throw new IllegalArgumentException(
            "promoteAtImportance must be in [0, 1], got " + importance);
      }
      this.promoteAtImportance = importance;
      return this;
    }

    /**
     * Sets the most working memories kept per session before the least recently used move on;
     * default 20.
     */
    public Builder workingCapacity(int capacity) {
      if (capacity < 1 || capacity > 10_000) {
        throw new IllegalArgumentException(
            "workingCapacity must be between 1 and 10000, got " + capacity);
      }
      this.workingCapacity = capacity;
      return this;
    }

    /**
     * Sets how long a working memory may stay idle before it moves to short-term; default 1 hour.
     */
    public Builder workingIdleTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "workingIdleTimeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("workingIdleTimeout must be positive, got " + timeout);
      }
      this.workingIdleTimeout = timeout;
      return this;
    }

    /** Builds the policy. */
    public DecayPolicy build() {
      return new DecayPolicy(this);
    }
  }
}
