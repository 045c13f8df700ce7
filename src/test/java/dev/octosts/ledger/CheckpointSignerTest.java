package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.jwk.JWK;
import dev.octosts.keys.SigningKey;
import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Checkpoint signatures: JWS over the chain head, alg from the key type, kid = RFC 7638 thumbprint. */
class CheckpointSignerTest {
    private static final SigningKey RSA = LedgerVerifierFixture.rsaKey();
    private static final SigningKey OTHER_RSA = LedgerVerifierFixture.rsaKey();
    private static final UUID CHAIN = UUID.fromString("6f1c1f6e-0a53-4a8e-9d0c-5b8e2c1d7a10");
    private static final String HASH = "c".repeat(64);
    private static final Instant SIGNED_AT = Instant.parse("2026-11-27T10:00:00.123456Z");

    @Test
    void keyIdIsTheRfc7638Thumbprint() throws Exception {
        // RFC 7638 section 3.1.
        String n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                new BigInteger(1, Base64.getUrlDecoder().decode(n)), BigInteger.valueOf(65537)));

        assertThat(CheckpointSigner.keyId(key)).isEqualTo("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }

    @Test
    void rsaKeysSignRs256OverTheChainHead() throws Exception {
        CheckpointSigner signer = new CheckpointSigner(RSA);
        JWSObject jws = JWSObject.parse(signer.sign(CHAIN, 7, HASH, SIGNED_AT));

        assertThat(jws.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(jws.getHeader().getKeyID()).isEqualTo(signer.keyId()).isEqualTo(CheckpointSigner.keyId(RSA.publicKey()));
        assertThat(jws.getPayload().toString()).isEqualTo("{\"chain_id\":\"" + CHAIN + "\",\"hash\":\"" + HASH
                + "\",\"seq\":7,\"signed_at\":\"2026-11-27T10:00:00.123456Z\"}");
        assertThat(new CheckpointVerifier(List.of(RSA.publicKey())).check(CHAIN, 7, HASH, SIGNED_AT, signer.keyId(),
                jws.serialize())).isEmpty();
    }

    @Test
    void ecP256KeysSignEs256() throws Exception {
        SigningKey ec = ecKey();
        CheckpointSigner signer = new CheckpointSigner(ec);
        String signature = signer.sign(CHAIN, 1, HASH, SIGNED_AT);

        assertThat(JWSObject.parse(signature).getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(new CheckpointVerifier(List.of(RSA.publicKey(), ec.publicKey()))
                .check(CHAIN, 1, HASH, SIGNED_AT, signer.keyId(), signature)).isEmpty();
    }

    record Stored(String name, UUID chain, long seq, String hash, Instant signedAt, String keyId, String signature,
                  String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> storedCheckpointsThatDoNotVerify() {
        CheckpointSigner signer = new CheckpointSigner(RSA);
        CheckpointSigner other = new CheckpointSigner(OTHER_RSA);
        String good = signer.sign(CHAIN, 7, HASH, SIGNED_AT);
        String[] parts = good.split("\\.");
        String otherPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(
                new CheckpointPayload(CHAIN, 8, HASH, SIGNED_AT).json().getBytes());
        return Stream.of(
                new Stored("seq changed", CHAIN, 8, HASH, SIGNED_AT, signer.keyId(), good, "covers chain"),
                new Stored("hash changed", CHAIN, 7, "d".repeat(64), SIGNED_AT, signer.keyId(), good, "covers chain"),
                new Stored("chain changed", UUID.randomUUID(), 7, HASH, SIGNED_AT, signer.keyId(), good, "covers chain"),
                new Stored("signed_at changed", CHAIN, 7, HASH, SIGNED_AT.plusSeconds(1), signer.keyId(), good, "covers chain"),
                new Stored("untrusted key", CHAIN, 7, HASH, SIGNED_AT, other.keyId(), other.sign(CHAIN, 7, HASH, SIGNED_AT),
                        "not a trusted ledger key"),
                new Stored("other key, trusted key id", CHAIN, 7, HASH, SIGNED_AT, signer.keyId(),
                        other.sign(CHAIN, 7, HASH, SIGNED_AT), "kid"),
                new Stored("payload swapped", CHAIN, 8, HASH, SIGNED_AT, signer.keyId(),
                        parts[0] + "." + otherPayload + "." + parts[2], "does not verify"),
                new Stored("not a JWS", CHAIN, 7, HASH, SIGNED_AT, signer.keyId(), "garbage", "not a compact JWS"))
                .map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("storedCheckpointsThatDoNotVerify")
    void aCheckpointVerifiesOnlyForExactlyWhatWasSigned(Stored stored) {
        Optional<String> problem = new CheckpointVerifier(List.of(RSA.publicKey())).check(stored.chain(), stored.seq(),
                stored.hash(), stored.signedAt(), stored.keyId(), stored.signature());

        assertThat(problem).hasValueSatisfying(why -> assertThat(why).contains(stored.expected()));
    }

    @Test
    void publishedKeysReadBackAsPemOrJwk() {
        PublicKey rsa = RSA.publicKey();
        PublicKey ec = ecKey().publicKey();
        for (PublicKey key : List.of(rsa, ec)) {
            String pem = CheckpointPublicKeys.pem(key) + "key id: " + CheckpointSigner.keyId(key) + "\n";
            JWK jwk = CheckpointPublicKeys.jwk(key);

            assertThat(CheckpointPublicKeys.parse(pem, "pem")).isEqualTo(key);
            assertThat(CheckpointPublicKeys.parse(jwk.toJSONString(), "jwk")).isEqualTo(key);
            assertThat(jwk.getKeyID()).isEqualTo(CheckpointSigner.keyId(key));
            assertThat(jwk.isPrivate()).isFalse();
        }
    }

    @Test
    void unreadableKeysAreRefusedWithoutQuotingThem() {
        assertThatThrownBy(() -> CheckpointPublicKeys.parse("-----BEGIN PUBLIC KEY-----\nc2VjcmV0\n-----END PUBLIC KEY-----", "f"))
                .hasMessageStartingWith("f is not a readable PEM public key").hasMessageNotContaining("c2VjcmV0");
        assertThatThrownBy(() -> CheckpointPublicKeys.parse("hello", "f")).hasMessageContaining("no PEM public key");
        assertThatThrownBy(() -> CheckpointPublicKeys.parse("", "f")).hasMessageContaining("empty");
        assertThatThrownBy(() -> CheckpointPublicKeys.parse("x".repeat(100_000), "f"))
                .hasMessage("f is too large to be a public key");
        assertThatThrownBy(() -> CheckpointPublicKeys.parse("{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}", "f"))
                .hasMessage("f holds a JWK that is neither RSA nor EC");
        assertThatThrownBy(() -> CheckpointPublicKeys.parse("{\"kty\":\"RSA\",\"n\":", "f"))
                .hasMessage("f is not a readable JWK (ParseException)");
    }

    @Test
    void keysThatCannotSignCheckpointsAreRefused() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp384r1"));
        PublicKey p384 = generator.generateKeyPair().getPublic();

        assertThatThrownBy(() -> CheckpointSigner.keyId(p384)).hasMessageContaining("RSA or EC P-256");
    }

    /** An EC P-256 ledger key, as an HSM will provide. */
    private static SigningKey ecKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            JWSSigner signer = new ECDSASigner((ECPrivateKey) pair.getPrivate());
            return new SigningKey() {
                @Override
                public String description() {
                    return "test EC P-256 key";
                }

                @Override
                public PublicKey publicKey() {
                    return pair.getPublic();
                }

                @Override
                public JWSSigner jwsSigner() {
                    return signer;
                }
            };
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
