package dev.engram.examples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RetentionChartTest {
  @Test
  void theChartInTheDocsIsDrawnFromTheCurrentDecayPolicy() throws Exception {
    assertEquals(
        RetentionChart.svg(),
        Files.readString(Path.of("..", "docs", "img", "retention.svg")),
        "docs/img/retention.svg is out of date: run RetentionChart (see its javadoc)");
  }
}
