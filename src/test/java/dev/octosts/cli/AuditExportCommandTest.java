package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.ledger.LedgerVerifierFixture;
import dev.octosts.ledger.LedgerVerifierFixture.Exchange;
import dev.octosts.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code octo-sts audit export}: JSON lines, oldest first, within --since/--until. */
class AuditExportCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T0 = LedgerVerifierFixture.T0;
    private static final MutableClock NOW = new MutableClock(T0.plus(Duration.ofHours(5)));
    private static Map<String, String> env;

    /** e0..e4 one an hour from T0 (10:00Z), alternating between two chains. */
    @BeforeAll
    static void records() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        UUID[] chains = {ledger.newChain(), ledger.newChain()};
        for (int i = 0; i < 5; i++) {
            ledger.append(chains[i % 2], Exchange.denied(T0.plus(Duration.ofHours(i)), "e" + i, "acme/app",
                    "repo:acme/app:ref:refs/heads/dev", "subject_mismatch"));
        }
        env = Map.of("DATABASE_URL", ledger.runtimeUrl());
    }

    @Test
    void exportsTheRangeOldestFirst() throws Exception {
        AuditCommandRun run = AuditCommandRun.run(env, NOW, "export", "--since", "2026-11-27T11:00:00Z",
                "--until", "2026-11-27T13:00:00Z");

        assertThat(run.exit()).isZero();
        assertThat(requestIds(run)).containsExactly("e1", "e2");
    }

    @Test
    void sinceCountsBackFromNowAndUntilIsOptional() throws Exception {
        AuditCommandRun run = AuditCommandRun.run(env, NOW, "export", "--since", "3h");

        assertThat(requestIds(run)).containsExactly("e2", "e3", "e4");
        for (String line : run.lines()) {
            assertThat(JSON.readTree(line).has("hash")).isTrue();
        }
    }

    @Test
    void sinceIsRequired() {
        AuditCommandRun run = AuditCommandRun.run(env, NOW, "export");

        assertThat(run.err()).contains("Missing required option: '--since=TIME'");
        assertThat(run.out()).isEmpty();
        assertThat(run.exit()).isEqualTo(2);
    }

    private static List<String> requestIds(AuditCommandRun run) throws Exception {
        List<String> ids = new ArrayList<>();
        for (String line : run.lines()) {
            ids.add(JSON.readTree(line).get("request_id").textValue());
        }
        return ids;
    }
}
