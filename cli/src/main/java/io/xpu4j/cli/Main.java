package io.xpu4j.cli;

import io.xpu4j.api.Config;
import io.xpu4j.api.ConfigLoader;
import io.xpu4j.api.XpuException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.Callable;

/** The {@code xpu4j} command: global options, error handling, and the subcommands. */
@Command(name = "xpu4j",
        mixinStandardHelpOptions = true,
        // -h/--help and -V/--version work after a subcommand too
        scope = ScopeType.INHERIT,
        versionProvider = VersionProvider.class,
        sortOptions = false,
        description = "One Java API for AI accelerators: embed sentences, inspect backends, check the setup, run the demo model.",
        subcommands = {DevicesCommand.class, DoctorCommand.class, DemoCommand.class, EmbedCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
                "0:success",
                "1:a check failed (doctor FAIL, demo memory or parity check)",
                "2:usage error, or an xpu4j error such as a bad config or an unavailable backend",
                "3:unexpected internal error (a bug; the stack trace is printed)"})
public final class Main implements Callable<Integer> {
    static final int OK = 0;
    static final int CHECK_FAILED = 1;
    static final int USAGE_OR_XPU_ERROR = 2;
    static final int INTERNAL_ERROR = 3;

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "Config file to read instead of looking for xpu4j.yaml/.yml/.json in the working "
                    + "directory (XPU4J_* variables and -Dxpu4j.* properties still override it).")
    Path configFile;

    @Option(names = "--stacktrace", scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error, not only its message.")
    boolean stacktrace;

    @Spec
    CommandSpec spec;

    private final Map<String, String> env;
    private final Properties sysProps;
    private final Path workDir;

    public Main() {
        this(System.getenv(), System.getProperties(), Path.of(""));
    }

    /** For tests: the environment, system properties and working directory the config comes from. */
    Main(Map<String, String> env, Properties sysProps, Path workDir) {
        this.env = Objects.requireNonNull(env);
        this.sysProps = Objects.requireNonNull(sysProps);
        this.workDir = Objects.requireNonNull(workDir);
    }

    public static void main(String[] args) {
        // One line per log record instead of java.util.logging's two-line default with a timestamp.
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "xpu4j: %4$s: %5$s%6$s%n");
        }
        int code;
        try {
            code = commandLine(new Main()).execute(args);
        } catch (Throwable t) {
            // picocli passes Errors (e.g. NoClassDefFoundError for jdk.incubator.vector) through
            System.err.println("xpu4j: unexpected error: " + t);
            t.printStackTrace();
            code = INTERNAL_ERROR;
        }
        System.exit(code);
    }

    /** A command line for {@code main} with xpu4j's error handling; tests call {@code execute} on it. */
    static CommandLine commandLine(Main main) {
        CommandLine cl = new CommandLine(main);
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine where = ex.getCommandLine();
            PrintWriter err = where.getErr();
            err.println("xpu4j: " + ex.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
            err.println("Try '" + where.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return USAGE_OR_XPU_ERROR;
        });
        cl.setExecutionExceptionHandler((ex, where, parseResult) -> {
            PrintWriter err = where.getErr();
            XpuException xe = xpuCause(ex);
            int code;
            if (xe != null) {
                err.println("xpu4j: error: " + xe.getMessage());
                if (main.stacktrace) {
                    ex.printStackTrace(err);
                }
                code = USAGE_OR_XPU_ERROR;
            } else {
                // not an xpu4j error, so a bug somewhere: the trace is what a report needs
                err.println("xpu4j: unexpected error: " + ex);
                ex.printStackTrace(err);
                code = INTERNAL_ERROR;
            }
            err.flush();
            return code;
        });
        return cl;
    }

    private static XpuException xpuCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof XpuException x) {
                return x;
            }
        }
        return null;
    }

    /** The effective config: defaults, the config file, XPU4J_* variables, -Dxpu4j.* properties. */
    Config loadConfig() {
        return ConfigLoader.load(configFile, env, sysProps, workDir);
    }

    @Override
    public Integer call() {
        CommandLine cl = spec.commandLine();
        cl.getErr().println("xpu4j: missing command");
        cl.usage(cl.getErr());
        return USAGE_OR_XPU_ERROR;
    }
}
