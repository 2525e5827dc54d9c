package dev.engram.examples.cli;

import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options several commands share, each declared once: picocli builds the parser, the help and
 * the shell completion from these declarations.
 */
final class Options {
  private Options() {}

  /** Where the store is. */
  static final class Store {
    @Option(
        names = "--store",
        paramLabel = "DIR",
        description = "the store directory (default $ENGRAM_STORE, else .engram)")
    String store;

    @Option(
        names = "--backend",
        paramLabel = "B",
        description =
            "embedded (default: the directory of --store) or opensearch (a cluster: --url)")
    String backend;

    @Option(
        names = "--url",
        paramLabel = "URL",
        description =
            "the OpenSearch cluster of --backend opensearch (default $ENGRAM_OPENSEARCH_URL, else"
                + " http://127.0.0.1:9200)")
    String url;

    @Option(
        names = "--index-prefix",
        paramLabel = "P",
        description = "the OpenSearch store's index prefix (default engram)")
    String indexPrefix;
  }

  /** Whose memory: the store and the scope within it. */
  static final class Scope {
    @Mixin Store where = new Store();

    @Option(
        names = "--user",
        paramLabel = "ID",
        description = "whose memory (default $ENGRAM_USER, else \"me\")")
    String user;

    @Option(names = "--agent", paramLabel = "ID", description = "the agent the memory belongs to")
    String agent;

    @Option(names = "--session", paramLabel = "ID", description = "narrow to one session")
    String session;
  }

  /** The LLM, for the commands that use one. The API key comes from the environment only. */
  static final class Llm {
    @Option(
        names = "--llm",
        paramLabel = "KIND",
        description = "none, openai or ollama (default $ENGRAM_LLM, else none)")
    String llm;

    @Option(
        names = "--base-url",
        paramLabel = "URL",
        description =
            "the endpoint (default $OPENAI_BASE_URL, else https://api.openai.com/v1;"
                + " $OLLAMA_BASE_URL, else http://localhost:11434)")
    String baseUrl;

    @Option(
        names = "--model",
        paramLabel = "NAME",
        description =
            "the model (default $ENGRAM_MODEL, else gpt-4o-mini / llama3.1); the OpenAI API key"
                + " is read from $OPENAI_API_KEY only")
    String model;

    @Option(
        names = "--llm-timeout",
        paramLabel = "SECONDS",
        description =
            "how long to wait for each answer of the LLM, 0.1 to 3600 seconds (default 60 for"
                + " openai, 120 for ollama)")
    String timeout;

    @Option(
        names = "--llm-retries",
        paramLabel = "N",
        description =
            "how often a call that timed out or got HTTP 5xx or 429 is tried again, 0 to 5"
                + " (default 1)")
    String retries;
  }

  /** Machine-readable output. */
  static final class Json {
    @Option(names = "--json", description = "machine-readable output")
    boolean json;
  }

  /** A progress bar even when no one watches. */
  static final class Progress {
    @Option(names = "--progress", description = "draw the progress bar even when not on a terminal")
    boolean progress;

    /** Whether to draw one: asked for, or a person is watching. */
    boolean wanted() {
      return progress || Terminal.interactive();
    }
  }
}
