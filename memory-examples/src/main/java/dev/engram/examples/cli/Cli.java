package dev.engram.examples.cli;

import dev.engram.EngramException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code engram} command: picocli parses each subcommand's options (declared once, on the
 * command or a shared {@link Options} mixin) and prints the help; every command runs, writes to the
 * given streams and returns an exit code. Errors are one line on stderr, never a stack trace unless
 * {@code --verbose}: exit 2 for a command line that cannot be run as written, 1 otherwise.
 */
public final class Cli {
  /**
   * Lucene announces at INFO through java.util.logging which vector implementation it uses, on
   * every run; only its warnings are worth a user's attention. Held here so the level is not lost
   * when the logger is garbage-collected.
   */
  private static final java.util.logging.Logger LUCENE_LOG =
      java.util.logging.Logger.getLogger("org.apache.lucene");

  final InputStream in;
  final PrintStream out;
  final PrintStream err;
  final Stores stores;

  /** A CLI over the given streams, opening stores and models with {@code stores}. */
  public Cli(InputStream in, PrintStream out, PrintStream err, Stores stores) {
    this.in = in;
    this.out = out;
    this.err = err;
    this.stores = stores;
  }

  /** Entry point of the runnable jar. */
  public static void main(String[] args) {
    quietLibraries(List.of(args).contains("--verbose"));
    int code = new Cli(System.in, System.out, System.err, new Stores(System.getenv())).run(args);
    System.exit(code);
  }

  /**
   * Library logging goes to stderr through slf4j-simple (configured in simplelogger.properties):
   * off unless {@code --verbose}, so retry warnings and the stack traces logged with them never
   * reach the terminal; a failure is reported by the command itself in one line. Must run before
   * any library creates a logger.
   */
  static void quietLibraries(boolean verbose) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "warn" : "off");
    if (!verbose) {
      System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "off");
    }
    LUCENE_LOG.setLevel(verbose ? java.util.logging.Level.WARNING : java.util.logging.Level.SEVERE);
  }

  /** The root command: {@code engram} alone prints the help. */
  @Command(
      name = "engram",
      mixinStandardHelpOptions = true,
      versionProvider = Version.class,
      header = "engram — embeddable agent memory for the JVM",
      synopsisSubcommandLabel = "COMMAND",
      commandListHeading = "%nCommands:%n",
      footer = {
        "%nEvery command takes --help and only the options it lists there; any other option is an"
            + " error. A memory ID may be shortened to a unique prefix of at least 4 characters."
            + " Shell completion: source <(engram completion)."
      })
  static final class Root implements java.util.concurrent.Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      spec.commandLine().usage(spec.commandLine().getOut());
      return 2;
    }
  }

  /** The project version, from a resource Maven fills in. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      Properties p = new Properties();
      try (InputStream in = Cli.class.getResourceAsStream("/engram-version.properties")) {
        if (in != null) {
          p.load(in);
        }
      }
      return new String[] {
        "engram " + p.getProperty("version", "(unknown version)"),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ")"
      };
    }
  }

  /** The subcommands, in the order the help lists them, built on demand. */
  private List<java.util.Map.Entry<String, java.util.function.Supplier<Object>>> commands() {
    return List.of(
        java.util.Map.entry("demo", () -> new Commands.Demo(this)),
        java.util.Map.entry("chat", () -> new Commands.ChatCommand(this)),
        java.util.Map.entry("add", () -> new Commands.Add(this)),
        java.util.Map.entry("search", () -> new Commands.Search(this)),
        java.util.Map.entry("list", () -> new Commands.ListMemories(this)),
        java.util.Map.entry("get", () -> new Commands.Get(this)),
        java.util.Map.entry("history", () -> new Commands.History(this)),
        java.util.Map.entry("update", () -> new Commands.Update(this)),
        java.util.Map.entry("forget", () -> new Commands.Forget(this)),
        java.util.Map.entry("restore", () -> new Commands.Restore(this)),
        java.util.Map.entry("purge", () -> new Commands.Purge(this)),
        java.util.Map.entry("stats", () -> new Commands.Stats(this)),
        java.util.Map.entry("maintain", () -> new StoreCommands.Maintain(this)),
        java.util.Map.entry("reindex", () -> new StoreCommands.Reindex(this)),
        java.util.Map.entry("repair", () -> new StoreCommands.RepairCommand(this)),
        java.util.Map.entry("mcp", () -> new McpCommands.Mcp(this)),
        java.util.Map.entry("serve", () -> new McpCommands.Serve(this)),
        java.util.Map.entry("export", () -> new TransferCommands.Export(this)),
        java.util.Map.entry("import", () -> new TransferCommands.Import(this)),
        java.util.Map.entry(
            "eval",
            () -> {
              CommandLine eval = new CommandLine(new EvalCommands.Eval());
              eval.addSubcommand(new EvalCommands.LocomoCommand(this));
              eval.addSubcommand(new EvalCommands.LocomoQaCommand(this));
              return eval;
            }),
        java.util.Map.entry("completion", StoreCommands.Completion::new),
        java.util.Map.entry("train-startup", () -> new StoreCommands.Train(this)));
  }

  /** The whole command tree, over this CLI's streams and stores. */
  CommandLine commandLine() {
    return commandLine(null);
  }

  /**
   * The command tree with every subcommand, or only {@code only}: picocli reads each command's
   * annotations when it is added, which for all of them is a noticeable part of a start, so a
   * command line naming a command builds just that one (the help and error messages that need the
   * others build the whole tree).
   */
  private CommandLine commandLine(String only) {
    CommandLine cl = new CommandLine(new Root());
    for (var c : commands()) {
      if (only == null || c.getKey().equals(only)) {
        Object command = c.getValue().get();
        if (command instanceof CommandLine sub) {
          cl.addSubcommand(c.getKey(), sub);
        } else {
          cl.addSubcommand(command);
        }
      }
    }
    cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cl.setParameterExceptionHandler(
        only == null ? this::usageError : (e, args) -> commandLine(null).execute(args));
    cl.setExecutionExceptionHandler(
        (e, command, parsed) -> failure(e, parsed.expandedArgs().toArray(String[]::new)));
    return cl;
  }

  /** Runs one command line; returns the process exit code. */
  public int run(String... argv) {
    // completion describes every command, so it needs the whole tree.
    boolean named =
        argv.length > 0
            && !argv[0].equals("completion")
            && commands().stream().anyMatch(c -> c.getKey().equals(argv[0]));
    return commandLine(named ? argv[0] : null).execute(argv);
  }

  // --------------------------------------------------------------------------- errors

  private int usageError(ParameterException e, String[] args) {
    CommandLine where = e.getCommandLine();
    String command = qualifiedName(where);
    String message;
    if (e instanceof UnmatchedArgumentException u && !u.getUnmatched().isEmpty()) {
      String arg = u.getUnmatched().get(0);
      if (arg.startsWith("-") && arg.length() > 1) {
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        message =
            (optionNames(where.getCommandSpec().root()).contains(name)
                    ? name + " does not apply to " + shortName(command)
                    : "unknown option " + name)
                + " (see "
                + command
                + " --help)";
      } else if (where.getCommandSpec().subcommands().isEmpty()) {
        message = shortName(command) + " takes no arguments, got '" + arg + "'";
      } else if (where.getCommandSpec().root() == where.getCommandSpec()) {
        message = "unknown command '" + arg + "' (see engram --help)";
      } else {
        message = "unknown command '" + arg + "' (see " + command + " --help)";
      }
    } else if (e instanceof CommandLine.OverwrittenOptionException o) {
      message =
          (o.getOverwritten() instanceof OptionSpec opt
                  ? opt.longestName()
                  : o.getOverwritten().paramLabel())
              + " is given more than once; give it once (see "
              + command
              + " --help)";
    } else if (e instanceof CommandLine.MissingParameterException m
        && m.getMissing().size() == 1
        && m.getMissing().get(0) instanceof OptionSpec opt) {
      message = opt.longestName() + " needs a value (" + opt.paramLabel() + ")";
    } else {
      message = oneLine(e.getMessage());
    }
    err.println("engram: " + message);
    if (verbose(args)) {
      e.printStackTrace(err);
    }
    return 2;
  }

  /** "search" for "engram search"; the root stays "engram". */
  private static String shortName(String qualified) {
    return qualified.startsWith("engram ") ? qualified.substring("engram ".length()) : qualified;
  }

  private static String qualifiedName(CommandLine c) {
    return c.getCommandSpec().qualifiedName(" ");
  }

  /** Every option name of every command, to tell "unknown" from "not for this command". */
  private static Set<String> optionNames(CommandSpec root) {
    Set<String> names = new TreeSet<>();
    collect(root, names);
    return names;
  }

  private static void collect(CommandSpec spec, Set<String> names) {
    for (OptionSpec o : spec.options()) {
      names.addAll(List.of(o.names()));
    }
    spec.subcommands().values().forEach(c -> collect(c.getCommandSpec(), names));
  }

  private static boolean verbose(String[] args) {
    return args != null && List.of(args).contains("--verbose");
  }

  private int failure(Exception e, String[] args) {
    int code;
    String message;
    if (e instanceof UsageException) {
      code = 2;
      message = oneLine(e.getMessage());
    } else if (e instanceof ReportingChatModel.LlmFailure) {
      code = 1;
      message = e.getMessage();
    } else if (e instanceof IllegalArgumentException
        || e instanceof IllegalStateException
        || e instanceof EngramException
        || e instanceof IOException) {
      code = 1;
      message = describe(e);
    } else if (e instanceof UncheckedIOException u) {
      code = 1;
      message = describe(u.getCause());
    } else {
      code = 1;
      message = "unexpected " + e.getClass().getSimpleName() + ": " + oneLine(e.getMessage());
    }
    err.println("engram: " + message);
    if (verbose(args)) {
      e.printStackTrace(err);
    }
    return code;
  }

  /**
   * A message as one line: errors from libraries may span several (a parser's location, an HTTP
   * error's JSON body), and a terminal shows one line best. Long ones are cut.
   */
  static String oneLine(String message) {
    if (message == null || message.isBlank()) {
      return "(no message)";
    }
    String line = message.strip().replaceAll("\\s*\\R\\s*", " ");
    return line.length() <= 400 ? line : line.substring(0, 397) + "...";
  }

  /**
   * A failure's message, as the terminal shows it: one line, and a file-system error in its causes
   * said as such ("permission denied: FILE", "read-only file system: FILE"); the JDK's own message
   * for a denied access is only the file's name.
   */
  static String describe(Throwable e) {
    String message = oneLine(e.getMessage());
    FileSystemException fs = null;
    for (Throwable t = e; t != null && fs == null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof FileSystemException f) {
        fs = f;
      }
    }
    if (fs == null || fs.getFile() == null) {
      return message;
    }
    String what = fileSystemProblem(fs);
    String plain = fs.getMessage();
    // The exception's own text is at the end of a message that wraps it, which may name the same
    // path earlier ("cannot open the store at DIR: DIR").
    int at = message.lastIndexOf(plain);
    return at < 0
        ? message + " (" + what + ")"
        : message.substring(0, at) + what + message.substring(at + plain.length());
  }

  private static String fileSystemProblem(FileSystemException e) {
    String file = e.getFile();
    if (e instanceof NoSuchFileException) {
      return "no such file: " + file;
    }
    if (e instanceof FileAlreadyExistsException) {
      return "already exists: " + file;
    }
    if (e instanceof AccessDeniedException) {
      Path parent = Path.of(file).getParent();
      return "permission denied: "
          + file
          + (parent == null ? "" : " (check the permissions of " + parent + ")");
    }
    String reason = e.getReason();
    return reason == null
        ? e.getMessage()
        : reason.toLowerCase(java.util.Locale.ROOT) + ": " + file;
  }
}
