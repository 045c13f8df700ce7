package dev.octosts.exchange;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.github.AppPool;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.keys.PemKeys;
import dev.octosts.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Whoever installs the App on their organization writes its issuer allowlist: the cache of allowlists is
 * bounded by the heap their compiled patterns hold, not by how many organizations there are. Real GitHub
 * simulator over HTTP.
 */
class OrgIssuerAllowlistsCacheTest {
    private static final String POLICY_REPO = ".github";
    private static final String FILE = ".github/chainguard/trusted-token-issuers.yaml";

    private final MutableClock clock = MutableClock.atSystemTime();
    private final GitHubSimulator github = GitHubSimulator.start("", clock);
    private final GitHubClient client = new GitHubClient(github.baseUrl(), Duration.ofSeconds(5), clock);

    @AfterEach
    void stop() {
        client.close();
        github.close();
    }

    @Test
    void allowlistsAtThePatternLimitsKeepTheCacheUnderItsWeightBudget() {
        // 16 patterns of about 9,000 RE2 instructions each (each under the 10,000 and 256-byte limits).
        StringBuilder yaml = new StringBuilder("issuer_patterns:\n");
        for (int i = 0; i < 16; i++) {
            yaml.append("  - 'https://issuer").append(i).append("[.]example/").append("[a-z]{1000}".repeat(9)).append("'\n");
        }
        GitHubSimulator.SimulatedApp sim = github.createApp();
        GitHubApp app = new GitHubApp(sim.appId(), PemKeys.fromPem(sim.privateKeyPem(), "App"));
        OrgIssuerAllowlists allowlists = new OrgIssuerAllowlists(client, POLICY_REPO, clock, Duration.ofSeconds(10));

        long lookedUp = 0;
        for (int n = 0; lookedUp < 2 * OrgIssuerAllowlists.MAX_WEIGHT; n++) {
            String owner = "org" + n;
            github.createRepository(owner, POLICY_REPO);
            github.install(app.appId(), owner, Map.of("contents", "read"), null);
            github.putFile(owner, POLICY_REPO, FILE, yaml.toString());

            OrgIssuerAllowlists.State state = allowlists.lookup(new AppPool(owner, List.of(app)), owner);

            assertThat(state).isInstanceOf(OrgIssuerAllowlists.State.Present.class);
            lookedUp += ((OrgIssuerAllowlists.State.Present) state).allowlist().estimatedHeapBytes();
        }

        assertThat(allowlists.estimatedWeight()).isLessThanOrEqualTo(OrgIssuerAllowlists.MAX_WEIGHT).isPositive();
    }
}
