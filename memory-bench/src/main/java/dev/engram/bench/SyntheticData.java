package dev.engram.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Realistic-looking memories and questions about them: people, activities, objects, places and
 * dates drawn from word lists with a fixed seed, so every run builds the same store.
 */
final class SyntheticData {
  private static final String[] NAMES =
      words(
          "Alice Bruno Carla Diego Elena Farid Greta Hugo Ines Jonas Kaito Lena Marta Nadia Oscar Paula Quentin"
              + " Rosa Samir Tara Umar Vera Wes Xenia Yusuf Zoe Amir Bea Caleb Dana Emil Fiona Goran Hana Ivan"
              + " Jade Kofi Lara Milo Nina Omar Pia Raul Sofia Theo Una Viktor Wanda Yara Zeno");
  private static final String[] VERBS =
      words(
          "bought adopted painted visited repaired cooked planned booked lost found borrowed sold planted"
              + " photographed studied baked knitted rented returned ordered built cleaned tuned signed"
              + " recommended reviewed ran swam climbed sailed hiked");
  private static final String[] OBJECTS =
      words(
          "bicycle guitar sourdough puppy kayak laptop novel telescope garden apartment ticket camera scarf"
              + " violin recipe painting tent ring sofa piano bookshelf drone aquarium sketchbook jacket"
              + " motorbike quilt espresso-machine chessboard lantern vinyl-record notebook microscope"
              + " surfboard kite backpack watch teapot easel hammock canoe typewriter");
  private static final String[] PLACES =
      words(
          "Lisbon Porto Kyoto Nairobi Oslo Lima Hanoi Quebec Seville Tbilisi Bergen Cusco Dakar Krakow"
              + " Valparaiso Tallinn Zanzibar Hobart Reykjavik Marrakesh Ghent Trieste Busan Cork Perth");
  private static final String[] FEELINGS =
      words("excited nervous proud tired happy curious relieved grateful anxious delighted");
  private static final String[] MONTHS =
      words(
          "January February March April May June July August September October November December");

  private SyntheticData() {}

  private static String[] words(String s) {
    return s.split(" ");
  }

  private static String pick(String[] a, Random r) {
    return a[r.nextInt(a.length)];
  }

  /** The i-th memory's text. */
  static String memory(long seed, int i) {
    Random r = new Random(seed * 1_000_003L + i);
    String name = pick(NAMES, r);
    String when = (1 + r.nextInt(28)) + " " + pick(MONTHS, r) + " " + (2019 + r.nextInt(7));
    String obj = pick(OBJECTS, r).replace('-', ' ');
    return switch (r.nextInt(4)) {
      case 0 ->
          name
              + " "
              + pick(VERBS, r)
              + " a "
              + obj
              + " in "
              + pick(PLACES, r)
              + " on "
              + when
              + ".";
      case 1 ->
          "On "
              + when
              + " "
              + name
              + " felt "
              + pick(FEELINGS, r)
              + " about the "
              + obj
              + " from "
              + pick(PLACES, r)
              + ".";
      case 2 ->
          name
              + " said the "
              + obj
              + " they "
              + pick(VERBS, r)
              + " last week was the best thing about "
              + pick(PLACES, r)
              + ".";
      default ->
          name
              + " is planning to visit "
              + pick(PLACES, r)
              + " in "
              + pick(MONTHS, r)
              + " and wants a "
              + obj
              + ".";
    };
  }

  /** Question texts in the style people ask a memory. */
  static List<String> queries(long seed, int n) {
    Random r = new Random(seed ^ 0x5DEECE66DL);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String name = pick(NAMES, r);
      String obj = pick(OBJECTS, r).replace('-', ' ');
      out.add(
          switch (i % 4) {
            case 0 -> "What did " + name + " buy in " + pick(PLACES, r) + "?";
            case 1 -> "When did " + name + " get the " + obj + "?";
            case 2 -> "How did " + name + " feel about the " + obj + "?";
            default -> "Where is " + name + " travelling in " + pick(MONTHS, r) + "?";
          });
    }
    return out;
  }
}
