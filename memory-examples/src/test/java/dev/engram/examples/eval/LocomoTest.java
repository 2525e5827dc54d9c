package dev.engram.examples.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading LoCoMo files by the rules of the data's README. */
class LocomoTest {
  @TempDir Path dir;

  @Test
  void evidenceIsSplitOnSeparators_andOnlyExactDialogIdsAreKept() {
    assertEquals(List.of("D1:3"), Locomo.evidenceIds("D1:3"));
    assertEquals(List.of("D8:6", "D9:17"), Locomo.evidenceIds("D8:6; D9:17"));
    assertEquals(List.of("D8:6", "D9:17", "D2:1"), Locomo.evidenceIds("D8:6,D9:17 D2:1"));
    assertEquals(List.of("D30:5"), Locomo.evidenceIds("D30:05"));
    assertEquals(List.of(), Locomo.evidenceIds("D"));
    assertEquals(List.of(), Locomo.evidenceIds("D:11:26"));
    assertEquals(List.of(), Locomo.evidenceIds("D10:2:3"), "not D10:2");
  }

  @Test
  void evidenceThatPointsAtNoTurnIsDropped() throws Exception {
    Path file = dir.resolve("l.json");
    Files.writeString(
        file,
        """
        [{"sample_id": "s", "conversation": {
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
              {"speaker": "A", "dia_id": "D1:1", "text": "one"},
              {"speaker": "B", "dia_id": "D1:2", "text": "two"}],
            "session_10_date_time": "2:00 pm on 9 May, 2023",
            "session_10": [{"speaker": "A", "dia_id": "D10:2", "text": "ten-two"}]},
          "qa": [
            {"question": "q1", "answer": "a", "evidence": ["D1:2; D1:1", "D1:9"], "category": 4},
            {"question": "q2", "answer": "a", "evidence": ["D10:2:3"], "category": 1}]}]
        """);
    Locomo.Conversation c = Locomo.read(file).get(0);
    assertEquals(List.of("D1:2", "D1:1"), c.questions().get(0).evidence());
    assertEquals(List.of(), c.questions().get(1).evidence(), "D10:2:3 is not D10:2");
    assertEquals(1, c.unusableEvidence());
  }
}
