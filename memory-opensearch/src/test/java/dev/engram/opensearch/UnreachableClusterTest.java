package dev.engram.opensearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.StoreIOException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A cluster nobody answers for (a closed loopback port): opening the store fails at once with one
 * {@link StoreIOException} that names every URL, not a hang or a chain of transport exceptions.
 */
class UnreachableClusterTest {

  /** A loopback port that was free a moment ago and has no listener. */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  @Timeout(120) // the transport must give up on refused connections, not retry for minutes
  void aClosedPort_failsWithAStoreIOExceptionNamingTheUrl() throws IOException {
    String url = "http://127.0.0.1:" + closedPort();
    StoreIOException e =
        assertThrows(
            StoreIOException.class,
            () ->
                OpenSearchMemory.builder()
                    .url(url)
                    .indexPrefix("unreachable")
                    .embedder(new HashEmbedder())
                    .leaseTimeout(Duration.ZERO)
                    .backend());
    assertTrue(
        e.getMessage().startsWith("could not reach the OpenSearch cluster at " + url + " (GET /: "),
        e.getMessage());
    assertTrue(
        e.getMessage().endsWith("): check that it is running and that the URL is right"),
        e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), "one line: " + e.getMessage());
  }

  @Test
  @Timeout(120)
  void severalNodesAllDown_theMessageNamesEveryUrl() throws IOException {
    String a = "http://127.0.0.1:" + closedPort();
    String b = "http://127.0.0.1:" + closedPort();
    StoreIOException e =
        assertThrows(
            StoreIOException.class,
            () ->
                OpenSearchMemory.builder()
                    .urls(a, b)
                    .indexPrefix("unreachable")
                    .embedder(new HashEmbedder())
                    .deleteStore());
    assertTrue(
        e.getMessage().startsWith("could not reach the OpenSearch cluster at " + a + ", " + b),
        e.getMessage());
  }

  @Test
  void urls_rejectsAnEmptyListAndMixedSchemes() {
    assertEquals(
        "urls must name at least one node",
        assertThrows(IllegalArgumentException.class, () -> OpenSearchMemory.builder().urls())
            .getMessage());
    assertEquals(
        "urls must all be http or all https, got 'http://a:9200' and 'https://b:9200'",
        assertThrows(
                IllegalArgumentException.class,
                () -> OpenSearchMemory.builder().urls("http://a:9200", "https://b:9200"))
            .getMessage());
  }
}
