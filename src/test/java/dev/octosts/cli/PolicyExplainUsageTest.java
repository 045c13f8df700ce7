package dev.octosts.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code octo-sts policy explain} given input it cannot use: each mistake is one line on standard error and
 * exit code 2, and nothing on standard output.
 */
class PolicyExplainUsageTest {
    private static final String POLICY = "issuer: https://token.actions.githubusercontent.com\nsubject: s\n";

    @TempDir
    Path dir;

    /** A mistake: the arguments it makes (given the files it wrote), and the start of the line it gets. */
    private record Mistake(Function<Path, List<String>> arguments, Function<Path, String> message) {
    }

    private Path write(String name, byte[] content) {
        try {
            return Files.write(dir.resolve(name), content);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void eachMistakeIsOneLineAndExitCode2() {
        Map<String, Mistake> mistakes = new LinkedHashMap<>();
        mistakes.put("a policy file too large for a policy", new Mistake(
                d -> List.of("explain", "--policy", write("big.sts.yaml", new byte[2 << 20]).toString(), "--claims",
                        write("c.json", "{}".getBytes()).toString()),
                d -> "octo-sts policy: " + d.resolve("big.sts.yaml") + " is too large to be a trust policy (max 65536 bytes)"));
        mistakes.put("a policy file that is not UTF-8", new Mistake(
                d -> List.of("explain", "--policy", write("latin1.sts.yaml", new byte[] {'s', ':', ' ', (byte) 0xe9}).toString(),
                        "--claims", write("c.json", "{}".getBytes()).toString()),
                d -> "octo-sts policy: " + d.resolve("latin1.sts.yaml") + " is not UTF-8 text"));
        mistakes.put("a token longer than any JWT", new Mistake(
                d -> List.of("explain", "--policy", write("p.sts.yaml", POLICY.getBytes()).toString(), "--token", "a".repeat(70_000)),
                d -> "octo-sts policy: --token is too long to be a JWT"));
        mistakes.put("claims too large", new Mistake(
                d -> List.of("explain", "--policy", write("p.sts.yaml", POLICY.getBytes()).toString(), "--claims",
                        write("huge.json", ("{\"a\":\"" + "x".repeat(1 << 20) + "\"}").getBytes()).toString()),
                d -> "octo-sts policy: " + d.resolve("huge.json") + " is too large for token claims (max 1048576 bytes)"));
        mistakes.put("claims that are not JSON", new Mistake(
                d -> List.of("explain", "--policy", write("p.sts.yaml", POLICY.getBytes()).toString(), "--claims",
                        write("bad.json", "{\"sub\": ".getBytes()).toString()),
                d -> "octo-sts policy: " + d.resolve("bad.json") + " is not valid JSON (line 1, column 9)"));
        mistakes.put("an argument nothing takes", new Mistake(
                d -> List.of("explain", "--policy", write("p.sts.yaml", POLICY.getBytes()).toString(), "--claims",
                        write("c.json", "{}".getBytes()).toString(), "stray"),
                d -> "octo-sts policy: unexpected argument (1 value not shown; see --help)"));
        mistakes.forEach((name, mistake) -> {
            PolicyCommandRun run = PolicyCommandRun.run(mistake.arguments().apply(dir).toArray(String[]::new));
            assertThat(run.exit()).as(name).isEqualTo(2);
            assertThat(run.out()).as(name).isEmpty();
            assertThat(run.err().lines()).as(name).singleElement().asString().startsWith(mistake.message().apply(dir));
        });
    }

    @Test
    void aTokenMayBeGivenWithItsBearerPrefix() {
        String claims = "{\"iss\":\"https://token.actions.githubusercontent.com\",\"sub\":\"s\",\"aud\":\"octo-sts.dev\"}";
        String token = "eyJhbGciOiJSUzI1NiJ9." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes())
                + ".c2lnbmF0dXJl";
        Path policy = write("p.sts.yaml", POLICY.getBytes());

        PolicyCommandRun bare = PolicyCommandRun.run("explain", "--policy", policy.toString(), "--token", token);
        PolicyCommandRun prefixed = PolicyCommandRun.run("explain", "--policy", policy.toString(), "--token", "Bearer " + token);

        assertThat(prefixed.exit()).as(prefixed.err()).isEqualTo(bare.exit());
        assertThat(prefixed.out()).isEqualTo(bare.out()).isNotEmpty();
    }
}
