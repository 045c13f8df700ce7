package dev.octosts.e2e;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.testing.CapturedLogs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Neither the caller's OIDC token, an issued GitHub token nor a webhook secret may reach a log line. */
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
        assertNoneLogged(logs, secrets);
    }

    @Test
    void webhookSecretsAndTokensNeverAppearInLogs() {
        String secret = "webhook-secret-9f2c41d7";
        CapturedLogs logs = new CapturedLogs();
        List<String> secrets = new ArrayList<>(List.of(secret));
        try (Harness harness = new Harness()) {
            long installation = harness.install(0, "org");
            harness.env.put("GITHUB_WEBHOOK_SECRET", secret);
            harness.start();
            harness.github.putFileAt("org", "repo", "c0ffee", ".github/chainguard/ci.sts.yaml", Harness.MAIN_BRANCH_POLICY);
            harness.github.putFileAt("org", "repo", "c0ffee", ".github/chainguard/bad.sts.yaml", "issuer: [unclosed\n");
            harness.github.putFileAt("org", "repo", "c0ffee2", ".github/chainguard/ci.sts.yaml", Harness.MAIN_BRANCH_POLICY);
            byte[] push = ("{\"installation\":{\"id\":" + installation + "},\"repository\":{\"owner\":{\"login\":\"org\"},"
                    + "\"name\":\"repo\"},\"before\":\"0c0ffee\",\"after\":\"c0ffee\",\"commits\":[{\"added\":"
                    + "[\".github/chainguard/ci.sts.yaml\",\".github/chainguard/bad.sts.yaml\"]}]}").getBytes(StandardCharsets.UTF_8);

            assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness),
                    GitHubSimulator.webhookHeaders(secret, "push", "d1", push), push).statusCode()).isEqualTo(200);
            assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness),
                    GitHubSimulator.webhookHeaders(secret + "x", "push", "d2", push), push).statusCode()).isEqualTo(400);
            harness.github.addFault(new GitHubSimulator.Fault("POST", "/check-runs$", 500, Map.of(), "{}", -1));
            byte[] failing = new String(push, StandardCharsets.UTF_8).replace("c0ffee", "c0ffee2").getBytes(StandardCharsets.UTF_8);
            assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness),
                    GitHubSimulator.webhookHeaders(secret, "push", "d3", failing), failing).statusCode()).isEqualTo(500);
            assertThat(harness.github.checkRuns()).hasSize(1);
            harness.github.issuedTokens().forEach(token -> secrets.add(token.token()));
        } finally {
            logs.close();
        }
        assertThat(secrets).as("the webhook secret and the one installation token the webhook minted").hasSize(2);
        assertNoneLogged(logs, secrets);
    }

    private static void assertNoneLogged(CapturedLogs logs, List<String> secrets) {
        List<String> lines = logs.lines();
        assertThat(lines).as("the requests above were logged").isNotEmpty();
        for (String secret : secrets) {
            // The signature part alone identifies a JWT; a GitHub token is checked whole.
            String needle = secret.contains(".") ? secret.substring(secret.lastIndexOf('.') + 1) : secret;
            assertThat(lines).noneMatch(line -> line.contains(needle));
        }
    }
}
