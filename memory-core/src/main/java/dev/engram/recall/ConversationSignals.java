package dev.engram.recall;

import dev.engram.memory.Memory;
import dev.engram.memory.Turn;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The signals conversation structure gives turns said in a session: the session's summed score, the
 * speaker the query names, the neighbouring turns, and the question a turn answers. Other memories
 * keep their fused score.
 */
final class ConversationSignals {
  private ConversationSignals() {}

  /** Sets each candidate's boosted, neighbour and reply scores from its fused one. */
  static void apply(List<Recall.Scored> candidates, String query, RecallSettings settings) {
    Map<String, Double> sessionSum = new HashMap<>();
    for (Recall.Scored x : candidates) {
      Turn t = x.memory.turn();
      if (t != null && t.inSession()) {
        sessionSum.merge(t.session(), x.fused, Double::sum);
      }
    }
    double bestSession = 0;
    for (double v : sessionSum.values()) {
      bestSession = Math.max(bestSession, v);
    }
    Set<String> queryWords = new HashSet<>(QueryWords.content(query, settings.queryStopwords()));
    Map<String, Recall.Scored> byPosition = new HashMap<>();
    for (Recall.Scored x : candidates) {
      x.boosted = x.fused;
      Turn t = x.memory.turn();
      if (t == null) {
        continue;
      }
      if (t.inSession() && bestSession > 0) {
        x.boosted += settings.sessionWeight() * sessionSum.get(t.session()) / bestSession;
      }
      if (t.speaker() != null && names(t.speaker(), queryWords)) {
        x.boosted += settings.speakerBoost();
      }
      if (t.inSession()) {
        byPosition.put(position(t.session(), t.number()), x);
      }
    }
    for (Recall.Scored x : candidates) {
      Turn t = x.memory.turn();
      if (t == null || !t.inSession()) {
        continue;
      }
      Recall.Scored before = byPosition.get(position(t.session(), t.number() - 1));
      Recall.Scored after = byPosition.get(position(t.session(), t.number() + 1));
      double neighbour =
          Math.max(before == null ? 0 : before.boosted, after == null ? 0 : after.boosted);
      x.neighbour = settings.neighbourWeight() * neighbour;
      if (settings.replyWeight() > 0 && before != null && answers(t, before.memory)) {
        x.reply = settings.replyWeight() * before.boosted;
      }
    }
  }

  private static String position(String session, long number) {
    return session + '#' + number;
  }

  /** Whether a turn follows a question asked by someone else. */
  private static boolean answers(Turn turn, Memory previous) {
    return !Objects.equals(previous.turn().speakerOrRole(), turn.speakerOrRole())
        && previous.text().indexOf('?') >= 0;
  }

  /** Whether the query names the speaker (any word of the name, two letters or more). */
  private static boolean names(String speaker, Set<String> queryWords) {
    for (String part : speaker.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}]+")) {
      if (part.length() >= 2 && queryWords.contains(part)) {
        return true;
      }
    }
    return false;
  }
}
