package dev.engram.recall;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The words by which a query asks about time and a text names one, for the time signal ({@link
 * RecallSettings#timeWeight()}): "when did Alice move?" should prefer the turn that says "in May
 * 2023" over one that only says she moved. Cues are phrases of whole words, matched lower-case; in
 * a phrase, {@code #} stands for any word that starts with a digit ("8", "8th"). Besides its
 * phrases, every text that holds a year from 1900 to 2099 names a time, in any language.
 *
 * <p>Immutable and thread-safe. {@link #english()} is the default; give a store in another language
 * its own with {@link #of}.
 */
public final class TimeCues {
  private static final String NUMBER = "#";

  private static final String[] MONTHS = {
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december"
  };

  private static final TimeCues ENGLISH = buildEnglish();

  private final Map<String, List<String[]>> questionByFirst;
  private final Map<String, List<String[]>> timeByFirst;
  private final int questionCount;
  private final int timeCount;

  private TimeCues(Set<String> questionPhrases, Set<String> timePhrases) {
    this.questionByFirst = index("questionPhrases", questionPhrases);
    this.timeByFirst = index("timePhrases", timePhrases);
    this.questionCount = questionPhrases.size();
    this.timeCount = timePhrases.size();
  }

  /**
   * Cues from phrases.
   *
   * @param questionPhrases phrases by which a query asks about time ("when", "how long ago")
   * @param timePhrases phrases by which a text names a time ("yesterday", "last week", "# may")
   * @throws IllegalArgumentException if a phrase has no word
   */
  public static TimeCues of(Set<String> questionPhrases, Set<String> timePhrases) {
    Objects.requireNonNull(questionPhrases, "questionPhrases must not be null (use Set.of())");
    Objects.requireNonNull(timePhrases, "timePhrases must not be null (use Set.of())");
    return new TimeCues(Set.copyOf(questionPhrases), Set.copyOf(timePhrases));
  }

  /**
   * English cues: questions with "when", "how long (ago)", "what / which year, month, date, day,
   * week or time", "how many days / weeks / months / years", "since when" and the like; texts
   * naming a year, a month ("May" only beside a number or a year, since it is also a verb), a
   * weekday, a date, or a relative time ("yesterday", "last week", "two years ago", "next summer").
   */
  public static TimeCues english() {
    return ENGLISH;
  }

  private static TimeCues buildEnglish() {
    Set<String> questions = new HashSet<>();
    questions.addAll(
        List.of(
            "when",
            "how long",
            "how long ago",
            "since when",
            "until when",
            "how soon",
            "what date",
            "which date",
            "what time",
            "what period",
            "which period"));
    for (String unit : List.of("year", "month", "day", "date", "week", "season", "decade")) {
      questions.add("what " + unit);
      questions.add("which " + unit);
    }
    for (String unit : List.of("years", "months", "weeks", "days", "hours")) {
      questions.add("how many " + unit);
    }
    Set<String> times = new HashSet<>();
    for (String m : MONTHS) {
      times.add(NUMBER + " " + m);
      times.add(m + " " + NUMBER);
      times.add(NUMBER + " of " + m);
      if (!m.equals("may")) {
        times.add(m);
      }
    }
    times.addAll(
        List.of(
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "weekend",
            "yesterday",
            "today",
            "tonight",
            "tomorrow",
            "ago",
            "recently",
            "lately",
            "the other day",
            "earlier this",
            "later this",
            "this morning",
            "this afternoon",
            "this evening"));
    for (String when : List.of("last", "next", "this", "past", "coming")) {
      for (String unit :
          List.of(
              "week",
              "weekend",
              "month",
              "year",
              "night",
              "summer",
              "winter",
              "spring",
              "fall",
              "autumn",
              "few days",
              "few weeks",
              "few months",
              "few years",
              "couple of")) {
        times.add(when + " " + unit);
      }
    }
    for (String unit : List.of("days", "weeks", "months", "years")) {
      times.add(NUMBER + " " + unit);
      times.add("few " + unit);
      times.add("couple of " + unit);
    }
    return new TimeCues(Set.copyOf(questions), Set.copyOf(times));
  }

  /** Whether the query asks about time. */
  public boolean asksAboutTime(String query) {
    return matches(QueryWords.all(query), questionByFirst, false);
  }

  /** Whether the text names a time. */
  public boolean namesTime(String text) {
    return matches(QueryWords.all(text), timeByFirst, true);
  }

  private static boolean matches(
      List<String> words, Map<String, List<String[]>> byFirst, boolean years) {
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      if (years && isYear(w)) {
        return true;
      }
      List<String[]> phrases = byFirst.get(isNumber(w) ? NUMBER : w);
      if (phrases == null) {
        continue;
      }
      for (String[] p : phrases) {
        if (startsAt(words, i, p)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean startsAt(List<String> words, int start, String[] phrase) {
    if (start + phrase.length > words.size()) {
      return false;
    }
    for (int j = 0; j < phrase.length; j++) {
      String w = words.get(start + j);
      if (phrase[j].equals(NUMBER) ? !isNumber(w) : !phrase[j].equals(w)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isNumber(String word) {
    return !word.isEmpty() && Character.isDigit(word.charAt(0));
  }

  private static boolean isYear(String word) {
    if (word.length() != 4) {
      return false;
    }
    for (int i = 0; i < 4; i++) {
      if (word.charAt(i) < '0' || word.charAt(i) > '9') {
        return false;
      }
    }
    int y = Integer.parseInt(word);
    return y >= 1900 && y <= 2099;
  }

  private static Map<String, List<String[]>> index(String field, Set<String> phrases) {
    Map<String, List<String[]>> byFirst = new HashMap<>();
    for (String p : phrases) {
      Objects.requireNonNull(p, field + " must not hold null");
      String[] words = phraseWords(p);
      if (words.length == 0) {
        throw new IllegalArgumentException(field + " must hold phrases of words, got '" + p + "'");
      }
      byFirst.computeIfAbsent(words[0], w -> new ArrayList<>()).add(words);
    }
    return Map.copyOf(byFirst);
  }

  /** A phrase's words as the texts' words are read, {@code #} kept as the number wildcard. */
  private static String[] phraseWords(String phrase) {
    List<String> out = new ArrayList<>();
    for (String part : phrase.strip().split("\\s+")) {
      if (part.equals(NUMBER)) {
        out.add(NUMBER);
      } else {
        out.addAll(QueryWords.all(part));
      }
    }
    return out.toArray(String[]::new);
  }

  @Override
  public String toString() {
    return "TimeCues[" + questionCount + " question phrases, " + timeCount + " time phrases]";
  }
}
