package dev.engram.examples.cli;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a line said to the recall-only chat is: a statement worth remembering, a question to answer
 * from memory, or small talk. Only statements are stored; a question or a greeting is recalled
 * against and never becomes a memory of its own.
 */
final class Utterance {
  enum Kind {
    STATEMENT,
    QUESTION,
    SMALL_TALK
  }

  private Utterance() {}

  /** Words that open a question in English ("do I have any pets", "where is ..."). */
  private static final Set<String> QUESTION_WORDS =
      Set.of(
          "what", "what's", "whats", "who", "who's", "whom", "whose", "where", "where's", "when",
          "why", "how", "how's", "which", "do", "does", "did", "is", "are", "was", "were", "am",
          "can", "could", "would", "should", "will", "shall", "have", "has", "had", "may", "might");

  /** Openings that ask without a question word ("tell me about my bees"). */
  private static final List<String> ASKING =
      List.of("tell me", "remind me", "show me", "recall ", "any idea", "i wonder", "i forgot");

  /** Lines made only of these words are small talk: greetings, thanks, acknowledgements. */
  private static final Set<String> SMALL_TALK =
      Set.of(
          "hi",
          "hello",
          "hey",
          "hiya",
          "yo",
          "there",
          "thanks",
          "thank",
          "you",
          "thx",
          "ty",
          "ok",
          "okay",
          "k",
          "yes",
          "yeah",
          "yep",
          "no",
          "nope",
          "sure",
          "cool",
          "great",
          "nice",
          "good",
          "fine",
          "bye",
          "goodbye",
          "see",
          "later",
          "morning",
          "afternoon",
          "evening",
          "night",
          "cheers",
          "lol",
          "haha",
          "hmm",
          "oh",
          "ah",
          "well",
          "please",
          "sorry",
          "alright",
          "all",
          "right",
          "much",
          "so",
          "very",
          "a",
          "lot",
          "again",
          "welcome",
          "how",
          "are",
          "doing",
          "what's",
          "up",
          "sup",
          "gm",
          "gn",
          "and",
          "too",
          "to",
          "meet");

  static Kind classify(String line) {
    String text = line.strip().toLowerCase(Locale.ROOT);
    String[] words = text.replaceAll("[^\\p{L}\\p{N}' ]+", " ").strip().split("\\s+");
    boolean onlySmallTalk = words.length > 0 && !words[0].isEmpty();
    for (String w : words) {
      if (!SMALL_TALK.contains(w)) {
        onlySmallTalk = false;
        break;
      }
    }
    if (onlySmallTalk || words.length == 0 || words[0].isEmpty()) {
      return Kind.SMALL_TALK;
    }
    if (text.endsWith("?") || QUESTION_WORDS.contains(words[0])) {
      return Kind.QUESTION;
    }
    for (String opening : ASKING) {
      if (text.startsWith(opening)) {
        return Kind.QUESTION;
      }
    }
    return Kind.STATEMENT;
  }
}
