package dev.engram.recall;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** The words of a query: lower-cased runs of letters and digits, any script. */
final class QueryWords {
  /** Distinct words kept for the lexical list: a backend's clause limits stay far away. */
  static final int MAX_TERMS = 200;

  private QueryWords() {}

  /** Every word of the text, in order, repeats included. */
  static List<String> all(String text) {
    List<String> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= text.length(); ) {
      int cp = i < text.length() ? text.codePointAt(i) : ' ';
      boolean word = Character.isLetterOrDigit(cp);
      if (word && start < 0) {
        start = i;
      } else if (!word && start >= 0) {
        out.add(text.substring(start, i).toLowerCase(Locale.ROOT));
        start = -1;
      }
      i += i < text.length() ? Character.charCount(cp) : 1;
    }
    return out;
  }

  /**
   * The content words: without stopwords (all words if every one is a stopword), in order; a
   * repeated word counts again, as it does in the text. Beyond {@link #MAX_TERMS} words, each is
   * kept once and the rest dropped.
   */
  static List<String> content(String text, Set<String> stopwords) {
    List<String> all = all(text);
    List<String> kept = new ArrayList<>();
    for (String w : all) {
      if (!stopwords.contains(w)) {
        kept.add(w);
      }
    }
    if (kept.isEmpty()) {
      kept = all;
    }
    if (kept.size() > MAX_TERMS) {
      List<String> distinct = new ArrayList<>(new LinkedHashSet<>(kept));
      kept = distinct.subList(0, Math.min(distinct.size(), MAX_TERMS));
    }
    return List.copyOf(kept);
  }
}
