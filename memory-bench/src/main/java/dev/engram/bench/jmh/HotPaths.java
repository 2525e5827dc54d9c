package dev.engram.bench.jmh;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.decay.DecayPolicy;
import dev.engram.decay.RankingWeights;
import dev.engram.embed.Embedder;
import dev.engram.filter.Filter;
import dev.engram.memory.Memory;
import dev.engram.memory.MemoryId;
import dev.engram.memory.Scope;
import dev.engram.recall.RecallSettings;
import dev.engram.recall.SearchRequest;
import dev.engram.retrieval.EmbeddedMemory;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The store's hot paths on an embedded store of 10,000 memories with synthetic vectors (the model's
 * own cost is measured by the scale command): add (single and batched), search (hybrid, BM25-only,
 * vector-only; with a filter; with and without the decay blend; with reinforcement), get, and the
 * decay blend alone.
 *
 * <pre>java --add-modules jdk.incubator.vector -jar memory-bench/target/benchmarks.jar HotPaths
 * </pre>
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class HotPaths {
  @Param({"10000"})
  public int size;

  @Param({"MIN_MAX", "LEXICAL_ONLY", "VECTOR_ONLY"})
  public String fusion;

  private Path dir;
  private MemoryStore store;
  private final List<String> queries = new ArrayList<>();
  private final List<MemoryId> ids = new ArrayList<>();
  private final Random random = new Random(42);
  private Memory sample;
  private final DecayPolicy decay = DecayPolicy.defaults();
  private int counter;

  /** Dense enough to be a realistic vector; free to compute. */
  static final class Synthetic implements Embedder {
    @Override
    public String modelId() {
      return "synthetic-384";
    }

    @Override
    public int dimension() {
      return 384;
    }

    @Override
    public float[] embed(String text) {
      Random r = new Random(text.hashCode());
      float[] v = new float[384];
      double n = 0;
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextGaussian();
        n += v[i] * v[i];
      }
      for (int i = 0; i < v.length; i++) {
        v[i] /= (float) Math.sqrt(n);
      }
      return v;
    }
  }

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("engram-jmh-");
    RecallSettings recall =
        RecallSettings.builder().fusion(RecallSettings.Fusion.valueOf(fusion)).build();
    store =
        Engram.builder()
            .backend(EmbeddedMemory.backend(dir).embedder(new Synthetic()).build())
            .recall(recall)
            .build();
    String[] words =
        "tea garden violin Lisbon marathon dog recipe ticket camera kayak novel piano".split(" ");
    for (int u = 0; u < size / 200; u++) {
      AddRequest.Builder b =
          AddRequest.builder(Scope.user("u" + u)).infer(false).metadata("topic", "t" + (u % 7));
      for (int i = 0; i < 200; i++) {
        b.text(
            "user "
                + u
                + " mentioned the "
                + words[random.nextInt(words.length)]
                + " and the "
                + words[random.nextInt(words.length)]
                + " number "
                + i);
      }
      store.add(b.build()).added().forEach(m -> ids.add(m.id()));
    }
    for (int i = 0; i < 64; i++) {
      queries.add(
          "what about the "
              + words[i % words.length]
              + " and "
              + words[(i * 7) % words.length]
              + "?");
    }
    sample = store.get(Scope.user("u0"), ids.get(0)).orElseThrow();
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }

  private Scope someUser() {
    return Scope.user("u" + random.nextInt(size / 200));
  }

  private String someQuery() {
    return queries.get(random.nextInt(queries.size()));
  }

  @Benchmark
  public Object addSingle() {
    return store.add(
        AddRequest.builder(Scope.user("writer"))
            .text("a new memory " + counter++)
            .infer(false)
            .build());
  }

  @Benchmark
  public Object addBatch32() {
    AddRequest.Builder b = AddRequest.builder(Scope.user("writer")).infer(false);
    for (int i = 0; i < 32; i++) {
      b.text("a new batched memory " + counter++);
    }
    return store.add(b.build());
  }

  @Benchmark
  public Object search() {
    return store.search(SearchRequest.builder(someUser(), someQuery()).reinforce(false).build());
  }

  @Benchmark
  public Object searchWithoutDecayBlend() {
    return store.search(
        SearchRequest.builder(someUser(), someQuery())
            .reinforce(false)
            .weights(RankingWeights.RELEVANCE_ONLY)
            .build());
  }

  @Benchmark
  public Object searchWithFilter() {
    return store.search(
        SearchRequest.builder(someUser(), someQuery())
            .filter(Filter.eq("metadata.topic", "t3"))
            .reinforce(false)
            .build());
  }

  @Benchmark
  public Object searchWithReinforcement() {
    return store.search(SearchRequest.builder(someUser(), someQuery()).build());
  }

  @Benchmark
  public Object get() {
    int i = random.nextInt(ids.size());
    return store.get(Scope.user("u" + (i / 200)), ids.get(i));
  }

  @Benchmark
  public double decayBlend() {
    Instant now = sample.lastAccessedAt().plusSeconds(random.nextInt(1_000_000));
    Memory e = decay.effective(sample, now);
    return RankingWeights.DEFAULT.blend(0.5, decay.retention(e, now), e.importance());
  }
}
