package dev.engram.opensearch.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.StoreIOException;
import dev.engram.backend.MemoryCodec;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.core5.http.HttpHost;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.OpenSearchGenericClient;
import org.opensearch.client.opensearch.generic.Request;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5Transport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import org.opensearch.client.transport.httpclient5.ResponseException;

/**
 * JSON requests to one cluster through opensearch-java's generic client (Apache HttpClient 5). The
 * query DSL is written as Jackson trees: one mapper for records and requests. Every failure becomes
 * a {@link StoreIOException} that names the cluster's URL.
 */
public final class Cluster implements AutoCloseable {
  private static final ObjectMapper JSON = MemoryCodec.mapper();

  /** A reply: its HTTP status and its JSON body (missing when it had none). */
  public record Reply(int status, JsonNode body) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  private final String url;
  private final ApacheHttpClient5Transport transport;
  private final OpenSearchGenericClient client;

  /**
   * Connects (lazily: nothing is sent until the first request). With several URLs (nodes of one
   * cluster) each request goes to one of them in turn, and to the next when a node does not answer.
   *
   * @param urls the nodes' URLs, at least one
   * @param user basic-auth user, or {@code null}
   * @param password basic-auth password, or {@code null}
   */
  public Cluster(List<String> urls, String user, String password) {
    this.url = String.join(", ", urls);
    HttpHost[] hosts = new HttpHost[urls.size()];
    for (int i = 0; i < hosts.length; i++) {
      URI uri = URI.create(urls.get(i));
      hosts[i] = new HttpHost(uri.getScheme(), uri.getHost(), uri.getPort());
    }
    ApacheHttpClient5TransportBuilder b = ApacheHttpClient5TransportBuilder.builder(hosts);
    if (user != null) {
      BasicCredentialsProvider credentials = new BasicCredentialsProvider();
      for (HttpHost host : hosts) {
        credentials.setCredentials(
            new AuthScope(host), new UsernamePasswordCredentials(user, password.toCharArray()));
      }
      b.setHttpClientConfigCallback(c -> c.setDefaultCredentialsProvider(credentials));
    }
    this.transport = b.build();
    this.client = new OpenSearchGenericClient(transport);
  }

  /** The cluster's URL (or its nodes' URLs, comma-separated), for messages. */
  public String url() {
    return url;
  }

  /** Sends a request; any status is returned, only an unreachable cluster throws. */
  public Reply send(String method, String endpoint, Map<String, String> params, Object body) {
    Requests.JsonBodyBuilder r = Requests.builder().method(method).endpoint(endpoint);
    if (params != null && !params.isEmpty()) {
      r.query(params);
    }
    try {
      if (body instanceof byte[] ndjson) {
        r.body(Body.from(ndjson, "application/x-ndjson"));
      } else if (body != null) {
        r.body(
            Body.from(
                JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8),
                "application/json"));
      }
      Request request = r.build();
      try (Response response = client.execute(request)) {
        JsonNode json = MissingNode.getInstance();
        if (response.getBody().isPresent()) {
          try (Body b = response.getBody().get()) {
            byte[] bytes = b.bodyAsBytes();
            if (bytes.length > 0) {
              json = JSON.readTree(bytes);
            }
          }
        }
        return new Reply(response.getStatus(), json);
      }
    } catch (ResponseException e) {
      // The transport throws for some error statuses (409 among them): a reply like any other.
      return new Reply(e.status(), errorBody(e));
    } catch (IOException | RuntimeException e) {
      // One line naming the cluster and the cause, not the transport's chain of wrappers.
      throw new StoreIOException(
          "could not reach the OpenSearch cluster at "
              + url
              + " ("
              + method
              + " "
              + endpoint
              + ": "
              + rootMessage(e)
              + "): check that it is running and that the URL is right",
          e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return root.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " " + m);
  }

  private static JsonNode errorBody(ResponseException e) {
    ObjectNode error = JSON.createObjectNode();
    error.putObject("error").put("type", "http_" + e.status()).put("reason", e.getMessage());
    return error;
  }

  /**
   * Sends a request and returns its body, throwing unless the status is 2xx. A search or count must
   * have been answered by every shard it went to: OpenSearch answers 200 with the shards it could
   * reach (a node down, a shard not yet allocated), and that part is never presented as the whole.
   * Searches ask for {@code allow_partial_search_results=false}, and the shard totals of every
   * search and count are checked too, because a count answers with {@code failed: 0} when a shard
   * is missing.
   */
  public JsonNode call(String method, String endpoint, Map<String, String> params, Object body) {
    boolean search = endpoint.endsWith("/_search");
    boolean count = endpoint.endsWith("/_count");
    if (search) {
      params = params == null ? new LinkedHashMap<>() : new LinkedHashMap<>(params);
      params.putIfAbsent("allow_partial_search_results", "false");
    }
    Reply reply = send(method, endpoint, params, body);
    if (!reply.ok()) {
      throw failure(method + " " + endpoint, reply);
    }
    if (search || count) {
      checkComplete(method + " " + endpoint, reply.body());
    }
    return reply.body();
  }

  private void checkComplete(String what, JsonNode body) {
    JsonNode shards = body.path("_shards");
    long total = shards.path("total").asLong(-1);
    long successful = shards.path("successful").asLong(-1);
    long failed = shards.path("failed").asLong(0);
    boolean timedOut = body.path("timed_out").asBoolean(false);
    if (timedOut || failed > 0 || total < 0 || successful != total) {
      throw new StoreIOException(
          "the OpenSearch cluster at "
              + url
              + " answered "
              + what
              + " from "
              + Math.max(0, successful)
              + " of "
              + Math.max(0, total)
              + " shards"
              + (timedOut ? " (timed out)" : "")
              + (failed > 0 ? " (" + failed + " failed)" : "")
              + ": a partial answer is not returned as the whole; retry once the cluster's health"
              + " is yellow or green",
          null);
    }
  }

  /** A failure naming the cluster, the request and the error OpenSearch gave. */
  public StoreIOException failure(String what, Reply reply) {
    JsonNode error = reply.body().path("error");
    String reason =
        error.isMissingNode()
            ? reply.body().toString()
            : error.path("type").asText() + ": " + error.path("reason").asText();
    return new StoreIOException(
        "the OpenSearch cluster at "
            + url
            + " refused "
            + what
            + " (HTTP "
            + reply.status()
            + ", "
            + abbreviate(reason)
            + ")",
        null);
  }

  private static String abbreviate(String s) {
    return s.length() <= 500 ? s : s.substring(0, 500) + "…";
  }

  /** Query parameters, in order. */
  public static Map<String, String> params(String... keyValues) {
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      out.put(keyValues[i], keyValues[i + 1]);
    }
    return out;
  }

  /** A newline-delimited JSON body (bulk, msearch). */
  public static byte[] ndjson(List<? extends JsonNode> lines) {
    StringBuilder sb = new StringBuilder();
    try {
      for (JsonNode n : lines) {
        sb.append(JSON.writeValueAsString(n)).append('\n');
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The shared mapper. */
  public static ObjectMapper json() {
    return JSON;
  }

  /** Items of a list node, as a Java list. */
  static List<JsonNode> items(JsonNode array) {
    List<JsonNode> out = new ArrayList<>();
    array.forEach(out::add);
    return out;
  }

  @Override
  public void close() {
    try {
      transport.close();
    } catch (IOException e) {
      // Nothing is left to flush: every write was acknowledged before it returned.
    }
  }
}
