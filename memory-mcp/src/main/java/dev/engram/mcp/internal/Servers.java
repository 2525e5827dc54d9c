package dev.engram.mcp.internal;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapperSupplier;
import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.json.schema.jackson2.JacksonJsonSchemaValidatorSupplier;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.spec.McpSchema;

/** What every Engram MCP server shares: its name, instructions and JSON binding. */
public final class Servers {
  private Servers() {}

  /** The name the server reports to clients. */
  public static final String NAME = "engram";

  /** Told to the client's model at initialisation. */
  public static final String INSTRUCTIONS =
      "Long-term memory of the user you are talking to. Call search_memory before answering"
          + " anything that may depend on what the user told you before (preferences, facts about"
          + " them, past events). Call add_memory when the user tells you something worth"
          + " remembering in a later conversation. Memories belong to the user this connection is"
          + " bound to; there is no argument to choose another user.";

  /** The JSON mapper on Jackson 2, the one memory-core uses. */
  public static McpJsonMapper json() {
    return new JacksonMcpJsonMapperSupplier().get();
  }

  /** Validates tool arguments against their declared input schemas. */
  public static JsonSchemaValidator validator() {
    return new JacksonJsonSchemaValidatorSupplier().get();
  }

  /** The version the server reports: the jar's, or {@code dev} when run from classes. */
  public static McpSchema.Implementation info() {
    String version = Servers.class.getPackage().getImplementationVersion();
    return McpSchema.Implementation.builder(NAME, version == null ? "dev" : version).build();
  }

  /** Applies the shared settings to a server specification. */
  public static <S extends McpServer.SyncSpecification<S>> McpServer.SyncSpecification<S> configure(
      McpServer.SyncSpecification<S> spec, McpJsonMapper json, MemoryToolSet tools) {
    return spec.serverInfo(info())
        .instructions(INSTRUCTIONS)
        .jsonMapper(json)
        .jsonSchemaValidator(validator())
        .validateToolInputs(true)
        .capabilities(McpSchema.ServerCapabilities.builder().tools(false).build())
        .tools(tools.specifications());
  }
}
