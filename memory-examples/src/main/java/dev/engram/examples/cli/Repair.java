package dev.engram.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.engram.retrieval.EmbeddedMemory;
import dev.engram.retrieval.RepairReport;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * {@code engram repair}: salvages a store whose operation log is damaged, keeping every readable
 * record of every user after copying each damaged file aside ({@link EmbeddedMemory#repair}).
 * Self-contained, so that the command parser can change around it.
 */
final class Repair {
  private Repair() {}

  /** Repairs the store in {@code dir}; prints what was done; returns the exit code. */
  static int run(Path dir, boolean json, PrintStream out) {
    RepairReport report = EmbeddedMemory.repair(dir);
    if (json) {
      ObjectNode root = new ObjectMapper().createObjectNode();
      ArrayNode files = root.putArray("repaired");
      for (RepairReport.File f : report.files()) {
        files
            .addObject()
            .put("file", f.file().toString())
            .put("copy", f.copy().toString())
            .put("recordsKept", f.recordsKept())
            .put("bytesDropped", f.bytesDropped());
      }
      out.println(root.toPrettyString());
    } else if (report.files().isEmpty()) {
      out.println("the operation log of " + dir + " is intact; nothing to repair");
    } else {
      for (RepairReport.File f : report.files()) {
        out.println(
            "repaired "
                + f.file()
                + ": kept "
                + f.recordsKept()
                + " record(s), dropped "
                + f.bytesDropped()
                + " unreadable byte(s); the file as it was is in "
                + f.copy());
      }
    }
    return 0;
  }
}
