package dev.engram.mcp.internal;

import dev.engram.mcp.ApiKeys;
import dev.engram.memory.Scope;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authenticates every request to the MCP endpoint by its bearer key and binds the key's scope to
 * the request ({@link #SCOPE_ATTRIBUTE}), where the transport's context extractor picks it up.
 * Requests without a known key get 401 before the MCP transport sees them.
 *
 * <p>An MCP session also stays with the key that opened it: a request that carries a session id
 * opened under another key is answered 404, as for an unknown session, so one tenant can neither
 * close nor listen on another's session even if it learned the id. (The scope itself never depends
 * on the session: it is the presented key's on every request.)
 */
public final class ApiKeyFilter implements Filter {
  private static final Logger LOG = LoggerFactory.getLogger(ApiKeyFilter.class);

  /** The request attribute that holds the authenticated {@link Scope}. */
  public static final String SCOPE_ATTRIBUTE = "dev.engram.mcp.scope";

  private static final String SESSION_HEADER = "Mcp-Session-Id";

  /** Sessions remembered for the binding check; the oldest are forgotten past this many. */
  static final int MAX_TRACKED_SESSIONS = 10_000;

  private final ApiKeys keys;
  private final InFlight inFlight;
  private final Map<String, Scope> sessionOwners =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, false) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Scope> eldest) {
              return size() > MAX_TRACKED_SESSIONS;
            }
          });

  /**
   * A filter for {@code keys}. POST requests (every tool call) are counted in {@code inFlight}
   * until their response is written, so closing the server lets them finish; once it closes, new
   * ones get 503. GET requests, which hold a notification stream open indefinitely, are not
   * counted.
   */
  public ApiKeyFilter(ApiKeys keys, InFlight inFlight) {
    this.keys = keys;
    this.inFlight = inFlight;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    Optional<Scope> scope = keys.scopeOf(bearer(request));
    if (scope.isEmpty()) {
      LOG.warn(
          "refused {} {} from {}: no valid API key",
          request.getMethod(),
          request.getRequestURI(),
          request.getRemoteAddr());
      response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
      response.setHeader("WWW-Authenticate", "Bearer realm=\"engram\"");
      json(response, "a valid API key is required: send the header Authorization: Bearer <key>");
      return;
    }
    String session = request.getHeader(SESSION_HEADER);
    if (session != null) {
      Scope owner = sessionOwners.get(session);
      if (owner != null && !owner.equals(scope.get())) {
        LOG.warn("refused a request for a session opened under another API key");
        response.setStatus(HttpServletResponse.SC_NOT_FOUND);
        json(response, "session not found");
        return;
      }
    }
    request.setAttribute(SCOPE_ATTRIBUTE, scope.get());
    boolean counted = "POST".equals(request.getMethod());
    if (counted && !inFlight.enter()) {
      response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
      json(response, "the memory server is shutting down");
      return;
    }
    try {
      // The transport writes a call's response before this returns (it blocks on the stream).
      chain.doFilter(request, response);
    } finally {
      if (counted) {
        inFlight.exit();
      }
    }
    if (session == null) {
      // An initialize request: the transport answered with the new session's id.
      String opened = response.getHeader(SESSION_HEADER);
      if (opened != null) {
        sessionOwners.put(opened, scope.get());
      }
    } else if ("DELETE".equals(request.getMethod())) {
      sessionOwners.remove(session);
    }
  }

  private static String bearer(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    if (header == null) {
      return null;
    }
    header = header.strip();
    if (header.length() < 7 || !header.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
      return null;
    }
    return header.substring(7).strip();
  }

  private static void json(HttpServletResponse response, String message) throws IOException {
    response.setContentType("application/json");
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    response
        .getWriter()
        .write("{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
  }
}
