package dev.octosts.cli;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every command has {@code --help}; a bad argument gives one clear line and exit code 2. */
class MainTest {

    static Stream<List<String>> commands() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), paths);
        return paths.stream();
    }

    private static void collect(CommandLine command, List<String> path, List<List<String>> into) {
        into.add(List.copyOf(path));
        command.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                List<String> next = new ArrayList<>(path);
                next.add(name);
                collect(sub, next, into);
            }
        });
    }

    @ParameterizedTest(name = "octo-sts {0} --help")
    @MethodSource("commands")
    void everyCommandHasHelp(List<String> command) {
        Run run = run(command, "--help");
        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("Usage: octo-sts");
    }

    @ParameterizedTest(name = "octo-sts {0} --no-such-option")
    @MethodSource("commands")
    void aBadArgumentIsOneLineAndExitCode2(List<String> command) {
        Run run = run(command, "--no-such-option");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().lines()).singleElement().asString()
                .startsWith("octo-sts").contains("--help");
    }

    @ParameterizedTest(name = "octo-sts {0}")
    @MethodSource("failingSubcommands")
    void aSubcommandsFailureIsOneLineOnItsGroupAndExitCode2(List<String> command, String line) {
        Run run = run(command.subList(0, command.size() - 1), command.getLast());
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().lines()).containsExactly(line);
        assertThat(run.out()).isEmpty();
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> failingSubcommands() {
        return Stream.of(
                org.junit.jupiter.params.provider.Arguments.of(List.of("audit", "public-key", "--format=xml"),
                        "octo-sts audit: --format must be pem or jwk"),
                org.junit.jupiter.params.provider.Arguments.of(List.of("policy", "explain", "--token=a.b.c"),
                        "octo-sts policy: --policy FILE is required (see --help)"));
    }

    private record Run(int exit, String out, String err) {
    }

    /** Runs a command line; some commands write straight to the process's streams, so those are captured too. */
    private static Run run(List<String> command, String option) {
        java.io.PrintStream stdout = System.out;
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream processOut = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream processErr = new java.io.ByteArrayOutputStream();
        System.setOut(new java.io.PrintStream(processOut, true, java.nio.charset.StandardCharsets.UTF_8));
        System.setErr(new java.io.PrintStream(processErr, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            CommandLine commandLine = Main.commandLine();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            commandLine.setOut(new PrintWriter(out, true));
            commandLine.setErr(new PrintWriter(err, true));
            List<String> args = new ArrayList<>(command);
            args.add(option);
            int exit = commandLine.execute(args.toArray(String[]::new));
            return new Run(exit, out + processOut.toString(java.nio.charset.StandardCharsets.UTF_8),
                    err + processErr.toString(java.nio.charset.StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }
}
