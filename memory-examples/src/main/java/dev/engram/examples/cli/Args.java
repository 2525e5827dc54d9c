package dev.engram.examples.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments: {@code --name value}, {@code --name=value}, {@code --flag}, positionals.
 */
final class Args {
  private final Map<String, String> options = new LinkedHashMap<>();
  private final List<String> positionals = new ArrayList<>();

  /**
   * Parses {@code args} of {@code command} against the options it takes.
   *
   * @param valued options that take a value
   * @param flags options that take none
   * @param elsewhere options other commands take, reported as not applying to this one
   * @throws UsageException naming an unknown or inapplicable option or a missing value
   */
  static Args parse(
      String command,
      List<String> args,
      Set<String> valued,
      Set<String> flags,
      Set<String> elsewhere) {
    Args a = new Args();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("--")) {
        a.positionals.addAll(args.subList(i + 1, args.size()));
        break;
      }
      if (arg.startsWith("--") && arg.length() > 2) {
        String name = arg.substring(2);
        String value = null;
        int eq = name.indexOf('=');
        if (eq >= 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (flags.contains(name)) {
          if (value != null) {
            throw new UsageException("--" + name + " takes no value");
          }
          a.options.put(name, "true");
        } else if (valued.contains(name)) {
          if (value == null) {
            if (i + 1 >= args.size()) {
              throw new UsageException("--" + name + " needs a value");
            }
            value = args.get(++i);
          }
          a.options.put(name, value);
        } else if (elsewhere.contains(name)) {
          throw new UsageException(
              "--"
                  + name
                  + " does not apply to "
                  + command
                  + " (see engram "
                  + command
                  + " --help)");
        } else {
          throw new UsageException(
              "unknown option --" + name + " (see engram " + command + " --help)");
        }
      } else {
        a.positionals.add(arg);
      }
    }
    return a;
  }

  String get(String name) {
    return options.get(name);
  }

  String get(String name, String fallback) {
    return options.getOrDefault(name, fallback);
  }

  boolean has(String name) {
    return options.containsKey(name);
  }

  int intValue(String name, int fallback, int min, int max) {
    String v = options.get(name);
    if (v == null) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(v.strip());
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new UsageException(
          "--" + name + " must be a number from " + min + " to " + max + ", got '" + v + "'");
    }
  }

  List<String> positionals() {
    return positionals;
  }
}
