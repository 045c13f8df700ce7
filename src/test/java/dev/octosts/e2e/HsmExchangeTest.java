package dev.octosts.e2e;

import dev.octosts.testing.CapturedLogs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.octosts.cli.Application;
import dev.octosts.cli.AuditCommand;
import dev.octosts.config.ConfigException;
import dev.octosts.dev.GitHubSimulator.AuthKind;
import dev.octosts.dev.LocalKeys;
import dev.octosts.keys.Pkcs11Token;
import dev.octosts.keys.SigningStats;
import dev.octosts.keys.SoftHsm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The service with its GitHub App key and ledger key inside SoftHSM2, through PKCS#11. */
class HsmExchangeTest {
    private static final String POLICY = """
            issuer: https://token.actions.githubusercontent.com
            subject_pattern: 'repo:org/repo:.*'
            audience: octo-sts.test
            permissions:
              issues: write
            """;

    @Test
    void exchangesSignOnTheTokenSurviveItsReinitialisationAndCheckpointsVerify() throws Exception {
        SoftHsm hsm = SoftHsm.freshToken();
        KeyPair appKeys = LocalKeys.rsa2048().keys();
        KeyPair ledgerKeys = ecP256();
        importKeys(hsm, appKeys, ledgerKeys);
        CapturedLogs logs = new CapturedLogs();
        try (Harness harness = new Harness()) {
            harness.addApp(appKeys.getPublic());
            harness.install(0, "org");
            harness.putFile("org/repo/.github/chainguard/ci.sts.yaml", POLICY);
            useToken(harness, hsm);
            harness.start();

            assertThat(exchange(harness)).isEqualTo(200);
            // The simulator checks every App JWT against the App's public key: this one was signed on the token.
            assertThat(harness.github.calls()).anyMatch(call -> call.authKind() == AuthKind.APP_JWT && call.status() < 300);

            hsm.reinitialise();
            importKeys(hsm, appKeys, ledgerKeys);
            // The cached App JWT runs out, so the next exchange signs again, on a session the token no longer knows.
            harness.clock.advance(Duration.ofMinutes(10));
            Application sameProcess = harness.application();
            assertThat(exchange(harness)).isEqualTo(200);
            assertThat(exchange(harness)).isEqualTo(200);
            assertThat(harness.application()).isSameAs(sameProcess);

            SigningStats.Snapshot stats = harness.application().tokenSigningStats().orElseThrow().snapshot();
            assertThat(stats.reinitialisations()).isEqualTo(1);
            assertThat(stats.failures()).isEqualTo(1);
            // The App JWT signed before the reinitialisation and once after it; the last exchange reuses it.
            assertThat(stats.signatures()).isEqualTo(2);
            String metrics = harness.send(java.net.http.HttpRequest.newBuilder(harness.adminUri().resolve("/observe/metrics"))
                    .build()).raw().body();
            assertThat(metrics).contains("octosts_hsm_reinitialisations_total 1.0\n").contains("octosts_hsm_sign_failures_total 1.0\n");

            harness.application().close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = new CommandLine(new AuditCommand(Map.of("DATABASE_URL", harness.databaseUrl,
                    "LEDGER_KEY_ALIAS", "ledger", "PKCS11_CONFIG", hsm.config().toString(), "PKCS11_PIN", SoftHsm.PIN),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)))
                    .execute("verify");
            assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
            assertThat(exit).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).matches("verified 3 records in 1 chains, [1-9][0-9]* checkpoints\\s*");
        } finally {
            logs.close();
        }
        List<String> logLines = logs.lines();
        assertThat(logLines).filteredOn(line -> line.contains("reconnecting to the token and retrying once")).hasSize(1);
        // The JDK logs the command lines of the test's own softhsm2-util runs at FINER; the service logs no PIN.
        assertThat(logLines).filteredOn(line -> !line.contains("ProcessBuilder.start()"))
                .noneMatch(line -> line.contains(SoftHsm.PIN));
    }

    @Test
    void aWrongPinStopsStartUpWithOneLine() {
        SoftHsm hsm = SoftHsm.freshToken();
        KeyPair appKeys = LocalKeys.rsa2048().keys();
        try (Harness harness = new Harness()) {
            harness.addApp(appKeys.getPublic());
            useToken(harness, hsm);
            harness.env.put("PKCS11_PIN", "not-the-pin");
            assertThatThrownBy(harness::start)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("PKCS11_PIN: the token of " + hsm.config() + " refused the PIN (CKR_PIN_INCORRECT)")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("not-the-pin", "\n"));
        }
    }

    private static void useToken(Harness harness, SoftHsm hsm) {
        harness.env.remove("LEDGER_SIGNING_KEY_FILE");
        harness.env.put("PKCS11_CONFIG", hsm.config().toString());
        harness.env.put("PKCS11_PIN", SoftHsm.PIN);
        harness.env.put("GITHUB_APP_KEY_ALIAS", "github-app");
        harness.env.put("LEDGER_KEY_ALIAS", "ledger");
    }

    private static void importKeys(SoftHsm hsm, KeyPair appKeys, KeyPair ledgerKeys) {
        Pkcs11Token token = hsm.open();
        token.importKey("github-app", appKeys);
        token.importKey("ledger", ledgerKeys);
    }

    private static int exchange(Harness harness) {
        String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN,
                "exp", Instant.now().plus(Duration.ofHours(1)).getEpochSecond()));
        return harness.get(token, Map.of("scope", "org/repo", "identity", "ci")).status();
    }

    private static KeyPair ecP256() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }
}
