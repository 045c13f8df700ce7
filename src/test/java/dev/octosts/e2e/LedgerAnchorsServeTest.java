package dev.octosts.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.cli.AuditCommand;
import dev.octosts.ledger.AnchorDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The service with {@code LEDGER_ANCHOR_DIR}: its checkpoints leave signed ledger heads in the directory,
 * and {@code audit verify --anchors} catches its chain deleted whole by a superuser.
 */
class LedgerAnchorsServeTest {
    @TempDir
    Path anchors;

    private record Run(int exit, String out) {
    }

    private static Run verify(Harness harness, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = new CommandLine(new AuditCommand(Map.of("DATABASE_URL", harness.databaseUrl,
                "LEDGER_SIGNING_KEY_FILE", harness.env.get("LEDGER_SIGNING_KEY_FILE")),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8))).execute(args);
        return new Run(exit, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theServiceAnchorsItsChainAndADeletedChainIsCaught() throws Exception {
        try (Harness harness = new Harness()) {
            harness.env.put("LEDGER_ANCHOR_DIR", anchors.toString());
            harness.installWithMainBranchPolicy("ci");
            harness.start();
            String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
            assertThat(harness.get(token, Map.of("scope", "org/repo", "identity", "ci")).status()).isEqualTo(200);
            harness.close(); // the final checkpoint, and the anchor after it
            String chain = harness.lastRecord().path("chain_id").asText();

            assertThat(AnchorDirectory.files(anchors)).hasSize(1);
            Run intact = verify(harness, "verify", "--anchors", anchors.toString());
            assertThat(intact.out()).contains("verified 1 chains against 1 anchors");
            assertThat(intact.exit()).isZero();

            try (Connection connection = DriverManager.getConnection(harness.superuserUrl);
                 Statement sql = connection.createStatement()) {
                sql.execute("SET session_replication_role = replica");
                sql.execute("DELETE FROM ledger_checkpoint WHERE chain_id = '" + chain + "'");
                sql.execute("DELETE FROM ledger_record WHERE chain_id = '" + chain + "'");
                sql.execute("DELETE FROM ledger_chain WHERE chain_id = '" + chain + "'");
            }

            assertThat(verify(harness, "verify").exit()).isZero();
            Run deleted = verify(harness, "verify", "--anchors", anchors.toString());
            assertThat(deleted.out()).contains("anchor check failed: chain " + chain + " is missing");
            assertThat(deleted.exit()).isEqualTo(1);
        }
    }
}
