package dev.engram.internal;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks keyed by scope owner. Two owners may share a stripe, which only costs concurrency;
 * one thread never holds two stripes, so there is no lock ordering to get wrong.
 */
final class Locks {
  private final ReentrantLock[] stripes;

  Locks(int count) {
    stripes = new ReentrantLock[Integer.highestOneBit(Math.max(1, count - 1)) << 1];
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  ReentrantLock forKey(String key) {
    int h = key.hashCode();
    h ^= h >>> 16;
    return stripes[h & (stripes.length - 1)];
  }
}
