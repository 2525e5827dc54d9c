package dev.engram.recall;

import dev.engram.decay.DecayPolicy;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Which memories a read may return, written once: the scope, the statuses and validity a search
 * admits, and the caller's filter. Stored values can lag what reads present (decay moves tiers and
 * archives at read time), so the filter handed to a backend is widened where decay could change the
 * answer, and the memory as presented is checked again here.
 */
public final class Admission {
  /** Fields whose stored value can lag the value read-time decay presents. */
  private static final Set<String> LAZY_FIELDS = Set.of("status", "tier", "updatedAt");

  private final DecayPolicy decay;

  /** Admission under this decay policy. */
  public Admission(DecayPolicy decay) {
    this.decay = decay;
  }

  /** The filter selecting the stored memories of a scope ({@link Scope#contains} as a filter). */
  public static Filter scope(Scope scope) {
    return Filter.of(scope);
  }

  /** The statuses a search returns: active, archived on request, invalidated when asking as-of. */
  public static Set<Status> statuses(SearchRequest request) {
    Set<Status> allowed = EnumSet.of(Status.ACTIVE);
    if (request.includeArchived()) {
      allowed.add(Status.ARCHIVED);
    }
    if (request.asOf() != null) {
      allowed.add(Status.INVALIDATED);
    }
    return allowed;
  }

  /** The instant whose truth a search asks for: its as-of, or now. */
  public static Instant truthAt(SearchRequest request, Instant now) {
    return request.asOf() != null ? request.asOf() : now;
  }

  /**
   * The condition on stored values that a backend applies for a search: scope, statuses (an active
   * stored memory may read as archived), validity at the search's instant, and what of the caller's
   * filter a backend can evaluate (see {@link #pushDown}).
   */
  public Filter forSearch(SearchRequest request, Instant now) {
    Instant truthAt = truthAt(request, now);
    List<Filter> parts = new ArrayList<>(5);
    parts.add(scope(request.scope()));
    parts.add(Filter.in("status", storedStatuses(statuses(request))));
    parts.add(Filter.lte("validFrom", truthAt));
    parts.add(Filter.or(Filter.not(Filter.exists("validTo")), Filter.gt("validTo", truthAt)));
    Filter pushed = pushDown(request.filter(), now);
    if (pushed != Filter.all()) {
      parts.add(pushed);
    }
    return Filter.and(parts);
  }

  /**
   * Whether a memory as presented at read time is one the search admits: in scope, of an allowed
   * status, valid at the search's instant and, when the filter could not be handed over whole,
   * matching it.
   */
  public boolean admits(SearchRequest request, Memory presented, Instant now) {
    return request.scope().contains(presented.scope())
        && statuses(request).contains(presented.status())
        && presented.isValidAt(truthAt(request, now))
        && (request.filter() == Filter.all() || request.filter().test(presented));
  }

  /** Statuses to ask the backend for: an ACTIVE stored memory may read as ARCHIVED. */
  private static List<Status> storedStatuses(Set<Status> allowed) {
    List<Status> out = new ArrayList<>(allowed);
    if (allowed.contains(Status.ARCHIVED) && !out.contains(Status.ACTIVE)) {
      out.add(Status.ACTIVE);
    }
    out.sort(Comparator.naturalOrder());
    return out;
  }

  /**
   * What of a caller's filter the backend can evaluate, to be ANDed with the store's own
   * conditions: the filter itself; widened to every stored value that could decay into a match when
   * it tests a field decay changes at read time; or nothing ({@link Filter#all()}) when the result
   * would nest too deep. Whatever is not the filter itself, the reader tests again on the read-time
   * value ({@link #testsAgain}).
   */
  public Filter pushDown(Filter filter, Instant now) {
    if (filter == Filter.all()) {
      return filter;
    }
    // One level for the store's AND around it.
    int room = Filter.MAX_DEPTH - 1 - filter.depth();
    if (!references(filter, LAZY_FIELDS)) {
      return room >= 0 ? filter : Filter.all();
    }
    Filter decaying = mayDecay(now);
    // Widening puts at most and(predicate, not(decaying)) where a predicate was.
    return room >= decaying.depth() + 1 ? widen(filter, decaying) : Filter.all();
  }

  /**
   * Whether a reader must test {@code filter} again on read-time values after {@link #pushDown}.
   */
  public boolean testsAgain(Filter filter, Instant now) {
    return pushDown(filter, now) != filter;
  }

  /**
   * A filter on stored values holding for every memory whose read-time value may differ from the
   * stored one at {@code now}: active, and a working memory idle past the timeout or a memory last
   * accessed longer ago than the shortest archive age (τ · ln(1/θ) at strength 1). Every other
   * memory reads exactly as stored.
   */
  public Filter mayDecay(Instant now) {
    List<Filter> due = new ArrayList<>(2);
    due.add(
        Filter.and(
            Filter.eq("tier", Tier.WORKING),
            Filter.lte("lastAccessedAt", before(now, decay.workingIdleTimeout()))));
    if (decay.archiveThreshold() > 0) {
      double shortest = Double.MAX_VALUE;
      for (Tier t : Tier.values()) {
        Duration tau = decay.timeConstant(t);
        shortest = Math.min(shortest, tau.getSeconds() + tau.getNano() / 1e9);
      }
      double seconds = shortest * Math.log(1 / decay.archiveThreshold());
      if (seconds < 1e15) {
        // A second short of the exact age, so that no rounding of a deadline escapes the filter.
        long age = Math.max(0, (long) Math.floor(seconds) - 1);
        due.add(Filter.lte("lastAccessedAt", before(now, Duration.ofSeconds(age))));
      }
    }
    return Filter.and(Filter.eq("status", Status.ACTIVE), Filter.or(due));
  }

  /** {@code t - d}, or the earliest instant when that is not representable. */
  public static Instant before(Instant t, Duration d) {
    try {
      return t.minus(d);
    } catch (ArithmeticException | DateTimeException e) {
      return Instant.MIN;
    }
  }

  /**
   * A filter on stored values that holds for every memory whose read-time value satisfies {@code
   * f}; {@code decaying} is {@link #mayDecay}. A predicate on a field decay changes is widened to
   * also admit every memory that may decay; under a negation the inner filter is narrowed instead.
   */
  static Filter widen(Filter f, Filter decaying) {
    if (!references(f, LAZY_FIELDS)) {
      return f;
    }
    return switch (f) {
      case Filter.And a -> Filter.and(a.filters().stream().map(x -> widen(x, decaying)).toList());
      case Filter.Or o -> Filter.or(o.filters().stream().map(x -> widen(x, decaying)).toList());
      case Filter.Not n -> Filter.not(narrow(n.filter(), decaying));
      default -> Filter.or(f, decaying);
    };
  }

  /** A filter on stored values that holds only for memories whose read-time value satisfies it. */
  static Filter narrow(Filter f, Filter decaying) {
    if (!references(f, LAZY_FIELDS)) {
      return f;
    }
    return switch (f) {
      case Filter.And a -> Filter.and(a.filters().stream().map(x -> narrow(x, decaying)).toList());
      case Filter.Or o -> Filter.or(o.filters().stream().map(x -> narrow(x, decaying)).toList());
      case Filter.Not n -> Filter.not(widen(n.filter(), decaying));
      default -> Filter.and(f, Filter.not(decaying));
    };
  }

  /** Whether a filter tests any of the given fields. */
  public static boolean references(Filter f, Set<String> fields) {
    return switch (f) {
      case Filter.Comparison c -> fields.contains(c.field().name());
      case Filter.In in -> fields.contains(in.field().name());
      case Filter.Contains c -> fields.contains(c.field().name());
      case Filter.Exists e -> fields.contains(e.field().name());
      case Filter.And a -> a.filters().stream().anyMatch(x -> references(x, fields));
      case Filter.Or o -> o.filters().stream().anyMatch(x -> references(x, fields));
      case Filter.Not n -> references(n.filter(), fields);
      case Filter.MatchAll m -> false;
    };
  }
}
