package dev.engram.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.EngramException;
import dev.engram.MaintenanceReport;
import dev.engram.MemoryStore;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.SearchHit;
import dev.engram.SearchRequest;
import dev.engram.StoreStats;
import dev.engram.examples.eval.Locomo;
import dev.engram.examples.eval.LocomoEval;
import dev.engram.filter.Filter;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.spi.MemoryCodec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code engram} command: every subcommand reads its arguments, runs, writes to the given
 * streams and returns an exit code. Errors are one line on stderr, never a stack trace.
 */
public final class Cli {
  static final Set<String> STORE_OPTIONS =
      Set.of("store", "user", "agent", "session", "llm", "base-url", "model");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final Stores stores;

  /** A CLI over the given streams and environment, opening stores with {@code stores}. */
  public Cli(
      InputStream in, PrintStream out, PrintStream err, Map<String, String> env, Stores stores) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.env = env;
    this.stores = stores;
  }

  /** Entry point of the runnable jar. */
  public static void main(String[] args) {
    int code =
        new Cli(System.in, System.out, System.err, System.getenv(), new Stores(System.getenv()))
            .run(args);
    System.exit(code);
  }

  /** Runs one command line; returns the process exit code. */
  public int run(String... argv) {
    List<String> args = List.of(argv);
    try {
      if (args.isEmpty()
          || args.get(0).equals("--help")
          || args.get(0).equals("-h")
          || args.get(0).equals("help")) {
        out.print(Help.MAIN);
        return args.isEmpty() ? 2 : 0;
      }
      String command = args.get(0);
      List<String> rest = args.subList(1, args.size());
      if (rest.contains("--help") || rest.contains("-h")) {
        out.print(Help.of(command));
        return 0;
      }
      return switch (command) {
        case "add" -> add(rest);
        case "search" -> search(rest);
        case "list" -> list(rest);
        case "history" -> history(rest);
        case "forget" -> forget(rest);
        case "purge" -> purge(rest);
        case "stats" -> stats(rest);
        case "maintain" -> maintain(rest);
        case "chat" -> new Chat(stores, in, out, err).run(rest);
        case "demo" -> new Demo(out).run(rest);
        case "eval" -> eval(rest);
        default ->
            throw new UsageException("unknown command '" + command + "' (see engram --help)");
      };
    } catch (UsageException e) {
      err.println("engram: " + e.getMessage());
      return 2;
    } catch (IllegalArgumentException | IllegalStateException | EngramException e) {
      err.println("engram: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println("engram: " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      err.println("engram: unexpected " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return 1;
    }
  }

  private static Set<String> with(Set<String> base, String... more) {
    java.util.HashSet<String> s = new java.util.HashSet<>(base);
    s.addAll(Arrays.asList(more));
    return s;
  }

  // ------------------------------------------------------------------------------------ add

  private int add(List<String> rest) {
    Args a =
        Args.parse(rest, with(STORE_OPTIONS, "tag", "importance", "source"), Set.of("raw", "json"));
    if (a.positionals().isEmpty()) {
      throw new UsageException("add needs the text to remember, e.g. engram add \"I like tea\"");
    }
    boolean raw = a.has("raw") || Stores.llmKind(a).equals("none");
    try (MemoryStore store = stores.open(a, !raw)) {
      AddRequest.Builder b =
          AddRequest.builder(stores.scope(a)).text(String.join(" ", a.positionals())).infer(!raw);
      if (a.has("tag")) {
        b.tag(a.get("tag"));
      }
      if (a.has("source")) {
        b.source(a.get("source"));
      }
      if (a.has("importance")) {
        b.importance(parseDouble("importance", a.get("importance")));
      }
      AddResult r = store.add(b.build());
      if (a.has("json")) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode events = root.putArray("events");
        r.events().forEach(e -> events.add(MemoryCodec.toTree(e)));
        root.put("pipeline", r.pipeline().status().name());
        root.put("detail", r.pipeline().detail());
        out.println(root.toPrettyString());
      } else {
        for (HistoryEvent e : r.events()) {
          out.printf(
              Locale.ROOT,
              "%-10s %s  %s%n",
              e.type(),
              e.memoryId(),
              e.after() == null ? "" : e.after().text());
        }
        switch (r.pipeline().status()) {
          case FELL_BACK ->
              out.println(
                  "pipeline failed (" + r.pipeline().detail() + "); stored the text verbatim");
          case APPLIED -> {
            r.pipeline().notes().forEach(n -> out.println("note: " + n));
            out.printf(
                Locale.ROOT,
                "pipeline: %d call(s), %d input + %d output tokens, %d ms%n",
                r.pipeline().usage().llmCalls(),
                r.pipeline().usage().inputTokens(),
                r.pipeline().usage().outputTokens(),
                r.pipeline().usage().elapsed().toMillis());
          }
          case NOT_RUN -> {}
        }
      }
    }
    return 0;
  }

  private static double parseDouble(String name, String v) {
    try {
      return Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new UsageException("--" + name + " must be a number, got '" + v + "'");
    }
  }

  // ------------------------------------------------------------------------------------ search

  private int search(List<String> rest) {
    Args a =
        Args.parse(
            rest,
            with(STORE_OPTIONS, "limit", "min-score"),
            Set.of("explain", "json", "include-archived", "expand-links"));
    if (a.positionals().isEmpty()) {
      throw new UsageException(
          "search needs a query, e.g. engram search \"what do I like to drink?\"");
    }
    try (MemoryStore store = stores.open(a, false)) {
      SearchRequest.Builder b =
          SearchRequest.builder(stores.scope(a), String.join(" ", a.positionals()))
              .limit(a.intValue("limit", 10, 1, 1000))
              .explain(a.has("explain"))
              .includeArchived(a.has("include-archived"))
              .expandLinks(a.has("expand-links"));
      if (a.has("min-score")) {
        b.minScore(parseDouble("min-score", a.get("min-score")));
      }
      List<SearchHit> hits = store.search(b.build());
      if (a.has("json")) {
        ArrayNode arr = JSON.createArrayNode();
        for (SearchHit h : hits) {
          ObjectNode o = arr.addObject();
          o.put("score", h.score());
          o.set("memory", MemoryCodec.toTree(h.memory()));
          if (h.explanation() != null) {
            ObjectNode x = o.putObject("explanation");
            x.put("relevance", h.explanation().relevance());
            x.put("retention", h.explanation().retention());
            x.put("importance", h.explanation().importance());
            h.explanation().signals().forEach(x::put);
          }
          if (h.linkedFrom() != null) {
            o.put("linkedFrom", h.linkedFrom().value());
          }
        }
        out.println(arr.toPrettyString());
      } else if (hits.isEmpty()) {
        out.println("nothing found");
      } else {
        for (SearchHit h : hits) {
          out.printf(Locale.ROOT, "%.3f  %s  %s%n", h.score(), h.memory().id(), h.text());
          if (h.explanation() != null) {
            out.println("       " + h.explanation());
          }
        }
      }
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------ list

  private int list(List<String> rest) {
    Args a = Args.parse(rest, with(STORE_OPTIONS, "status", "tier", "limit"), Set.of("json"));
    try (MemoryStore store = stores.open(a, false)) {
      List<Filter> parts = new ArrayList<>();
      if (a.has("status")) {
        parts.add(Filter.eq("status", a.get("status")));
      }
      if (a.has("tier")) {
        parts.add(Filter.eq("tier", a.get("tier")));
      }
      Filter filter = parts.isEmpty() ? Filter.all() : Filter.and(parts);
      int limit = a.intValue("limit", Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
      List<Memory> all = new ArrayList<>();
      PageRequest page = PageRequest.first(Math.min(limit, PageRequest.MAX_LIMIT));
      while (all.size() < limit) {
        Page<Memory> p = store.list(stores.scope(a), filter, page);
        all.addAll(p.items());
        if (!p.hasNext()) {
          break;
        }
        page = page.next(p);
      }
      if (all.size() > limit) {
        all = all.subList(0, limit);
      }
      if (a.has("json")) {
        ArrayNode arr = JSON.createArrayNode();
        all.forEach(m -> arr.add(MemoryCodec.toTree(m)));
        out.println(arr.toPrettyString());
      } else {
        for (Memory m : all) {
          out.printf(
              Locale.ROOT,
              "%s  %-10s %-11s %s  %s%n",
              m.id(),
              m.tier().name().toLowerCase(Locale.ROOT),
              m.status().name().toLowerCase(Locale.ROOT),
              m.observedAt().toString().substring(0, 10),
              m.text());
        }
        out.println(all.size() + " memor" + (all.size() == 1 ? "y" : "ies"));
      }
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------ history

  private int history(List<String> rest) {
    Args a = Args.parse(rest, STORE_OPTIONS, Set.of("json"));
    MemoryId id = memoryId(a, "history");
    try (MemoryStore store = stores.open(a, false)) {
      List<HistoryEvent> events = store.history(stores.scope(a), id);
      if (events.isEmpty()) {
        throw new IllegalArgumentException("no memory " + id + " for " + stores.scope(a));
      }
      if (a.has("json")) {
        ArrayNode arr = JSON.createArrayNode();
        events.forEach(e -> arr.add(MemoryCodec.toTree(e)));
        out.println(arr.toPrettyString());
      } else {
        for (HistoryEvent e : events) {
          out.printf(
              Locale.ROOT,
              "#%d %s %-10s by %s%s%n",
              e.sequence(),
              e.at(),
              e.type(),
              e.actor(),
              e.reason().isEmpty() ? "" : " (" + e.reason() + ")");
          if (e.before() != null
              && e.after() != null
              && !e.before().text().equals(e.after().text())) {
            out.println("    before: " + e.before().text());
          }
          if (e.after() != null) {
            out.println(
                "    after:  "
                    + e.after().text()
                    + "  ["
                    + e.after().status().name().toLowerCase(Locale.ROOT)
                    + ", "
                    + e.after().tier().name().toLowerCase(Locale.ROOT)
                    + "]");
          }
        }
      }
    }
    return 0;
  }

  private static MemoryId memoryId(Args a, String command) {
    if (a.positionals().size() != 1) {
      throw new UsageException(command + " needs exactly one memory id");
    }
    try {
      return MemoryId.of(a.positionals().get(0));
    } catch (IllegalArgumentException e) {
      throw new UsageException("'" + a.positionals().get(0) + "' is not a memory id");
    }
  }

  // ------------------------------------------------------------------------------------ forget and
  // purge

  private int forget(List<String> rest) {
    Args a = Args.parse(rest, with(STORE_OPTIONS, "reason"), Set.of());
    MemoryId id = memoryId(a, "forget");
    try (MemoryStore store = stores.open(a, false)) {
      Memory m =
          store.delete(stores.scope(a), id, a.get("reason", "forgotten from the command line"));
      out.println("forgotten (restorable; `engram purge` erases it): " + m.text());
    }
    return 0;
  }

  private int purge(List<String> rest) {
    Args a = Args.parse(rest, STORE_OPTIONS, Set.of("all", "yes"));
    try (MemoryStore store = stores.open(a, false)) {
      if (a.has("all")) {
        if (!a.has("yes")) {
          throw new UsageException(
              "purge --all erases every memory of user '"
                  + stores.userId(a)
                  + "' in every agent and session; add --yes to confirm");
        }
        long n = store.purgeUser(stores.userId(a));
        out.println("purged " + n + " memories of user " + stores.userId(a));
      } else {
        MemoryId id = memoryId(a, "purge");
        if (!store.purge(stores.scope(a), id)) {
          throw new IllegalArgumentException("no memory " + id + " for " + stores.scope(a));
        }
        out.println("purged " + id + " and the content of its history");
      }
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------ stats and
  // maintenance

  private int stats(List<String> rest) {
    Args a = Args.parse(rest, STORE_OPTIONS, Set.of("json", "all"));
    try (MemoryStore store = stores.open(a, false)) {
      StoreStats s = a.has("all") ? store.stats() : store.stats(stores.scope(a));
      if (a.has("json")) {
        ObjectNode o = JSON.createObjectNode();
        o.put("total", s.total());
        ObjectNode st = o.putObject("byStatus");
        for (Status x : Status.values()) {
          st.put(x.name().toLowerCase(Locale.ROOT), s.byStatus().getOrDefault(x, 0L));
        }
        ObjectNode t = o.putObject("activeByTier");
        for (Tier x : Tier.values()) {
          t.put(x.name().toLowerCase(Locale.ROOT), s.byTier().getOrDefault(x, 0L));
        }
        out.println(o.toPrettyString());
      } else {
        out.println(
            (a.has("all") ? "whole store" : stores.scope(a).toString())
                + ": "
                + s.total()
                + " memories");
        for (Status x : Status.values()) {
          out.printf(
              Locale.ROOT,
              "  %-12s %d%n",
              x.name().toLowerCase(Locale.ROOT),
              s.byStatus().getOrDefault(x, 0L));
        }
        out.println("  active by tier:");
        for (Tier x : Tier.values()) {
          out.printf(
              Locale.ROOT,
              "    %-10s %d%n",
              x.name().toLowerCase(Locale.ROOT),
              s.byTier().getOrDefault(x, 0L));
        }
      }
    }
    return 0;
  }

  private int maintain(List<String> rest) {
    Args a = Args.parse(rest, STORE_OPTIONS, Set.of());
    try (MemoryStore store = stores.open(a, false)) {
      MaintenanceReport r = store.maintain();
      out.printf(
          Locale.ROOT,
          "scanned %d, archived %d, promoted %d%n",
          r.scanned(),
          r.archived(),
          r.promoted());
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------ eval

  private int eval(List<String> rest) throws IOException {
    if (!rest.isEmpty() && rest.get(0).equals("locomo-qa")) {
      return evalQa(rest.subList(1, rest.size()));
    }
    if (rest.isEmpty() || !rest.get(0).equals("locomo")) {
      throw new UsageException("eval needs a benchmark: engram eval locomo --data FILE --out FILE");
    }
    Args a =
        Args.parse(
            rest.subList(1, rest.size()),
            Set.of("data", "out", "k", "limit-conversations", "store", "fusion"),
            Set.of("progress"));
    if (!a.has("data") || !a.has("out")) {
      throw new UsageException("eval locomo needs --data FILE and --out FILE");
    }
    Path data = Path.of(a.get("data"));
    if (!Files.isRegularFile(data)) {
      throw new IllegalArgumentException("no such file: " + data);
    }
    List<Locomo.Conversation> conversations = Locomo.read(data);
    int limit = a.intValue("limit-conversations", conversations.size(), 1, Integer.MAX_VALUE);
    conversations = conversations.subList(0, Math.min(limit, conversations.size()));
    List<Integer> ks = LocomoEval.parseKs(a.get("k", "5,10,25"));
    Path storeDir =
        a.has("store") ? Path.of(a.get("store")) : Files.createTempDirectory("engram-locomo-");
    boolean progress = a.has("progress") || System.console() != null;
    Stores.Opened opened = stores.openForEval(storeDir, a.get("fusion"));
    ObjectNode report;
    try (MemoryStore store = opened.store()) {
      report =
          new LocomoEval(
                  store, ks, progress ? new LocomoEval.Progress(err) : null, opened.description())
              .run(conversations);
    } finally {
      if (!a.has("store")) {
        Stores.deleteRecursively(storeDir);
      }
    }
    LocomoEval.write(report, Path.of(a.get("out")));
    out.print(LocomoEval.table(report));
    out.println("written to " + a.get("out"));
    return 0;
  }

  private int evalQa(List<String> rest) throws IOException {
    Args a =
        Args.parse(
            rest,
            Set.of(
                "data",
                "out",
                "k",
                "limit-conversations",
                "store",
                "llm",
                "base-url",
                "model",
                "judge-model"),
            Set.of("pipeline", "progress"));
    if (!a.has("data") || !a.has("out")) {
      throw new UsageException("eval locomo-qa needs --data FILE and --out FILE");
    }
    if (Stores.llmKind(a).equals("none")) {
      throw new UsageException(
          "eval locomo-qa needs an LLM to answer and judge: add --llm openai or --llm ollama");
    }
    Path data = Path.of(a.get("data"));
    if (!Files.isRegularFile(data)) {
      throw new IllegalArgumentException("no such file: " + data);
    }
    List<Locomo.Conversation> conversations = Locomo.read(data);
    int limit = a.intValue("limit-conversations", conversations.size(), 1, Integer.MAX_VALUE);
    conversations = conversations.subList(0, Math.min(limit, conversations.size()));
    int k = a.intValue("k", 10, 1, 100);
    Path storeDir =
        a.has("store") ? Path.of(a.get("store")) : Files.createTempDirectory("engram-locomo-qa-");
    boolean progress = a.has("progress") || System.console() != null;
    ObjectNode report;
    try (MemoryStore store = stores.openForQa(storeDir, a, a.has("pipeline"))) {
      report =
          new dev.engram.examples.eval.LocomoQa(
                  store,
                  stores.chatModel(a),
                  stores.chatModel(a, a.get("judge-model", a.get("model"))),
                  a.has("pipeline"),
                  k,
                  progress ? new LocomoEval.Progress(err) : null)
              .run(conversations);
    } finally {
      if (!a.has("store")) {
        Stores.deleteRecursively(storeDir);
      }
    }
    LocomoEval.write(report, Path.of(a.get("out")));
    out.print(dev.engram.examples.eval.LocomoQa.table(report, k));
    out.println("written to " + a.get("out"));
    return 0;
  }

  /** Reads all of standard input (used by tests of piping). */
  static String readAll(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        sb.append(line).append('\n');
      }
    }
    return sb.toString();
  }

  /** The scope a command runs in, for messages. */
  static String describe(Scope s) {
    return s.toString();
  }
}
