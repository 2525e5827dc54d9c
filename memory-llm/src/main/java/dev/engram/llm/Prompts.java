package dev.engram.llm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The system prompts of the pipeline's steps. The defaults are resources in {@code
 * dev/engram/llm/prompts/}; override any of them with {@link #builder()}, from a directory with
 * {@link #fromDirectory(Path)}, or from resources of your own with {@link
 * Builder#loadResources(ClassLoader, String)}. The data the prompts work on (messages, memories) is
 * sent separately, JSON-encoded inside {@code <data>} blocks, so a prompt only has to state the
 * task and the reply's JSON shape.
 *
 * <p>A prompt must name its reply's top-level key — {@code facts} for extract and summarize, {@code
 * decisions} for consolidate, {@code neighbours} for evolve — since the reply is read by that key;
 * an override that does not is rejected when it is set, naming the step or file.
 */
public final class Prompts {
  /** Each step's file name and the key its reply must have. */
  private static final Map<String, String> KEYS =
      Map.of(
          "extract",
          "facts",
          "consolidate",
          "decisions",
          "evolve",
          "neighbours",
          "summarize",
          "facts");

  private static final List<String> STEPS =
      List.of("extract", "consolidate", "evolve", "summarize");

  private static final Prompts DEFAULTS =
      new Prompts(
          resource("extract.txt"),
          resource("consolidate.txt"),
          resource("evolve.txt"),
          resource("summarize.txt"));

  private final String extract;
  private final String consolidate;
  private final String evolve;
  private final String summarize;

  private Prompts(String extract, String consolidate, String evolve, String summarize) {
    this.extract = extract;
    this.consolidate = consolidate;
    this.evolve = evolve;
    this.summarize = summarize;
  }

  /** The bundled prompts. */
  public static Prompts defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the bundled prompts. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The bundled prompts with those in {@code dir} instead: any of {@code extract.txt}, {@code
   * consolidate.txt}, {@code evolve.txt} and {@code summarize.txt} (UTF-8); see {@link
   * Builder#load(Path)}.
   */
  public static Prompts fromDirectory(Path dir) {
    return builder().load(dir).build();
  }

  /** Extraction: new messages to short, self-contained facts with keywords, tags and importance. */
  public String extract() {
    return extract;
  }

  /** Consolidation: each new fact against similar memories, ADD / UPDATE / INVALIDATE / NONE. */
  public String consolidate() {
    return consolidate;
  }

  /** Evolution: refine related memories' context and tags after an add (A-MEM). */
  public String evolve() {
    return evolve;
  }

  /** Session consolidation: a session's episodes to lasting facts. */
  public String summarize() {
    return summarize;
  }

  private static String resource(String name) {
    try (InputStream in = Prompts.class.getResourceAsStream("prompts/" + name)) {
      if (in == null) {
        throw new IllegalStateException(
            "prompt resource dev/engram/llm/prompts/" + name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Builds {@link Prompts}; unset prompts keep the bundled text. */
  public static final class Builder {
    private String extract = DEFAULTS.extract;
    private String consolidate = DEFAULTS.consolidate;
    private String evolve = DEFAULTS.evolve;
    private String summarize = DEFAULTS.summarize;

    private Builder() {}

    /** Replaces the extraction prompt. */
    public Builder extract(String prompt) {
      this.extract = check("extract", "extract prompt", prompt);
      return this;
    }

    /** Replaces the consolidation prompt. */
    public Builder consolidate(String prompt) {
      this.consolidate = check("consolidate", "consolidate prompt", prompt);
      return this;
    }

    /** Replaces the evolution prompt. */
    public Builder evolve(String prompt) {
      this.evolve = check("evolve", "evolve prompt", prompt);
      return this;
    }

    /** Replaces the session-consolidation prompt. */
    public Builder summarize(String prompt) {
      this.summarize = check("summarize", "summarize prompt", prompt);
      return this;
    }

    /**
     * Replaces the prompts that {@code dir} has files for: {@code extract.txt}, {@code
     * consolidate.txt}, {@code evolve.txt}, {@code summarize.txt}, read as UTF-8. The others keep
     * their current text.
     *
     * @throws IllegalArgumentException naming the file if the directory does not exist, holds none
     *     of these files, holds another {@code .txt} file (a misspelt name would otherwise be
     *     ignored), or a file is blank or does not name its reply's key
     * @throws UncheckedIOException if a file cannot be read
     */
    public Builder load(Path dir) {
      Objects.requireNonNull(dir, "prompt directory must not be null");
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException("prompt directory " + dir + " does not exist");
      }
      // Everything is checked before anything is set: a bad file changes nothing.
      Map<String, String> found = new LinkedHashMap<>();
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.txt")) {
        for (Path file : files) {
          String name = file.getFileName().toString();
          String step = name.substring(0, name.length() - ".txt".length());
          if (!STEPS.contains(step)) {
            throw new IllegalArgumentException(
                "prompt file " + file + " is not a step's prompt; name it one of " + fileNames());
          }
          found.put(step, check(step, "prompt file " + file, read(file, "prompt file " + file)));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read prompt directory " + dir, e);
      }
      if (found.isEmpty()) {
        throw new IllegalArgumentException(
            "prompt directory " + dir + " has none of " + fileNames());
      }
      found.forEach(this::set);
      return this;
    }

    /**
     * Replaces the prompts that {@code directory} (a resource path such as {@code "myapp/prompts"})
     * has resources for, found through {@code loader}: {@code extract.txt}, {@code
     * consolidate.txt}, {@code evolve.txt}, {@code summarize.txt}, read as UTF-8. The others keep
     * their current text.
     *
     * @throws IllegalArgumentException naming the resource if there is none of these resources, or
     *     one is blank or does not name its reply's key
     * @throws UncheckedIOException if a resource cannot be read
     */
    public Builder loadResources(ClassLoader loader, String directory) {
      Objects.requireNonNull(loader, "class loader must not be null");
      Objects.requireNonNull(directory, "prompt resource directory must not be null");
      String prefix = directory.replaceAll("^/+|/+$", "");
      Map<String, String> found = new LinkedHashMap<>();
      for (String step : STEPS) {
        String name = prefix.isEmpty() ? step + ".txt" : prefix + "/" + step + ".txt";
        try (InputStream in = loader.getResourceAsStream(name)) {
          if (in != null) {
            String what = "prompt resource " + name;
            found.put(step, check(step, what, decode(in.readAllBytes(), what)));
          }
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read prompt resource " + name, e);
        }
      }
      if (found.isEmpty()) {
        throw new IllegalArgumentException(
            "prompt resource directory " + prefix + " has none of " + fileNames());
      }
      found.forEach(this::set);
      return this;
    }

    private void set(String step, String prompt) {
      switch (step) {
        case "extract" -> extract = prompt;
        case "consolidate" -> consolidate = prompt;
        case "evolve" -> evolve = prompt;
        default -> summarize = prompt;
      }
    }

    private static String fileNames() {
      return String.join(", ", STEPS.stream().map(s -> s + ".txt").toList());
    }

    private static String read(Path file, String what) throws IOException {
      return decode(Files.readAllBytes(file), what);
    }

    private static String decode(byte[] bytes, String what) {
      try {
        return StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(bytes))
            .toString();
      } catch (CharacterCodingException e) {
        throw new IllegalArgumentException(what + " is not UTF-8 text", e);
      }
    }

    /**
     * Checks a prompt for {@code step}; {@code what} names it in errors (the step, or its file).
     */
    private static String check(String step, String what, String prompt) {
      Objects.requireNonNull(prompt, what + " must not be null");
      if (prompt.isBlank()) {
        throw new IllegalArgumentException(what + " must not be blank");
      }
      String key = KEYS.get(step);
      if (!prompt.contains(key)) {
        throw new IllegalArgumentException(
            what
                + " must name its reply's key \""
                + key
                + "\": the reply is read as {\""
                + key
                + "\": [...]}");
      }
      return prompt;
    }

    /** Builds the prompts. */
    public Prompts build() {
      return new Prompts(extract, consolidate, evolve, summarize);
    }
  }
}
