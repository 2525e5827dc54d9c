package dev.engram.retrieval.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.function.BooleanSupplier;

/** A file channel that fails its writes, as a full disk does, whenever {@code full} says so. */
final class FailingFileChannel extends FileChannel {
  private final FileChannel delegate;
  private final BooleanSupplier full;

  FailingFileChannel(FileChannel delegate, BooleanSupplier full) {
    this.delegate = delegate;
    this.full = full;
  }

  private void check() throws IOException {
    if (full.getAsBoolean()) {
      throw new IOException("No space left on device");
    }
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    if (full.getAsBoolean()) {
      // A full disk often takes part of a write before failing: write half, then fail.
      ByteBuffer half = src.duplicate();
      half.limit(half.position() + src.remaining() / 2);
      delegate.write(half, position);
      throw new IOException("No space left on device");
    }
    return delegate.write(src, position);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    check();
    return delegate.write(src);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    check();
    return delegate.write(srcs, offset, length);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return delegate.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return delegate.read(dsts, offset, length);
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return delegate.read(dst, position);
  }

  @Override
  public long position() throws IOException {
    return delegate.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    delegate.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return delegate.size();
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    delegate.truncate(size);
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    check();
    delegate.force(metaData);
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    return delegate.transferTo(position, count, target);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    check();
    return delegate.transferFrom(src, position, count);
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    return delegate.map(mode, position, size);
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return delegate.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return delegate.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    delegate.close();
  }
}
