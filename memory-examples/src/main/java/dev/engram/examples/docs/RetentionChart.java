package dev.engram.examples.docs;

import dev.engram.decay.DecayPolicy;
import dev.engram.memory.Tier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Draws docs/img/retention.svg, retention of a long-term memory over a year for a few strengths,
 * from {@link DecayPolicy} itself. Run: {@code java -cp memory-examples/target/engram.jar
 * dev.engram.examples.docs.RetentionChart docs/img/retention.svg}.
 */
public final class RetentionChart {
  private static final int W = 640;
  private static final int H = 360;
  private static final int LEFT = 60;
  private static final int RIGHT = 20;
  private static final int TOP = 30;
  private static final int BOTTOM = 50;
  private static final double[] STRENGTHS = {1, 2, 4, 8};
  private static final String[] COLOURS = {"#d62728", "#ff7f0e", "#2ca02c", "#1f77b4"};
  private static final int DAYS = 365;

  private RetentionChart() {}

  /** The chart as SVG text. */
  public static String svg() {
    DecayPolicy p = DecayPolicy.defaults();
    Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
    double pw = W - LEFT - RIGHT;
    double ph = H - TOP - BOTTOM;
    StringBuilder s = new StringBuilder();
    s.append(
        String.format(
            Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n",
            W,
            H));
    s.append(
        String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"18\" font-size=\"14\">Retention R = exp(-t / (τ·S)) of a long-term memory (τ = 180 days), not recalled</text>%n",
            LEFT));
    for (int i = 0; i <= 4; i++) {
      double y = TOP + ph - ph * i / 4.0;
      s.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n",
              LEFT,
              y,
              W - RIGHT,
              y));
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n",
              LEFT - 6,
              y + 4,
              i / 4.0));
    }
    for (int d = 0; d <= DAYS; d += 60) {
      double x = LEFT + pw * d / DAYS;
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d</text>%n",
              x,
              H - BOTTOM + 18,
              d));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">days since last recall</text>%n",
            LEFT + pw / 2,
            H - 10));
    double threshold = TOP + ph - ph * p.archiveThreshold();
    s.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#888\" stroke-dasharray=\"4 4\"/>%n",
            LEFT,
            threshold,
            W - RIGHT,
            threshold));
    s.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#666\">archive threshold %.2f</text>%n",
            W - RIGHT,
            threshold - 4,
            p.archiveThreshold()));
    for (int i = 0; i < STRENGTHS.length; i++) {
      StringBuilder points = new StringBuilder();
      for (int d = 0; d <= DAYS; d += 5) {
        double r = p.retention(Tier.LONG_TERM, STRENGTHS[i], t0, t0.plus(Duration.ofDays(d)));
        points.append(
            String.format(Locale.ROOT, "%.1f,%.1f ", LEFT + pw * d / DAYS, TOP + ph - ph * r));
      }
      s.append(
          String.format(
              Locale.ROOT,
              "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n",
              COLOURS[i],
              points.toString().strip()));
      s.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%d\" y=\"%d\" fill=\"%s\">S = %.0f</text>%n",
              W - RIGHT - 60,
              TOP + 30 + 16 * i,
              COLOURS[i],
              STRENGTHS[i]));
    }
    return s.append("</svg>\n").toString();
  }

  /** Writes the chart to the file named by the first argument. */
  public static void main(String[] args) throws IOException {
    Files.writeString(Path.of(args.length > 0 ? args[0] : "docs/img/retention.svg"), svg());
  }
}
