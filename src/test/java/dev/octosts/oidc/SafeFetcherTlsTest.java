package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A pinned connection still speaks TLS to the host name: it sends it as SNI and verifies the certificate
 * against it, not against the address it dialled. The issuer is a TLS listener on 127.0.0.7 whose
 * certificate names {@code issuer-tls.test}; scripted names resolve to it.
 */
class SafeFetcherTlsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static SSLContext serverTls;
    private static SSLContext clientTls;

    @BeforeAll
    static void certificates() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=issuer-tls.test");
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                name, BigInteger.ONE, Date.from(Instant.now().minusSeconds(60)),
                Date.from(Instant.now().plus(Duration.ofDays(1))), name, pair.getPublic())
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.dNSName, "issuer-tls.test")))
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())));

        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("issuer", pair.getPrivate(), new char[0], new Certificate[] {certificate});
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, new char[0]);
        serverTls = SSLContext.getInstance("TLS");
        serverTls.init(keyManagers.getKeyManagers(), null, null);

        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("issuer", certificate);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, trustManagers.getTrustManagers(), null);
    }

    private static LoopbackListener issuer() throws Exception {
        return LoopbackListener.on(serverTls.getServerSocketFactory(), "127.0.0.7", 0, "{\"keys\":[]}");
    }

    @Test
    void theCertificateIsVerifiedAgainstTheHostNameWhichIsSentAsSni() throws Exception {
        try (LoopbackListener issuer = issuer();
                SafeFetcher fetcher = new SafeFetcher(Set.of("issuer-tls.test"), TIMEOUT, TIMEOUT, clientTls)) {
            ScriptedNames.script("issuer-tls.test", List.of(InetAddress.getByName("127.0.0.7")));

            byte[] body = fetcher.get(URI.create("https://issuer-tls.test:" + issuer.port() + "/jwks"));

            assertThat(new String(body, StandardCharsets.UTF_8)).isEqualTo("{\"keys\":[]}");
            assertThat(issuer.serverNames()).containsExactly("issuer-tls.test");
        }
    }

    @Test
    void aCertificateForAnotherNameIsRefusedThoughTheAddressIsTheSame() throws Exception {
        try (LoopbackListener issuer = issuer();
                SafeFetcher fetcher = new SafeFetcher(Set.of("other-name.test"), TIMEOUT, TIMEOUT, clientTls)) {
            ScriptedNames.script("other-name.test", List.of(InetAddress.getByName("127.0.0.7")));

            assertThatThrownBy(() -> fetcher.get(URI.create("https://other-name.test:" + issuer.port() + "/jwks")))
                    .isInstanceOf(SafeFetcher.FetchException.class)
                    .hasMessageContaining("SSLHandshakeException");
            assertThat(issuer.accepted()).isEqualTo(1);
            assertThat(issuer.serverNames()).containsExactly("other-name.test");
        }
    }

    @Test
    void anIpAddressUrlIsVerifiedAgainstTheAddressWithoutSni() throws Exception {
        try (LoopbackListener issuer = issuer();
                SafeFetcher fetcher = new SafeFetcher(Set.of("127.0.0.7"), TIMEOUT, TIMEOUT, clientTls)) {
            assertThatThrownBy(() -> fetcher.get(URI.create("https://127.0.0.7:" + issuer.port() + "/jwks")))
                    .isInstanceOf(SafeFetcher.FetchException.class)
                    .hasMessageContaining("SSLHandshakeException");
            assertThat(issuer.serverNames()).isEmpty();
        }
    }
}
