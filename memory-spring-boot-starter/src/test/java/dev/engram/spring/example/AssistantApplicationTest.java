package dev.engram.spring.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** Runs the example application as its main would, on an in-memory store, and reads its answers. */
class AssistantApplicationTest {
  @Test
  void aliceIsRemembered_bobIsNotToldAboutHer() {
    try (ConfigurableApplicationContext context =
        new SpringApplicationBuilder(AssistantApplication.class)
            .properties(
                "engram.store.type=in-memory",
                "engram.pipeline.enabled=false",
                "spring.main.web-application-type=none")
            .run()) {
      // The runner already ran the conversation once; run it again and read the answers.
      List<String> t = AssistantApplication.converse(context.getBean(ChatClient.class));
      assertEquals(6, t.size());
      assertTrue(t.get(3).contains("I am allergic to peanuts"), t.get(3));
      assertFalse(t.get(5).contains("allergic"), t.get(5));
    }
  }
}
