package dev.octosts.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.Date;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PemKeysTest {
    private static KeyPair rsa;
    private static String pkcs1;
    private static String pkcs8;

    @BeforeAll
    static void keys() throws Exception {
        rsa = generate("RSA", 2048);
        pkcs1 = pem(rsa.getPrivate());
        pkcs8 = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(rsa.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    static Stream<Arguments> goodKeys() {
        return Stream.of(Arguments.of("PKCS#1", pkcs1), Arguments.of("PKCS#8", pkcs8));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodKeys")
    void loadsAndSignsVerifiably(String format, String pem) throws Exception {
        assertThat(pem).contains(format.equals("PKCS#1") ? "BEGIN RSA PRIVATE KEY" : "BEGIN PRIVATE KEY");
        SigningKey key = PemKeys.fromPem(pem, "test key");

        assertThat(key.description()).isEqualTo("test key (RSA 2048)");
        assertThat(key.publicKey()).isEqualTo(rsa.getPublic());
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), new JWTClaimsSet.Builder().issuer("1").build());
        jwt.sign(key.jwsSigner());
        assertThat(SignedJWT.parse(jwt.serialize()).verify(new RSASSAVerifier((RSAPublicKey) rsa.getPublic()))).isTrue();
        assertThat(key.toString()).isEqualTo("test key (RSA 2048)");
    }

    @Test
    void loadsFromAFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("app.pem");
        Files.writeString(file, pkcs1);

        SigningKey key = PemKeys.fromFile(file);

        assertThat(key.description()).isEqualTo("PEM file " + file + " (RSA 2048)");
        assertThat(key.publicKey()).isEqualTo(rsa.getPublic());
    }

    @Test
    void aMissingFileIsAClearError(@TempDir Path dir) {
        Path file = dir.resolve("absent.pem");
        assertThatThrownBy(() -> PemKeys.fromFile(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("cannot read PEM file " + file + " (NoSuchFileException)");
    }

    @Test
    void aFileTooLargeForAKeyIsNotRead(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("huge.pem"), "A".repeat(1 << 20));
        assertThatThrownBy(() -> PemKeys.fromFile(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("PEM file " + file + " is larger than ")
                .hasMessageEndingWith(" bytes, so it is not a private key");
    }

    static Stream<Arguments> badKeys() throws Exception {
        KeyPair ec = generate("EC", 256);
        KeyPair small = generate("RSA", 1024);
        JcaPKCS8Generator encrypted8 = new JcaPKCS8Generator(rsa.getPrivate(),
                new JceOpenSSLPKCS8EncryptorBuilder(JcaPKCS8Generator.PBE_SHA1_3DES).setProvider(new BouncyCastleProvider()).setPassword("pw".toCharArray()).build());
        StringWriter encrypted8Pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(encrypted8Pem)) {
            writer.writeObject(encrypted8);
        }
        StringWriter encrypted1Pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(encrypted1Pem)) {
            writer.writeObject(rsa.getPrivate(), new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(new BouncyCastleProvider()).build("pw".toCharArray()));
        }
        return Stream.of(
                Arguments.of("garbage", "hello, this is not a key", "contains no PEM private key"),
                Arguments.of("empty", "  \n", "is empty, expected an RSA private key in PEM form"),
                Arguments.of("armour around garbage",
                        "-----BEGIN RSA PRIVATE KEY-----\nAAAAnotreallybase64!!!!\n-----END RSA PRIVATE KEY-----\n",
                        "is not a readable PEM private key"),
                Arguments.of("EC key (SEC1)", pem(ec.getPrivate()), "holds a private key of type EC, but only RSA private keys are supported"),
                Arguments.of("EC key (PKCS#8)", "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(ec.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n", "only RSA private keys are supported"),
                Arguments.of("RSA 1024", pem(small.getPrivate()), "holds an RSA key of 1024 bits, but at least 2048 bits are required"),
                Arguments.of("encrypted PKCS#8", encrypted8Pem.toString(), "holds an encrypted private key, which is not supported"),
                Arguments.of("encrypted PKCS#1", encrypted1Pem.toString(), "holds an encrypted private key, which is not supported"),
                Arguments.of("certificate only", pem(certificate(rsa)), "contains a certificate but no private key"),
                Arguments.of("public key only", pem(rsa.getPublic()), "contains a public key but no private key"),
                Arguments.of("Ed25519 key (PKCS#8)", "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(KeyPairGenerator.getInstance("Ed25519").generateKeyPair()
                                .getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n", "holds a private key of type Ed25519, but only RSA private keys are supported"),
                Arguments.of("EC parameters only", "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n",
                        "a PEM object of another kind"),
                Arguments.of("a megabyte of text", "A".repeat(1 << 20), "is too large to be a PEM private key"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badKeys")
    void rejectsWithOneClearSentenceAndNoKeyMaterial(String kind, String pem, String expected) {
        assertThatThrownBy(() -> PemKeys.fromPem(pem, "test key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("test key ")
                .hasMessageContaining(expected)
                .satisfies(e -> {
                    assertThat(e.getMessage()).doesNotContain("\n");
                    pem.lines().filter(line -> line.length() >= 16 && !line.startsWith("-----"))
                            .forEach(line -> assertThat(e.getMessage()).doesNotContain(line.substring(0, 16)));
                });
    }

    private static KeyPair generate(String algorithm, int size) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
        generator.initialize(size);
        return generator.generateKeyPair();
    }

    private static String pem(Object object) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }

    private static java.security.cert.X509Certificate certificate(KeyPair keys) throws Exception {
        X500Name name = new X500Name("CN=test");
        Date now = new Date();
        var holder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE, now, new Date(now.getTime() + 86_400_000L),
                name, keys.getPublic()).build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate()));
        return new JcaX509CertificateConverter().getCertificate(holder);
    }
}
