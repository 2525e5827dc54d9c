package dev.engram.mcp.internal;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts running tool calls so that closing a server lets the calls it accepted finish before the
 * store is closed under them; calls that arrive after closing began are refused.
 */
public final class InFlight {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private int running;
  private boolean closed;

  /** Admits a call; {@code false} once closing began. Every admitted call must {@link #exit()}. */
  public boolean enter() {
    lock.lock();
    try {
      if (closed) {
        return false;
      }
      running++;
      return true;
    } finally {
      lock.unlock();
    }
  }

  /** Ends an admitted call. */
  public void exit() {
    lock.lock();
    try {
      if (--running == 0) {
        idle.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Refuses new calls and waits up to {@code timeout} for running ones.
   *
   * @return whether every running call finished in time
   */
  public boolean closeAndAwait(Duration timeout) {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      closed = true;
      while (running > 0) {
        if (nanos <= 0) {
          return false;
        }
        nanos = idle.awaitNanos(nanos);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return running == 0;
    } finally {
      lock.unlock();
    }
  }

  /** How many calls are running. */
  public int running() {
    lock.lock();
    try {
      return running;
    } finally {
      lock.unlock();
    }
  }
}
