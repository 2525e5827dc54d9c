package dev.engram.langchain4j;

import dev.engram.filter.Filter;
import dev.engram.memory.Scope;
import dev.engram.memory.Tier;
import dev.engram.recall.SearchRequest;

/** Queries as the store accepts them, for the retriever and the tools alike. */
final class Queries {
  private Queries() {}

  /**
   * The first {@link SearchRequest#MAX_QUERY_LENGTH} characters of {@code text}, never splitting a
   * surrogate pair: a long message is still worth a search by its beginning.
   */
  static String truncate(String text) {
    if (text.length() <= SearchRequest.MAX_QUERY_LENGTH) {
      return text;
    }
    int end = SearchRequest.MAX_QUERY_LENGTH;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end);
  }

  /**
   * {@code filter}, minus the working memories of {@code session}: the messages of the chat that is
   * asking, which its chat window already holds.
   */
  static Filter outsideChat(Filter filter, Scope session) {
    return Filter.and(
        filter,
        Filter.not(
            Filter.and(
                Filter.eq("tier", Tier.WORKING), Filter.eq("sessionId", session.sessionId()))));
  }
}
