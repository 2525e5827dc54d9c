package dev.engram.examples.cli;

/** The help texts: each command lists exactly the options it takes. */
final class Help {
  private Help() {}

  private static final String SCOPE =
      """
      Whose memory:
        --store DIR        the store directory (default $ENGRAM_STORE, else ./.engram)
        --user ID          whose memory (default $ENGRAM_USER, else "me")
        --agent ID         the agent the memory belongs to, if any
        --session ID       narrow to one session
      """;

  private static final String LLM =
      """
      LLM:
        --llm KIND         none, openai or ollama (default $ENGRAM_LLM, else none)
        --base-url URL     the endpoint (default $OPENAI_BASE_URL, else https://api.openai.com/v1;
                           $OLLAMA_BASE_URL, else http://localhost:11434)
        --model NAME       the model (default $ENGRAM_MODEL, else gpt-4o-mini / llama3.1)
      The OpenAI API key is read from $OPENAI_API_KEY only, never from a flag.
      """;

  private static final String JSON =
      """
        --json             machine-readable output
      """;

  private static final String STORE_ONLY =
      """
        --store DIR        the store directory (default $ENGRAM_STORE, else ./.engram)
      """;

  static final String MAIN =
      """
      engram — embeddable agent memory for the JVM

      Usage: engram COMMAND [options]

      Commands:
        demo               a guided tour: recall, decay over simulated time, history
        chat               a terminal chatbot that remembers you across restarts
        add TEXT           remember something (through the LLM pipeline when an LLM is set);
                           add --file F ingests one memory per line or a JSON list
        search QUERY       recall what matters for a query (--explain shows why)
        list               list memories (--status, --tier, --limit)
        history ID         every change to one memory
        forget ID          retire a memory (soft delete, restorable)
        purge ID           erase a memory and its history content; purge --all --yes erases a user
        stats              counts per tier and status (--all for the whole store)
        maintain           persist decay: archive faded memories, move tiers
        reindex            rebuild the store's index (e.g. after a change of embedding model)
        repair             salvage a store whose operation log is damaged (copies it first)
        eval locomo        retrieval recall on the LoCoMo benchmark (no LLM)
        eval locomo-qa     LoCoMo question answering, Mem0's protocol (needs an LLM)

      Every command takes --help and only the options it lists there; an option it does not
      use is an error. Most take --store DIR and --user ID; add, chat and eval locomo-qa take
      --llm none|openai|ollama, --base-url and --model (or $ENGRAM_LLM, $ENGRAM_MODEL); every
      command whose output is data takes --json.
      """;

  static String of(String command) {
    return switch (command) {
      case "demo" ->
          """
          Usage: engram demo [--store DIR]

          Ingests a small bundled conversation into a fresh store under a simulated clock
          and shows recall with score breakdowns, forgetting over simulated weeks, and a
          memory's history. The story is the output, so there is no --json.

            --store DIR        leave the demo's store in DIR (new or empty) to explore it
                               afterwards; default: a temporary directory, deleted at the end
          """;
      case "chat" ->
          """
          Usage: engram chat [--show-recall] [options]

          Talk to an assistant that remembers you. Without an LLM it runs in recall-only
          mode: it stores what you say and answers with the memories that match it. In the
          chat: /why toggles showing recall and storage, /memories lists the newest memories,
          /forget ID forgets one, /help, /quit. The chat is interactive, so there is no --json.

            --show-recall      start with /why on

          """
              + SCOPE
              + "\n"
              + LLM;
      case "add" ->
          """
          Usage: engram add TEXT [options]
                 engram add --file F [options]

          With an LLM the pipeline extracts and consolidates facts; --raw (or no LLM) stores
          the text verbatim.

            --file F           one memory per non-blank line, or a JSON list of strings
                               (or of objects with a "text"); - reads standard input
            --raw              store verbatim even when an LLM is set
            --tag T            a tag for the memory
            --importance X     0 to 1
            --source ID        where it came from
            --progress         draw the progress bar of --file even when not on a terminal
          """
              + JSON
              + "\n"
              + SCOPE
              + "\n"
              + LLM;
      case "search" ->
          """
          Usage: engram search QUERY [options]

            --limit N          at most N hits (default 10)
            --min-score X      drop hits scoring below X
            --explain          show each score's breakdown
            --include-archived search archived memories too
            --expand-links     add the memories hits link to
          """
              + JSON
              + "\n"
              + SCOPE;
      case "list" ->
          """
          Usage: engram list [options]

            --status S         active, archived, invalidated or deleted
            --tier T           working, short_term or long_term
            --limit N          at most N memories (default all)
          """
              + JSON
              + "\n"
              + SCOPE;
      case "history" -> "Usage: engram history ID [options]\n\n" + JSON + "\n" + SCOPE;
      case "forget" ->
          """
          Usage: engram forget ID [options]

            --reason TEXT      why, kept in the history
          """
              + JSON
              + "\n"
              + SCOPE;
      case "purge" ->
          """
          Usage: engram purge ID [options]
                 engram purge --all --yes [--user ID] [--store DIR]

          Erases a memory and the content of its history; --all --yes erases every memory
          of the user in every agent and session (right to be forgotten).

          """
              + JSON
              + "\n"
              + SCOPE;
      case "stats" ->
          """
          Usage: engram stats [options]

            --all              the whole store instead of one user
          """
              + JSON
              + "\n"
              + SCOPE;
      case "maintain" ->
          """
          Usage: engram maintain [options]

          Persists decay for the whole store: archives faded memories and moves tiers.

          """
              + STORE_ONLY
              + JSON;
      case "repair" -> Repair.HELP;
      case "reindex" ->
          """
          Usage: engram reindex [options]

          Rebuilds the store's index (vectors and text fields) from its records with the
          embedding model and analyzer this command line uses (bge-small-en-v1.5, english),
          e.g. for a store built with another model. Memories and history are kept; the store
          must not be open in another process.

          """
              + STORE_ONLY
              + """
                --progress         show that it is working even when not on a terminal
              """
              + JSON;
      case "eval" ->
          """
          Usage: engram eval locomo-qa --data FILE --out FILE --llm openai|ollama [--model M]
                   [--judge-model M] [--base-url URL] [--pipeline] [--k 10] [--limit-conversations N]
                   [--store DIR] [--progress]

          Answers each question of categories 1-4 with the retrieved memories and has a judge
          model label it CORRECT or WRONG (Mem0's protocol); reports J per category, recall@k
          through the memories' sources, tokens, latency and any questions that failed.
          --pipeline builds memory with the LLM pipeline (its extracted memories only) instead
          of one memory per turn.

                 engram eval locomo --data FILE --out FILE [--k 5,10,25] [--limit-conversations N]
                   [--fusion min_max|rrf|lexical_only] [--quantized] [--store DIR] [--progress]
                   [--dump FILE]

          Ingests each conversation into its own scope (one memory per turn, with its
          speaker, real session date and dia_id as source), asks every question of
          categories 1-4, and reports recall@k of the gold evidence, overall and per
          category, plus ingest rate and search latency. Writes JSON to --out.
          --quantized stores the vectors as 8-bit scalars (about a quarter of the memory).
          Session-level recall@k (sessions ranked by their best turn) is reported beside it.
          --dump writes one JSON line per question: its top k with scores and the rank of
          each gold turn.
          """;
      default -> throw new UsageException("unknown command '" + command + "' (see engram --help)");
    };
  }
}
