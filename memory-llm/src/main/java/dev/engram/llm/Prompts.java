package dev.engram.llm;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The system prompts of the pipeline's steps. The defaults are resources in {@code
 * dev/engram/llm/prompts/}; override any of them with {@link #builder()}. The data the prompts work
 * on (messages, memories) is sent separately, JSON-encoded inside {@code <data>} blocks, so a
 * prompt only has to state the task and the reply's JSON shape.
 */
public final class Prompts {
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
      this.extract = check("extract", prompt);
      return this;
    }

    /** Replaces the consolidation prompt. */
    public Builder consolidate(String prompt) {
      this.consolidate = check("consolidate", prompt);
      return this;
    }

    /** Replaces the evolution prompt. */
    public Builder evolve(String prompt) {
      this.evolve = check("evolve", prompt);
      return this;
    }

    /** Replaces the session-consolidation prompt. */
    public Builder summarize(String prompt) {
      this.summarize = check("summarize", prompt);
      return this;
    }

    private static String check(String name, String prompt) {
      Objects.requireNonNull(prompt, name + " prompt must not be null");
      if (prompt.isBlank()) {
        throw new IllegalArgumentException(name + " prompt must not be blank");
      }
      return prompt;
    }

    /** Builds the prompts. */
    public Prompts build() {
      return new Prompts(extract, consolidate, evolve, summarize);
    }
  }
}
