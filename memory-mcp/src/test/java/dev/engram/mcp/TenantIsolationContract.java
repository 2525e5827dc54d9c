package dev.engram.mcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every transport must guarantee, driven by the SDK's own client: a session as alice stores
 * and recalls; a session as bob, even with alice's id in the arguments, sees and changes nothing of
 * hers. Sessions run one after the other, as separate stdio processes on one store would.
 */
abstract class TenantIsolationContract {
  static final List<String> TENANT_ARGUMENTS =
      List.of("user_id", "userId", "agent_id", "agentId", "session_id", "sessionId", "run_id");

  /** A new client session bound to {@code tenant} (a user id) by the server, not by arguments. */
  abstract McpSession session(String tenant);

  @Test
  @SuppressWarnings("unchecked")
  void aliceStoresAndRecalls_bobWithAlicesIdSeesNothingOfHers() {
    String peanuts;
    try (McpSession alice = session("alice")) {
      peanuts = alice.add("I am allergic to peanuts");
      alice.add("My sister lives in Lisbon");
      assertEquals("I am allergic to peanuts", alice.searchTexts("peanut allergy").get(0));
      // Naming herself is harmless: the argument agrees with the bound tenant and is ignored.
      assertTrue(
          alice
              .searchTexts("peanut allergy", "user_id", "alice")
              .contains("I am allergic to peanuts"));
    }

    try (McpSession bob = session("bob")) {
      for (String argument : TENANT_ARGUMENTS) {
        String message = bob.refused("search_memory", "query", "peanut allergy", argument, "alice");
        assertTrue(
            message.contains("The argument " + argument + " cannot choose whose memory"), message);
        assertTrue(message.contains("bound to one tenant"), message);
      }
      bob.refused("add_memory", "text", "Alice is allergic to nothing", "user_id", "alice");
      bob.refused("list_memories", "userId", "alice");
      bob.refused("delete_memory", "id", peanuts, "user_id", "alice");
      bob.refused("search_memory", "query", "peanut allergy", "user_id", List.of("alice"));

      assertEquals(List.of(), bob.searchTexts("peanut allergy"));
      assertEquals(List.of(), bob.listTexts());
      assertEquals(
          "No memory has the id \"" + peanuts + "\".", bob.refused("delete_memory", "id", peanuts));
      assertEquals(
          "No memory has the id \"" + peanuts + "\".",
          bob.refused("memory_history", "id", peanuts));

      bob.add("I like hiking in the mountains");
      assertFalse(bob.searchTexts("peanut allergy").contains("I am allergic to peanuts"));
      assertEquals(List.of("I like hiking in the mountains"), bob.listTexts());
    }

    try (McpSession alice = session("alice")) {
      // Nothing bob did reached her memory: not his hostile add, not his own, not his delete.
      assertEquals(
          List.of("I am allergic to peanuts", "My sister lives in Lisbon"), alice.listTexts());
      List<Map<String, Object>> events =
          (List<Map<String, Object>>) alice.ok("memory_history", "id", peanuts).get("events");
      assertEquals(1, events.size());
      assertEquals("add", events.get(0).get("type"));
      assertEquals("mcp", events.get(0).get("actor"));

      assertEquals(
          Map.of("id", peanuts, "status", "deleted"), alice.ok("delete_memory", "id", peanuts));
      assertEquals(List.of("My sister lives in Lisbon"), alice.listTexts());
      assertFalse(alice.searchTexts("peanut allergy").contains("I am allergic to peanuts"));
      events = (List<Map<String, Object>>) alice.ok("memory_history", "id", peanuts).get("events");
      assertEquals(List.of("add", "delete"), events.stream().map(e -> e.get("type")).toList());
      assertEquals("I am allergic to peanuts", events.get(1).get("text_after"));
      assertEquals("deleted", events.get(1).get("status_after"));
    }
  }
}
