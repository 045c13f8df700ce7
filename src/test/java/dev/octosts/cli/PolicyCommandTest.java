package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code octo-sts policy}: help for every command, one clear line and exit 2 for bad arguments. */
class PolicyCommandTest {
    private static final String TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzZWNyZXQtc3ViIn0.c2ln";

    @TempDir
    static Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"--help", "check --help", "explain --help", ""})
    void helpIsPrinted(String args) {
        PolicyCommandRun run = PolicyCommandRun.run(args.isEmpty() ? new String[0] : args.split(" "));

        assertThat(run.out()).startsWith("Usage: policy");
        assertThat(run.err()).isEmpty();
        assertThat(run.exit()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"policy --help", "policy check --help", "policy explain --help"})
    void theMainCommandHasThePolicyCommands(String args) {
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new Main());
        cli.setOut(new java.io.PrintWriter(out));

        int exit = cli.execute(args.split(" "));

        assertThat(out.toString()).startsWith("Usage: octo-sts " + args.replace(" --help", ""));
        assertThat(exit).isZero();
    }

    static Stream<Arguments> badArguments() throws IOException {
        Path policy = Files.writeString(dir.resolve("p.sts.yaml"), "issuer: https://a.example\nsubject: s\n");
        Path claims = Files.writeString(dir.resolve("c.json"), "{\"iss\":\"https://a.example\",\"sub\":\"s\",\"aud\":\"d\"}");
        Path notObject = Files.writeString(dir.resolve("list.json"), "[1]");
        Path notJson = Files.writeString(dir.resolve("bad.json"), "{\"sub\": secret-value");
        String p = policy.toString();
        return Stream.of(
                Arguments.of(List.of("check"), "octo-sts policy: name at least one policy file (see --help)"),
                Arguments.of(List.of("check", "--orgs", p), "octo-sts policy: unknown option '--orgs' (see --help)"),
                Arguments.of(List.of("explain", "--claims", claims.toString()), "octo-sts policy: --policy FILE is required (see --help)"),
                Arguments.of(List.of("explain", "--policy", p), "octo-sts policy: give exactly one of --token JWT or --claims FILE"),
                Arguments.of(List.of("explain", "--policy", p, "--claims", claims.toString(), "--token", TOKEN),
                        "octo-sts policy: give exactly one of --token JWT or --claims FILE"),
                Arguments.of(List.of("explain", "--policy", p, "--token", "abc"),
                        "octo-sts policy: --token is not a JWT (want three base64url parts separated by dots)"),
                Arguments.of(List.of("explain", "--policy", p, "--token", "a.b*c.d"), "octo-sts policy: --token payload is not base64url"),
                Arguments.of(List.of("explain", "--policy", p, "--token", "eyJh.bm90IGpzb24.c2ln"),
                        "octo-sts policy: --token payload is not valid JSON (line 1, column 1)"),
                Arguments.of(List.of("explain", "--policy", p, "--claims", notObject.toString()),
                        "octo-sts policy: " + notObject + " is not a JSON object"),
                Arguments.of(List.of("explain", "--policy", p, "--claims", notJson.toString()),
                        "octo-sts policy: " + notJson + " is not valid JSON (line 1, column 9)"),
                Arguments.of(List.of("explain", "--policy", dir.resolve("none.yaml").toString(), "--claims", claims.toString()),
                        "octo-sts policy: cannot read " + dir.resolve("none.yaml") + " (NoSuchFileException)"),
                Arguments.of(List.of("explain", "--policy", p, "--claims", claims.toString(), TOKEN),
                        "octo-sts policy: unexpected argument (1 value not shown; see --help)"),
                Arguments.of(List.of("explain", "--policy", p, "--tokn=" + TOKEN),
                        "octo-sts policy: unknown option '--tokn' (see --help)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArguments")
    void badArgumentsExitTwoWithOneClearLine(List<String> args, String line) {
        PolicyCommandRun run = PolicyCommandRun.run(args.toArray(String[]::new));

        assertThat(run.err()).isEqualTo(line + System.lineSeparator());
        assertThat(run.err() + run.out()).doesNotContain("secret").doesNotContain(TOKEN.split("\\.")[1]);
        assertThat(run.out()).isEmpty();
        assertThat(run.exit()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"explain --policy", "frobnicate"})
    void argumentsPicocliRefusesAlsoExitTwo(String args) {
        PolicyCommandRun run = PolicyCommandRun.run(new ArrayList<>(List.of(args.split(" "))).toArray(String[]::new));

        assertThat(run.err().lines().findFirst().orElseThrow()).containsAnyOf("Missing required parameter", "Unmatched argument");
        assertThat(run.exit()).isEqualTo(2);
    }
}
