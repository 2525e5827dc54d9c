package dev.engram.internal;

import dev.engram.backend.MemoryBackend;
import dev.engram.testkit.MemoryStoreContractTest;
import java.nio.file.Path;

class InMemoryBackendContractTest extends MemoryStoreContractTest {
  @Override
  protected MemoryBackend newBackend(Path dir) {
    return new InMemoryBackend();
  }
}
