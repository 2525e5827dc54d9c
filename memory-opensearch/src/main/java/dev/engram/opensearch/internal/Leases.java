package dev.engram.opensearch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.StoreIOException;
import dev.engram.StoreLockedException;
import dev.engram.backend.OwnerLease;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owner leases for many JVMs: one document per owner in {@code <prefix>-leases}, naming its holder
 * and when the lease expires. Painless update scripts acquire, renew and release it, comparing with
 * the cluster's clock ({@code ctx._now}), never a JVM's: an update of one document is atomic on its
 * primary shard, so two JVMs cannot both take a free lease, and a holder that dies (SIGKILL) stops
 * renewing, so its lease expires after the lease time and another JVM proceeds. A holder renews
 * every third of the lease time while it holds it.
 */
final class Leases implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Leases.class);
  private static final String ACQUIRE =
      "if (ctx._source.holder == null || ctx._source.holder == params.holder"
          + " || ctx._source.expires < ctx._now) {"
          + " ctx._source.holder = params.holder; ctx._source.expires = ctx._now + params.ttl;"
          + " } else { ctx.op = 'none'; }";
  private static final String RENEW =
      "if (ctx._source.holder == params.holder) { ctx._source.expires = ctx._now + params.ttl; }"
          + " else { ctx.op = 'none'; }";
  private static final String RELEASE =
      "if (ctx._source.holder == params.holder) { ctx.op = 'delete'; } else { ctx.op = 'none'; }";
  private static final long FIRST_PAUSE_MILLIS = 10;
  private static final long MAX_PAUSE_MILLIS = 250;

  private final Cluster cluster;
  private final String index;
  private final Duration leaseTime;
  private final Duration leaseTimeout;
  private final ScheduledExecutorService renewer;

  Leases(Cluster cluster, String index, Duration leaseTime, Duration leaseTimeout) {
    this.cluster = cluster;
    this.index = index;
    this.leaseTime = leaseTime;
    this.leaseTimeout = leaseTimeout;
    this.renewer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "engram-lease-renewer " + index);
              t.setDaemon(true);
              return t;
            });
  }

  /** Waits for the owner's lease up to the lease timeout, polling with a growing pause. */
  OwnerLease acquire(String owner) {
    String id = OpenSearchBackend.hash(owner);
    String holder = UUID.randomUUID().toString();
    long deadline = System.nanoTime() + leaseTimeout.toNanos();
    long pause = FIRST_PAUSE_MILLIS;
    while (true) {
      if (update(id, holder, ACQUIRE, true)) {
        return new Lease(id, holder, owner);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new StoreLockedException(
            "another process has held the memories of "
                + describe(owner)
                + " at "
                + cluster.url()
                + " for longer than leaseTimeout ("
                + leaseTimeout
                + "): it is busy with a long write, or it died and its lease expires "
                + leaseTime
                + " after its last renewal; retry, or raise leaseTimeout",
            null);
      }
      try {
        Thread.sleep(Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left) + 1));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreLockedException(
            "interrupted while waiting for the lease of " + describe(owner), e);
      }
      pause = Math.min(pause * 2, MAX_PAUSE_MILLIS);
    }
  }

  /** The owner key (user NUL agent) as a person reads it. */
  private static String describe(String owner) {
    int nul = owner.indexOf('\u0000');
    String user = nul < 0 ? owner : owner.substring(0, nul);
    String agent = nul < 0 ? "" : owner.substring(nul + 1);
    return "owner user '" + user + "'" + (agent.isEmpty() ? "" : " agent '" + agent + "'");
  }

  /**
   * Runs a lease script on the lease document.
   *
   * @return whether the script changed the document (acquired, renewed, released)
   */
  private boolean update(String id, String holder, String source, boolean upsert) {
    ObjectNode body = Dsl.F.objectNode();
    ObjectNode script = body.putObject("script");
    script.put("lang", "painless");
    script.put("source", source);
    script.putObject("params").put("holder", holder).put("ttl", leaseTime.toMillis());
    if (upsert) {
      body.put("scripted_upsert", true);
      body.putObject("upsert");
    }
    Cluster.Reply r =
        cluster.send(
            "POST",
            "/" + index + "/_update/" + id,
            Cluster.params("retry_on_conflict", "3", "wait_for_active_shards", "1"),
            body);
    if (r.status() == 409 || (!upsert && r.status() == 404)) {
      return false; // taken meanwhile, or (renew, release) gone
    }
    if (!r.ok()) {
      throw cluster.failure("updating the lease " + id + " in " + index, r);
    }
    JsonNode result = r.body().path("result");
    return !"noop".equals(result.asText());
  }

  @Override
  public void close() {
    renewer.shutdownNow();
  }

  /** One holder's lease, renewed in the background until closed. */
  private final class Lease implements OwnerLease {
    private final String id;
    private final String holder;
    private final String owner;
    private final ScheduledFuture<?> renewal;
    private volatile boolean lost;
    private volatile boolean released;

    Lease(String id, String holder, String owner) {
      this.id = id;
      this.holder = holder;
      this.owner = owner;
      long every = Math.max(1, leaseTime.toMillis() / 3);
      this.renewal = renewer.scheduleAtFixedRate(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    private void renew() {
      if (lost || released) {
        return;
      }
      try {
        if (!update(id, holder, RENEW, false) && !released) {
          lost = true;
          LOG.warn(
              "the lease of {} at {} expired while held (the holder stalled for longer than {});"
                  + " another process may be writing the same memories",
              describe(owner),
              cluster.url(),
              leaseTime);
        }
      } catch (StoreIOException e) {
        LOG.warn("could not renew the lease of {}: {}", describe(owner), e.getMessage());
      }
    }

    @Override
    public void close() {
      released = true;
      renewal.cancel(false);
      try {
        update(id, holder, RELEASE, false);
      } catch (RuntimeException e) {
        // It expires by itself after the lease time.
        LOG.warn(
            "could not release the lease of {} (it expires in {}): {}",
            describe(owner),
            leaseTime,
            e.getMessage());
      }
    }
  }
}
