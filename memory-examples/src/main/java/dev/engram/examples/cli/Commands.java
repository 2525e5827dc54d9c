package dev.engram.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.AddRequest;
import dev.engram.AddResult;
import dev.engram.MemoryStore;
import dev.engram.MemoryUpdate;
import dev.engram.Page;
import dev.engram.PageRequest;
import dev.engram.PipelineOutcome;
import dev.engram.StoreStats;
import dev.engram.backend.MemoryCodec;
import dev.engram.examples.eval.LocomoEval;
import dev.engram.filter.Filter;
import dev.engram.history.EventType;
import dev.engram.history.HistoryEvent;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.memory.Tier;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import dev.langchain4j.model.chat.ChatModel;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The subcommands of {@code engram}, each with exactly the options it takes. */
final class Commands {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Commands() {}

  /** What every subcommand has: help, version, {@code --verbose}, the CLI's streams and stores. */
  @Command(
      mixinStandardHelpOptions = true,
      versionProvider = Cli.Version.class,
      sortOptions = false,
      usageHelpAutoWidth = false)
  abstract static class Base implements Callable<Integer> {
    final Cli cli;
    final PrintStream out;
    final Stores stores;

    @Spec CommandSpec spec;

    @Option(names = "--verbose", description = "show library warnings and stack traces")
    boolean verbose;

    Base(Cli cli) {
      this.cli = cli;
      this.out = cli == null ? null : cli.out;
      this.stores = cli == null ? null : cli.stores;
    }
  }

  /** A command over one user's memories in an existing store. */
  abstract static class ScopedBase extends Base {
    @Mixin Options.Scope where = new Options.Scope();

    ScopedBase(Cli cli) {
      super(cli);
    }

    Scope scope() {
      return stores.scope(where);
    }

    /**
     * Opens the existing store, after checking the scope's ids so nothing is touched for a typo.
     */
    MemoryStore open() {
      scope();
      return stores.existing(where.where);
    }

    /** As {@link #open()}, for a command that only reads: it works while another process writes. */
    MemoryStore openToRead() {
      scope();
      return stores.forReading(where.where);
    }
  }

  static double number(String option, String value, double min, double max) {
    double d;
    try {
      d = Double.parseDouble(value.strip());
    } catch (NumberFormatException e) {
      throw new UsageException(option + " must be a number, got '" + value + "'");
    }
    if (!(d >= min && d <= max)) {
      throw new UsageException(
          option + " must be from " + format(min) + " to " + format(max) + ", got '" + value + "'");
    }
    return d;
  }

  private static String format(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  static int whole(String option, String value, int min, int max) {
    try {
      int n = Integer.parseInt(value.strip());
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(
          option + " must be a number from " + min + " to " + max + ", got '" + value + "'");
    }
  }

  // --------------------------------------------------------------------------- demo and chat

  @Command(
      name = "demo",
      description = {
        "A guided tour: recall, decay over simulated time, history.",
        "Ingests a small bundled conversation into a fresh store under a simulated clock and shows"
            + " recall with score breakdowns, forgetting over simulated weeks, and a memory's"
            + " history. The story is the output, so there is no --json."
      })
  static final class Demo extends Base {
    @Option(
        names = "--store",
        paramLabel = "DIR",
        description =
            "leave the demo's store in DIR (new or empty) to explore it afterwards; default: a"
                + " temporary directory, deleted at the end")
    String store;

    Demo(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() throws IOException {
      return new dev.engram.examples.cli.Demo(out).run(store);
    }
  }

  @Command(
      name = "chat",
      description = {
        "A terminal chatbot that remembers you across restarts.",
        "Without an LLM it runs in recall-only mode: it answers with the memories that match what"
            + " you say or ask, and stores statements (not questions or small talk). In the chat:"
            + " /why toggles showing recall and storage, /memories lists the newest memories,"
            + " /forget ID forgets one, /help, /quit. On a terminal, lines can be edited and"
            + " earlier ones recalled with the arrow keys (history in ~/.engram_history)."
      })
  static final class ChatCommand extends Base {
    @Mixin Options.Scope where = new Options.Scope();
    @Mixin Options.Llm llm = new Options.Llm();

    @Option(names = "--show-recall", description = "start with /why on")
    boolean showRecall;

    @Option(
        names = "--no-reinforce",
        description = "recall without strengthening what is recalled (a read that leaves no trace)")
    boolean noReinforce;

    ChatCommand(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() throws IOException {
      return new Chat(stores, cli.in, out, cli.err).run(where, llm, showRecall, !noReinforce);
    }
  }

  // --------------------------------------------------------------------------- add

  @Command(
      name = "add",
      description = {
        "Remember something (through the LLM pipeline when an LLM is set).",
        "With an LLM the pipeline extracts and consolidates facts; --raw (or no LLM) stores the text"
            + " verbatim. add --file F ingests one memory per line or a JSON list."
      },
      customSynopsis = {"engram add TEXT [options]", "       engram add --file F [options]"})
  static final class Add extends Base {
    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "what to remember")
    List<String> text = new ArrayList<>();

    @Option(
        names = "--file",
        paramLabel = "F",
        description =
            "one memory per non-blank line, or a JSON list of strings (or of objects with a"
                + " \"text\"); - reads standard input")
    String file;

    @Option(names = "--raw", description = "store verbatim even when an LLM is set")
    boolean raw;

    @Option(names = "--tag", paramLabel = "T", description = "a tag for the memory")
    String tag;

    @Option(names = "--importance", paramLabel = "X", description = "0 to 1")
    String importance;

    @Option(names = "--source", paramLabel = "ID", description = "where it came from")
    String source;

    @Mixin Options.Progress progress = new Options.Progress();
    @Mixin Options.Json json = new Options.Json();
    @Mixin Options.Scope where = new Options.Scope();
    @Mixin Options.Llm llm = new Options.Llm();

    Add(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() throws IOException {
      if ((file != null) == !text.isEmpty()) {
        throw new UsageException(
            file != null
                ? "add takes the text or --file F, not both"
                : "add needs the text to remember, e.g. engram add \"I like tea\" (or --file F)");
      }
      boolean verbatim = raw || stores.llmKind(llm).equals("none");
      Double weight = importance == null ? null : number("--importance", importance, 0, 1);
      Scope scope = stores.scope(where);
      List<String> texts =
          file != null ? Ingest.read(file, cli.in) : List.of(String.join(" ", text));
      ChatModel model = verbatim ? null : stores.chatModel(llm);
      try (MemoryStore store = stores.create(where.where, model)) {
        LocomoEval.Progress bar =
            file != null && progress.wanted() ? new LocomoEval.Progress(cli.err) : null;
        List<AddResult> results = new ArrayList<>(texts.size());
        for (String t : texts) {
          AddRequest.Builder b = AddRequest.builder(scope).text(t).infer(!verbatim);
          if (tag != null) {
            b.tag(tag);
          }
          if (source != null) {
            b.source(source);
          }
          if (weight != null) {
            b.importance(weight);
          }
          results.add(store.add(b.build()));
          if (bar != null) {
            bar.update("add", results.size(), texts.size());
          }
        }
        if (bar != null) {
          bar.finish();
        }
        String failure = ReportingChatModel.lastFailure(model);
        if (json.json) {
          out.println((file != null ? addJson(results) : addJson(results.get(0))).toPrettyString());
        } else if (file != null) {
          printFileSummary(file, results);
        } else {
          printAdd(results.get(0), failure);
        }
        if (failure != null && file != null && !json.json) {
          cli.err.println("engram: last LLM failure: " + failure);
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

    private void printAdd(AddResult r, String failure) {
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
            cli.err.println(
                "engram: "
                    + (failure != null
                        ? failure
                        : "the pipeline failed (" + Cli.oneLine(r.pipeline().detail()) + ")")
                    + "; stored the text verbatim");
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
      Map<EventType, Integer> byType = new EnumMap<>(EventType.class);
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
  }

  // --------------------------------------------------------------------------- search

  @Command(name = "search", description = "Recall what matters for a query (--explain shows why).")
  static final class Search extends ScopedBase {
    @Parameters(paramLabel = "QUERY", arity = "0..*", description = "what to recall")
    List<String> query = new ArrayList<>();

    @Option(names = "--limit", paramLabel = "N", description = "at most N hits (default 10)")
    String limit;

    @Option(names = "--min-score", paramLabel = "X", description = "drop hits scoring below X")
    String minScore;

    @Option(names = "--explain", description = "show each score's breakdown")
    boolean explain;

    @Option(names = "--include-archived", description = "search archived memories too")
    boolean includeArchived;

    @Option(names = "--expand-links", description = "add the memories hits link to")
    boolean expandLinks;

    @Option(
        names = "--no-reinforce",
        description =
            "do not strengthen what is found (a search that leaves no trace on forgetting)")
    boolean noReinforce;

    @Mixin Options.Json json = new Options.Json();

    Search(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      if (query.isEmpty()) {
        throw new UsageException("search needs a query, e.g. engram search \"what do I drink?\"");
      }
      int max = limit == null ? 10 : whole("--limit", limit, 1, 1000);
      Double min = minScore == null ? null : number("--min-score", minScore, 0, 1);
      Scope scope = scope();
      String text = String.join(" ", query);
      SearchRequest.Builder b =
          SearchRequest.builder(scope, text)
              .limit(max)
              .explain(explain)
              .includeArchived(includeArchived)
              .expandLinks(expandLinks)
              .reinforce(!noReinforce);
      if (min != null) {
        b.minScore(min);
      }
      SearchRequest request = b.build();
      // The query is embedded: load the model while the store opens.
      stores.embedder(where.where).loadInBackground();
      try (MemoryStore store = openToRead()) {
        List<SearchHit> hits = store.search(request);
        if (json.json) {
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
  }

  // --------------------------------------------------------------------------- list and get

  @Command(name = "list", description = "List memories, oldest first (--status, --tier, --limit).")
  static final class ListMemories extends ScopedBase {
    @Option(
        names = "--status",
        paramLabel = "S",
        description = "active, archived, invalidated or deleted")
    String status;

    @Option(names = "--tier", paramLabel = "T", description = "working, short_term or long_term")
    String tier;

    @Option(names = "--limit", paramLabel = "N", description = "at most N memories (default all)")
    String limit;

    @Mixin Options.Json json = new Options.Json();

    ListMemories(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      List<Filter> parts = new ArrayList<>();
      if (status != null) {
        parts.add(Filter.eq("status", name("--status", status, Status.values())));
      }
      if (tier != null) {
        parts.add(Filter.eq("tier", name("--tier", tier, Tier.values())));
      }
      Filter filter = parts.isEmpty() ? Filter.all() : Filter.and(parts);
      int max = limit == null ? Integer.MAX_VALUE : whole("--limit", limit, 1, Integer.MAX_VALUE);
      try (MemoryStore store = openToRead()) {
        List<Memory> all = new ArrayList<>();
        PageRequest page = PageRequest.first(Math.min(max, PageRequest.MAX_LIMIT));
        while (all.size() < max) {
          Page<Memory> p = store.list(scope(), filter, page);
          all.addAll(p.items());
          if (!p.hasNext()) {
            break;
          }
          page = page.next(p);
        }
        if (all.size() > max) {
          all = all.subList(0, max);
        }
        if (json.json) {
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

    private static String name(String option, String value, Enum<?>[] values) {
      String v = value.strip().toLowerCase(Locale.ROOT);
      List<String> names =
          java.util.Arrays.stream(values).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
      if (!names.contains(v)) {
        throw new UsageException(
            option
                + " must be "
                + String.join(", ", names.subList(0, names.size() - 1))
                + " or "
                + names.get(names.size() - 1)
                + ", got '"
                + value
                + "'");
      }
      return v;
    }
  }

  /** A command about one memory, named by its id or a unique prefix of it. */
  abstract static class OneMemory extends ScopedBase {
    @Parameters(
        index = "0",
        arity = "0..1",
        paramLabel = "ID",
        description = "the memory's id, or a unique prefix of at least 4 characters")
    String id;

    OneMemory(Cli cli) {
      super(cli);
    }

    MemoryId resolve(MemoryStore store) {
      return Ids.resolve(store, scope(), id);
    }

    void needId() {
      if (id == null) {
        throw new UsageException(spec.name() + " needs a memory id (see engram list)");
      }
    }
  }

  @Command(name = "get", description = "One memory, as it is now (does not count as a recall).")
  static final class Get extends OneMemory {
    @Mixin Options.Json json = new Options.Json();

    Get(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      needId();
      try (MemoryStore store = openToRead()) {
        MemoryId memoryId = resolve(store);
        Memory m =
            store
                .get(scope(), memoryId)
                .orElseThrow(
                    () ->
                        new IllegalArgumentException("no memory " + memoryId + " for " + scope()));
        if (json.json) {
          out.println(MemoryCodec.toTree(m).toPrettyString());
        } else {
          out.println(m.id() + "  " + Terminal.safe(m.text()));
          out.printf(
              Locale.ROOT,
              "  %s, %s, %s; importance %.2f, strength %.2f, recalled %d time%s%n",
              m.status().name().toLowerCase(Locale.ROOT),
              m.tier().name().toLowerCase(Locale.ROOT),
              m.kind().name().toLowerCase(Locale.ROOT),
              m.importance(),
              m.strength(),
              m.accessCount(),
              m.accessCount() == 1 ? "" : "s");
          out.println("  observed " + m.observedAt() + ", updated " + m.updatedAt());
          if (m.validTo() != null) {
            out.println("  valid " + m.validFrom() + " to " + m.validTo());
          }
          if (!m.tags().isEmpty()) {
            out.println("  tags: " + String.join(", ", m.tags()));
          }
          if (!m.sources().isEmpty()) {
            out.println("  sources: " + String.join(", ", m.sources()));
          }
          m.links().forEach(l -> out.println("  link: " + l));
        }
      }
      return 0;
    }
  }

  @Command(name = "history", description = "Every change to one memory.")
  static final class History extends OneMemory {
    @Mixin Options.Json json = new Options.Json();

    History(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      needId();
      try (MemoryStore store = openToRead()) {
        MemoryId memoryId = resolve(store);
        List<HistoryEvent> events = store.history(scope(), memoryId);
        if (events.isEmpty()) {
          throw new IllegalArgumentException("no memory " + memoryId + " for " + scope());
        }
        if (json.json) {
          ArrayNode arr = JSON.createArrayNode();
          events.forEach(e -> arr.add(MemoryCodec.toTree(e)));
          out.println(arr.toPrettyString());
          return 0;
        }
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
      return 0;
    }
  }

  // --------------------------------------------------------------------------- changes

  @Command(
      name = "update",
      description = "Change a memory's text or importance; the old value stays in its history.",
      customSynopsis = "engram update ID [TEXT] [--importance X] [--reason TEXT] [options]")
  static final class Update extends OneMemory {
    @Parameters(index = "1..*", arity = "0..*", paramLabel = "TEXT", description = "the new text")
    List<String> text = new ArrayList<>();

    @Option(names = "--importance", paramLabel = "X", description = "the new importance, 0 to 1")
    String importance;

    @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept in the history")
    String reason;

    @Mixin Options.Json json = new Options.Json();

    Update(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      needId();
      if (text.isEmpty() && importance == null) {
        throw new UsageException(
            "update needs the new text or --importance X, e.g. engram update ID \"I like tea\"");
      }
      MemoryUpdate.Builder b = MemoryUpdate.builder().actor("cli");
      if (!text.isEmpty()) {
        b.text(String.join(" ", text));
      }
      if (importance != null) {
        b.importance(number("--importance", importance, 0, 1));
      }
      b.reason(reason != null ? reason : "updated from the command line");
      try (MemoryStore store = open()) {
        Memory m = store.update(scope(), resolve(store), b.build());
        if (json.json) {
          out.println(MemoryCodec.toTree(m).toPrettyString());
        } else {
          out.println("updated " + m.id() + ": " + Terminal.safe(m.text()));
        }
      }
      return 0;
    }
  }

  @Command(
      name = "forget",
      description = "Retire a memory (soft delete; engram restore undoes it).")
  static final class Forget extends OneMemory {
    @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept in the history")
    String reason;

    @Mixin Options.Json json = new Options.Json();

    Forget(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      needId();
      try (MemoryStore store = open()) {
        Memory m =
            store.delete(
                scope(),
                resolve(store),
                reason != null ? reason : "forgotten from the command line",
                "cli");
        if (json.json) {
          out.println(MemoryCodec.toTree(m).toPrettyString());
        } else {
          out.println(
              "forgotten "
                  + m.id()
                  + " (engram restore "
                  + m.id().value().substring(0, Math.min(8, m.id().value().length()))
                  + " undoes it; engram purge erases it): "
                  + Terminal.safe(m.text()));
        }
      }
      return 0;
    }
  }

  @Command(
      name = "restore",
      description =
          "Undo a forget, an archiving or an invalidation: the memory is active again, with a"
              + " fresh forgetting curve.")
  static final class Restore extends OneMemory {
    @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept in the history")
    String reason;

    @Mixin Options.Json json = new Options.Json();

    Restore(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      needId();
      try (MemoryStore store = open()) {
        Memory m =
            store.restore(
                scope(),
                resolve(store),
                reason != null ? reason : "restored from the command line",
                "cli");
        if (json.json) {
          out.println(MemoryCodec.toTree(m).toPrettyString());
        } else {
          out.println(
              "restored "
                  + m.id()
                  + " ("
                  + m.status().name().toLowerCase(Locale.ROOT)
                  + "): "
                  + Terminal.safe(m.text()));
        }
      }
      return 0;
    }
  }

  @Command(
      name = "purge",
      description = {
        "Erase a memory and the content of its history; --all --yes erases every memory of the"
            + " user in every agent and session (right to be forgotten)."
      },
      customSynopsis = {
        "engram purge ID [options]",
        "       engram purge --all --yes [--user ID] [--store DIR]"
      })
  static final class Purge extends OneMemory {
    @Option(names = "--all", description = "every memory of the user")
    boolean all;

    @Option(names = "--yes", description = "confirms --all")
    boolean yes;

    @Mixin Options.Json json = new Options.Json();

    Purge(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      if (all && (where.agent != null || where.session != null)) {
        throw new UsageException(
            "purge --all erases a user in every agent and session; it takes no --agent or"
                + " --session");
      }
      if (yes && !all) {
        throw new UsageException("--yes confirms purge --all; purge ID needs no confirmation");
      }
      if (all && id != null) {
        throw new UsageException("purge --all takes no memory id");
      }
      String user = stores.userId(where);
      if (all && !yes) {
        throw new UsageException(
            "purge --all erases every memory of user '"
                + user
                + "' in every agent and session; add --yes to confirm");
      }
      if (!all) {
        needId();
      }
      try (MemoryStore store = open()) {
        ObjectNode result = JSON.createObjectNode();
        if (all) {
          long n = store.purgeUser(user);
          result.put("user", user).put("purged", n);
          if (!json.json) {
            out.println("purged " + n + " memories of user " + user);
          }
        } else {
          MemoryId memoryId = resolve(store);
          if (!store.purge(scope(), memoryId, "cli")) {
            throw new IllegalArgumentException("no memory " + memoryId + " for " + scope());
          }
          result.put("purged", memoryId.value());
          if (!json.json) {
            out.println("purged " + memoryId + " and the content of its history");
          }
        }
        if (json.json) {
          out.println(result.toPrettyString());
        }
      }
      return 0;
    }
  }

  // --------------------------------------------------------------------------- the store

  @Command(
      name = "stats",
      description = "Counts per status, and active memories per tier (--all for the whole store).")
  static final class Stats extends ScopedBase {
    @Option(names = "--all", description = "the whole store instead of one user")
    boolean all;

    @Mixin Options.Json json = new Options.Json();

    Stats(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      if (all && (where.user != null || where.agent != null || where.session != null)) {
        throw new UsageException(
            "stats --all counts the whole store; it takes no --user, --agent or --session");
      }
      try (MemoryStore store = openToRead()) {
        StoreStats s = all ? store.stats() : store.stats(scope());
        if (json.json) {
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
          out.println((all ? "whole store" : scope().toString()) + ": " + s.total() + " memories");
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
  }
}
