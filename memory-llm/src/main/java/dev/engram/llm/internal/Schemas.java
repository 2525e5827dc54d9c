package dev.engram.llm.internal;

import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import java.util.List;

/** The JSON schemas of the replies, for models that support structured output. */
public final class Schemas {
  private Schemas() {}

  private static JsonArraySchema strings() {
    return JsonArraySchema.builder().items(new JsonStringSchema()).build();
  }

  /** {@code {"facts": [...]}}, the reply of extraction and session consolidation. */
  public static final JsonSchema FACTS =
      JsonSchema.builder()
          .name("facts")
          .rootElement(
              JsonObjectSchema.builder()
                  .addProperty(
                      "facts",
                      JsonArraySchema.builder()
                          .items(
                              JsonObjectSchema.builder()
                                  .addStringProperty("text")
                                  .addEnumProperty("about", List.of("user", "assistant"))
                                  .addEnumProperty(
                                      "kind", List.of("semantic", "episodic", "procedural"))
                                  .addIntegerProperty("importance")
                                  .addProperty("keywords", strings())
                                  .addProperty("tags", strings())
                                  .addStringProperty("context")
                                  .addProperty(
                                      "sources",
                                      JsonArraySchema.builder()
                                          .items(new JsonIntegerSchema())
                                          .build())
                                  .required(
                                      "text",
                                      "about",
                                      "kind",
                                      "importance",
                                      "keywords",
                                      "tags",
                                      "context",
                                      "sources")
                                  .additionalProperties(false)
                                  .build())
                          .build())
                  .required("facts")
                  .additionalProperties(false)
                  .build())
          .build();

  /** {@code {"decisions": [...]}}, the reply of consolidation. */
  public static final JsonSchema DECISIONS =
      JsonSchema.builder()
          .name("decisions")
          .rootElement(
              JsonObjectSchema.builder()
                  .addProperty(
                      "decisions",
                      JsonArraySchema.builder()
                          .items(
                              JsonObjectSchema.builder()
                                  .addIntegerProperty("fact")
                                  .addEnumProperty(
                                      "action", List.of("ADD", "UPDATE", "INVALIDATE", "NONE"))
                                  .addStringProperty("target")
                                  .addStringProperty("text")
                                  .addProperty("related", strings())
                                  .addStringProperty("reason")
                                  .required("fact", "action", "target", "text", "related", "reason")
                                  .additionalProperties(false)
                                  .build())
                          .build())
                  .required("decisions")
                  .additionalProperties(false)
                  .build())
          .build();

  /** {@code {"neighbours": [...]}}, the reply of evolution. */
  public static final JsonSchema NEIGHBOURS =
      JsonSchema.builder()
          .name("neighbours")
          .rootElement(
              JsonObjectSchema.builder()
                  .addProperty(
                      "neighbours",
                      JsonArraySchema.builder()
                          .items(
                              JsonObjectSchema.builder()
                                  .addStringProperty("id")
                                  .addStringProperty("context")
                                  .addProperty("tags", strings())
                                  .required("id", "context", "tags")
                                  .additionalProperties(false)
                                  .build())
                          .build())
                  .required("neighbours")
                  .additionalProperties(false)
                  .build())
          .build();
}
