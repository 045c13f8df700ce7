package dev.octosts.e2e;

import dev.octosts.cli.AuditCommand;
import dev.octosts.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scaled-out deployment: two service instances write to one database at the same time. Each keeps
 * its own chain, and {@code audit verify} passes over both.
 */
class TwoWritersTest {
    private static final String POLICY = """
            issuer: https://token.actions.githubusercontent.com
            subject: repo:org/repo:ref:refs/heads/main
            audience: octo-sts.test
            permissions:
              contents: read
            """;

    @Test
    void eachInstanceKeepsItsOwnChainAndTheLedgerVerifies() throws Exception {
        String owner = TestDatabase.shared().createDatabase();
        try (Harness first = new Harness(owner); Harness second = new Harness(owner)) {
            second.env.put("LEDGER_SIGNING_KEY_FILE", first.env.get("LEDGER_SIGNING_KEY_FILE"));
            for (Harness instance : new Harness[] {first, second}) {
                instance.install(0, "org");
                instance.putFile("org/repo/.github/chainguard/ci.sts.yaml", POLICY);
                instance.start();
            }
            Thread[] writers = new Thread[4];
            for (int i = 0; i < writers.length; i++) {
                Harness instance = i % 2 == 0 ? first : second;
                writers[i] = Thread.ofVirtual().start(() -> {
                    String token = instance.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
                    for (int n = 0; n < 25; n++) {
                        assertThat(instance.get(token, Map.of("scope", "org/repo", "identity", n % 5 == 0 ? "missing" : "ci"))
                                .status()).isIn(200, 404);
                    }
                });
            }
            for (Thread writer : writers) {
                writer.join();
            }
            Set<String> chains = first.records().stream().map(record -> record.path("chain_id").asText())
                    .collect(Collectors.toSet());
            assertThat(chains).hasSize(2);
            assertThat(first.records()).hasSize(first.requests.get() + second.requests.get());

            // Closing writes each chain's final checkpoint.
            first.close();
            second.close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = new CommandLine(new AuditCommand(Map.of("DATABASE_URL", first.databaseUrl,
                    "LEDGER_SIGNING_KEY_FILE", first.env.get("LEDGER_SIGNING_KEY_FILE")),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)))
                    .execute("verify");
            assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8).strip())
                    .isEqualTo("verified 100 records in 2 chains, 2 checkpoints");
        }
    }
}
