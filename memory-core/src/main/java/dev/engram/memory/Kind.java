package dev.engram.memory;

/** What sort of knowledge a memory holds (Tulving's taxonomy, as used by LangMem and MemOS). */
public enum Kind {
  /** Something that happened or was said, at a time: "On 8 May Alice said she moved to Lisbon". */
  EPISODIC,
  /** A fact that holds independently of when it was learned: "Alice lives in Lisbon". */
  SEMANTIC,
  /** How to do something, or how to behave: "Answer Alice in Portuguese". */
  PROCEDURAL
}
