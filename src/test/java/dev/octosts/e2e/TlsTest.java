package dev.octosts.e2e;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import static org.assertj.core.api.Assertions.assertThat;

/** With TLS_CERT_FILE and TLS_KEY_FILE (ADMIN_TLS_… for the admin listener) a listener serves HTTPS over TLS 1.2 and 1.3. */
class TlsTest {

    @Test
    void servesHttpsOverTls12And13() throws Exception {
        SelfSigned certificate = SelfSigned.create();
        try (Harness harness = new Harness()) {
            harness.install(0, "org");
            harness.env.put("TLS_CERT_FILE", harness.write("tls-cert.pem", pem(certificate.certificate())).toString());
            harness.env.put("TLS_KEY_FILE", harness.write("tls-key.pem", pem(certificate.key())).toString());
            harness.start();
            int port = harness.baseUri().getPort();
            SSLContext context = certificate.trustingContext();

            HttpClient client = HttpClient.newBuilder().sslContext(context).build();
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + port + "/observe/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);

            HttpResponse<String> denied = client.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + port + "/sts/exchange?scope=org/repo&identity=ci")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(denied.statusCode()).isEqualTo(401);

            assertThat(negotiated(context, port, "TLSv1.2")).isEqualTo("TLSv1.2");
            assertThat(negotiated(context, port, "TLSv1.3")).isEqualTo("TLSv1.3");
        }
    }

    /** ADMIN_TLS_CERT_FILE and ADMIN_TLS_KEY_FILE: the admin listener serves HTTPS with its own certificate. */
    @Test
    void theAdminListenerServesHttpsWithItsOwnCertificate() throws Exception {
        SelfSigned certificate = SelfSigned.create();
        try (Harness harness = new Harness()) {
            harness.install(0, "org");
            harness.env.put("ADMIN_TLS_CERT_FILE", harness.write("admin-cert.pem", pem(certificate.certificate())).toString());
            harness.env.put("ADMIN_TLS_KEY_FILE", harness.write("admin-key.pem", pem(certificate.key())).toString());
            harness.start();
            int port = harness.adminUri().getPort();
            SSLContext context = certificate.trustingContext();

            HttpClient client = HttpClient.newBuilder().sslContext(context).build();
            HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + port + "/observe/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.statusCode()).isEqualTo(200);
            HttpResponse<String> noReaders = client.send(HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + port + "/audit/records")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(noReaders.statusCode()).isEqualTo(403);
            assertThat(negotiated(context, port, "TLSv1.2")).isEqualTo("TLSv1.2");
            assertThat(negotiated(context, port, "TLSv1.3")).isEqualTo("TLSv1.3");

            // The public listener is not affected by the admin listener's TLS.
            assertThat(harness.send(HttpRequest.newBuilder(harness.baseUri().resolve("/observe/health")).build()).status())
                    .isEqualTo(200);
        }
    }

    /** A self-signed certificate for 127.0.0.1 and its key. */
    private record SelfSigned(X509Certificate certificate, PrivateKey key) {
        static SelfSigned create() throws Exception {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            X500Name name = new X500Name("CN=127.0.0.1");
            X509CertificateHolder holder = new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                    Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plus(Duration.ofDays(1))), name,
                    pair.getPublic())
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1")))
                    .build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate()));
            return new SelfSigned(new JcaX509CertificateConverter().getCertificate(holder), pair.getPrivate());
        }

        /** A TLS context that trusts only this certificate. */
        SSLContext trustingContext() throws Exception {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("sts", certificate);
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        }
    }

    private static String negotiated(SSLContext context, int port, String protocol) throws Exception {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setProtocols(new String[] {protocol});
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            return socket.getSession().getProtocol();
        }
    }

    private static String pem(Object object) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
