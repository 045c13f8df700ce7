package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import dev.octosts.keys.PemKeys;
import dev.octosts.keys.SigningKey;
import dev.octosts.ledger.CheckpointPublicKeys;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.LedgerVerifierFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code octo-sts audit public-key}: the ledger key's public half, readable by anyone. */
class AuditPublicKeyCommandTest {

    @Test
    void printsPemAndKeyIdThatReadBackToThePublicKey(@TempDir Path dir) throws Exception {
        Path keyFile = Files.writeString(dir.resolve("ledger.pem"), LedgerVerifierFixture.rsaPrivateKeyPem());
        SigningKey key = PemKeys.fromFile(keyFile);

        AuditCommandRun run = AuditCommandRun.run(Map.of("LEDGER_SIGNING_KEY_FILE", keyFile.toString()),
                Clock.systemUTC(), "public-key");

        assertThat(run.exit()).isZero();
        List<String> lines = run.lines();
        assertThat(lines.getFirst()).isEqualTo("-----BEGIN PUBLIC KEY-----");
        assertThat(lines.get(lines.size() - 2)).isEqualTo("-----END PUBLIC KEY-----");
        assertThat(lines.getLast()).isEqualTo("key id: " + CheckpointSigner.keyId(key.publicKey()));
        // Plain JDK decoding, as a verifier in any language would do it.
        String base64 = String.join("", lines.subList(1, lines.size() - 2));
        PublicKey decoded = KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        assertThat(decoded).isEqualTo(key.publicKey());
        assertThat(CheckpointPublicKeys.parse(run.out(), "output")).isEqualTo(key.publicKey());
        assertThat(run.out()).doesNotContain("PRIVATE");
    }

    @Test
    void printsAJwk(@TempDir Path dir) throws Exception {
        Path keyFile = Files.writeString(dir.resolve("ledger.pem"), LedgerVerifierFixture.rsaPrivateKeyPem());
        SigningKey key = PemKeys.fromFile(keyFile);

        AuditCommandRun run = AuditCommandRun.run(Map.of("LEDGER_SIGNING_KEY_FILE", keyFile.toString()),
                Clock.systemUTC(), "public-key", "--format", "jwk");

        assertThat(run.exit()).isZero();
        JWK jwk = JWK.parse(run.out().strip());
        assertThat(jwk.isPrivate()).isFalse();
        assertThat(jwk.getKeyID()).isEqualTo(CheckpointSigner.keyId(key.publicKey()));
        assertThat(jwk.getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(((RSAKey) jwk).toRSAPublicKey()).isEqualTo(key.publicKey());
    }

    @Test
    void refusesWithoutAKeyOrWithAnUnknownFormat(@TempDir Path dir) throws IOException {
        AuditCommandRun noKey = AuditCommandRun.run(Map.of(), Clock.systemUTC(), "public-key");
        assertThat(noKey.err()).contains("LEDGER_SIGNING_KEY_FILE: is required");
        assertThat(noKey.exit()).isEqualTo(2);

        Path notAKey = Files.writeString(dir.resolve("x.pem"), "hello");
        AuditCommandRun badKey = AuditCommandRun.run(Map.of("LEDGER_SIGNING_KEY_FILE", notAKey.toString()),
                Clock.systemUTC(), "public-key");
        assertThat(badKey.err()).contains("LEDGER_SIGNING_KEY_FILE").contains("no PEM private key");
        assertThat(badKey.exit()).isEqualTo(2);

        Path keyFile = Files.writeString(dir.resolve("ledger.pem"), LedgerVerifierFixture.rsaPrivateKeyPem());
        AuditCommandRun badFormat = AuditCommandRun.run(Map.of("LEDGER_SIGNING_KEY_FILE", keyFile.toString()),
                Clock.systemUTC(), "public-key", "--format", "der");
        assertThat(badFormat.err()).contains("--format must be pem or jwk");
        assertThat(badFormat.out()).isEmpty();
        assertThat(badFormat.exit()).isEqualTo(2);
    }
}
