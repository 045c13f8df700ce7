package dev.octosts.e2e;

import dev.octosts.dev.LocalOidcIssuer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An exchange for an issuer whose keys nobody pinned: the service finds them through OIDC discovery over
 * real HTTP (the local issuer on loopback, which {@code OIDC_PRIVATE_NETWORK_HOSTS} lets the SSRF guard
 * reach), caches them, and fetches them again when the issuer rotates its key.
 */
class DiscoveryExchangeTest {
    private static final Map<String, String> QUERY = Map.of("scope", "org/repo", "identity", "ci");

    /** A service whose policy trusts the harness's local issuer under its own name (not the Actions one). */
    private static Harness trustingTheLocalIssuer() {
        Harness harness = new Harness();
        harness.install(0, "org");
        harness.putFile("org/repo/.github/chainguard/ci.sts.yaml", """
                issuer: %s
                subject: workload
                permissions:
                  contents: read
                """.formatted(harness.issuer.issuer()));
        return harness.start();
    }

    private static String token(LocalOidcIssuer issuer) {
        return issuer.mint(Map.of("sub", "workload", "aud", Harness.DOMAIN));
    }

    @Test
    void theKeysOfAnUnpinnedIssuerAreDiscoveredCachedAndRefetchedAfterARotation() {
        try (Harness harness = trustingTheLocalIssuer()) {
            // Only the Actions issuer's name is pinned to a key file (OIDC_JWKS_OVERRIDES); the issuer's own
            // name is reached by discovery.
            LocalOidcIssuer issuer = harness.issuer;
            Harness.Response first = harness.get(token(issuer), QUERY);
            assertThat(first.status()).as("body %s", first.body()).isEqualTo(200);
            assertThat(first.body().path("token").asText()).startsWith("ghs_");
            assertThat(issuer.discoveryRequests()).isEqualTo(1);
            assertThat(issuer.jwksRequests()).isEqualTo(1);
            assertThat(harness.lastRecord().path("actor").path("iss").asText()).isEqualTo(issuer.issuer());
            assertThat(harness.lastRecord().path("issued").path("token_sha256").asText())
                    .isEqualTo(Harness.sha256Hex(first.body().path("token").asText()));

            assertThat(harness.get(token(issuer), QUERY).status()).isEqualTo(200);
            assertThat(issuer.discoveryRequests()).as("the provider is cached").isEqualTo(1);
            assertThat(issuer.jwksRequests()).as("the key set is cached").isEqualTo(1);

            // An unknown kid reloads the key set at most once per issuer per 30 s: right after the load it
            // is refused, a minute later it is fetched again.
            issuer.rotateKey();
            Harness.Response tooSoon = harness.get(token(issuer), QUERY);
            assertThat(tooSoon.status()).isEqualTo(401);
            assertThat(tooSoon.message()).isEqualTo("unable to verify bearer token");
            assertThat(harness.lastRecord().path("reason").asText()).isEqualTo("unknown_key");
            harness.clock.advance(Duration.ofMinutes(1));
            Harness.Response rotated = harness.get(token(issuer), QUERY);
            assertThat(rotated.status()).as("body %s", rotated.body()).isEqualTo(200);
            assertThat(issuer.jwksRequests()).as("the unknown kid fetched the key set again").isEqualTo(2);
        }
    }

    @Test
    void aDiscoveryDocumentNamingAnotherIssuerIsRefusedAndRecorded() {
        try (Harness harness = trustingTheLocalIssuer()) {
            harness.issuer.respondToDiscovery(LocalOidcIssuer.Fault.wrongIssuer("https://elsewhere.example"));

            Harness.Response response = harness.get(token(harness.issuer), QUERY);

            assertThat(response.status()).isEqualTo(400);
            assertThat(response.code()).isEqualTo(3);
            assertThat(response.message()).isEqualTo("unable to fetch or create the provider");
            assertThat(harness.lastRecord().path("reason").asText()).isEqualTo("discovery_failed");
            assertThat(harness.issuer.jwksRequests()).as("no keys fetched for a provider that failed").isZero();
        }
    }
}
