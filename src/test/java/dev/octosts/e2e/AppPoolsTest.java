package dev.octosts.e2e;

import dev.octosts.dev.GitHubSimulator;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Several GitHub Apps serving one org: round robin, fallback to an installed App, sticky check writers. */
class AppPoolsTest {
    private static final String POLICY = """
            issuer: https://token.actions.githubusercontent.com
            subject_pattern: 'repo:org/repo:.*'
            audience: octo-sts.test
            permissions:
              %s: write
            """;

    @Test
    void anAppOfThePoolThatIsNotInstalledIsSkipped() {
        try (Harness harness = new Harness()) {
            harness.app(0);
            harness.install(1, "org");
            harness.putFile("org/repo/.github/chainguard/ci.sts.yaml", POLICY.formatted("issues"));
            harness.start();
            for (int i = 0; i < 3; i++) {
                Harness.Response response = harness.get(harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main",
                        "aud", Harness.DOMAIN)), Map.of("scope", "org/repo", "identity", "ci"));
                assertThat(response.status()).as("exchange %d: %s", i, response.body()).isEqualTo(200);
            }
        }
    }

    @Test
    void tokensThatWriteChecksComeFromOneAppPerSubject() {
        try (Harness harness = new Harness()) {
            long first = harness.install(0, "org");
            long second = harness.install(1, "org");
            harness.putFile("org/repo/.github/chainguard/checks.sts.yaml", POLICY.formatted("checks"));
            harness.putFile("org/repo/.github/chainguard/issues.sts.yaml", POLICY.formatted("issues"));
            harness.start();

            for (String subject : new String[] {"repo:org/repo:ref:refs/heads/main", "repo:org/repo:pull_request"}) {
                int before = harness.github.issuedTokens().size();
                for (int i = 0; i < 4; i++) {
                    assertThat(exchange(harness, subject, "checks")).isEqualTo(200);
                }
                Set<Long> minting = harness.github.issuedTokens().subList(before, harness.github.issuedTokens().size())
                        .stream().filter(token -> token.permissions().containsKey("checks"))
                        .map(GitHubSimulator.IssuedToken::installationId).collect(Collectors.toSet());
                assertThat(minting).as("tokens for %s", subject).hasSize(1);
            }

            for (int i = 0; i < 4; i++) {
                assertThat(exchange(harness, "repo:org/repo:ref:refs/heads/main", "issues")).isEqualTo(200);
            }
            assertThat(installationsMinting(harness, "issues")).as("round robin without checks: write")
                    .containsExactlyInAnyOrder(first, second);
        }
    }

    private static int exchange(Harness harness, String subject, String identity) {
        return harness.get(harness.actionsToken(Map.of("sub", subject, "aud", Harness.DOMAIN)),
                Map.of("scope", "org/repo", "identity", identity)).status();
    }

    private static Set<Long> installationsMinting(Harness harness, String permission) {
        return harness.github.issuedTokens().stream()
                .filter(token -> token.permissions().containsKey(permission))
                .map(GitHubSimulator.IssuedToken::installationId)
                .collect(Collectors.toSet());
    }
}
