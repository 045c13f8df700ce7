package dev.octosts.e2e;

import dev.octosts.ledger.RecentCallers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A starting process learns from the ledger which callers were served lately, as the runtime login (which may
 * only INSERT and SELECT): only allowed exchanges count, and only since the time asked for.
 */
class RecentCallersTest {
    private static final String MAIN = "repo:org/repo:ref:refs/heads/main";
    private final Harness harness = new Harness();

    @AfterEach
    void stop() {
        harness.close();
    }

    @Test
    void theCallersOfAllowedExchangesSinceATimeAreRead() throws Exception {
        harness.installWithMainBranchPolicy("ci");
        harness.start();
        assertThat(harness.get(harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN)),
                Map.of("scope", "org/repo", "identity", "ci")).status()).isEqualTo(200);
        assertThat(harness.get(harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/other",
                "aud", Harness.DOMAIN)), Map.of("scope", "org/repo", "identity", "ci")).status()).isEqualTo(403);
        PGSimpleDataSource runtime = new PGSimpleDataSource();
        runtime.setUrl(harness.databaseUrl);

        List<String> recent = new ArrayList<>();
        RecentCallers.since(runtime, Instant.now().minus(Duration.ofDays(2)), 10, (issuer, subject) -> recent.add(issuer + " " + subject));
        List<String> later = new ArrayList<>();
        RecentCallers.since(runtime, Instant.now().plus(Duration.ofMinutes(1)), 10, (issuer, subject) -> later.add(subject));

        assertThat(recent).containsExactly(Harness.ACTIONS_ISSUER + " " + MAIN);
        assertThat(later).isEmpty();
    }
}
