package dev.engram.examples.cli;

/** The help texts. */
final class Help {
  private Help() {}

  static final String COMMON =
      """
      Common options:
        --store DIR        the store directory (default $ENGRAM_STORE or ./.engram)
        --user ID          whose memory (default $ENGRAM_USER or "me")
        --agent ID         the agent the memory belongs to, if any
        --session ID       narrow to one session
        --llm KIND         none (default), openai or ollama
        --base-url URL     the LLM endpoint (default: the provider's; $OPENAI_BASE_URL, $OLLAMA_BASE_URL)
        --model NAME       the LLM model (default gpt-4o-mini for openai, llama3.1 for ollama)
        --json             machine-readable output
      The OpenAI API key is read from $OPENAI_API_KEY only.
      """;

  static final String MAIN =
      """
      engram — embeddable agent memory for the JVM

      Usage: engram COMMAND [options]

      Commands:
        demo               a guided tour: recall, decay over simulated time, history
        chat               a terminal chatbot that remembers you across restarts
        add TEXT           remember something (through the LLM pipeline when --llm is set)
        search QUERY       recall what matters for a query (--explain shows why)
        list               list memories (--status, --tier, --limit)
        history ID         every change to one memory
        forget ID          retire a memory (soft delete, restorable)
        purge ID           erase a memory and its history content; purge --all --yes erases a user
        stats              counts per tier and status (--all for the whole store)
        maintain           persist decay: archive faded memories, move tiers
                eval locomo        retrieval recall on the LoCoMo benchmark (no LLM)
        eval locomo-qa     LoCoMo question answering, Mem0's protocol (needs --llm)

      Run engram COMMAND --help for a command's options.
      """
          + COMMON;

  static String of(String command) {
    return switch (command) {
      case "demo" ->
          "Usage: engram demo\n\nIngests a small bundled conversation into a temporary store and shows recall\nwith score breakdowns, forgetting over simulated weeks, and a memory's history.\n";
      case "chat" ->
          "Usage: engram chat [--show-recall] [options]\n\nTalk to an assistant that remembers you. Without --llm it runs in recall-only\nmode: it stores what you say and answers with what it remembers.\nIn the chat: /why toggles showing recall and storage, /memories lists recent\nmemories, /forget ID forgets one, /help, /quit.\n\n"
              + COMMON;
      case "add" ->
          "Usage: engram add TEXT [--raw] [--tag T] [--importance 0..1] [--source ID] [options]\n\nWith --llm openai|ollama the LLM pipeline extracts and consolidates facts;\n--raw (or no --llm) stores the text verbatim.\n\n"
              + COMMON;
      case "search" ->
          "Usage: engram search QUERY [--limit N] [--min-score X] [--explain] [--include-archived] [--expand-links] [options]\n\n"
              + COMMON;
      case "list" ->
          "Usage: engram list [--status active|archived|invalidated|deleted] [--tier working|short_term|long_term] [--limit N] [options]\n\n"
              + COMMON;
      case "history" -> "Usage: engram history ID [options]\n\n" + COMMON;
      case "forget" -> "Usage: engram forget ID [--reason TEXT] [options]\n\n" + COMMON;
      case "purge" ->
          "Usage: engram purge ID [options]\n       engram purge --all --yes --user ID   (right to be forgotten: every agent and session)\n\n"
              + COMMON;
      case "stats" -> "Usage: engram stats [--all] [options]\n\n" + COMMON;
      case "maintain" -> "Usage: engram maintain [options]\n\n" + COMMON;
      case "eval" ->
          "Usage: engram eval locomo-qa --data FILE --out FILE --llm openai|ollama [--model M]\n                            [--judge-model M] [--base-url URL] [--pipeline] [--k 10] [--limit-conversations N]\n\nAnswers each question of categories 1-4 with the retrieved memories and has a judge\nmodel label it CORRECT or WRONG (Mem0's protocol); reports J per category, recall@k\nthrough the memories' sources, tokens and latency. --pipeline builds memory with the\nLLM pipeline instead of one memory per turn.\n\n       engram eval locomo --data FILE --out FILE [--k 5,10,25] [--limit-conversations N]\n                         [--fusion min_max|rrf|lexical_only] [--store DIR] [--progress]\n\nIngests each conversation into its own scope (one memory per turn, with its\nspeaker, real session date and dia_id as source), asks every question of\ncategories 1-4, and reports recall@k of the gold evidence, overall and per\ncategory, plus ingest rate and search latency. Writes JSON to --out.\n";
      default -> throw new UsageException("unknown command '" + command + "' (see engram --help)");
    };
  }
}
