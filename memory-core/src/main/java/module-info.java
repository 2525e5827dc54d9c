/**
 * Engram's core: the MemoryStore API, scopes, decay and tiers, history, filters and the plug-in
 * SPI.
 */
module dev.engram.core {
  requires transitive com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports dev.engram;
  exports dev.engram.memory;
  exports dev.engram.filter;
  exports dev.engram.decay;
  exports dev.engram.history;
  exports dev.engram.spi;
}
