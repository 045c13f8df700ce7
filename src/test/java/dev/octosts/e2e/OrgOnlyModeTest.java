package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.dev.GitHubSimulator.Fault;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Org-only mode end to end: {@code repository_policies: disabled} in the org policy repository's
 * {@code org-settings.yaml} refuses every repository scope before the repository's policy is read, while
 * org policies keep working; a settings file that is invalid or cannot be read refuses repository scopes
 * (fail-closed, as the issuer allowlist), and no file keeps Octo STS's behaviour.
 */
class OrgOnlyModeTest {
    private static final String SETTINGS = "org/.github/.github/chainguard/org-settings.yaml";
    private static final String SETTINGS_CONTENTS = "/contents/\\.github/chainguard/org-settings\\.yaml";
    private static final String MAIN = "repo:org/repo:ref:refs/heads/main";
    /** An org policy for the same workflow, limited to org/repo. */
    private static final String ORG_POLICY = """
            issuer: https://token.actions.githubusercontent.com
            subject: repo:org/repo:ref:refs/heads/main
            permissions:
              issues: write
            repositories: [repo]
            """;

    /** org/repo with its own policy {@code ci}, and the org policy {@code org-ci}; settings as given (null: none). */
    private static Harness started(String settings) {
        Harness harness = new Harness();
        harness.installWithMainBranchPolicy("ci");
        harness.github.createRepository("org", ".github");
        harness.putFile("org/.github/.github/chainguard/org-ci.sts.yaml", ORG_POLICY);
        if (settings != null) {
            harness.putFile(SETTINGS, settings);
        }
        return harness.start();
    }

    @Test
    void disabledRepositoryPoliciesRefuseARepositoryScopeWithoutReadingItsPolicy() {
        try (Harness harness = started("repository_policies: disabled\n")) {
            for (int i = 0; i < 2; i++) {
                Harness.Response response = repositoryScope(harness);

                assertThat(response.status()).as("body %s", response.body()).isEqualTo(403);
                assertThat(response.code()).isEqualTo(7);
                assertThat(response.message())
                        .isEqualTo("organization \"org\" has disabled repository policies: only its org policies apply");
                JsonNode record = recordOf(harness, response);
                assertThat(record.path("decision").asText()).isEqualTo("deny");
                assertThat(record.path("reason").asText()).isEqualTo("repository_policies_disabled");
                assertThat(record.path("grpc_code").asInt()).isEqualTo(7);
                assertThat(record.path("policy").isNull()).as("no policy was read").isTrue();
                assertThat(record.path("issued").isNull()).isTrue();
            }
            assertThat(repositoryReads(harness)).as("GitHub never asked for anything in org/repo").isZero();
            assertThat(harness.contentReads(".github/chainguard/org-settings.yaml")).as("read once, then cached").isEqualTo(1);
            assertThat(harness.tokenRequests()).as("only read tokens for the org policy repository")
                    .allSatisfy(request -> assertThat(request).isEqualTo(
                            Harness.json("{\"repositories\":[\".github\"],\"permissions\":{\"contents\":\"read\"}}")));
        }
    }

    @Test
    void orgPoliciesKeepWorkingWhenRepositoryPoliciesAreDisabled() {
        try (Harness harness = started("# only org policies count\nrepository_policies: disabled\n")) {
            Harness.Response response = harness.get(token(harness), Map.of("scope", "org", "identity", "org-ci"));

            assertThat(response.status()).as("body %s", response.body()).isEqualTo(200);
            assertThat(harness.tokenRequests().getLast()).isEqualTo(
                    Harness.json("{\"repositories\":[\"repo\"],\"permissions\":{\"issues\":\"write\"}}"));
            JsonNode record = recordOf(harness, response);
            assertThat(record.path("reason").asText()).isEqualTo("issued");
            assertThat(record.path("issued").path("token_sha256").asText())
                    .isEqualTo(Harness.sha256Hex(response.body().path("token").asText()));
            assertThat(harness.contentReads(".github/chainguard/org-settings.yaml"))
                    .as("an org scope does not depend on the settings").isZero();
        }
    }

    @Test
    void enabledOrNoSettingsKeepRepositoryPolicies() {
        for (String settings : new String[] {"repository_policies: enabled\n", "", null}) {
            try (Harness harness = started(settings)) {
                Harness.Response response = repositoryScope(harness);

                assertThat(response.status()).as("settings %s: %s", settings, response.body()).isEqualTo(200);
                assertThat(harness.tokenRequests().getLast()).isEqualTo(
                        Harness.json("{\"repositories\":[\"repo\"],\"permissions\":{\"contents\":\"read\"}}"));
                assertThat(recordOf(harness, response).path("reason").asText()).isEqualTo("issued");
            }
        }
    }

    @Test
    void invalidSettingsRefuseRepositoryScopesButNotOrgScopes() {
        try (Harness harness = started("repository_policies: off\n")) {
            Harness.Response response = repositoryScope(harness);

            assertThat(response.status()).as("body %s", response.body()).isEqualTo(400);
            assertThat(response.code()).isEqualTo(9);
            assertThat(response.message()).isEqualTo("organization settings are invalid");
            JsonNode record = recordOf(harness, response);
            assertThat(record.path("reason").asText()).isEqualTo("org_settings_invalid");
            assertThat(record.path("detail").asText()).isEqualTo("org settings: parsing organization settings:"
                    + " unknown repository_policies \"false\" (want \"enabled\" or \"disabled\")");
            assertThat(repositoryReads(harness)).isZero();

            assertThat(harness.get(token(harness), Map.of("scope", "org", "identity", "org-ci")).status()).isEqualTo(200);
        }
    }

    @Test
    void settingsThatCannotBeReadRefuseRepositoryScopes() {
        try (Harness harness = started(null)) {
            harness.github.addFault(new Fault("GET", SETTINGS_CONTENTS, 502, null, "{\"message\":\"Bad Gateway\"}", -1));
            Harness.Response response = repositoryScope(harness);

            assertThat(response.status()).as("body %s", response.body()).isEqualTo(503);
            assertThat(response.code()).isEqualTo(14);
            assertThat(response.message()).isEqualTo("organization settings lookup unavailable");
            JsonNode record = recordOf(harness, response);
            assertThat(record.path("reason").asText()).isEqualTo("org_settings_unavailable");
            assertThat(record.path("detail").asText()).startsWith("org settings: read of .github/chainguard/org-settings.yaml: HTTP 502");
            assertThat(repositoryReads(harness)).isZero();

            harness.github.clearFaults();
            harness.github.addFault(Fault.rateLimited429(SETTINGS_CONTENTS));
            response = repositoryScope(harness);

            assertThat(response.status()).as("body %s", response.body()).isEqualTo(429);
            assertThat(response.code()).isEqualTo(8);
            assertThat(response.message()).isEqualTo("organization settings lookup rate limited");
            assertThat(recordOf(harness, response).path("reason").asText()).isEqualTo("org_settings_rate_limited");
            assertThat(repositoryReads(harness)).isZero();
        }
    }

    @Test
    void anInvalidEditKeepsTheLastValidSettingsNotTheDefault() {
        try (Harness harness = started("repository_policies: disabled\n")) {
            assertThat(repositoryScope(harness).status()).isEqualTo(403);

            harness.putFile(SETTINGS, "repository_policies: [enabled]\n");
            harness.clock.advance(Duration.ofMinutes(6)); // past the 5 fresh minutes: read again
            Harness.Response response = repositoryScope(harness);

            assertThat(response.status()).as("body %s", response.body()).isEqualTo(403);
            assertThat(recordOf(harness, response).path("reason").asText()).isEqualTo("repository_policies_disabled");
            assertThat(harness.contentReads(".github/chainguard/org-settings.yaml")).as("the edit was read").isEqualTo(2);
            assertThat(repositoryReads(harness)).isZero();
        }
    }

    @Test
    void theWebhookValidatesTheSettingsOnlyInTheOrgPolicyRepository() {
        try (Harness harness = new Harness()) {
            harness.env.put("GITHUB_WEBHOOK_SECRET", "secret");
            long installation = harness.install(0, "org");
            harness.github.createRepository("org", ".github");
            harness.start();
            harness.github.putFileAt("org", ".github", "5e771", ".github/chainguard/org-settings.yaml", "repository_policies: disabled\n");
            harness.github.putFileAt("org", ".github", "5e772", ".github/chainguard/org-settings.yaml", "repository_policies: nope\n");
            harness.github.putFileAt("org", "repo", "5e773", ".github/chainguard/org-settings.yaml", "repository_policies: nope\n");

            for (String[] push : new String[][] {{".github", "5e771"}, {".github", "5e772"}, {"repo", "5e773"}}) {
                byte[] body = """
                        {"installation":{"id":%d},"repository":{"owner":{"login":"org"},"name":"%s"},\
                        "before":"0%s","after":"%s","commits":[{"added":[".github/chainguard/org-settings.yaml"]}]}"""
                        .formatted(installation, push[0], push[1], push[1]).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                assertThat(dev.octosts.dev.GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness),
                        dev.octosts.dev.GitHubSimulator.webhookHeaders("secret", "push", java.util.UUID.randomUUID().toString(), body),
                        body).statusCode()).isEqualTo(200);
            }

            assertThat(harness.github.checkRuns()).filteredOn(run -> run.headSha().equals("5e771")).singleElement()
                    .satisfies(run -> assertThat(run.conclusion()).isEqualTo("success"));
            assertThat(harness.github.checkRuns()).filteredOn(run -> run.headSha().equals("5e772")).singleElement()
                    .satisfies(run -> {
                        assertThat(run.conclusion()).isEqualTo("failure");
                        assertThat(run.summary()).contains("\t* .github/chainguard/org-settings.yaml: parsing organization"
                                + " settings: unknown repository_policies \"nope\" (want \"enabled\" or \"disabled\")");
                    });
            assertThat(harness.github.checkRuns()).as("another repository's file of that name means nothing")
                    .noneMatch(run -> run.headSha().equals("5e773"));
        }
    }

    private static String token(Harness harness) {
        return harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN));
    }

    private static Harness.Response repositoryScope(Harness harness) {
        return harness.get(token(harness), Map.of("scope", "org/repo", "identity", "ci"));
    }

    /** Requests the simulator received for anything inside org/repo (its policy above all). */
    private static long repositoryReads(Harness harness) {
        return harness.github.calls().stream().filter(call -> call.path().startsWith("/repos/org/repo/")).count();
    }

    private static JsonNode recordOf(Harness harness, Harness.Response response) {
        String requestId = response.raw().headers().firstValue("X-Request-Id").orElseThrow();
        return harness.records().stream()
                .filter(candidate -> candidate.path("request_id").asText().equals(requestId)).findFirst().orElseThrow();
    }
}
