package dev.octosts.e2e;

import dev.octosts.testing.CapturedLogs;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Neither the caller's OIDC token nor an issued GitHub token may reach a log line. */
class NoSecretsInLogsTest {

    @Test
    void tokensNeverAppearInLogs() {
        CapturedLogs logs = new CapturedLogs();
        List<String> secrets = new ArrayList<>();
        try (Harness harness = new Harness()) {
            harness.installWithMainBranchPolicy("ci");
            harness.putFile("org/repo/.github/chainguard/broken.sts.yaml", "issuer: [unclosed\n");
            harness.start();

            String good = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
            String wrongSubject = harness.actionsToken(Map.of("sub", "repo:org/other:ref:refs/heads/main", "aud", Harness.DOMAIN));
            String forged = harness.issuer.token().issuer(Harness.ACTIONS_ISSUER).subject("x").audience(Harness.DOMAIN)
                    .signWithUnpublishedKey().mint();
            secrets.addAll(List.of(good, wrongSubject, forged));

            Harness.Response allowed = harness.get(good, Map.of("scope", "org/repo", "identity", "ci"));
            assertThat(allowed.status()).isEqualTo(200);
            secrets.add(allowed.body().path("token").asText());
            harness.get(wrongSubject, Map.of("scope", "org/repo", "identity", "ci"));
            harness.get(forged, Map.of("scope", "org/repo", "identity", "ci"));
            harness.get(good, Map.of("scope", "org/repo", "identity", "broken"));
            harness.get(good, Map.of("scope", "org/repo", "identity", "missing"));
            harness.get(good + "x", Map.of("scope", "org/repo", "identity", "ci"));
            harness.github.issuedTokens().forEach(token -> secrets.add(token.token()));
        } finally {
            logs.close();
        }

        List<String> lines = logs.lines();
        assertThat(lines).as("the exchanges above were logged").isNotEmpty();
        for (String secret : secrets) {
            // The signature part alone identifies a JWT; a GitHub token is checked whole.
            String needle = secret.contains(".") ? secret.substring(secret.lastIndexOf('.') + 1) : secret;
            assertThat(lines).noneMatch(line -> line.contains(needle));
        }
    }
}
