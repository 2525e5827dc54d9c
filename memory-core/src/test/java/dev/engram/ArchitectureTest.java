package dev.engram;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package layout the architecture document promises, checked from the sources: the SPI and
 * value packages never reach into the store's implementation, packages form no cycle, and no main
 * source file grows past 1,000 lines.
 */
class ArchitectureTest {
  private static final Path MAIN = Path.of("src/main/java");

  /** The one allowed cycle: the API's factory builds the store its internal package implements. */
  private static final Set<String> FACTORY_EDGE = Set.of("dev.engram.internal -> dev.engram");

  private static final Pattern PACKAGE = Pattern.compile("^package ([\\w.]+);", Pattern.MULTILINE);

  /** A reference to a class of another Engram package: an import or a qualified name in code. */
  private static final Pattern REFERENCE =
      Pattern.compile("\\b(dev\\.engram(?:\\.[a-z][a-z0-9]*)*)\\.[A-Z]");

  private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\\n]*", Pattern.DOTALL);

  @Test
  void spiAndValuePackages_neverDependOnTheStoreOrItsInternals() {
    Map<String, Set<String>> graph = packageGraph(MAIN);
    for (String spi :
        List.of(
            "dev.engram.backend",
            "dev.engram.pipeline",
            "dev.engram.embed",
            "dev.engram.memory",
            "dev.engram.filter",
            "dev.engram.history",
            "dev.engram.decay",
            "dev.engram.recall")) {
      assertTrue(graph.containsKey(spi), "no package " + spi + " in " + graph.keySet());
      Set<String> uses = graph.get(spi);
      assertTrue(
          !uses.contains("dev.engram") && !uses.contains("dev.engram.internal"),
          spi + " depends on the store's API or internals: " + uses);
    }
  }

  @Test
  void packages_formNoCycle_butTheFactoryEdge() {
    Map<String, Set<String>> graph = packageGraph(MAIN);
    List<String> cycles = new ArrayList<>();
    for (String from : graph.keySet()) {
      for (String to : graph.get(from)) {
        if (!FACTORY_EDGE.contains(from + " -> " + to) && reaches(graph, to, from)) {
          cycles.add(from + " -> " + to);
        }
      }
    }
    assertEquals(List.of(), cycles, "package edges that close a cycle: " + graph);
  }

  @Test
  void noMainSourceFile_isLongerThan1000Lines() throws IOException {
    List<String> tooLong = new ArrayList<>();
    try (Stream<Path> modules = Files.list(Path.of(".."))) {
      for (Path module : modules.sorted().toList()) {
        Path main = module.resolve(MAIN);
        if (module.getFileName().toString().equals("memory-bench") || !Files.isDirectory(main)) {
          continue;
        }
        for (Path file : javaFiles(main)) {
          long lines = Files.readAllLines(file).size();
          if (lines > 1000) {
            tooLong.add(file + " (" + lines + " lines)");
          }
        }
      }
    }
    assertEquals(List.of(), tooLong, "split these by capability");
  }

  private static boolean reaches(Map<String, Set<String>> graph, String from, String target) {
    Deque<String> todo = new ArrayDeque<>(List.of(from));
    Set<String> seen = new TreeSet<>();
    while (!todo.isEmpty()) {
      String p = todo.pop();
      if (p.equals(target)) {
        return true;
      }
      if (seen.add(p)) {
        for (String next : graph.getOrDefault(p, Set.of())) {
          if (!FACTORY_EDGE.contains(p + " -> " + next)) {
            todo.push(next);
          }
        }
      }
    }
    return false;
  }

  /** Each package of the sources, with the other Engram packages its code refers to. */
  static Map<String, Set<String>> packageGraph(Path sources) {
    Map<String, Set<String>> graph = new TreeMap<>();
    for (Path file : javaFiles(sources)) {
      String code;
      try {
        code = COMMENT.matcher(Files.readString(file)).replaceAll(" ");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Matcher pkg = PACKAGE.matcher(code);
      assertTrue(pkg.find(), "no package declaration in " + file);
      Set<String> uses = graph.computeIfAbsent(pkg.group(1), p -> new TreeSet<>());
      Matcher ref = REFERENCE.matcher(code);
      while (ref.find()) {
        if (!ref.group(1).equals(pkg.group(1))) {
          uses.add(ref.group(1));
        }
      }
    }
    return graph;
  }

  private static List<Path> javaFiles(Path root) {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
