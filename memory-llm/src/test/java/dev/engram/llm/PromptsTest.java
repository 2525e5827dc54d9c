package dev.engram.llm;

import static dev.engram.llm.LlmPipelineTest.facts;
import static dev.engram.llm.LlmPipelineTest.said;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.engram.Engram;
import dev.engram.MemoryStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromptsTest {
  private static final String EXTRACT =
      "Extract the facts worth remembering from the NEW MESSAGES.\n"
          + "Reply with only {\"facts\": [{\"text\": \"...\", \"sources\": [1]}]}\n";

  @TempDir Path dir;

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  private String problem(Runnable r) {
    return assertThrows(IllegalArgumentException.class, r::run).getMessage();
  }

  @Test
  void promptsInADirectoryReplaceTheBundledOnes_andThePipelineUsesThem() throws IOException {
    write("extract.txt", EXTRACT);
    Prompts prompts = Prompts.fromDirectory(dir);
    assertEquals(EXTRACT, prompts.extract());
    assertEquals(Prompts.defaults().consolidate(), prompts.consolidate());
    assertEquals(Prompts.defaults().evolve(), prompts.evolve());
    assertEquals(Prompts.defaults().summarize(), prompts.summarize());

    ScriptedChatModel model = new ScriptedChatModel(r -> facts("Alice likes jazz"));
    try (MemoryStore store =
        Engram.builder().pipeline(LlmPipeline.builder(model).prompts(prompts).build()).build()) {
      store.add(said("I like jazz"));
    }
    assertEquals(EXTRACT, ScriptedChatModel.system(model.requests.get(0)));
  }

  @Test
  void promptsCanComeFromResources() {
    Prompts prompts =
        Prompts.builder()
            .loadResources(PromptsTest.class.getClassLoader(), "dev/engram/llm/custom-prompts/")
            .build();
    assertEquals(
        "Summarise the EPISODES into lasting facts, in the language they were said in.",
        prompts.summarize().lines().findFirst().orElseThrow());
    assertEquals(Prompts.defaults().extract(), prompts.extract());
    assertEquals(
        "prompt resource directory no/such/dir has none of extract.txt, consolidate.txt,"
            + " evolve.txt, summarize.txt",
        problem(
            () ->
                Prompts.builder()
                    .loadResources(PromptsTest.class.getClassLoader(), "no/such/dir")));
  }

  @Test
  void aPromptFileThatDoesNotNameItsReplysKey_isRejectedByName() throws IOException {
    Path file = write("consolidate.txt", "Decide ADD, UPDATE, INVALIDATE or NONE for each fact.");
    assertEquals(
        "prompt file "
            + file
            + " must name its reply's key \"decisions\": the reply is read as {\"decisions\":"
            + " [...]}",
        problem(() -> Prompts.fromDirectory(dir)));
  }

  @Test
  void aBadFileChangesNothing() throws IOException {
    write("extract.txt", EXTRACT);
    write("evolve.txt", "   \n");
    Prompts.Builder builder = Prompts.builder();
    assertEquals(
        "prompt file " + dir.resolve("evolve.txt") + " must not be blank",
        problem(() -> builder.load(dir)));
    assertEquals(Prompts.defaults().extract(), builder.build().extract());
  }

  @Test
  void aMisspeltOrMissingFileIsNamed() throws IOException {
    assertEquals(
        "prompt directory "
            + dir
            + " has none of extract.txt, consolidate.txt, evolve.txt,"
            + " summarize.txt",
        problem(() -> Prompts.fromDirectory(dir)));
    Path typo = write("extact.txt", EXTRACT);
    assertEquals(
        "prompt file "
            + typo
            + " is not a step's prompt; name it one of extract.txt, consolidate.txt, evolve.txt,"
            + " summarize.txt",
        problem(() -> Prompts.fromDirectory(dir)));
    Path missing = dir.resolve("nope");
    assertEquals(
        "prompt directory " + missing + " does not exist",
        problem(() -> Prompts.fromDirectory(missing)));
  }

  @Test
  void aPromptFileMustBeUtf8() throws IOException {
    Files.write(dir.resolve("extract.txt"), new byte[] {'f', 'a', 'c', 't', 's', (byte) 0xff});
    assertEquals(
        "prompt file " + dir.resolve("extract.txt") + " is not UTF-8 text",
        problem(() -> Prompts.fromDirectory(dir)));
  }

  @Test
  void aStringOverrideMustNameItsReplysKeyToo() {
    assertEquals(
        "evolve prompt must name its reply's key \"neighbours\": the reply is read as"
            + " {\"neighbours\": [...]}",
        problem(
            () ->
                Prompts.builder()
                    .evolve("Refine the neighbours' tags.".replace("neighbours", "notes"))));
    assertEquals("extract prompt must not be blank", problem(() -> Prompts.builder().extract(" ")));
  }
}
