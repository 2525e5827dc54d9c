package dev.engram.llm;

import static dev.engram.llm.ScriptedChatModel.isConsolidate;
import static dev.engram.llm.ScriptedChatModel.isExtract;
import static dev.engram.llm.ScriptedChatModel.user;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.engram.AddRequest;
import dev.engram.Engram;
import dev.engram.MemoryStore;
import dev.engram.PageRequest;
import dev.engram.embed.Embedder;
import dev.engram.embeddings.onnx.OnnxEmbedders;
import dev.engram.filter.Filter;
import dev.engram.memory.Link;
import dev.engram.memory.Memory;
import dev.engram.memory.Message;
import dev.engram.memory.Scope;
import dev.engram.memory.Status;
import dev.engram.recall.SearchHit;
import dev.engram.recall.SearchRequest;
import dev.engram.retrieval.EmbeddedMemory;
import dev.engram.testkit.ManualClock;
import dev.langchain4j.model.chat.request.ChatRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Knowledge updates, in the manner of LongMemEval's knowledge-update questions: a user says a fact,
 * later says it changed; a scripted model extracts facts and consolidates them the way a good model
 * would (INVALIDATE the old fact and add the new one, or UPDATE it in place); then a paraphrased
 * question is searched on the Lucene store with the bundled embedding model.
 *
 * <p>Per scenario: the current fact ranks first, and nothing stale ranks in the top three. Stale is
 * the old fact (when it is still there to be found) and any turn whose every derived fact was
 * invalidated or rewritten. A turn that said the old fact with another one still true (“I live in
 * Lisbon and I am allergic to peanuts”) is not stale: it still holds the allergy.
 *
 * <p>The model is scripted per turn, and only acts on what the pipeline shows it: an update whose
 * old fact was not among the similar memories shown to consolidation is added as new, as a real
 * model would have to, and the scenario then most likely fails. Deterministic: no randomness, a
 * manual clock; the ranking only depends on the texts and the model.
 */
class KnowledgeUpdateTest {
  private static final Instant START = Instant.parse("2024-01-08T09:00:00Z");

  /**
   * Issue 11's target: the current fact is rank 1 and no stale memory is in the top 3, both in the
   * same scenario, in ≥ 90% of the scenarios.
   */
  private static final double TARGET = 0.9;

  /**
   * What this test holds the ranking to: measured 35 of 38 rank 1, 38 of 38 with nothing stale in
   * the top 3, and 35 of 38 both (2026-12-05, stale turns at 0.25, bge-small-en-v1.5); with the
   * default model e5-small-v2 and the reply and time signals, 36, 38 and 36 of 38 (bge with those
   * signals: 35, 38, 35); the floors leave two scenarios of room because some are decided by
   * embedding scores a few 1e-4 apart, which another CPU's float rounding may flip. Raise them as
   * the ranking improves.
   */
  private static final double FLOOR_CURRENT_FIRST = 0.86;

  private static final double FLOOR_STALE_BELOW_TOP3 = 0.94;

  private static final double FLOOR_BOTH = 0.86;

  private static Embedder embedder;

  @TempDir Path dir;

  @BeforeAll
  static void loadModel() {
    embedder = OnnxEmbedders.e5SmallV2();
  }

  // ---------------------------------------------------------------------------- the script

  enum Action {
    ADD,
    INVALIDATE,
    UPDATE
  }

  /** A fact the model extracts from a turn, and what it decides for it. */
  record Fact(String text, Action action, String target, String merged) {}

  static Fact add(String text) {
    return new Fact(text, Action.ADD, null, null);
  }

  /** The new fact contradicts {@code old}: invalidate it, add the new fact. */
  static Fact invalidates(String text, String old) {
    return new Fact(text, Action.INVALIDATE, old, null);
  }

  /** The new fact refines {@code old}: rewrite it as {@code merged}. */
  static Fact updates(String text, String old, String merged) {
    return new Fact(text, Action.UPDATE, old, merged);
  }

  /** A user turn said on {@code day} (one session per day) and the facts extracted from it. */
  record Said(int day, String text, List<Fact> facts) {}

  record Scenario(String name, List<Said> turns, String query, String current) {}

  static final class ScenarioBuilder {
    private final String name;
    private final List<Said> turns = new ArrayList<>();

    ScenarioBuilder(String name) {
      this.name = name;
    }

    ScenarioBuilder say(int day, String text, Fact... facts) {
      turns.add(new Said(day, text, List.of(facts)));
      return this;
    }

    Scenario ask(String query, String current) {
      return new Scenario(name, List.copyOf(turns), query, current);
    }
  }

  static ScenarioBuilder scenario(String name) {
    return new ScenarioBuilder(name);
  }

  /**
   * Other things the user says, each with its fact, around the scenario's turns: some close to the
   * scenarios' topics (a friend who lives somewhere, a brother's job, a neighbour's dog).
   */
  static final List<Said> FILLER =
      List.of(
          new Said(
              0,
              "I went to a pottery class on Saturday and made a wonky bowl",
              List.of(add("Alice took a pottery class and made a bowl"))),
          new Said(
              0,
              "My friend Maria lives in Madrid and visits us every summer",
              List.of(add("Alice's friend Maria lives in Madrid"))),
          new Said(
              0,
              "I'm reading a novel by Ishiguro at the moment",
              List.of(add("Alice is reading a novel by Kazuo Ishiguro"))),
          new Said(
              0,
              "My brother works as a chef in a little bistro",
              List.of(add("Alice's brother works as a chef in a bistro"))),
          new Said(
              0,
              "We watched the fireworks from the balcony last night",
              List.of(add("Alice watched fireworks from her balcony"))),
          new Said(
              0,
              "I need to renew my passport before August",
              List.of(add("Alice needs to renew her passport before August"))),
          new Said(
              0,
              "My mum's birthday is on the 2nd of October",
              List.of(add("Alice's mother's birthday is on 2 October"))),
          new Said(
              0,
              "The neighbour's dog barks all night, it drives me mad",
              List.of(add("The neighbour's dog barks all night"))));

  static List<Scenario> scenarios() {
    List<Scenario> s = new ArrayList<>();
    s.add(
        scenario("moved city; the old turn also holds an allergy")
            .say(
                0,
                "I live in Lisbon and I am allergic to peanuts",
                add("Alice lives in Lisbon"),
                add("Alice is allergic to peanuts"))
            .say(
                40,
                "I moved to Porto last month",
                invalidates("Alice lives in Porto", "Alice lives in Lisbon"))
            .ask("where does alice live?", "Alice lives in Porto"));
    s.add(
        scenario("unchanged fact of a turn whose other fact changed")
            .say(
                0,
                "I live in Lisbon and I am allergic to peanuts",
                add("Alice lives in Lisbon"),
                add("Alice is allergic to peanuts"))
            .say(
                40,
                "I moved to Porto last month",
                invalidates("Alice lives in Porto", "Alice lives in Lisbon"))
            .ask("which foods do I have to avoid?", "Alice is allergic to peanuts"));
    s.add(
        scenario("moved city")
            .say(
                0,
                "We just signed the lease on a flat in Manchester",
                add("Alice lives in Manchester"))
            .say(
                60,
                "Finally settled in Leeds after the move, the new place is lovely",
                invalidates("Alice lives in Leeds", "Alice lives in Manchester"))
            .ask("which city am I based in now?", "Alice lives in Leeds"));
    s.add(
        scenario("moved twice")
            .say(0, "I'm living in Berlin for now", add("Alice lives in Berlin"))
            .say(
                30,
                "I relocated to Munich for work",
                invalidates("Alice lives in Munich", "Alice lives in Berlin"))
            .say(
                90,
                "Munich didn't work out, I've been in Hamburg since last week",
                invalidates("Alice lives in Hamburg", "Alice lives in Munich"))
            .ask("what city do I live in?", "Alice lives in Hamburg"));
    s.add(
        scenario("changed job")
            .say(
                0,
                "I teach maths at Oakwood secondary school",
                add("Alice is a maths teacher at Oakwood secondary school"))
            .say(
                50,
                "I left teaching and started as a software developer at Finch",
                invalidates(
                    "Alice works as a software developer at Finch",
                    "Alice is a maths teacher at Oakwood secondary school"))
            .ask("what do I do for a living?", "Alice works as a software developer at Finch"));
    s.add(
        scenario("changed employer, as an update")
            .say(0, "I'm an accountant at Deloitte", add("Alice is an accountant at Deloitte"))
            .say(
                45,
                "I switched firms, I'm with KPMG now doing the same kind of work",
                updates(
                    "Alice works at KPMG as an accountant",
                    "Alice is an accountant at Deloitte",
                    "Alice is an accountant at KPMG"))
            .ask("which company employs Alice?", "Alice is an accountant at KPMG"));
    s.add(
        scenario("promotion, as an update")
            .say(
                0,
                "I got hired as a junior engineer at Acme Robotics",
                add("Alice is a junior engineer at Acme Robotics"))
            .say(
                120,
                "Big news, I was promoted to senior engineer!",
                updates(
                    "Alice was promoted to senior engineer",
                    "Alice is a junior engineer at Acme Robotics",
                    "Alice is a senior engineer at Acme Robotics"))
            .ask("what is my job title?", "Alice is a senior engineer at Acme Robotics"));
    s.add(
        scenario("renamed pet, as an update")
            .say(0, "Our puppy is called Biscuit", add("Alice has a puppy named Biscuit"))
            .say(
                20,
                "We renamed the puppy Pepper, Biscuit never suited him",
                updates(
                    "Alice renamed her puppy Pepper",
                    "Alice has a puppy named Biscuit",
                    "Alice has a puppy named Pepper"))
            .ask("what's my dog called?", "Alice has a puppy named Pepper"));
    s.add(
        scenario("pet died, new pet; two facts in the update")
            .say(0, "My cat Luna is fourteen", add("Alice has a fourteen-year-old cat named Luna"))
            .say(
                80,
                "Luna passed away in March, and we adopted a kitten called Mochi",
                invalidates(
                    "Alice's cat Luna died in March 2024",
                    "Alice has a fourteen-year-old cat named Luna"),
                add("Alice adopted a kitten named Mochi"))
            .ask("what pet do I have now?", "Alice adopted a kitten named Mochi"));
    s.add(
        scenario("ended relationship; the old turn also holds a trip")
            .say(
                0,
                "My boyfriend Tom and I are going to Crete in the summer",
                add("Alice's boyfriend is Tom"),
                add("Alice and Tom plan a trip to Crete in the summer"))
            .say(
                70,
                "Tom and I broke up in May; I'm seeing someone new, Sam",
                invalidates("Alice broke up with Tom in May 2024", "Alice's boyfriend is Tom"),
                add("Alice is dating Sam"))
            .ask("who am I in a relationship with?", "Alice is dating Sam"));
    s.add(
        scenario("engaged, then married, as an update")
            .say(0, "Ben and I got engaged last weekend!", add("Alice is engaged to Ben"))
            .say(
                200,
                "The wedding was beautiful, Ben and I are officially husband and wife",
                updates("Alice married Ben", "Alice is engaged to Ben", "Alice is married to Ben"))
            .ask("what is Alice's relationship status with Ben?", "Alice is married to Ben"));
    s.add(
        scenario("new phone")
            .say(
                0,
                "My phone is an iPhone 12 and the battery is dying",
                add("Alice uses an iPhone 12"))
            .say(
                30,
                "I finally replaced it with a Pixel 8",
                invalidates("Alice's phone is a Pixel 8", "Alice uses an iPhone 12"))
            .ask("which smartphone do I have?", "Alice's phone is a Pixel 8"));
    s.add(
        scenario("diet, as an update")
            .say(0, "I'm vegetarian, have been for years", add("Alice is vegetarian"))
            .say(
                60,
                "I've gone fully vegan since January",
                updates(
                    "Alice has been vegan since January", "Alice is vegetarian", "Alice is vegan"))
            .ask("what kind of diet does Alice follow?", "Alice is vegan"));
    s.add(
        scenario("new car")
            .say(0, "I drive a red Ford Focus to work", add("Alice drives a red Ford Focus"))
            .say(
                90,
                "Sold the Focus and bought a Tesla Model 3",
                invalidates("Alice drives a Tesla Model 3", "Alice drives a red Ford Focus"))
            .ask("what car do I drive these days?", "Alice drives a Tesla Model 3"));
    s.add(
        scenario("favourite film")
            .say(0, "My favourite film is Amelie", add("Alice's favourite film is Amelie"))
            .say(
                50,
                "Honestly, Parasite is my top movie now",
                invalidates(
                    "Alice's favourite film is Parasite", "Alice's favourite film is Amelie"))
            .ask("which movie does Alice like best?", "Alice's favourite film is Parasite"));
    s.add(
        scenario("favourite colour")
            .say(0, "Green is my favourite colour", add("Alice's favourite colour is green"))
            .say(
                30,
                "These days I like purple the most",
                invalidates(
                    "Alice's favourite colour is purple", "Alice's favourite colour is green"))
            .ask("what colour do I like most?", "Alice's favourite colour is purple"));
    s.add(
        scenario("rescheduled class, as an update")
            .say(
                0,
                "My yoga class is on Tuesdays at 6pm",
                add("Alice has yoga class on Tuesdays at 6pm"))
            .say(
                25,
                "The studio moved yoga to Thursdays at 7pm",
                updates(
                    "Alice's yoga class moved to Thursdays at 7pm",
                    "Alice has yoga class on Tuesdays at 6pm",
                    "Alice has yoga class on Thursdays at 7pm"))
            .ask("when does Alice go to yoga?", "Alice has yoga class on Thursdays at 7pm"));
    s.add(
        scenario("changed shifts, as an update")
            .say(
                0,
                "I work nights at the hospital, 10pm to 6am",
                add("Alice works night shifts at the hospital from 10pm to 6am"))
            .say(
                40,
                "I've switched to day shifts, 7am to 3pm",
                updates(
                    "Alice switched to day shifts from 7am to 3pm",
                    "Alice works night shifts at the hospital from 10pm to 6am",
                    "Alice works day shifts at the hospital from 7am to 3pm"))
            .ask(
                "what are my working hours?",
                "Alice works day shifts at the hospital from 7am to 3pm"));
    s.add(
        scenario("running distance, a number")
            .say(
                0,
                "I can run 5 km without stopping now",
                add("Alice can run 5 km without stopping"))
            .say(
                60,
                "Up to 10 km without a break!",
                updates(
                    "Alice can run 10 km without a break",
                    "Alice can run 5 km without stopping",
                    "Alice can run 10 km without stopping"))
            .ask("how far can Alice run?", "Alice can run 10 km without stopping"));
    s.add(
        scenario("a third child, a number")
            .say(0, "We have two kids, Mia and Leo", add("Alice has two children, Mia and Leo"))
            .say(
                300,
                "Our third child, Noah, was born last week",
                updates(
                    "Alice's third child Noah was born",
                    "Alice has two children, Mia and Leo",
                    "Alice has three children: Mia, Leo and Noah"))
            .ask("how many children do I have?", "Alice has three children: Mia, Leo and Noah"));
    s.add(
        scenario("rent raised, a number")
            .say(0, "Rent is 1200 euros a month", add("Alice pays 1200 euros rent per month"))
            .say(
                120,
                "The landlord raised it to 1350",
                updates(
                    "Alice's landlord raised the rent to 1350 euros",
                    "Alice pays 1200 euros rent per month",
                    "Alice pays 1350 euros rent per month"))
            .ask(
                "how much does Alice pay for her apartment?",
                "Alice pays 1350 euros rent per month"));
    s.add(
        scenario("corrected date in the same session")
            .say(
                0,
                "My sister's wedding is on June 12",
                add("Alice's sister's wedding is on 12 June 2024"))
            .say(
                0,
                "Sorry, I got that wrong, it's June 19",
                updates(
                    "Alice's sister's wedding is on 19 June 2024",
                    "Alice's sister's wedding is on 12 June 2024",
                    "Alice's sister's wedding is on 19 June 2024"))
            .ask(
                "when is the sister getting married?",
                "Alice's sister's wedding is on 19 June 2024"));
    s.add(
        scenario("rescheduled appointment")
            .say(
                0,
                "Dentist appointment on March 3 at 9am",
                add("Alice has a dentist appointment on 3 March 2024 at 9am"))
            .say(
                10,
                "The dentist moved my appointment to March 10",
                invalidates(
                    "Alice's dentist appointment is on 10 March 2024",
                    "Alice has a dentist appointment on 3 March 2024 at 9am"))
            .ask("when do I see the dentist?", "Alice's dentist appointment is on 10 March 2024"));
    s.add(
        scenario("changed travel plan")
            .say(0, "I'm going to Rome in June", add("Alice plans to visit Rome in June 2024"))
            .say(
                30,
                "Change of plans: Madrid instead of Rome",
                invalidates(
                    "Alice will visit Madrid in June 2024 instead of Rome",
                    "Alice plans to visit Rome in June 2024"))
            .ask(
                "where is Alice travelling in June?",
                "Alice will visit Madrid in June 2024 instead of Rome"));
    s.add(
        scenario("another language")
            .say(0, "I'm learning Spanish on Duolingo", add("Alice is learning Spanish"))
            .say(
                100,
                "I gave up Spanish and started Japanese classes",
                invalidates("Alice is learning Japanese", "Alice is learning Spanish"))
            .ask("which language am I studying?", "Alice is learning Japanese"));
    s.add(
        scenario("new commute; the old turn also holds the job")
            .say(
                0,
                "I work at Finch as a designer and I bike to work every day",
                add("Alice is a designer at Finch"),
                add("Alice bikes to work every day"))
            .say(
                60,
                "Since the move I take the train to work",
                invalidates("Alice commutes to work by train", "Alice bikes to work every day"))
            .ask("how does Alice get to the office?", "Alice commutes to work by train"));
    s.add(
        scenario("medication dose, a number")
            .say(
                0,
                "I take 50 mg of sertraline each morning",
                add("Alice takes 50 mg of sertraline daily"))
            .say(
                40,
                "My doctor raised my dose to 100 mg",
                updates(
                    "Alice's sertraline dose was raised to 100 mg",
                    "Alice takes 50 mg of sertraline daily",
                    "Alice takes 100 mg of sertraline daily"))
            .ask("what dosage is Alice on?", "Alice takes 100 mg of sertraline daily"));
    s.add(
        scenario("school year")
            .say(
                0,
                "Leo is in second grade at Hillside",
                add("Alice's son Leo is in second grade at Hillside Elementary"))
            .say(
                250,
                "Leo started third grade this week",
                updates(
                    "Alice's son Leo started third grade",
                    "Alice's son Leo is in second grade at Hillside Elementary",
                    "Alice's son Leo is in third grade at Hillside Elementary"))
            .ask(
                "what year of school is Leo in?",
                "Alice's son Leo is in third grade at Hillside Elementary"));
    s.add(
        scenario("coffee order")
            .say(
                0,
                "I drink my coffee with milk and two sugars",
                add("Alice takes her coffee with milk and two sugars"))
            .say(
                30,
                "I cut out sugar, just black now",
                invalidates(
                    "Alice drinks her coffee black without sugar",
                    "Alice takes her coffee with milk and two sugars"))
            .ask("how do I take my coffee?", "Alice drinks her coffee black without sugar"));
    s.add(
        scenario("football club")
            .say(0, "I support Arsenal", add("Alice supports Arsenal"))
            .say(
                90,
                "I've become a Liverpool fan, don't laugh",
                invalidates("Alice supports Liverpool", "Alice supports Arsenal"))
            .ask("which football team does Alice follow?", "Alice supports Liverpool"));
    s.add(
        scenario("new laptop")
            .say(0, "I code on a 2019 MacBook Pro", add("Alice uses a 2019 MacBook Pro"))
            .say(
                45,
                "New work laptop: a ThinkPad X1 Carbon",
                invalidates(
                    "Alice uses a ThinkPad X1 Carbon laptop", "Alice uses a 2019 MacBook Pro"))
            .ask("which laptop do I use?", "Alice uses a ThinkPad X1 Carbon laptop"));
    s.add(
        scenario("bought a house; the old turn also holds a neighbour")
            .say(
                0,
                "We rent a two-bedroom flat near the park and my neighbour Jo walks our dog",
                add("Alice rents a two-bedroom flat near the park"),
                add("Alice's neighbour Jo walks her dog"))
            .say(
                180,
                "We bought a house in Greenfield and moved in last month",
                invalidates(
                    "Alice owns a house in Greenfield",
                    "Alice rents a two-bedroom flat near the park"))
            .ask("what kind of home does Alice live in?", "Alice owns a house in Greenfield"));
    s.add(
        scenario("new manager")
            .say(0, "My manager is Priya, she's great", add("Alice's manager is Priya"))
            .say(
                70,
                "Priya left the company, my new boss is Daniel",
                invalidates("Alice's manager is Daniel", "Alice's manager is Priya"))
            .ask("who is my boss?", "Alice's manager is Daniel"));
    s.add(
        scenario("gym frequency, a number")
            .say(
                0,
                "I go to the gym three times a week",
                add("Alice goes to the gym three times a week"))
            .say(
                50,
                "I'm going five times a week now",
                updates(
                    "Alice goes to the gym five times a week",
                    "Alice goes to the gym three times a week",
                    "Alice goes to the gym five times a week"))
            .ask("how often do I exercise?", "Alice goes to the gym five times a week"));
    s.add(
        scenario("new email address")
            .say(
                0,
                "You can reach me at alice.m@oldmail.com",
                add("Alice's email address is alice.m@oldmail.com"))
            .say(
                60,
                "I changed providers, use alice@newpost.org from now on",
                invalidates(
                    "Alice's email address is alice@newpost.org",
                    "Alice's email address is alice.m@oldmail.com"))
            .ask(
                "what address should I email Alice at?",
                "Alice's email address is alice@newpost.org"));
    s.add(
        scenario("marathon goal, a number")
            .say(
                0,
                "I'm aiming for a sub-4-hour marathon",
                add("Alice aims to run a marathon in under 4 hours"))
            .say(
                80,
                "New goal: under 3 hours 45",
                updates(
                    "Alice's new marathon goal is under 3 hours 45 minutes",
                    "Alice aims to run a marathon in under 4 hours",
                    "Alice aims to run a marathon in under 3 hours 45 minutes"))
            .ask(
                "what finishing time is Alice targeting?",
                "Alice aims to run a marathon in under 3 hours 45 minutes"));
    s.add(
        scenario("bedtime")
            .say(0, "I usually go to bed around midnight", add("Alice goes to bed around midnight"))
            .say(
                35,
                "I've started turning in at 10pm, I feel so much better",
                updates(
                    "Alice now goes to bed at 10pm",
                    "Alice goes to bed around midnight",
                    "Alice goes to bed at 10pm"))
            .ask("when do I go to bed?", "Alice goes to bed at 10pm"));
    s.add(
        scenario("changed job, then changed again, mixing update and invalidate")
            .say(0, "I'm a barista at Bean There", add("Alice is a barista at Bean There"))
            .say(
                40,
                "I'm shift supervisor at Bean There now",
                updates(
                    "Alice was promoted to shift supervisor",
                    "Alice is a barista at Bean There",
                    "Alice is a shift supervisor at Bean There"))
            .say(
                150,
                "I quit the cafe and I'm training to be an electrician",
                invalidates(
                    "Alice is training to be an electrician",
                    "Alice is a shift supervisor at Bean There"))
            .ask("what is my occupation?", "Alice is training to be an electrician"));
    return s;
  }

  // ---------------------------------------------------------------------------- the run

  /** What the scripted model is working on: the turn being added and its facts by text. */
  private static final class Script {
    Said current;
    final List<String> misses = new ArrayList<>();
  }

  private static final Pattern EXISTING =
      Pattern.compile("\\{\"id\":\"(\\d+)\",\"text\":\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern NEW_FACT =
      Pattern.compile("\\{\"fact\":(\\d+),\"text\":\"((?:[^\"\\\\]|\\\\.)*)\"");

  private static String respond(ChatRequest r, Script script) {
    if (isExtract(r)) {
      StringBuilder sb = new StringBuilder("{\"facts\": [");
      List<Fact> facts = script.current.facts();
      for (int i = 0; i < facts.size(); i++) {
        sb.append(i == 0 ? "" : ",")
            .append("{\"text\": \"")
            .append(facts.get(i).text())
            .append(
                "\", \"about\": \"user\", \"kind\": \"semantic\", \"importance\": 7,"
                    + " \"keywords\": [], \"tags\": [], \"context\": \"\", \"sources\": [1]}");
      }
      return sb.append("]}").toString();
    }
    if (isConsolidate(r)) {
      String prompt = user(r);
      int split = prompt.indexOf("NEW FACTS:");
      Map<String, String> idByText = new LinkedHashMap<>();
      Matcher m = EXISTING.matcher(prompt.substring(0, split));
      while (m.find()) {
        idByText.putIfAbsent(m.group(2), m.group(1));
      }
      List<String> decisions = new ArrayList<>();
      m = NEW_FACT.matcher(prompt.substring(split));
      while (m.find()) {
        Fact f = factByText(script.current, m.group(2));
        String action = "ADD";
        String target = "";
        String text = "";
        if (f != null && f.action() != Action.ADD) {
          String id = idByText.get(f.target());
          if (id == null) {
            // A real model cannot act on a memory it was not shown.
            script.misses.add("consolidation was not shown \"" + f.target() + "\"");
          } else {
            action = f.action().name();
            target = id;
            text = f.action() == Action.UPDATE ? f.merged() : "";
          }
        }
        decisions.add(
            String.format(
                Locale.ROOT,
                "{\"fact\": %s, \"action\": \"%s\", \"target\": \"%s\", \"text\": \"%s\","
                    + " \"related\": [], \"reason\": \"scripted\"}",
                m.group(1),
                action,
                target,
                text));
      }
      return "{\"decisions\": [" + String.join(",", decisions) + "]}";
    }
    throw new AssertionError("unexpected request: " + ScriptedChatModel.system(r));
  }

  private static Fact factByText(Said turn, String text) {
    for (Fact f : turn.facts()) {
      if (f.text().equals(text)) {
        return f;
      }
    }
    return null;
  }

  /** One scenario's outcome. */
  record Outcome(
      Scenario scenario,
      List<SearchHit> hits,
      Set<String> stale,
      List<String> misses,
      boolean currentFirst,
      boolean staleBelowTop3) {
    boolean passed() {
      return currentFirst && staleBelowTop3;
    }

    String report() {
      StringBuilder sb =
          new StringBuilder()
              .append(passed() ? "ok   " : "MISS ")
              .append(scenario.name())
              .append(": \"")
              .append(scenario.query())
              .append("\" current first=")
              .append(currentFirst)
              .append(", stale below top 3=")
              .append(staleBelowTop3)
              .append('\n');
      if (passed()) {
        return sb.toString();
      }
      sb.append("    expected first: ").append(scenario.current()).append('\n');
      sb.append("    stale: ").append(stale).append('\n');
      misses.forEach(x -> sb.append("    pipeline: ").append(x).append('\n'));
      for (int i = 0; i < Math.min(5, hits.size()); i++) {
        SearchHit h = hits.get(i);
        sb.append(
            String.format(
                Locale.ROOT,
                "    %d. %.3f %s%s %s%n",
                i + 1,
                h.score(),
                h.memory().isTurn() ? "[turn] " : "[fact] ",
                h.text(),
                h.explanation() == null ? "" : h.explanation()));
      }
      return sb.toString();
    }
  }

  private Outcome run(Scenario scenario, int index) {
    return ingested(
        scenario,
        index,
        (store, owner, misses) -> {
          List<SearchHit> hits =
              store.search(
                  SearchRequest.builder(owner, scenario.query()).limit(10).explain(true).build());
          Set<String> stale = stale(scenario, store, owner);
          boolean first = !hits.isEmpty() && hits.get(0).text().equals(scenario.current());
          boolean below = true;
          for (int i = 0; i < Math.min(3, hits.size()); i++) {
            below &= !stale.contains(hits.get(i).text());
          }
          return new Outcome(scenario, hits, stale, misses, first, below);
        });
  }

  /**
   * Runs a scenario's timeline through the pipeline into a fresh store, then {@code then} on it at
   * the day after the last turn.
   */
  private <R> R ingested(Scenario scenario, int index, AfterIngest<R> then) {
    Scope owner = Scope.user("ku-" + index);
    ManualClock clock = new ManualClock(START);
    Script script = new Script();
    ScriptedChatModel model = new ScriptedChatModel(r -> respond(r, script));
    Path storeDir = dir.resolve("s" + index);
    try (MemoryStore store =
        Engram.builder()
            .clock(clock)
            .backend(EmbeddedMemory.backend(storeDir).embedder(embedder).build())
            .pipeline(LlmPipeline.builder(model).build())
            .build()) {
      // The scenario's turns, each followed by something else said in its session, and two
      // sessions of other talk in between.
      List<Said> timeline = new ArrayList<>();
      int filler = index;
      for (Said t : scenario.turns()) {
        timeline.add(t);
        timeline.add(at(t.day(), FILLER.get(filler++ % FILLER.size())));
      }
      int last = scenario.turns().get(scenario.turns().size() - 1).day();
      timeline.add(at(last / 2 + 1, FILLER.get(filler++ % FILLER.size())));
      timeline.add(at(last / 2 + 1, FILLER.get(filler++ % FILLER.size())));
      timeline.sort((a, b) -> Integer.compare(a.day(), b.day()));
      int n = 0;
      for (Said t : timeline) {
        script.current = t;
        clock.set(START.plus(Duration.ofDays(t.day())).plus(Duration.ofMinutes(5L * n)));
        store.add(
            AddRequest.builder(owner.withSession("day-" + t.day()))
                .message(
                    Message.user(t.text())
                        .withName("Alice")
                        .withId("m" + n++)
                        .withObservedAt(clock.instant()))
                .build());
      }
      clock.set(START.plus(Duration.ofDays(last + 1)));
      return then.apply(store, owner, script.misses);
    }
  }

  /** What to do with a scenario's store once its timeline is in. */
  @FunctionalInterface
  interface AfterIngest<R> {
    R apply(MemoryStore store, Scope owner, List<String> pipelineMisses);
  }

  private static Said at(int day, Said s) {
    return new Said(day, s.text(), s.facts());
  }

  /**
   * The stale texts: each fact an update replaced (its old text), and each turn every fact of which
   * was replaced, by the script; and, by the store, each invalidated memory and each turn whose
   * derived facts are all out of date.
   */
  private static Set<String> stale(Scenario scenario, MemoryStore store, Scope owner) {
    Set<String> replaced = new LinkedHashSet<>();
    for (Said t : scenario.turns()) {
      for (Fact f : t.facts()) {
        if (f.action() != Action.ADD) {
          replaced.add(f.target());
        }
      }
    }
    Set<String> stale = new LinkedHashSet<>(replaced);
    for (Said t : scenario.turns()) {
      if (t.facts().stream().allMatch(f -> replaced.contains(currentText(scenario, f)))) {
        stale.add(t.text());
      }
    }
    for (Memory m : store.list(owner, Filter.all(), PageRequest.first(500)).items()) {
      if (m.status() == Status.INVALIDATED) {
        stale.add(m.text());
      }
      if (m.isTurn()
          && m.links().stream().anyMatch(l -> l.relation().equals(Link.OUTDATED_FACT))
          && m.links().stream().noneMatch(l -> l.relation().equals(Link.FACT))) {
        stale.add(m.text());
      }
    }
    stale.remove(scenario.current());
    return stale;
  }

  /** The text a fact is stored under once its own decision is applied. */
  private static String currentText(Scenario scenario, Fact f) {
    return switch (f.action()) {
      case UPDATE -> f.merged();
      default -> f.text();
    };
  }

  @Test
  void asOfADateBeforeTheMove_theOldFactRanksFirst_andItsTurnIsNotStale() {
    Scenario moved =
        scenarios().stream().filter(x -> x.name().equals("moved city")).findFirst().orElseThrow();
    List<SearchHit> hits =
        ingested(
            moved,
            0,
            (store, owner, misses) ->
                store.search(
                    SearchRequest.builder(owner, moved.query())
                        .asOf(START.plus(Duration.ofDays(30)))
                        // The turns of day 0 have faded to the archive by now.
                        .includeArchived(true)
                        .limit(10)
                        .explain(true)
                        .build()));
    assertFalse(hits.isEmpty(), "nothing found as of day 30");
    assertEquals("Alice lives in Manchester", hits.get(0).text(), "as of day 30: " + hits);
    for (SearchHit h : hits) {
      assertFalse(
          h.explanation().signals().containsKey("staleTurnFactor"),
          "as of day 30 nothing was out of date yet: " + h + " " + h.explanation());
    }
  }

  @Test
  void theCurrentFactRanksFirst_andNothingStaleInTheTopThree() {
    List<Scenario> scenarios = scenarios();
    assertTrue(scenarios.size() >= 30, "the issue asks for at least 30 scenarios");
    List<Outcome> outcomes = new ArrayList<>();
    for (int i = 0; i < scenarios.size(); i++) {
      outcomes.add(run(scenarios.get(i), i));
    }
    int first = 0;
    int below = 0;
    int both = 0;
    StringBuilder report = new StringBuilder();
    for (Outcome o : outcomes) {
      first += o.currentFirst() ? 1 : 0;
      below += o.staleBelowTop3() ? 1 : 0;
      both += o.passed() ? 1 : 0;
      report.append(o.report());
    }
    int n = outcomes.size();
    String summary =
        String.format(
            Locale.ROOT,
            "knowledge updates: %d scenarios; current fact rank 1: %d (%.1f%%); no stale memory in"
                + " the top 3: %d (%.1f%%); both: %d (%.1f%%)",
            n,
            first,
            100.0 * first / n,
            below,
            100.0 * below / n,
            both,
            100.0 * both / n);
    summary +=
        String.format(
            Locale.ROOT,
            "; issue 11 target %.0f%%: %s",
            100 * TARGET,
            both >= TARGET * n ? "met" : "not met");
    System.out.println(report + summary);
    assertTrue(first >= FLOOR_CURRENT_FIRST * n, summary + "\n" + report);
    assertTrue(below >= FLOOR_STALE_BELOW_TOP3 * n, summary + "\n" + report);
    assertTrue(both >= FLOOR_BOTH * n, summary + "\n" + report);
  }
}
