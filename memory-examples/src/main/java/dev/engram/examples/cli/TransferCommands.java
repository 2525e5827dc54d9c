package dev.engram.examples.cli;

import dev.engram.backend.MemoryBackend;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.BiConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code engram export} and {@code engram import}: move a store between backends. */
final class TransferCommands {
  private TransferCommands() {}

  static BiConsumer<Long, Long> progress(Cli cli, Options.Progress p, String verb) {
    if (!p.wanted()) {
      return (done, total) -> {};
    }
    return (done, total) -> {
      if (done % 100 == 0 || done.equals(total)) {
        cli.err.printf(Locale.ROOT, "\r%s %d/%d", verb, done, total);
        if (done.equals(total)) {
          cli.err.println();
        }
      }
    };
  }

  @Command(
      name = "export",
      description = {
        "Write every memory of a store, with its history, as JSON Lines.",
        "Works on either backend (--backend embedded|opensearch); engram import reads the file."
      })
  static final class Export extends Commands.Base {
    @Mixin Options.Store where = new Options.Store();
    @Mixin Options.Progress progress = new Options.Progress();

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "the export file")
    String file;

    Export(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() throws IOException {
      try (MemoryBackend from = stores.backend(where, true)) {
        long n = Transfer.export(from, Path.of(file), progress(cli, progress, "exported"));
        out.println("exported " + n + " memories to " + file);
      }
      return 0;
    }
  }

  @Command(
      name = "import",
      description = {
        "Add the memories of an export file to a store (embedded or opensearch).",
        "Each memory is embedded with the target's model; memories already there are skipped, so"
            + " an interrupted import can be run again."
      })
  static final class Import extends Commands.Base {
    @Mixin Options.Store where = new Options.Store();
    @Mixin Options.Progress progress = new Options.Progress();

    @Option(names = "--in", paramLabel = "FILE", required = true, description = "the export file")
    String file;

    Import(Cli cli) {
      super(cli);
    }

    @Override
    public Integer call() throws IOException {
      try (MemoryBackend to = stores.backend(where, false)) {
        Transfer.Imported r =
            Transfer.importInto(to, Path.of(file), progress(cli, progress, "imported"));
        out.println(
            "imported " + r.imported() + " memories, skipped " + r.skipped() + " already there");
      }
      return 0;
    }
  }
}
