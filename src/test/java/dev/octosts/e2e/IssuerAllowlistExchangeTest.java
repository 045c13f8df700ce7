package dev.octosts.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The service's issuer allowlist ({@code OIDC_ALLOWED_ISSUERS}) over HTTP: a token from any other issuer is
 * refused as unauthenticated and recorded, before its issuer is contacted and before any GitHub call.
 */
class IssuerAllowlistExchangeTest {
    private static final Map<String, String> QUERY = Map.of("scope", "org/repo", "identity", "ci");
    private static final String SUBJECT = "repo:org/repo:ref:refs/heads/main";

    @Test
    void aForeignIssuerIsRefusedWithoutAnyFetchOrGitHubCall() {
        try (Harness harness = new Harness()) {
            harness.installWithMainBranchPolicy("ci");
            harness.env.put("OIDC_ALLOWED_ISSUERS", Harness.ACTIONS_ISSUER);
            harness.start();
            long githubCallsBefore = harness.github.callCount();
            // Signed by a real issuer that would verify: its own URL, discovery and keys are served on loopback.
            String foreign = harness.issuer.token().subject(SUBJECT).audience(Harness.DOMAIN).mint();

            Harness.Response refused = harness.get(foreign, QUERY);

            assertThat(refused.status()).as("body %s", refused.body()).isEqualTo(401);
            assertThat(refused.code()).isEqualTo(16);
            assertThat(refused.message()).isEqualTo("unable to verify bearer token");
            JsonNode record = harness.lastRecord();
            assertThat(record.path("decision").asText()).isEqualTo("deny");
            assertThat(record.path("reason").asText()).isEqualTo("issuer_not_allowed");
            assertThat(harness.github.callCount()).as("GitHub calls").isEqualTo(githubCallsBefore);
            assertThat(harness.issuer.discoveryRequests()).as("discovery fetches").isZero();
            assertThat(harness.issuer.jwksRequests()).as("key set fetches").isZero();

            Harness.Response allowed = harness.get(harness.actionsToken(Map.of("sub", SUBJECT, "aud", Harness.DOMAIN)), QUERY);

            assertThat(allowed.status()).as("body %s", allowed.body()).isEqualTo(200);
        }
    }
}
