package dev.engram.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.engram.MaintenanceReport;
import dev.engram.MemoryStore;
import dev.engram.examples.eval.LocomoEval;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The commands that work on a store as a whole or on the command line itself: maintain, reindex,
 * repair, completion and the launcher's start-up training.
 */
final class StoreCommands {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StoreCommands() {}

  @Command(
      name = "maintain",
      description = "Persist decay for the whole store now: archive faded memories, move tiers.")
  static final class Maintain extends Commands.Base {
    @Mixin Options.Store where = new Options.Store();
    @Mixin Options.Json json = new Options.Json();

    Maintain(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      try (MemoryStore store = stores.existing(where)) {
        MaintenanceReport r = store.maintain();
        if (json.json) {
          out.println(
              JSON.createObjectNode()
                  .put("scanned", r.scanned())
                  .put("archived", r.archived())
                  .put("promoted", r.promoted())
                  .put("compacted", r.compacted())
                  .toPrettyString());
        } else {
          out.printf(
              Locale.ROOT,
              "scanned %d, archived %d, moved tier %d%s%n",
              r.scanned(),
              r.archived(),
              r.promoted(),
              r.compacted() ? "; index merged for search" : "");
        }
      }
      return 0;
    }
  }

  @Command(
      name = "reindex",
      description = {
        "Rebuild the store's index (e.g. after a change of embedding model).",
        "Rebuilds the index (vectors and text fields) from the store's records with the embedding"
            + " model and analyzer this command line uses (e5-small-v2, english). Memories"
            + " and history are kept; the store must not be open in another process."
      })
  static final class Reindex extends Commands.Base {
    @Mixin Options.Store where = new Options.Store();
    @Mixin Options.Progress progress = new Options.Progress();
    @Mixin Options.Json json = new Options.Json();

    Reindex(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      LocomoEval.Progress bar = progress.wanted() ? new LocomoEval.Progress(cli.err) : null;
      long n =
          stores.reindex(
              where,
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
      if (json.json) {
        out.println(JSON.createObjectNode().put("reindexed", n).toPrettyString());
      } else {
        out.println(
            "reindexed "
                + n
                + " memor"
                + (n == 1 ? "y" : "ies")
                + " in "
                + stores.storeDir(where)
                + " (embedding model e5-small-v2, english analyzer)");
      }
      return 0;
    }
  }

  @Command(
      name = "repair",
      description = {
        "Salvage a store whose operation log is damaged.",
        "Copies each damaged log file into DIR/damaged/repair-N/ first, then keeps every record"
            + " that checks out, of every user; only the unreadable bytes are lost. An intact"
            + " store is left as it is. The store must not be open in another process."
      })
  static final class RepairCommand extends Commands.Base {
    @Mixin Options.Store where = new Options.Store();
    @Mixin Options.Json json = new Options.Json();

    RepairCommand(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() {
      return Repair.run(stores.storeDir(where), json.json, out);
    }
  }

  // --------------------------------------------------------------------------- tooling

  @Command(
      name = "completion",
      description = {
        "Print a bash/zsh completion script for engram.",
        "Load it with  source <(engram completion)  (zsh: autoload -U +X bashcompinit &&"
            + " bashcompinit first), or save it in /etc/bash_completion.d/engram."
      })
  static final class Completion extends Commands.Base {
    Completion() {
      super(null);
    }

    @Override
    public Integer call() {
      spec.commandLine().getOut().print(AutoComplete.bash("engram", spec.root().commandLine()));
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  /**
   * Runs the common commands once on a throw-away store, so that the JVM can record the classes
   * they load in a class-data-sharing archive: the launcher runs it after building the jar.
   */
  @Command(name = "train-startup", hidden = true)
  static final class Train extends Commands.Base {
    Train(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() throws IOException {
      Path dir = Files.createTempDirectory("engram-cds-");
      PrintStream sink = new PrintStream(java.io.OutputStream.nullOutputStream());
      try {
        Cli quiet = new Cli(cli.in, sink, sink, stores);
        String store = dir.resolve("store").toString();
        quiet.run("add", "--store", store, "I prefer green tea in the morning");
        quiet.run("search", "--store", store, "--explain", "what do I drink?");
        quiet.run("list", "--store", store);
        quiet.run("stats", "--store", store, "--json");
        quiet.run("history", "--store", store, "--help");
      } finally {
        Stores.deleteRecursively(dir);
      }
      return 0;
    }
  }
}
