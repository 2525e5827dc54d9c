package dev.engram.examples.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.MemoryStore;
import dev.engram.examples.eval.LocomoEval;
import dev.engram.examples.eval.LocomoQa;
import dev.engram.recall.RecallSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code engram eval}: the LoCoMo benchmarks. */
final class EvalCommands {
  private EvalCommands() {}

  @Command(
      name = "eval",
      mixinStandardHelpOptions = true,
      versionProvider = Cli.Version.class,
      synopsisSubcommandLabel = "BENCHMARK",
      description = "Benchmarks: eval locomo (retrieval, no LLM), eval locomo-qa (needs an LLM).")
  static final class Eval implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      throw new UsageException("eval needs a benchmark: engram eval locomo --data FILE --out FILE");
    }
  }

  /** What both benchmarks take. */
  abstract static class Benchmark extends Commands.Base {
    @Option(names = "--data", paramLabel = "FILE", description = "a LoCoMo-format JSON file")
    String data;

    @Option(names = "--out", paramLabel = "FILE", description = "where the JSON report goes")
    String out;

    @Option(
        names = "--limit-conversations",
        paramLabel = "N",
        description = "only the first N conversations")
    String limitConversations;

    @Option(
        names = "--store",
        paramLabel = "DIR",
        description = "keep the store in DIR (default: a temporary directory, deleted at the end)")
    String store;

    @Mixin Options.Progress progress = new Options.Progress();

    Benchmark(Cli cli) {
      super(cli);
    }

    List<dev.engram.examples.eval.Locomo.Conversation> conversations() throws IOException {
      if (data == null || out == null) {
        throw new UsageException(spec.qualifiedName(" ") + " needs --data FILE and --out FILE");
      }
      Path file = Path.of(data);
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException("no such file: " + file);
      }
      List<dev.engram.examples.eval.Locomo.Conversation> all =
          dev.engram.examples.eval.Locomo.read(file);
      int limit =
          limitConversations == null
              ? all.size()
              : Commands.whole("--limit-conversations", limitConversations, 1, Integer.MAX_VALUE);
      return all.subList(0, Math.min(limit, all.size()));
    }

    Path storeDir(String prefix) throws IOException {
      return store != null ? Path.of(store) : Files.createTempDirectory(prefix);
    }
  }

  @Command(
      name = "locomo",
      description = {
        "Retrieval recall on the LoCoMo benchmark (no LLM).",
        "Ingests each conversation into its own scope (one memory per turn, with its speaker, real"
            + " session date and dia_id as source), asks every question of categories 1-4, and"
            + " reports recall@k of the gold evidence, overall and per category, plus ingest rate"
            + " and search latency. Writes JSON to --out."
      })
  static final class LocomoCommand extends Benchmark {
    @Option(names = "--k", paramLabel = "K,...", description = "the cut-offs (default 5,10,25)")
    String k;

    @Option(
        names = "--fusion",
        paramLabel = "F",
        description = "min_max, rrf, lexical_only or vector_only")
    String fusion;

    @Option(
        names = "--quantized",
        description = "store the vectors as 8-bit scalars (about a quarter of the memory)")
    boolean quantized;

    @Option(
        names = "--reply-weight",
        paramLabel = "W",
        description = "the reply signal's weight, 0 to 1 (default the store's, 0.2)")
    Double replyWeight;

    @Option(
        names = "--time-weight",
        paramLabel = "W",
        description = "the time signal's weight, 0 to 1 (default the store's, 0.2)")
    Double timeWeight;

    @Option(
        names = "--dump",
        paramLabel = "FILE",
        description =
            "write one JSON line per question: its top k with scores, and the rank of each gold"
                + " turn")
    String dump;

    @Option(
        names = "--backend",
        paramLabel = "B",
        description = "embedded (default) or opensearch (a fresh index prefix on --url)")
    String backend;

    @Option(
        names = "--url",
        paramLabel = "URL",
        description =
            "the OpenSearch cluster for --backend opensearch (default http://127.0.0.1:9200)")
    String url;

    LocomoCommand(Cli cli) {
      super(cli);
    }

    private static double unit(String option, double w) {
      if (!(w >= 0 && w <= 1)) {
        throw new UsageException(option + " must be between 0 and 1, got " + w);
      }
      return w;
    }

    @Override
    public Integer call() throws IOException {
      List<dev.engram.examples.eval.Locomo.Conversation> conversations = conversations();
      List<Integer> ks = LocomoEval.parseKs(k != null ? k : "5,10,25");
      Path storeDir = storeDir("engram-locomo-");
      dev.engram.opensearch.OpenSearchMemory.Builder opensearch = null;
      String kind = backend == null ? "embedded" : backend;
      if (kind.equals("opensearch")) {
        opensearch =
            dev.engram.opensearch.OpenSearchMemory.builder()
                .indexPrefix("engram-locomo-" + Long.toHexString(System.nanoTime()));
        if (url != null) {
          opensearch.url(url);
        }
      } else if (!kind.equals("embedded")) {
        throw new UsageException("--backend must be embedded or opensearch, got '" + kind + "'");
      } else if (url != null) {
        throw new UsageException("--url goes with --backend opensearch");
      }
      RecallSettings.Builder recall = RecallSettings.builder();
      if (replyWeight != null) {
        recall.replyWeight(unit("--reply-weight", replyWeight));
      }
      if (timeWeight != null) {
        recall.timeWeight(unit("--time-weight", timeWeight));
      }
      Stores.Opened opened =
          stores.openForEval(storeDir, fusion, quantized, opensearch, recall.build());
      ObjectNode report;
      try (MemoryStore s = opened.store()) {
        report =
            new LocomoEval(
                    s,
                    ks,
                    progress.wanted() ? new LocomoEval.Progress(cli.err) : null,
                    opened.description(),
                    dump != null ? Path.of(dump) : null)
                .run(conversations);
      } finally {
        if (store == null) {
          Stores.deleteRecursively(storeDir);
          if (opensearch != null) {
            opensearch.deleteStore();
          }
        }
      }
      LocomoEval.write(report, Path.of(out));
      cli.out.print(LocomoEval.table(report));
      cli.out.println("written to " + out);
      return 0;
    }
  }

  @Command(
      name = "locomo-qa",
      description = {
        "LoCoMo question answering, Mem0's protocol (needs an LLM).",
        "Answers each question of categories 1-4 with the retrieved memories and has a judge model"
            + " label it CORRECT or WRONG; reports J per category, recall@k through the memories'"
            + " sources, tokens, latency and any questions that failed. --pipeline builds memory"
            + " with the LLM pipeline (its extracted memories only) instead of one memory per turn."
      })
  static final class LocomoQaCommand extends Benchmark {
    @Option(names = "--k", paramLabel = "N", description = "memories per question (default 10)")
    String k;

    @Option(
        names = "--judge-model",
        paramLabel = "NAME",
        description = "the judge (default: the answering model)")
    String judgeModel;

    @Option(names = "--pipeline", description = "build memory with the LLM pipeline")
    boolean pipeline;

    @Mixin Options.Llm llm = new Options.Llm();

    LocomoQaCommand(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() throws IOException {
      List<dev.engram.examples.eval.Locomo.Conversation> conversations = conversations();
      if (stores.llmKind(llm).equals("none")) {
        throw new UsageException(
            "eval locomo-qa needs an LLM to answer and judge: add --llm openai or --llm ollama");
      }
      int depth = k == null ? 10 : Commands.whole("--k", k, 1, 100);
      Path storeDir = storeDir("engram-locomo-qa-");
      ObjectNode report;
      try (MemoryStore s = stores.openForQa(storeDir, llm, pipeline)) {
        report =
            new LocomoQa(
                    s,
                    stores.chatModel(llm),
                    stores.chatModel(llm, judgeModel != null ? judgeModel : stores.modelName(llm)),
                    pipeline,
                    depth,
                    progress.wanted() ? new LocomoEval.Progress(cli.err) : null)
                .run(conversations);
      } finally {
        if (store == null) {
          Stores.deleteRecursively(storeDir);
        }
      }
      LocomoEval.write(report, Path.of(out));
      cli.out.print(LocomoQa.table(report, depth));
      cli.out.println("written to " + out);
      return 0;
    }
  }
}
