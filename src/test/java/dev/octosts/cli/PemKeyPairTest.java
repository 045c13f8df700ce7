package dev.octosts.cli;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The PEM files {@code octo-sts keys import} reads: RSA keys in PKCS#1 or PKCS#8 form and EC P-256 keys in PKCS#8 form give
 * the key with its public half (PKCS#8 may omit it); anything else is one line that never quotes the file.
 */
class PemKeyPairTest {
    @TempDir
    Path dir;

    private static final KeyPair RSA = generate("RSA", null);
    private static final KeyPair EC = generate("EC", new ECGenParameterSpec("secp256r1"));

    private static KeyPair generate(String algorithm, ECGenParameterSpec spec) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
            if (spec != null) {
                generator.initialize(spec);
            } else {
                generator.initialize(2048);
            }
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Traditional PEM (BEGIN RSA PRIVATE KEY), as openssl writes it. */
    private static String traditional(KeyPair pair) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(pair.getPrivate());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    private static String pkcs8(java.security.PrivateKey key) {
        return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    static Stream<Arguments> keys() {
        return Stream.of(
                Arguments.argumentSet("RSA, PKCS#1", traditional(RSA), RSA),
                Arguments.argumentSet("RSA, PKCS#8", pkcs8(RSA.getPrivate()), RSA),
                Arguments.argumentSet("EC P-256, PKCS#8", pkcs8(EC.getPrivate()), EC));
    }

    @ParameterizedTest
    @MethodSource("keys")
    void aPrivateKeyIsReadWithItsPublicHalf(String pem, KeyPair expected) throws IOException {
        Path file = Files.writeString(dir.resolve("key.pem"), "comment before the key\n" + pem);

        KeyPair read = KeysCommand.readKeyPair(file);

        assertThat(read.getPrivate().getEncoded()).isEqualTo(expected.getPrivate().getEncoded());
        assertThat(read.getPublic().getEncoded()).isEqualTo(expected.getPublic().getEncoded());
    }

    static Stream<Arguments> notKeys() throws Exception {
        KeyPair ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        String publicOnly = "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(RSA.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
        return Stream.of(
                Arguments.argumentSet("an Ed25519 key", pkcs8(ed25519.getPrivate()),
                        " holds a EdDSA key; only RSA and EC P-256 keys are supported"),
                Arguments.argumentSet("a public key only", publicOnly, " contains no unencrypted PEM private key"),
                Arguments.argumentSet("no PEM at all", "just some text\n", " contains no unencrypted PEM private key"),
                Arguments.argumentSet("a PEM block that is not DER", "-----BEGIN PRIVATE KEY-----\nbm90IGRlcg==\n-----END PRIVATE KEY-----\n",
                        " is not a readable PEM private key ("),
                Arguments.argumentSet("a file too large for a key", "x".repeat(64 * 1024 + 1), " is too large to be a private key"));
    }

    @ParameterizedTest
    @MethodSource("notKeys")
    void anythingElseIsOneLineThatDoesNotQuoteTheFile(String content, String problem) throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-key.pem"), content);

        assertThatThrownBy(() -> KeysCommand.readKeyPair(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("PEM file " + file + problem)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("bm90IGRlcg").doesNotContain("xxxx"));
    }
}
