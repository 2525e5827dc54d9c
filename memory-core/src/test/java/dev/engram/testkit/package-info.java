/**
 * The contract suite every backend passes ({@link dev.engram.testkit.MemoryStoreContractTest}) and
 * its test helpers; published in memory-core's test jar.
 */
package dev.engram.testkit;
