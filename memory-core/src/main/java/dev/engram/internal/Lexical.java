package dev.engram.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The in-memory backend's tokenizer: lower-cased runs of letters and digits, any script. */
final class Lexical {
  private Lexical() {}

  static List<String> tokens(String text) {
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
}
