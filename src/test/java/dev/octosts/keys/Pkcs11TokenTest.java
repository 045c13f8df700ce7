package dev.octosts.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import dev.octosts.config.ConfigException;
import dev.octosts.config.Pkcs11Settings;
import dev.octosts.dev.LocalKeys;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.CheckpointVerifier;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keys on a real SoftHSM2 token through SunPKCS11. */
class Pkcs11TokenTest {
    private static SoftHsm hsm;
    private static Pkcs11Token token;
    private static KeyPair appKeys;

    @BeforeAll
    static void token() {
        hsm = SoftHsm.freshToken();
        token = hsm.open();
        appKeys = LocalKeys.rsa2048().keys();
        token.importKey("app", appKeys);
        token.generateKey("ledger-ec", "EC");
        token.generateKey("ledger-rsa", "RSA");
    }

    @Test
    void importedAppKeySignsRs256AndItsPublicKeyIsThePemOne() throws Exception {
        Pkcs11SigningKey key = token.key("app", "GITHUB_APP_KEY_ALIAS");
        assertThat(key.publicKey()).isEqualTo(appKeys.getPublic());
        assertThat(key.description()).contains("PKCS#11 key app", "(RSA 2048)").doesNotContain(SoftHsm.PIN);

        JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.RS256), new Payload("{\"iss\":\"1\"}"));
        jws.sign(key.jwsSigner());
        assertThat(jws.verify(new RSASSAVerifier((RSAPublicKey) appKeys.getPublic()))).isTrue();
    }

    @Test
    void keysOnTheTokenAreSensitiveAndNotExtractable() {
        for (String alias : List.of("app", "ledger-ec", "ledger-rsa")) {
            Pkcs11SigningKey key = token.key(alias, "LEDGER_KEY_ALIAS");
            assertThat(Pkcs11Token.privateKey(token.current(), alias).getEncoded()).as(alias).isNull();
            assertThat(key.sensitive()).as(alias).isTrue();
            assertThat(key.extractable()).as(alias).isFalse();
        }
        assertThat(PemKeys.fromPem(LocalKeys.rsa2048().privateKeyPem(), "PEM").extractable()).isTrue();
    }

    @Test
    void ledgerCheckpointsSignedOnTheTokenVerifyWithItsPublicKey() {
        for (String alias : List.of("ledger-ec", "ledger-rsa")) {
            Pkcs11SigningKey key = token.key(alias, "LEDGER_KEY_ALIAS");
            CheckpointSigner signer = new CheckpointSigner(key);
            UUID chain = UUID.randomUUID();
            Instant at = Instant.parse("2026-01-02T03:04:05Z");
            String signature = signer.sign(chain, 7, "ab".repeat(32), at);
            CheckpointVerifier verifier = new CheckpointVerifier(List.of(key.publicKey()));
            assertThat(verifier.check(chain, 7, "ab".repeat(32), at, signer.keyId(), signature)).as(alias).isEmpty();
            assertThat(verifier.check(chain, 8, "ab".repeat(32), at, signer.keyId(), signature)).as(alias)
                    .hasValueSatisfying(problem -> assertThat(problem).startsWith("the signature covers chain " + chain + " seq 7 "));
        }
        assertThat(token.key("ledger-ec", "LEDGER_KEY_ALIAS").description()).endsWith("(EC P-256)");
    }

    @Test
    void aMissingAliasIsOneConfigLineNamingTheVariableAndTheAliasesThatExist() {
        assertThatThrownBy(() -> token.key("nope", "GITHUB_APP_KEY_ALIAS"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("GITHUB_APP_KEY_ALIAS: ")
                .hasMessageContaining("no private key with alias nope")
                .hasMessageContaining("app, ")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void thirtyTwoConcurrentSignaturesAllVerifyAndRunInParallel() throws Exception {
        Pkcs11SigningKey key = token.key("app", "GITHUB_APP_KEY_ALIAS");
        SigningStats.Snapshot before = key.stats().snapshot();
        int threads = 32;
        int perThread = 8;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<JWSObject>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<JWSObject> signed = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.RS256), new Payload(thread + "/" + i));
                        jws.sign(key.jwsSigner());
                        signed.add(jws);
                    }
                    return signed;
                }));
            }
            start.countDown();
            RSASSAVerifier verifier = new RSASSAVerifier((RSAPublicKey) key.publicKey());
            for (Future<List<JWSObject>> result : results) {
                for (JWSObject jws : result.get()) {
                    assertThat(jws.verify(verifier)).isTrue();
                }
            }
        }
        SigningStats.Snapshot after = key.stats().snapshot();
        assertThat(after.signatures() - before.signatures()).isEqualTo(threads * perThread);
        assertThat(after.failures()).isEqualTo(before.failures());
        // Nothing in our signer serialises callers (SunPKCS11 then takes a session from its pool per
        // signature); the benchmark shows PKCS#11 throughput growing with threads.
        assertThat(after.peakInFlight()).isGreaterThan(1);
    }

    @Test
    void aWrongPinStopsWithOneLineThatNeverShowsThePin() {
        SoftHsm other = SoftHsm.freshToken();
        String wrongPin = "wrong-pin-1234";
        assertThatThrownBy(() -> Pkcs11Token.open(new Pkcs11Settings(other.config(), wrongPin)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("PKCS11_PIN: ")
                .hasMessageContaining("CKR_PIN_INCORRECT")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(wrongPin, SoftHsm.PIN, "\n"));
    }

    @Test
    void aReinitialisedTokenIsReconnectedAndTheFailedSignatureRetriedOnce() throws Exception {
        SoftHsm other = SoftHsm.freshToken();
        Pkcs11Token reinitialised = other.open();
        KeyPair keys = LocalKeys.rsa2048().keys();
        reinitialised.importKey("app", keys);
        Pkcs11SigningKey key = reinitialised.key("app", "GITHUB_APP_KEY_ALIAS");
        RSASSAVerifier verifier = new RSASSAVerifier((RSAPublicKey) keys.getPublic());
        assertThat(signed(key, "before").verify(verifier)).isTrue();

        other.reinitialise();
        other.open().importKey("app", keys);

        assertThat(signed(key, "after").verify(verifier)).isTrue();
        SigningStats.Snapshot stats = key.stats().snapshot();
        assertThat(stats.failures()).isEqualTo(1);
        assertThat(stats.reinitialisations()).isEqualTo(1);
        assertThat(signed(key, "again").verify(verifier)).isTrue();
        assertThat(key.stats().snapshot().reinitialisations()).isEqualTo(1);

        other.reinitialise();
        assertThatThrownBy(() -> signed(key, "key gone"))
                .isInstanceOf(JOSEException.class)
                .hasMessageContaining("the PKCS#11 key app cannot sign")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(SoftHsm.PIN, "\n"));
    }

    private static JWSObject signed(SigningKey key, String payload) throws JOSEException {
        JWSObject jws = new JWSObject(new JWSHeader(JWSAlgorithm.RS256), new Payload(payload));
        jws.sign(key.jwsSigner());
        return jws;
    }
}
