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
import dev.engram.PipelineOutcome;
import dev.engram.StoreStats;
import dev.engram.backend.MemoryCodec;
import dev.engram.examples.eval.Locomo;
import dev.engram.examples.eval.LocomoEval;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The {@code engram} command: every subcommand reads its arguments, runs, writes to the given
 * streams and returns an exit code. Errors are one line on stderr, never a stack trace.
 */
public final class Cli {
  /** Whose memory: the options of every command that reads or writes one. */
  private static final Set<String> SCOPE = Set.of("store", "user", "agent", "session");

  /** The LLM, for the commands that use one. */
  private static final Set<String> LLM = Set.of("llm", "base-url", "model");

  /** The options a command takes. */
  private record Spec(Set<String> valued, Set<String> flags) {}

  /** Each command's own options: a flag a command does not use is an error, never ignored. */
  private static final Map<String, Spec> SPECS =
      Map.ofEntries(
          Map.entry(
              "add",
              new Spec(
                  union(SCOPE, LLM, Set.of("tag", "importance", "source", "file")),
                  Set.of("raw", "json", "progress"))),
          Map.entry(
              "search",
              new Spec(
                  union(SCOPE, Set.of("limit", "min-score")),
                  Set.of("explain", "json", "include-archived", "expand-links"))),
          Map.entry(
              "list", new Spec(union(SCOPE, Set.of("status", "tier", "limit")), Set.of("json"))),
          Map.entry("history", new Spec(SCOPE, Set.of("json"))),
          Map.entry("forget", new Spec(union(SCOPE, Set.of("reason")), Set.of("json"))),
          Map.entry("purge", new Spec(SCOPE, Set.of("all", "yes", "json"))),
          Map.entry("stats", new Spec(SCOPE, Set.of("all", "json"))),
          Map.entry("maintain", new Spec(Set.of("store"), Set.of("json"))),
          Map.entry("reindex", new Spec(Set.of("store"), Set.of("json", "progress"))),
          Map.entry("repair", new Spec(Set.of("store"), Set.of("json"))),
          Map.entry("chat", new Spec(union(SCOPE, LLM), Set.of("show-recall"))),
          Map.entry("demo", new Spec(Set.of("store"), Set.of())),
          Map.entry(
              "eval locomo",
              new Spec(
                  Set.of("data", "out", "k", "limit-conversations", "store", "fusion", "dump"),
                  Set.of("progress", "quantized"))),
          Map.entry(
              "eval locomo-qa",
              new Spec(
                  union(
                      LLM,
                      Set.of("data", "out", "k", "limit-conversations", "store", "judge-model")),
                  Set.of("pipeline", "progress"))));

  private static final Set<String> EVERY_OPTION =
      SPECS.values().stream()
          .flatMap(s -> java.util.stream.Stream.concat(s.valued().stream(), s.flags().stream()))
          .collect(java.util.stream.Collectors.toUnmodifiableSet());

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Lucene announces at INFO through java.util.logging which vector implementation it uses, on
   * every run; only its warnings are worth a user's attention. Held here so the level is not lost
   * when the logger is garbage-collected.
   */
  private static final java.util.logging.Logger LUCENE_LOG =
      java.util.logging.Logger.getLogger("org.apache.lucene");

  private final InputStream in;
  private final PrintStream out;
  private final PrintStream err;
  private final Stores stores;

  /** A CLI over the given streams, opening stores and models with {@code stores}. */
  public Cli(InputStream in, PrintStream out, PrintStream err, Stores stores) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.stores = stores;
  }

  /** Entry point of the runnable jar. */
  public static void main(String[] args) {
    LUCENE_LOG.setLevel(java.util.logging.Level.WARNING);
    int code = new Cli(System.in, System.out, System.err, new Stores(System.getenv())).run(args);
    System.exit(code);
  }

  /** Parses the arguments of {@code command} against its own options. */
  static Args parse(String command, List<String> rest) {
    Spec spec = SPECS.get(command);
    return Args.parse(command, rest, spec.valued(), spec.flags(), EVERY_OPTION);
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
        case "reindex" -> reindex(rest);
        case "repair" -> repair(rest);
        case "chat" -> new Chat(stores, in, out, err).run(rest);
        case "demo" -> new Demo(out).run(rest);
        case "eval" -> eval(rest);
        default ->
            throw new UsageException("unknown command '" + command + "' (see engram --help)");
      };
    } catch (UsageException e) {
      err.println("engram: " + oneLine(e.getMessage()));
      return 2;
    } catch (IllegalArgumentException | IllegalStateException | EngramException e) {
      err.println("engram: " + oneLine(e.getMessage()));
      return 1;
    } catch (IOException e) {
      err.println("engram: " + describe(e));
      return 1;
    } catch (UncheckedIOException e) {
      err.println("engram: " + describe(e.getCause()));
      return 1;
    } catch (RuntimeException e) {
      err.println(
          "engram: unexpected " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage()));
      return 1;
    }
  }

  /**
   * A message as one line: errors from libraries may span several (a parser's location, an HTTP
   * error's JSON body), and a terminal shows one line best. Long ones are cut.
   */
  static String oneLine(String message) {
    if (message == null || message.isBlank()) {
      return "(no message)";
    }
    String line = message.strip().replaceAll("\\s*\\R\\s*", " ");
    return line.length() <= 400 ? line : line.substring(0, 397) + "...";
  }

  private static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file: " + e.getMessage();
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied: " + e.getMessage();
    }
    if (e instanceof FileAlreadyExistsException) {
      return "already exists: " + e.getMessage();
    }
    return oneLine(e.getMessage());
  }

  @SafeVarargs
  private static Set<String> union(Set<String>... sets) {
    Set<String> s = new HashSet<>();
    for (Set<String> x : sets) {
      s.addAll(x);
    }
    return Set.copyOf(s);
  }

  /** Whether to draw a progress bar on stderr: asked for, or a person is watching. */
  private static boolean progress(Args a) {
    return a.has("progress") || Terminal.interactive();
  }

  // ------------------------------------------------------------------------------------ add

  private int add(List<String> rest) throws IOException {
    Args a = parse("add", rest);
    if (a.has("file") == !a.positionals().isEmpty()) {
      throw new UsageException(
          a.has("file")
              ? "add takes the text or --file F, not both"
              : "add needs the text to remember, e.g. engram add \"I like tea\" (or --file F)");
    }
    boolean raw = a.has("raw") || stores.llmKind(a).equals("none");
    List<String> texts =
        a.has("file") ? Ingest.read(a.get("file"), in) : List.of(String.join(" ", a.positionals()));
    try (MemoryStore store = stores.open(a, !raw)) {
      LocomoEval.Progress bar = a.has("file") && progress(a) ? new LocomoEval.Progress(err) : null;
      List<AddResult> results = new ArrayList<>(texts.size());
      for (String text : texts) {
        AddRequest.Builder b = AddRequest.builder(stores.scope(a)).text(text).infer(!raw);
        if (a.has("tag")) {
          b.tag(a.get("tag"));
        }
        if (a.has("source")) {
          b.source(a.get("source"));
        }
        if (a.has("importance")) {
          b.importance(parseDouble("importance", a.get("importance")));
        }
        results.add(store.add(b.build()));
        if (bar != null) {
          bar.update("add", results.size(), texts.size());
        }
      }
      if (bar != null) {
        bar.finish();
      }
      if (a.has("json")) {
        out.println((a.has("file") ? addJson(results) : addJson(results.get(0))).toPrettyString());
      } else if (a.has("file")) {
        printFileSummary(a.get("file"), results);
      } else {
        printAdd(results.get(0));
      }
    }
    return 0;
  }

  private static ObjectNode addJson(AddResult r) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode events = root.putArray("events");
    r.events().forEach(e -> events.add(MemoryCodec.toTree(e)));
    root.put("pipeline", r.pipeline().status().name());
    root.put("detail", r.pipeline().detail());
    return root;
  }

  private static ObjectNode addJson(List<AddResult> results) {
    ObjectNode root = JSON.createObjectNode();
    root.put("entries", results.size());
    ArrayNode events = root.putArray("events");
    long fellBack = 0;
    for (AddResult r : results) {
      r.events().forEach(e -> events.add(MemoryCodec.toTree(e)));
      fellBack += r.pipeline().status() == PipelineOutcome.Status.FELL_BACK ? 1 : 0;
    }
    root.put("pipelineFellBack", fellBack);
    return root;
  }

  private void printAdd(AddResult r) {
    for (HistoryEvent e : r.events()) {
      out.printf(
          Locale.ROOT,
          "%-10s %s  %s%n",
          e.type(),
          e.memoryId(),
          e.after() == null ? "" : Terminal.safe(e.after().text()));
    }
    switch (r.pipeline().status()) {
      case FELL_BACK ->
          out.println(
              "pipeline failed (" + oneLine(r.pipeline().detail()) + "); stored the text verbatim");
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

  private static String pastTense(EventType type) {
    return switch (type) {
      case ADD -> "added";
      case LINK -> "linked";
      case PROMOTE -> "moved tier";
      case PURGE -> "purged";
      default -> type.name().toLowerCase(Locale.ROOT) + "d";
    };
  }

  private void printFileSummary(String file, List<AddResult> results) {
    Map<EventType, Integer> byType = new java.util.EnumMap<>(EventType.class);
    int fellBack = 0;
    long calls = 0;
    for (AddResult r : results) {
      r.events().forEach(e -> byType.merge(e.type(), 1, Integer::sum));
      fellBack += r.pipeline().status() == PipelineOutcome.Status.FELL_BACK ? 1 : 0;
      calls += r.pipeline().usage().llmCalls();
    }
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%s: %d entr%s",
                file.equals("-") ? "stdin" : file,
                results.size(),
                results.size() == 1 ? "y" : "ies"));
    byType.forEach((type, n) -> sb.append(", ").append(n).append(' ').append(pastTense(type)));
    out.println(sb);
    if (calls > 0 || fellBack > 0) {
      out.println(
          "pipeline: "
              + calls
              + " call(s)"
              + (fellBack > 0 ? "; failed for " + fellBack + " entries, stored verbatim" : ""));
    }
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
    Args a = parse("search", rest);
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
          out.printf(
              Locale.ROOT, "%.3f  %s  %s%n", h.score(), h.memory().id(), Terminal.safe(h.text()));
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
    Args a = parse("list", rest);
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
              Terminal.safe(m.text()));
        }
        out.println(all.size() + " memor" + (all.size() == 1 ? "y" : "ies"));
      }
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------ history

  private int history(List<String> rest) {
    Args a = parse("history", rest);
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
            out.println("    before: " + Terminal.safe(e.before().text()));
          }
          if (e.after() != null) {
            out.println(
                "    after:  "
                    + Terminal.safe(e.after().text())
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
    Args a = parse("forget", rest);
    MemoryId id = memoryId(a, "forget");
    try (MemoryStore store = stores.open(a, false)) {
      Memory m =
          store.delete(stores.scope(a), id, a.get("reason", "forgotten from the command line"));
      if (a.has("json")) {
        out.println(MemoryCodec.toTree(m).toPrettyString());
      } else {
        out.println("forgotten (restorable; `engram purge` erases it): " + Terminal.safe(m.text()));
      }
    }
    return 0;
  }

  private int purge(List<String> rest) {
    Args a = parse("purge", rest);
    if (a.has("all") && (a.has("agent") || a.has("session"))) {
      throw new UsageException(
          "purge --all erases a user in every agent and session; it takes no --agent or --session");
    }
    if (a.has("yes") && !a.has("all")) {
      throw new UsageException("--yes confirms purge --all; purge ID needs no confirmation");
    }
    try (MemoryStore store = stores.open(a, false)) {
      ObjectNode json = JSON.createObjectNode();
      if (a.has("all")) {
        if (!a.positionals().isEmpty()) {
          throw new UsageException("purge --all takes no memory id");
        }
        if (!a.has("yes")) {
          throw new UsageException(
              "purge --all erases every memory of user '"
                  + stores.userId(a)
                  + "' in every agent and session; add --yes to confirm");
        }
        long n = store.purgeUser(stores.userId(a));
        json.put("user", stores.userId(a)).put("purged", n);
        if (!a.has("json")) {
          out.println("purged " + n + " memories of user " + stores.userId(a));
        }
      } else {
        MemoryId id = memoryId(a, "purge");
        if (!store.purge(stores.scope(a), id)) {
          throw new IllegalArgumentException("no memory " + id + " for " + stores.scope(a));
        }
        json.put("purged", id.value());
        if (!a.has("json")) {
          out.println("purged " + id + " and the content of its history");
        }
      }
      if (a.has("json")) {
        out.println(json.toPrettyString());
      }
    }
    return 0;
  }

  // ------------------------------------------------------------------------------------ stats and
  // maintenance

  private int stats(List<String> rest) {
    Args a = parse("stats", rest);
    if (a.has("all") && (a.has("user") || a.has("agent") || a.has("session"))) {
      throw new UsageException(
          "stats --all counts the whole store; it takes no --user, --agent or --session");
    }
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
    Args a = parse("maintain", rest);
    noPositionals(a, "maintain");
    try (MemoryStore store = stores.open(a, false)) {
      MaintenanceReport r = store.maintain();
      if (a.has("json")) {
        out.println(
            JSON.createObjectNode()
                .put("scanned", r.scanned())
                .put("archived", r.archived())
                .put("promoted", r.promoted())
                .toPrettyString());
      } else {
        out.printf(
            Locale.ROOT,
            "scanned %d, archived %d, moved tier %d%n",
            r.scanned(),
            r.archived(),
            r.promoted());
      }
    }
    return 0;
  }

  private int reindex(List<String> rest) {
    Args a = parse("reindex", rest);
    noPositionals(a, "reindex");
    LocomoEval.Progress bar = progress(a) ? new LocomoEval.Progress(err) : null;
    long n =
        stores.reindex(
            a,
            (done, total) -> {
              if (bar != null) {
                bar.update(
                    "reindex",
                    (int) Math.min(done, Integer.MAX_VALUE),
                    (int) Math.min(total, Integer.MAX_VALUE));
              }
            });
    if (bar != null) {
      bar.finish();
    }
    if (a.has("json")) {
      out.println(JSON.createObjectNode().put("reindexed", n).toPrettyString());
    } else {
      out.println(
          "reindexed "
              + n
              + " memor"
              + (n == 1 ? "y" : "ies")
              + " in "
              + stores.storeDir(a)
              + " (embedding model bge-small-en-v1.5, english analyzer)");
    }
    return 0;
  }

  private int repair(List<String> rest) {
    Args a = parse("repair", rest);
    noPositionals(a, "repair");
    return Repair.run(stores.storeDir(a), a.has("json"), out);
  }

  private static void noPositionals(Args a, String command) {
    if (!a.positionals().isEmpty()) {
      throw new UsageException(
          command + " takes no arguments, got '" + a.positionals().get(0) + "'");
    }
  }

  // ------------------------------------------------------------------------------------ eval

  private int eval(List<String> rest) throws IOException {
    if (!rest.isEmpty() && rest.get(0).equals("locomo-qa")) {
      return evalQa(rest.subList(1, rest.size()));
    }
    if (rest.isEmpty() || !rest.get(0).equals("locomo")) {
      throw new UsageException("eval needs a benchmark: engram eval locomo --data FILE --out FILE");
    }
    Args a = parse("eval locomo", rest.subList(1, rest.size()));
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
    boolean progress = progress(a);
    Stores.Opened opened = stores.openForEval(storeDir, a.get("fusion"), a.has("quantized"));
    ObjectNode report;
    try (MemoryStore store = opened.store()) {
      report =
          new LocomoEval(
                  store,
                  ks,
                  progress ? new LocomoEval.Progress(err) : null,
                  opened.description(),
                  a.has("dump") ? Path.of(a.get("dump")) : null)
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
    Args a = parse("eval locomo-qa", rest);
    if (!a.has("data") || !a.has("out")) {
      throw new UsageException("eval locomo-qa needs --data FILE and --out FILE");
    }
    if (stores.llmKind(a).equals("none")) {
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
    boolean progress = progress(a);
    ObjectNode report;
    try (MemoryStore store = stores.openForQa(storeDir, a, a.has("pipeline"))) {
      report =
          new dev.engram.examples.eval.LocomoQa(
                  store,
                  stores.chatModel(a),
                  stores.chatModel(a, a.get("judge-model", stores.modelName(a))),
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
}
