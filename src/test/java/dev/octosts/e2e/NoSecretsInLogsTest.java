package dev.octosts.e2e;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

import static org.assertj.core.api.Assertions.assertThat;

/** Neither the caller's OIDC token nor an issued GitHub token may reach a log line. */
class NoSecretsInLogsTest {

    @Test
    void tokensNeverAppearInLogs() {
        List<String> lines = new ArrayList<>();
        Handler capture = new Handler() {
            private final SimpleFormatter formatter = new SimpleFormatter();

            @Override
            public void publish(LogRecord record) {
                synchronized (lines) {
                    lines.add(formatter.format(record));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger root = Logger.getLogger("");
        Level previous = root.getLevel();
        root.setLevel(Level.ALL);
        root.addHandler(capture);
        List<String> secrets = new ArrayList<>();
        try (Harness harness = new Harness()) {
            harness.install(0, "org");
            harness.putFile("org/repo/.github/chainguard/ci.sts.yaml", """
                    issuer: https://token.actions.githubusercontent.com
                    subject: repo:org/repo:ref:refs/heads/main
                    permissions:
                      contents: read
                    """);
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
            root.removeHandler(capture);
            root.setLevel(previous);
        }

        assertThat(lines).as("the exchanges above were logged").isNotEmpty();
        for (String secret : secrets) {
            // The signature part alone identifies a JWT; a GitHub token is checked whole.
            String needle = secret.contains(".") ? secret.substring(secret.lastIndexOf('.') + 1) : secret;
            assertThat(lines).noneMatch(line -> line.contains(needle));
        }
    }
}
