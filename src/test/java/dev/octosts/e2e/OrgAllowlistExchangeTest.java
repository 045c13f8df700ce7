package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The org trusted-issuer allowlist end to end: a token from an issuer the org does not list is refused
 * in enforce mode and passes in audit mode, and the ledger record says which, also when the App the
 * exchange picked cannot see the org policy repo but another App of the pool can.
 */
class OrgAllowlistExchangeTest {
    private static final String ALLOWLIST = "org/.github/.github/chainguard/trusted-token-issuers.yaml";
    /** Lists only Google, so the GitHub Actions issuer of the test tokens is not on it. */
    private static final String GOOGLE_ONLY = "mode: %s\nissuers:\n  - https://accounts.google.com\n";

    @Test
    void enforceModeRefusesAnUnlistedIssuerAndRecordsWhy() {
        try (Harness harness = new Harness()) {
            harness.installWithMainBranchPolicy("ci");
            harness.putFile(ALLOWLIST, GOOGLE_ONLY.formatted("enforce"));
            harness.start();

            Harness.Response response = exchange(harness);

            assertThat(response.status()).as("body %s", response.body()).isEqualTo(403);
            assertThat(response.code()).isEqualTo(7);
            assertThat(response.message()).isEqualTo("issuer not permitted by organization policy");
            JsonNode record = harness.lastRecord();
            assertThat(record.path("decision").asText()).isEqualTo("deny");
            assertThat(record.path("reason").asText()).isEqualTo("issuer_not_permitted");
            assertThat(record.path("issuer_allowlist")).isEqualTo(verdict("enforce", false));
            assertThat(record.path("issued").isNull()).isTrue();
            assertThat(harness.contentReads(".github/chainguard/ci.sts.yaml")).as("refused before the policy is read").isZero();
        }
    }

    @Test
    void auditModeLetsAnUnlistedIssuerPassAndRecordsThatEnforceWouldRefuseIt() {
        try (Harness harness = new Harness()) {
            harness.installWithMainBranchPolicy("ci");
            harness.putFile(ALLOWLIST, GOOGLE_ONLY.formatted("audit"));
            harness.start();

            Harness.Response response = exchange(harness);

            assertThat(response.status()).as("body %s", response.body()).isEqualTo(200);
            JsonNode record = harness.lastRecord();
            assertThat(record.path("decision").asText()).isEqualTo("allow");
            assertThat(record.path("issuer_allowlist")).as("not on the list: enforce mode would have refused it")
                    .isEqualTo(verdict("audit", true));
            assertThat(record.path("issued").path("token_sha256").asText())
                    .isEqualTo(Harness.sha256Hex(response.body().path("token").asText()));
        }
    }

    @Test
    void theAllowlistAppliesWhicheverAppOfThePoolTheExchangePicks() {
        try (Harness harness = new Harness()) {
            // App 0 sees only org/repo, not the org policy repo; App 1 sees everything.
            harness.github.createRepository("org", ".github");
            harness.github.install(harness.app(0).appId(), "org", Harness.ALL_PERMISSIONS, List.of("repo"));
            harness.install(1, "org");
            harness.putFile("org/repo/.github/chainguard/ci.sts.yaml", Harness.MAIN_BRANCH_POLICY);
            harness.putFile(ALLOWLIST, GOOGLE_ONLY.formatted("enforce"));
            harness.start();

            for (int i = 0; i < 2; i++) { // round robin: each App is picked once
                Harness.Response response = exchange(harness);
                assertThat(response.status()).as("exchange %d: %s", i, response.body()).isEqualTo(403);
                assertThat(harness.lastRecord().path("reason").asText()).isEqualTo("issuer_not_permitted");
            }
            assertThat(harness.tokenRequests()).as("no token but the allowlist read tokens was asked for")
                    .isNotEmpty().allSatisfy(request -> assertThat(request).isEqualTo(
                            Harness.json("{\"repositories\":[\".github\"],\"permissions\":{\"contents\":\"read\"}}")));
            assertThat(harness.contentReads(".github/chainguard/trusted-token-issuers.yaml"))
                    .as("read once, by the App that can see it, then cached").isEqualTo(1);
        }
    }

    private static Harness.Response exchange(Harness harness) {
        return harness.get(harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN)),
                Map.of("scope", "org/repo", "identity", "ci"));
    }

    private static JsonNode verdict(String mode, boolean allowed) {
        return Harness.json("{\"mode\":\"" + mode + "\",\"allowed\":" + allowed + ",\"iss\":\"" + Harness.ACTIONS_ISSUER + "\"}");
    }
}
