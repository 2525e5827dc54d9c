package dev.engram.mcp;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Fresh random API keys for tests. */
final class Keys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private Keys() {}

  static String random() {
    byte[] b = new byte[32];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
