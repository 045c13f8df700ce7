package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.dev.GitHubSimulator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Refusals that come from the GitHub side of an exchange, each in a world of its own: what the caller is
 * told (status, gRPC code, message) and the reason the ledger keeps. The policy used where one is found
 * lets Actions tokens of org/repo's main branch read its contents.
 */
class ExchangeReasonsTest {
    private static final String MAIN = "repo:org/repo:ref:refs/heads/main";
    private static final String POLICY_FILE = ".*/contents/\\.github/chainguard/ci\\.sts\\.yaml";

    /** A world ({@code world} runs before the service starts), the scope asked for, and what follows. */
    record Row(String name, Consumer<Harness> world, String scope, int status, int code, String message, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Row> rows() {
        return Stream.of(
                new Row("no App pool serves the owner", harness -> {
                    harness.installWithMainBranchPolicy("ci");
                    harness.pools("pools:\n  someone-else: [" + harness.app(0).appId() + "]\n");
                }, "org/repo", 404, 5, "no GitHub App configured for org \"org\"", "no_app_for_owner"),
                new Row("the App is not installed on the owner", harness -> harness.installWithMainBranchPolicy("ci"),
                        "stranger/repo", 404, 5, "no installation found for \"stranger\"", "not_installed"),
                new Row("GitHub refuses the permissions the policy grants", harness -> {
                    harness.github.createRepository("org", "repo");
                    harness.github.install(harness.app(0).appId(), "org", Map.of("contents", "read"), null);
                    harness.putFile("org/repo/.github/chainguard/ci.sts.yaml",
                            Harness.MAIN_BRANCH_POLICY.replace("contents: read", "issues: write"));
                }, "org/repo", 403, 7, "token exchange failure (StatusUnprocessableEntity)", "github_refused_permissions"),
                new Row("the App cannot read the repository", harness -> {
                    harness.github.createRepository("org", "repo");
                    harness.github.install(harness.app(0).appId(), "org", Map.of("metadata", "read"), null);
                    harness.putFile("org/repo/.github/chainguard/ci.sts.yaml", Harness.MAIN_BRANCH_POLICY);
                }, "org/repo", 500, 13, "unable to read trust policy for \"ci\"", "repository_not_accessible"),
                new Row("the policy read is rate limited", harness -> {
                    harness.installWithMainBranchPolicy("ci");
                    harness.github.addFault(GitHubSimulator.Fault.rateLimited403(POLICY_FILE));
                }, "org/repo", 429, 8, "GitHub API rate limit exceeded for \"ci\"", "github_rate_limited"),
                new Row("GitHub fails the policy read", harness -> {
                    harness.installWithMainBranchPolicy("ci");
                    harness.github.addFault(new GitHubSimulator.Fault("GET", POLICY_FILE, 502, Map.of(),
                            "{\"message\":\"Server Error\"}", -1));
                }, "org/repo", 500, 13, "unable to read trust policy for \"ci\"", "github_unavailable"),
                new Row("GitHub fails the installation lookup", harness -> {
                    harness.installWithMainBranchPolicy("ci");
                    harness.github.addFault(new GitHubSimulator.Fault("GET", "^/app/installations$", 502, Map.of(),
                            "{\"message\":\"Server Error\"}", -1));
                }, "org/repo", 500, 13, "unable to find installation", "github_unavailable"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theCallerAndTheLedgerHearTheSameReason(Row row) {
        try (Harness harness = new Harness()) {
            row.world().accept(harness);
            harness.start();

            Harness.Response response = harness.get(harness.actionsToken(Map.of("sub", MAIN, "aud", Harness.DOMAIN)),
                    Map.of("scope", row.scope(), "identity", "ci"));

            JsonNode record = harness.lastRecord();
            assertThat(response.status()).as("body %s", response.body()).isEqualTo(row.status());
            assertThat(response.code()).isEqualTo(row.code());
            assertThat(response.message()).isEqualTo(row.message());
            assertThat(response.body().path("token").isMissingNode()).isTrue();
            assertThat(record.path("request_id").asText())
                    .isEqualTo(response.raw().headers().firstValue("X-Request-Id").orElseThrow());
            assertThat(record.path("reason").asText()).isEqualTo(row.reason());
            assertThat(record.path("grpc_code").asInt()).isEqualTo(row.code());
            assertThat(record.path("issued").isNull()).isTrue();
            assertThat(harness.github.issuedTokens()).as("no token left alive").allSatisfy(token ->
                    assertThat(token.revoked()).isTrue());
        }
    }
}
