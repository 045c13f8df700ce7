package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.GitHubSimulator.CreatedCheckRun;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Organization-level permissions ({@code members}, {@code organization_*}) end to end: a repository policy
 * granting one does not compile (NotFound, nothing minted, the record names the permission), the webhook's
 * check run names it, and an org policy keeps granting it.
 */
class OrganizationPermissionsTest {
    private static final String MAIN = "repo:org/repo:ref:refs/heads/main";
    private static final String SECRET = "webhook-secret";
    private static final long INSTALLATION = 5151;
    private static Harness harness;

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.env.put("GITHUB_WEBHOOK_SECRET", SECRET);
        harness.github.createRepository("org", "repo");
        harness.github.createRepository("org", ".github");
        harness.github.installWithId(INSTALLATION, harness.app(0).appId(), "org", Harness.ALL_PERMISSIONS, null);
        harness.start();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    private static String policy(String permission) {
        return """
                issuer: https://token.actions.githubusercontent.com
                subject: %s
                permissions:
                  contents: read
                  %s: read
                """.formatted(MAIN, permission);
    }

    @ParameterizedTest
    @ValueSource(strings = {"members", "organization_secrets", "Organization_Administration"})
    void aRepositoryPolicyGrantingAnOrganizationPermissionIsNotFound(String permission) {
        String identity = "org-perm-" + permission.toLowerCase();
        String yaml = policy(permission);
        harness.putFile("org/repo/.github/chainguard/" + identity + ".sts.yaml", yaml);
        int mintsBefore = harness.tokenRequests().size();

        Harness.Response response = harness.get(harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN)),
                Map.of("scope", "org/repo", "identity", identity));

        assertThat(response.status()).as("body %s", response.body()).isEqualTo(404);
        assertThat(response.code()).isEqualTo(5);
        assertThat(response.message()).isEqualTo("unable to compile trust policy found for \"" + identity + "\"");
        assertThat(harness.tokenRequests().subList(mintsBefore, harness.tokenRequests().size()))
                .as("only the policy read's token, never one with the policy's permissions")
                .allSatisfy(request -> assertThat(request.path("permissions")).isEqualTo(Harness.json("{\"contents\":\"read\"}")));
        JsonNode record = recordOf(response);
        assertThat(record.path("decision").asText()).isEqualTo("deny");
        assertThat(record.path("reason").asText()).isEqualTo("policy_compile_error");
        assertThat(record.path("detail").asText()).isEqualTo("trust policy: permission \"" + permission.toLowerCase()
                + "\" is organization-level: only an org policy (in the org policy repository) may grant it");
        assertThat(record.path("policy").path("sha256").asText()).isEqualTo(Harness.sha256Hex(yaml));
        assertThat(record.path("issued").isNull()).isTrue();
    }

    @Test
    void anOrgPolicyStillGrantsThem() {
        harness.putFile("org/.github/.github/chainguard/org-members.sts.yaml", policy("members") + "repositories: [repo]\n");

        Harness.Response response = harness.get(harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN)),
                Map.of("scope", "org", "identity", "org-members"));

        assertThat(response.status()).as("body %s", response.body()).isEqualTo(200);
        assertThat(harness.tokenRequests().getLast()).isEqualTo(Harness.json(
                "{\"repositories\":[\"repo\"],\"permissions\":{\"contents\":\"read\",\"members\":\"read\"}}"));
        assertThat(recordOf(response).path("reason").asText()).isEqualTo("issued");
    }

    @Test
    void theWebhookNamesThePermissionInARepositoryButNotInTheOrgPolicyRepository() {
        harness.github.putFileAt("org", "repo", "feed01", ".github/chainguard/members.sts.yaml", policy("members"));
        harness.github.putFileAt("org", ".github", "feed02", ".github/chainguard/members.sts.yaml", policy("members"));

        deliverPush("repo", "feed01");
        deliverPush(".github", "feed02");

        assertThat(harness.github.checkRuns()).filteredOn(run -> run.headSha().equals("feed01")).singleElement()
                .satisfies(run -> {
                    assertThat(run.conclusion()).isEqualTo("failure");
                    assertThat(run.summary()).contains("\t* .github/chainguard/members.sts.yaml: trust policy: permission"
                            + " \"members\" is organization-level: only an org policy (in the org policy repository) may grant it");
                });
        assertThat(harness.github.checkRuns()).filteredOn(run -> run.headSha().equals("feed02")).singleElement()
                .extracting(CreatedCheckRun::conclusion).isEqualTo("success");
    }

    private static void deliverPush(String repo, String sha) {
        byte[] body = """
                {"installation":{"id":%d},"repository":{"owner":{"login":"org"},"name":"%s"},\
                "before":"0%s","after":"%s","commits":[{"added":[".github/chainguard/members.sts.yaml"]}]}"""
                .formatted(INSTALLATION, repo, sha, sha).getBytes(StandardCharsets.UTF_8);
        assertThat(GitHubSimulator.deliverWebhook(WebhookConformanceTest.webhookUri(harness),
                GitHubSimulator.webhookHeaders(SECRET, "push", UUID.randomUUID().toString(), body), body).statusCode())
                .isEqualTo(200);
    }

    private static JsonNode recordOf(Harness.Response response) {
        String requestId = response.raw().headers().firstValue("X-Request-Id").orElseThrow();
        return harness.records().stream()
                .filter(candidate -> candidate.path("request_id").asText().equals(requestId)).findFirst().orElseThrow();
    }
}
