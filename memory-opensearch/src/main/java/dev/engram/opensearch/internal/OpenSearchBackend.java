package dev.engram.opensearch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.IncompatibleStoreException;
import dev.engram.StoreIOException;
import dev.engram.backend.BackendCapability;
import dev.engram.backend.Candidate;
import dev.engram.backend.CandidateQuery;
import dev.engram.backend.Candidates;
import dev.engram.backend.ListQuery;
import dev.engram.backend.MemoryBackend;
import dev.engram.backend.MemoryCodec;
import dev.engram.backend.OwnerLease;
import dev.engram.backend.WriteBatch;
import dev.engram.embed.Embedder;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.retrieval.PassageFormat;
import dev.engram.retrieval.RetrievalConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenSearch backend. Indices, for a prefix {@code p}: {@code p-memories} (one document per
 * memory, routed by owner: BM25 text fields, a k-NN vector, exact filter fields and the full
 * record), {@code p-history} (one document per event, id = sequence) and {@code p-log} (the store's
 * metadata, its sequence counter and the write batches not yet fully applied).
 *
 * <p>A write batch is first written whole to {@code p-log}, then applied with one bulk request and
 * a history delete-by-query, then removed from the log; opening the store replays any batch still
 * in the log, so a writer killed mid-batch leaves either nothing or, after the next open, all of
 * it. Every apply is idempotent (documents by id, events by sequence). Writes refresh the shards
 * they touch before returning ({@code refresh=true}), so the writer and every other client read
 * them at once.
 */
public final class OpenSearchBackend implements MemoryBackend {
  private static final Logger LOG = LoggerFactory.getLogger(OpenSearchBackend.class);
  private static final int PAGE = 10_000;
  private static final double K1 = 1.2;
  private static final double B = 0.75;
  private static final String BM25_SCRIPT =
      "double tf = _score; def f = doc[params.len];"
          + " double dl = f.size() == 0 ? 0 : f.value;"
          + " return params.w * params.idf * tf"
          + " / (tf + params.k1 * (1 - params.b + params.b * dl / params.avgdl));";

  /**
   * What the backend is opened with.
   *
   * @param urls the URLs of the cluster's nodes the client may send to
   * @param user basic-auth user, or {@code null}
   * @param password basic-auth password, or {@code null}
   * @param prefix the index name prefix
   * @param embedder the model, or {@code null} for BM25 alone
   * @param analyzer the OpenSearch analyzer of the text fields
   * @param passageFormat how memories are written out for BM25 and the embedding
   * @param retrieval field weights of the lexical list
   * @param shards primary shards of the memory and history indices
   * @param replicas replicas of every index
   * @param leaseTime how long an owner's lease lasts unless its holder renews it
   * @param leaseTimeout how long to wait for an owner's lease
   */
  public record Options(
      List<String> urls,
      String user,
      String password,
      String prefix,
      Embedder embedder,
      String analyzer,
      PassageFormat passageFormat,
      RetrievalConfig retrieval,
      int shards,
      int replicas,
      Duration leaseTime,
      Duration leaseTimeout) {}

  private final Options options;
  private final Cluster cluster;
  private final Embedder embedder;
  private final PassageFormat passages;
  private final String memories;
  private final String history;
  private final String log;
  private final Leases leases;
  private volatile boolean closed;

  /** Connects, creates the indices if needed, refuses an incompatible store, replays the log. */
  public static OpenSearchBackend open(Options options) {
    Cluster cluster = new Cluster(options.urls(), options.user(), options.password());
    try {
      return new OpenSearchBackend(options, cluster);
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private OpenSearchBackend(Options options, Cluster cluster) {
    this.options = options;
    this.cluster = cluster;
    this.embedder = options.embedder();
    this.passages = options.passageFormat();
    this.memories = options.prefix() + "-memories";
    this.history = options.prefix() + "-history";
    this.log = options.prefix() + "-log";
    String leaseIndex = options.prefix() + "-leases";
    cluster.call("GET", "/", null, null);
    int dimension = embedder == null ? 0 : embedder.dimension();
    ObjectNode memoryIndex =
        Documents.memoryIndex(options.analyzer(), dimension, options.shards(), options.replicas());
    putTemplate(memories, memoryIndex);
    ensureIndex(memories, memoryIndex);
    ensureIndex(history, Documents.historyIndex(options.shards(), options.replicas()));
    ensureIndex(log, Documents.plainIndex(1, options.replicas()));
    ensureIndex(leaseIndex, Documents.plainIndex(1, options.replicas()));
    checkMeta();
    replayPending();
    this.leases = new Leases(cluster, leaseIndex, options.leaseTime(), options.leaseTimeout());
  }

  /** An index template per index: the mapping version is visible to operators as its version. */
  private void putTemplate(String index, ObjectNode body) {
    ObjectNode t = Dsl.F.objectNode();
    t.putArray("index_patterns").add(index);
    t.set("template", body);
    t.put("version", Documents.MAPPING_VERSION);
    t.putObject("_meta").put("engram_mapping_version", Documents.MAPPING_VERSION);
    cluster.call("PUT", "/_index_template/" + index, null, t);
  }

  private void ensureIndex(String index, ObjectNode body) {
    Cluster.Reply r = cluster.send("HEAD", "/" + index, null, null);
    if (r.status() == 200) {
      JsonNode mapping = cluster.call("GET", "/" + index + "/_mapping", null, null);
      JsonNode version =
          mapping.path(index).path("mappings").path("_meta").path("engram_mapping_version");
      if (!version.isMissingNode() && version.asInt() != Documents.MAPPING_VERSION) {
        throw new IncompatibleStoreException(
            "the index "
                + index
                + " at "
                + cluster.url()
                + " has mapping version "
                + version.asInt()
                + "; this version of Engram writes "
                + Documents.MAPPING_VERSION
                + ": export the store with the old version and import it into a new prefix");
      }
      return;
    }
    Cluster.Reply created =
        cluster.send("PUT", "/" + index, Cluster.params("wait_for_active_shards", "1"), body);
    if (!created.ok()
        && !created
            .body()
            .path("error")
            .path("type")
            .asText()
            .equals("resource_already_exists_exception")) {
      throw cluster.failure("creating the index " + index, created);
    }
  }

  /** Records what built the store, or refuses to open when the model or analyzer differ. */
  private void checkMeta() {
    ObjectNode wanted = Dsl.F.objectNode();
    wanted.put("mappingVersion", Documents.MAPPING_VERSION);
    wanted.put("model", embedder == null ? "none" : embedder.modelId());
    wanted.put("dimension", embedder == null ? 0 : embedder.dimension());
    wanted.put("analyzer", options.analyzer());
    wanted.put("passageFormat", options.passageFormat().name());
    for (int attempt = 0; attempt < 3; attempt++) {
      Cluster.Reply r = cluster.send("GET", "/" + log + "/_doc/store", null, null);
      if (r.status() == 200) {
        JsonNode have = r.body().path("_source");
        if (!have.path("model").asText().equals(wanted.path("model").asText())
            || have.path("dimension").asInt() != wanted.path("dimension").asInt()) {
          // Worded as the embedded store's refusal, so that users meet one message.
          throw new IncompatibleStoreException(
              "the store "
                  + options.prefix()
                  + " at "
                  + cluster.url()
                  + " was built with embedding model "
                  + have.path("model").asText()
                  + " ("
                  + have.path("dimension").asInt()
                  + " dimensions) but was opened with "
                  + wanted.path("model").asText()
                  + " ("
                  + wanted.path("dimension").asInt()
                  + " dimensions); open it with the same model, or with none set (a store reopens"
                  + " with the model it recorded), or move it to the new model with `engram export`"
                  + " and `engram import` into a new prefix, which re-embeds");
        }
        List<String> differences = new ArrayList<>();
        wanted
            .fieldNames()
            .forEachRemaining(
                f -> {
                  if (!have.path(f).asText().equals(wanted.path(f).asText())) {
                    differences.add(
                        f
                            + " "
                            + have.path(f).asText()
                            + " (asked: "
                            + wanted.path(f).asText()
                            + ")");
                  }
                });
        if (!differences.isEmpty()) {
          throw new IncompatibleStoreException(
              "the store "
                  + options.prefix()
                  + " at "
                  + cluster.url()
                  + " was built with "
                  + String.join(", ", differences)
                  + "; open it with the same settings, or export it and import it into a new"
                  + " prefix");
        }
        return;
      }
      if (r.status() != 404) {
        throw cluster.failure("reading the store's metadata", r);
      }
      Cluster.Reply c =
          cluster.send(
              "PUT",
              "/" + log + "/_doc/store",
              Cluster.params("op_type", "create", "refresh", "true"),
              wanted);
      if (c.ok()) {
        return;
      }
      if (c.status() != 409) {
        throw cluster.failure("writing the store's metadata", c);
      }
    }
    throw new StoreIOException("could not record the store's metadata at " + cluster.url(), null);
  }

  /**
   * A lease document per owner, so that JVMs sharing the store serialise an owner's writes as the
   * store's lock does within one; see {@link Leases}.
   */
  @Override
  public OwnerLease lease(String owner) {
    checkOpen();
    return leases.acquire(owner);
  }

  @Override
  public Set<BackendCapability> capabilities() {
    return embedder == null
        ? Set.of(BackendCapability.PERSISTENT)
        : Set.of(BackendCapability.PERSISTENT, BackendCapability.VECTOR_SEARCH);
  }

  // ------------------------------------------------------------------------------------ writes

  @Override
  public List<HistoryEvent> apply(WriteBatch batch) {
    checkOpen();
    if (batch.isEmpty()) {
      return List.of();
    }
    Set<MemoryId> purged = Set.copyOf(batch.purges());
    List<MemoryId> lookup = new ArrayList<>(batch.purges());
    batch.upserts().forEach(m -> lookup.add(m.id()));
    Map<String, JsonNode> stored = sources(lookup);

    ArrayNode purges = Dsl.F.arrayNode();
    for (MemoryId id : batch.purges()) {
      JsonNode s = stored.get(id.value());
      if (s != null) {
        purges.addObject().put("id", id.value()).put("routing", routingOf(s));
      } else {
        purges.addObject().put("id", id.value());
      }
    }
    Map<String, ObjectNode> docs = new LinkedHashMap<>();
    prepare(batch.upserts(), stored, purged, docs);
    rewriteNeighbours(batch.upserts(), batch.purges(), stored, purged, docs);

    List<HistoryEvent> numbered = new ArrayList<>(batch.events().size());
    if (!batch.events().isEmpty()) {
      long first = allocate(batch.events().size());
      for (int i = 0; i < batch.events().size(); i++) {
        numbered.add(batch.events().get(i).withSequence(first + i));
      }
    }
    ObjectNode entry = Dsl.F.objectNode();
    entry.put(Documents.SEQ, numbered.isEmpty() ? 0 : numbered.get(0).sequence());
    entry.put("type", "batch");
    ObjectNode payload = entry.putObject("payload");
    payload.set("purges", purges);
    ArrayNode upserts = payload.putArray("docs");
    docs.forEach(
        (id, d) -> upserts.addObject().put("id", id).put("routing", routingOf(d)).set("source", d));
    ArrayNode events = payload.putArray("events");
    numbered.forEach(e -> events.add(Documents.event(e)));

    String batchId = "batch-" + UUID.randomUUID();
    cluster.call("PUT", "/" + log + "/_doc/" + batchId, null, entry);
    try {
      replay(payload);
    } catch (StoreIOException first) {
      try {
        replay(payload); // idempotent: a second attempt completes what the first began
      } catch (StoreIOException second) {
        throw new StoreIOException(
            "a write to the OpenSearch cluster at "
                + cluster.url()
                + " failed part-way ("
                + second.getMessage()
                + "); the whole batch is recorded in "
                + log
                + " and is completed when the store is next opened",
            second);
      }
    }
    cluster.send("DELETE", "/" + log + "/_doc/" + batchId, null, null);
    return numbered;
  }

  private static String routingOf(JsonNode source) {
    return Documents.routing(MemoryCodec.memoryFromTree(source.path(Documents.RECORD)).scope());
  }

  /** The documents of each upsert: vectors reused when the embedded text did not change. */
  private void prepare(
      List<Memory> upserts,
      Map<String, JsonNode> stored,
      Set<MemoryId> purged,
      Map<String, ObjectNode> docs) {
    List<String> texts = new ArrayList<>();
    List<Integer> toEmbed = new ArrayList<>();
    List<float[]> vectors = new ArrayList<>();
    List<String> hashes = new ArrayList<>();
    for (int i = 0; i < upserts.size(); i++) {
      Memory m = upserts.get(i);
      String text = passages.embeddedText(m);
      String hash = hash(text);
      hashes.add(hash);
      vectors.add(null);
      JsonNode old = stored.get(m.id().value());
      if (embedder != null) {
        if (old != null
            && hash.equals(old.path(Documents.EMBED_HASH).asText())
            && old.path(Documents.VECTOR).isArray()) {
          vectors.set(i, vector(old.path(Documents.VECTOR)));
        } else {
          toEmbed.add(i);
          texts.add(text);
        }
      }
    }
    if (!texts.isEmpty()) {
      List<float[]> embedded = embedder.embedAll(texts);
      for (int j = 0; j < toEmbed.size(); j++) {
        vectors.set(toEmbed.get(j), embedded.get(j));
      }
    }
    Map<String, Memory> inBatch = new HashMap<>();
    upserts.forEach(m -> inBatch.put(m.id().value(), m));
    for (int i = 0; i < upserts.size(); i++) {
      Memory m = upserts.get(i);
      JsonNode old = stored.get(m.id().value());
      String previous = null;
      if (m.turn() != null && Documents.sessionKey(m.scope()) != null) {
        if (old != null && old.path(Documents.TURN).asLong(-1) == m.turn().number()) {
          previous =
              old.path(Documents.PREVIOUS).isTextual()
                  ? old.path(Documents.PREVIOUS).asText()
                  : null;
        } else {
          previous = previousTurn(m.scope(), m.turn().number(), purged, inBatch);
        }
      }
      docs.put(
          m.id().value(),
          Documents.memory(m, passages.passage(m), vectors.get(i), hashes.get(i), previous));
    }
  }

  /**
   * The turn after each new, re-worded or purged turn gets its previous-turn field again, so that a
   * purged or changed turn does not live on in its neighbour's field.
   */
  private void rewriteNeighbours(
      List<Memory> upserts,
      List<MemoryId> purges,
      Map<String, JsonNode> stored,
      Set<MemoryId> purged,
      Map<String, ObjectNode> docs) {
    Map<String, Memory> inBatch = new HashMap<>();
    upserts.forEach(m -> inBatch.put(m.id().value(), m));
    List<Memory> changed = new ArrayList<>();
    for (Memory m : upserts) {
      if (m.turn() == null || Documents.sessionKey(m.scope()) == null) {
        continue;
      }
      JsonNode old = stored.get(m.id().value());
      Memory before = old == null ? null : MemoryCodec.memoryFromTree(old.path(Documents.RECORD));
      if (before == null
          || !PassageFormat.previousTurnText(before).equals(PassageFormat.previousTurnText(m))
          || before.turn() == null
          || before.turn().number() != m.turn().number()) {
        changed.add(m);
      }
    }
    for (MemoryId id : purges) {
      JsonNode old = stored.get(id.value());
      if (old != null) {
        Memory m = MemoryCodec.memoryFromTree(old.path(Documents.RECORD));
        if (m.turn() != null && Documents.sessionKey(m.scope()) != null) {
          changed.add(m);
        }
      }
    }
    for (Memory m : changed) {
      JsonNode next = nextTurn(m.scope(), m.turn().number(), purged);
      if (next == null) {
        continue;
      }
      Memory n = MemoryCodec.memoryFromTree(next.path(Documents.RECORD));
      if (inBatch.containsKey(n.id().value())) {
        ObjectNode d = docs.get(n.id().value());
        String prev = previousTurn(n.scope(), n.turn().number(), purged, inBatch);
        if (prev == null) {
          d.remove(Documents.PREVIOUS);
        } else {
          d.put(Documents.PREVIOUS, prev);
        }
        continue;
      }
      String prev = previousTurn(n.scope(), n.turn().number(), purged, inBatch);
      ObjectNode d = ((ObjectNode) next).deepCopy();
      if (prev == null) {
        d.remove(Documents.PREVIOUS);
      } else {
        d.put(Documents.PREVIOUS, prev);
      }
      docs.put(n.id().value(), d);
    }
  }

  /** The previous turn's form, considering the batch's own turns and ignoring purged ones. */
  private String previousTurn(
      Scope scope, long number, Set<MemoryId> purged, Map<String, Memory> inBatch) {
    String session = Documents.sessionKey(scope);
    Memory best = null;
    for (Memory m : inBatch.values()) {
      if (m.turn() != null
          && session.equals(Documents.sessionKey(m.scope()))
          && m.turn().number() < number
          && (best == null || m.turn().number() > best.turn().number())) {
        best = m;
      }
    }
    JsonNode hit = neighbour(scope, number, purged, inBatch.keySet(), false);
    if (hit != null) {
      Memory m = MemoryCodec.memoryFromTree(hit.path(Documents.RECORD));
      if (best == null || m.turn().number() > best.turn().number()) {
        best = m;
      }
    }
    return best == null ? null : PassageFormat.previousTurnText(best);
  }

  private JsonNode nextTurn(Scope scope, long number, Set<MemoryId> purged) {
    return neighbour(scope, number, purged, Set.of(), true);
  }

  /** The indexed turn of a session just before (or after) a number, skipping some ids. */
  private JsonNode neighbour(
      Scope scope, long number, Set<MemoryId> purged, Set<String> skip, boolean after) {
    List<String> excluded = new ArrayList<>(skip);
    purged.forEach(id -> excluded.add(id.value()));
    ObjectNode q =
        Dsl.and(
            Dsl.term(Documents.SESSION, Documents.sessionKey(scope)),
            Dsl.range(Documents.TURN, after ? "gt" : "lt", number),
            Dsl.not(Dsl.terms("id", excluded)));
    ObjectNode body = Dsl.F.objectNode();
    body.set("query", q);
    body.put("size", 1);
    body.putArray("sort").addObject().put(Documents.TURN, after ? "asc" : "desc");
    JsonNode hits =
        cluster
            .call(
                "POST",
                "/" + memories + "/_search",
                Cluster.params("routing", Documents.routing(scope)),
                body)
            .path("hits")
            .path("hits");
    return hits.isEmpty() ? null : hits.get(0).path("_source");
  }

  /** The stored sources of these memories, by id. */
  private Map<String, JsonNode> sources(Collection<MemoryId> ids) {
    Map<String, JsonNode> out = new HashMap<>();
    if (ids.isEmpty()) {
      return out;
    }
    List<String> values = ids.stream().map(MemoryId::value).distinct().toList();
    ObjectNode body = Dsl.F.objectNode();
    body.set("query", Dsl.terms("id", values));
    body.put("size", values.size());
    for (JsonNode hit :
        cluster.call("POST", "/" + memories + "/_search", null, body).path("hits").path("hits")) {
      out.put(hit.path("_id").asText(), hit.path("_source"));
    }
    return out;
  }

  /** Allocates {@code n} consecutive sequences from the counter, by compare-and-set. */
  private long allocate(int n) {
    for (int attempt = 0; attempt < 1000; attempt++) {
      Cluster.Reply r = cluster.send("GET", "/" + log + "/_doc/sequence", null, null);
      Cluster.Reply w;
      long first;
      if (r.status() == 404) {
        first = 1;
        ObjectNode d = Dsl.F.objectNode().put("last", n).put("type", "sequence");
        w =
            cluster.send(
                "PUT", "/" + log + "/_doc/sequence", Cluster.params("op_type", "create"), d);
      } else if (r.ok()) {
        long last = r.body().path("_source").path("last").asLong();
        first = last + 1;
        ObjectNode d = Dsl.F.objectNode().put("last", last + n).put("type", "sequence");
        w =
            cluster.send(
                "PUT",
                "/" + log + "/_doc/sequence",
                Cluster.params(
                    "if_seq_no",
                    r.body().path("_seq_no").asText(),
                    "if_primary_term",
                    r.body().path("_primary_term").asText()),
                d);
      } else {
        throw cluster.failure("reading the sequence counter", r);
      }
      if (w.ok()) {
        return first;
      }
      if (w.status() != 409) {
        throw cluster.failure("advancing the sequence counter", w);
      }
    }
    throw new StoreIOException(
        "could not allocate event sequences at " + cluster.url() + ": too much contention", null);
  }

  /** Applies a logged batch; idempotent. */
  private void replay(JsonNode payload) {
    List<String> purgedIds = new ArrayList<>();
    payload.path("purges").forEach(p -> purgedIds.add(p.path("id").asText()));
    if (!purgedIds.isEmpty()) {
      ObjectNode body = Dsl.F.objectNode();
      body.set("query", Dsl.terms("id", purgedIds));
      cluster.call(
          "POST",
          "/" + history + "/_delete_by_query",
          Cluster.params("refresh", "true", "conflicts", "proceed"),
          body);
    }
    List<JsonNode> lines = new ArrayList<>();
    for (JsonNode p : payload.path("purges")) {
      ObjectNode action = Dsl.F.objectNode();
      ObjectNode meta =
          action.putObject("delete").put("_index", memories).put("_id", p.path("id").asText());
      if (p.has("routing")) {
        meta.put("routing", p.path("routing").asText());
      }
      lines.add(action);
    }
    for (JsonNode d : payload.path("docs")) {
      ObjectNode action = Dsl.F.objectNode();
      action
          .putObject("index")
          .put("_index", memories)
          .put("_id", d.path("id").asText())
          .put("routing", d.path("routing").asText());
      lines.add(action);
      lines.add(d.path("source"));
    }
    for (JsonNode e : payload.path("events")) {
      ObjectNode action = Dsl.F.objectNode();
      action.putObject("index").put("_index", history).put("_id", e.path(Documents.SEQ).asText());
      lines.add(action);
      lines.add(e);
    }
    if (lines.isEmpty()) {
      return;
    }
    JsonNode r =
        cluster.call(
            "POST",
            "/_bulk",
            Cluster.params("refresh", "true", "wait_for_active_shards", "1"),
            Cluster.ndjson(lines));
    if (r.path("errors").asBoolean()) {
      for (JsonNode item : r.path("items")) {
        JsonNode result = item.elements().next();
        int status = result.path("status").asInt();
        boolean missingDelete = item.has("delete") && status == 404;
        if (status >= 300 && !missingDelete) {
          throw new StoreIOException(
              "the OpenSearch cluster at "
                  + cluster.url()
                  + " refused part of a write (HTTP "
                  + status
                  + ", "
                  + result.path("error").path("type").asText()
                  + ": "
                  + result.path("error").path("reason").asText()
                  + ")",
              null);
        }
      }
    }
  }

  /** Completes the batches a writer left in the log (it crashed, or the cluster failed). */
  private void replayPending() {
    ObjectNode body = Dsl.F.objectNode();
    body.set("query", Dsl.term("type", "batch"));
    body.put("size", 1000);
    body.putArray("sort").addObject().put(Documents.SEQ, "asc");
    cluster.call("POST", "/" + log + "/_refresh", null, null);
    JsonNode hits =
        cluster.call("POST", "/" + log + "/_search", null, body).path("hits").path("hits");
    for (JsonNode hit : hits) {
      replay(hit.path("_source").path("payload"));
      cluster.send("DELETE", "/" + log + "/_doc/" + hit.path("_id").asText(), null, null);
    }
    if (!hits.isEmpty()) {
      LOG.info("completed {} interrupted write batch(es) of {}", hits.size(), options.prefix());
    }
  }

  // ------------------------------------------------------------------------------------ reads

  private static Memory decode(JsonNode hit) {
    return MemoryCodec.memoryFromTree(hit.path("_source").path(Documents.RECORD));
  }

  @Override
  public Optional<Memory> get(MemoryId id) {
    List<Memory> found = getAll(List.of(id));
    return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
  }

  @Override
  public List<Memory> getAll(Collection<MemoryId> ids) {
    checkOpen();
    if (ids.isEmpty()) {
      return List.of();
    }
    List<String> values = ids.stream().map(MemoryId::value).distinct().toList();
    List<Memory> out = new ArrayList<>(values.size());
    for (int from = 0; from < values.size(); from += PAGE) {
      List<String> part = values.subList(from, Math.min(values.size(), from + PAGE));
      ObjectNode body = Dsl.F.objectNode();
      body.set("query", Dsl.terms("id", part));
      body.put("size", part.size());
      body.putArray("_source").add(Documents.RECORD);
      for (JsonNode hit :
          cluster.call("POST", "/" + memories + "/_search", null, body).path("hits").path("hits")) {
        out.add(decode(hit));
      }
    }
    return out;
  }

  @Override
  public List<Memory> list(ListQuery query) {
    checkOpen();
    List<JsonNode> clauses = new ArrayList<>();
    clauses.add(Dsl.translate(query.filter()));
    if (query.afterCreatedAt() != null) {
      long at = Documents.nanos(query.afterCreatedAt());
      String dir = query.descending() ? "lt" : "gt";
      clauses.add(
          Dsl.or(
              Dsl.range("createdAt", dir, at),
              Dsl.and(Dsl.term("createdAt", at), Dsl.range("id", dir, query.afterId().value()))));
    }
    String order = query.descending() ? "desc" : "asc";
    ArrayNode sort = Dsl.F.arrayNode();
    sort.addObject().put("createdAt", order);
    sort.addObject().put("id", order);
    List<Memory> out = new ArrayList<>();
    for (JsonNode hit : searchAll(memories, Dsl.bool("filter", clauses), sort, query.limit())) {
      out.add(decode(hit));
    }
    return out;
  }

  /** Up to {@code limit} hits in sort order, paging with search_after. */
  private List<JsonNode> searchAll(String index, ObjectNode query, ArrayNode sort, int limit) {
    List<JsonNode> out = new ArrayList<>();
    JsonNode after = null;
    while (out.size() < limit) {
      int size = Math.min(PAGE, limit - out.size());
      ObjectNode body = Dsl.F.objectNode();
      body.set("query", query);
      body.put("size", size);
      body.set("sort", sort);
      body.putArray("_source").add(Documents.RECORD);
      body.put("track_total_hits", false);
      if (after != null) {
        body.set("search_after", after);
      }
      JsonNode hits =
          cluster.call("POST", "/" + index + "/_search", null, body).path("hits").path("hits");
      hits.forEach(out::add);
      if (hits.size() < size) {
        break;
      }
      after = hits.get(hits.size() - 1).path("sort");
    }
    return out;
  }

  @Override
  public long count(Filter filter) {
    checkOpen();
    ObjectNode body = Dsl.F.objectNode();
    body.set("query", Dsl.translate(filter));
    return cluster.call("POST", "/" + memories + "/_count", null, body).path("count").asLong();
  }

  @Override
  public Candidates candidates(CandidateQuery query) {
    checkOpen();
    ObjectNode filter = Dsl.translate(query.filter());
    String routing = Documents.routing(query.scope());
    List<Candidate> lexical = List.of();
    if (query.lexical() && !query.terms().isEmpty()) {
      lexical = lexical(query, filter, routing);
    }
    List<Candidate> vector = List.of();
    if (query.vector() && embedder != null) {
      float[] v =
          query.queryVector() != null ? query.queryVector() : embedder.embedQuery(query.text());
      if (v.length != embedder.dimension()) {
        throw new IllegalArgumentException(
            "queryVector has "
                + v.length
                + " dimensions; this store's model "
                + embedder.modelId()
                + " has "
                + embedder.dimension());
      }
      ObjectNode body = Dsl.F.objectNode();
      body.put("size", query.depth());
      body.putArray("_source").add(Documents.RECORD);
      ObjectNode knn = body.putObject("query").putObject("knn").putObject(Documents.VECTOR);
      ArrayNode a = knn.putArray("vector");
      for (float f : v) {
        a.add(f);
      }
      knn.put("k", query.depth());
      knn.set("filter", filter);
      JsonNode hits =
          cluster
              .call("POST", "/" + memories + "/_search", Cluster.params("routing", routing), body)
              .path("hits")
              .path("hits");
      vector = new ArrayList<>(hits.size());
      for (JsonNode hit : hits) {
        // cosinesimil scores are (1 + cos) / 2.
        vector.add(new Candidate(decode(hit), 2.0 * hit.path("_score").asDouble() - 1));
      }
    }
    return new Candidates(lexical, vector);
  }

  /**
   * BM25 with the scope's own statistics. OpenSearch's statistics are those of a whole shard, which
   * holds other owners' memories; so the scope's document counts, lengths and term frequencies are
   * fetched first (one aggregation request over the scope's memories, any status), and each
   * matching term is scored by a script with them, on the same formula as Lucene's BM25.
   */
  private List<Candidate> lexical(CandidateQuery query, ObjectNode filter, String routing) {
    ObjectNode analyze = Dsl.F.objectNode();
    analyze.put("analyzer", options.analyzer());
    analyze.put("text", String.join(" ", query.terms()));
    List<String> tokens = new ArrayList<>();
    cluster
        .call("POST", "/" + memories + "/_analyze", null, analyze)
        .path("tokens")
        .forEach(t -> tokens.add(t.path("token").asText()));
    if (tokens.isEmpty()) {
      return List.of();
    }
    Map<String, Double> weights = new LinkedHashMap<>();
    RetrievalConfig r = options.retrieval();
    weights.put(Documents.CONTENT, 1.0);
    weights.put(Documents.PREVIOUS, r.previousTurnWeight());
    weights.put(Documents.LABELS, r.labelsWeight());
    weights.put(Documents.CONTEXT_TEXT, r.contextWeight());
    weights.values().removeIf(w -> w <= 0);
    List<String> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(tokens));

    ObjectNode stats = Dsl.F.objectNode();
    stats.put("size", 0);
    stats.put("track_total_hits", false);
    stats.set("query", Dsl.translate(Filter.of(query.scope())));
    ObjectNode aggs = stats.putObject("aggs");
    int f = 0;
    for (String field : weights.keySet()) {
      ObjectNode fa = aggs.putObject("f" + f);
      fa.set("filter", Dsl.range(field + ".len", "gte", 1L));
      fa.putObject("aggs").putObject("len").putObject("sum").put("field", field + ".len");
      for (int t = 0; t < distinct.size(); t++) {
        aggs.putObject("t" + f + "_" + t).set("filter", Dsl.term(field, distinct.get(t)));
      }
      f++;
    }
    JsonNode result =
        cluster
            .call("POST", "/" + memories + "/_search", Cluster.params("routing", routing), stats)
            .path("aggregations");
    List<JsonNode> should = new ArrayList<>();
    f = 0;
    for (Map.Entry<String, Double> e : weights.entrySet()) {
      String field = e.getKey();
      long docCount = result.path("f" + f).path("doc_count").asLong();
      double length = result.path("f" + f).path("len").path("value").asDouble();
      if (docCount > 0) {
        double avgdl = length / docCount;
        for (String token : tokens) {
          long df = result.path("t" + f + "_" + distinct.indexOf(token)).path("doc_count").asLong();
          if (df == 0) {
            continue;
          }
          double idf = Math.log(1 + (docCount - df + 0.5) / (df + 0.5));
          ObjectNode clause = Dsl.F.objectNode();
          ObjectNode ss = clause.putObject("script_score");
          ss.set("query", Dsl.term(field, token));
          ObjectNode script = ss.putObject("script");
          script.put("source", BM25_SCRIPT);
          script
              .putObject("params")
              .put("len", field + ".len")
              .put("w", e.getValue())
              .put("idf", idf)
              .put("avgdl", avgdl)
              .put("k1", K1)
              .put("b", B);
          should.add(clause);
        }
      }
      f++;
    }
    if (should.isEmpty()) {
      return List.of();
    }
    ObjectNode body = Dsl.F.objectNode();
    body.put("size", query.depth());
    body.put("track_total_hits", false);
    body.putArray("_source").add(Documents.RECORD);
    ObjectNode bool = body.putObject("query").putObject("bool");
    bool.putArray("filter").add(filter);
    bool.putArray("should").addAll(should);
    bool.put("minimum_should_match", 1);
    JsonNode hits =
        cluster
            .call("POST", "/" + memories + "/_search", Cluster.params("routing", routing), body)
            .path("hits")
            .path("hits");
    List<Candidate> out = new ArrayList<>(hits.size());
    for (JsonNode hit : hits) {
      out.add(new Candidate(decode(hit), hit.path("_score").asDouble()));
    }
    return out;
  }

  @Override
  public List<HistoryEvent> history(MemoryId id) {
    checkOpen();
    return events(Dsl.term("id", id.value()), Integer.MAX_VALUE);
  }

  @Override
  public List<HistoryEvent> history(Scope scope, long afterSequence, int limit) {
    checkOpen();
    return events(
        Dsl.and(Dsl.translate(Filter.of(scope)), Dsl.range(Documents.SEQ, "gt", afterSequence)),
        limit);
  }

  private List<HistoryEvent> events(ObjectNode query, int limit) {
    ArrayNode sort = Dsl.F.arrayNode();
    sort.addObject().put(Documents.SEQ, "asc");
    List<HistoryEvent> out = new ArrayList<>();
    for (JsonNode hit : searchAll(history, query, sort, limit)) {
      out.add(MemoryCodec.eventFromTree(hit.path("_source").path(Documents.RECORD)));
    }
    return out;
  }

  @Override
  public long lastSequence() {
    checkOpen();
    Cluster.Reply r = cluster.send("GET", "/" + log + "/_doc/sequence", null, null);
    if (r.status() == 404) {
      return 0;
    }
    if (!r.ok()) {
      throw cluster.failure("reading the sequence counter", r);
    }
    return r.body().path("_source").path("last").asLong();
  }

  /** The embedder, or {@code null} for a lexical-only store. */
  public Embedder embedder() {
    return embedder;
  }

  /** The cluster's URL. */
  public String url() {
    return cluster.url();
  }

  /** The index name prefix. */
  public String prefix() {
    return options.prefix();
  }

  private static float[] vector(JsonNode array) {
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) array.get(i).asDouble();
    }
    return v;
  }

  static String hash(String text) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(md.digest(text.getBytes(StandardCharsets.UTF_8)), 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException(
          "the OpenSearch store " + options.prefix() + " at " + cluster.url() + " is closed");
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      leases.close();
      cluster.close();
    }
  }

  @Override
  public String toString() {
    return "OpenSearchBackend[" + cluster.url() + ", " + options.prefix() + "]";
  }
}
