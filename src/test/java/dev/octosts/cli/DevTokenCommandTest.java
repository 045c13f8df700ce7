package dev.octosts.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.dev.LocalOidcIssuer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code octo-sts dev token}: asks the running sandbox's issuer (found through the sandbox file in the data
 * directory) for a token with the claims given on the command line.
 */
class DevTokenCommandTest {
    @TempDir
    Path data;

    private record Run(int exit, String out, String err) {
    }

    /** Runs {@code octo-sts dev --data-dir <data> token <args>}; the command prints to the process's streams. */
    private Run run(String... args) {
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            List<String> line = new ArrayList<>(List.of("dev", "--data-dir", data.toString(), "token"));
            line.addAll(List.of(args));
            CommandLine command = Main.commandLine();
            int exit = command.execute(line.toArray(String[]::new));
            return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
    }

    private void sandboxAt(String issuer) throws IOException {
        Files.writeString(data.resolve("sandbox.json"), "{\"issuer\":\"" + issuer + "\",\"service\":\"http://127.0.0.1:1\"}");
    }

    private static JsonNode claims(String jwt) throws IOException {
        return new ObjectMapper().readTree(Base64.getUrlDecoder().decode(jwt.strip().split("\\.")[1]));
    }

    @Test
    void theTokenCarriesTheSubjectAudienceLifetimeAndExtraClaimsAsked() throws IOException {
        try (LocalOidcIssuer issuer = LocalOidcIssuer.start()) {
            sandboxAt(issuer.issuer());
            long before = Instant.now().getEpochSecond();

            Run run = run("--sub", "repo:example-org/example-repo:ref:refs/heads/main", "--claim", "ref=refs/heads/main",
                    "--claim", "workflow=ci=nightly", "--lifetime", "120");

            assertThat(run.exit()).as(run.err()).isZero();
            JsonNode claims = claims(run.out());
            assertThat(claims.path("iss").asText()).isEqualTo(issuer.issuer());
            assertThat(claims.path("sub").asText()).isEqualTo("repo:example-org/example-repo:ref:refs/heads/main");
            assertThat(claims.path("aud").asText()).as("the sandbox's domain by default").isEqualTo("octo-sts.local");
            assertThat(claims.path("ref").asText()).isEqualTo("refs/heads/main");
            assertThat(claims.path("workflow").asText()).as("split at the first =").isEqualTo("ci=nightly");
            assertThat(claims.path("exp").asLong()).isBetween(before + 120, Instant.now().getEpochSecond() + 120);
        }
    }

    @Test
    void anAudienceMayBeGiven() throws IOException {
        try (LocalOidcIssuer issuer = LocalOidcIssuer.start()) {
            sandboxAt(issuer.issuer());
            Run run = run("--sub", "s", "--aud", "octo-sts.local/audit");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(claims(run.out()).path("aud").asText()).isEqualTo("octo-sts.local/audit");
        }
    }

    @Test
    void withoutARunningSandboxItSaysHowToStartOne() {
        Run run = run("--sub", "s");
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip()).isEqualTo("octo-sts: no running sandbox in " + data + " (start it with: octo-sts dev)");
    }

    @Test
    void aClaimWithoutANameIsRefused() throws IOException {
        try (LocalOidcIssuer issuer = LocalOidcIssuer.start()) {
            sandboxAt(issuer.issuer());
            Run run = run("--sub", "s", "--claim", "=value");
            assertThat(run.exit()).isEqualTo(2);
            assertThat(run.out()).isEmpty();
            assertThat(run.err().strip()).isEqualTo("octo-sts: --claim takes NAME=VALUE, got '=value'");
        }
    }

    @Test
    void aSandboxFileLeftBehindByAStoppedSandboxIsReported() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        sandboxAt("http://127.0.0.1:" + closedPort);

        Run run = run("--sub", "s");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("octo-sts: the sandbox is not running (http://127.0.0.1:" + closedPort
                + " did not answer)");
    }
}
