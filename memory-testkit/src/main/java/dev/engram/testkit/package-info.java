/**
 * The contract suites every {@link dev.engram.backend.MemoryBackend} passes, split by capability
 * (see {@link dev.engram.testkit.StoreContract}), and {@link dev.engram.testkit.ManualClock}. A
 * backend's test class declares one JUnit {@code @Nested} class per contract:
 *
 * <pre>{@code
 * class MyBackendContractTest {
 *   static MemoryBackend backend(Path dir) { return new MyBackend(dir); }
 *
 *   @Nested class Crud extends CrudContract {
 *     @Override protected MemoryBackend newBackend(Path dir) { return backend(dir); }
 *   }
 *   // ... one per contract; DurabilityContract only if capabilities() has PERSISTENT
 * }
 * }</pre>
 */
package dev.engram.testkit;
