package dev.octosts.e2e;

import dev.octosts.dev.GitHubSimulator;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code POST /webhook} under attack, over real HTTP: slow senders (each declaring the largest body and
 * trickling it), floods of unsigned deliveries, and requests without the headers GitHub always sends. What
 * is asserted is what GitHub's signed delivery sees meanwhile. Attackers come from other loopback addresses
 * (127.0.0.2 and up) than the honest delivery (127.0.0.1), as they would from other hosts.
 */
class WebhookUnderAttackTest {
    private static final String SECRET = "attack-test-secret";
    private static final long INSTALLATION = 5151;
    private static final int LARGEST = 4 * 1024 * 1024;
    private static final String POLICY = """
            issuer: https://token.actions.githubusercontent.com
            subject: repo:org/repo:ref:refs/heads/main
            permissions:
              contents: read
            """;
    /** Refused deliveries a source may send per minute in this test (the default is larger). */
    private static final int REFUSALS_PER_MINUTE = 40;
    private static final AtomicInteger SHAS = new AtomicInteger();
    private static Harness harness;

    @BeforeAll
    static void start() {
        harness = new Harness();
        harness.env.put("GITHUB_WEBHOOK_SECRET", SECRET);
        harness.env.put("WEBHOOK_UNVERIFIED_PER_ADDRESS_PER_MINUTE", String.valueOf(REFUSALS_PER_MINUTE));
        harness.github.installWithId(INSTALLATION, harness.app(0).appId(), "org", Harness.ALL_PERMISSIONS, null);
        harness.start();
    }

    @AfterAll
    static void stop() {
        harness.close();
    }

    @Test
    void aSignedDeliveryGoesThroughWhileSlowSendersAndUnsignedFloodsHoldTheWebhook() throws Exception {
        List<Socket> slow = new ArrayList<>();
        CountDownLatch slowCutOff = new CountDownLatch(24);
        AtomicBoolean attacking = new AtomicBoolean(true);
        AtomicInteger floodAnswers = new AtomicInteger();
        AtomicInteger floodUnavailable = new AtomicInteger();
        ExecutorService attackers = Executors.newVirtualThreadPerTaskExecutor();
        try {
            // Slowloris from eight addresses: 24 connections, each declaring 4 MiB (96 MiB in all, three
            // times the memory the webhook may hold) with a signature-shaped header, then 1 KiB every 200 ms.
            for (int i = 0; i < 24; i++) {
                Socket socket = connect("127.0.0." + (2 + i % 8));
                slow.add(socket);
                socket.getOutputStream().write(headers(LARGEST, "sha256=" + "ab".repeat(32), "push"));
                attackers.submit(() -> trickle(socket, attacking));
                attackers.submit(() -> awaitClose(socket, slowCutOff));
            }
            // Unsigned floods from two more addresses: whole 256 KiB bodies with a wrong signature, back to back.
            for (int i = 0; i < 2; i++) {
                String source = "127.0.0." + (10 + i);
                attackers.submit(() -> flood(source, attacking, floodAnswers, floodUnavailable));
            }
            Thread.sleep(1_000);

            String sha = "5ee" + SHAS.incrementAndGet();
            HttpResponse<String> honest = deliverSigned(sha);
            assertThat(honest.statusCode()).as("GitHub's delivery during the attack; body %s", honest.body()).isEqualTo(200);
            assertThat(harness.github.checkRuns()).anyMatch(run -> run.headSha().equals(sha));

            // Liveness, not timing: GitHub gives up on a delivery after 10 s, and so does the webhook on a body.
            assertThat(slowCutOff.await(40, TimeUnit.SECONDS)).as("every slow sender is cut off").isTrue();
        } finally {
            attacking.set(false);
            for (Socket socket : slow) {
                socket.close();
            }
            attackers.close();
        }
        assertThat(floodAnswers.get()).as("the floods were answered").isPositive();
        assertThat(floodUnavailable.get()).as("no flood delivery found the webhook's memory exhausted").isZero();
        String sha = "5ee" + SHAS.incrementAndGet();
        assertThat(deliverSigned(sha).statusCode()).isEqualTo(200);
    }

    @Test
    void requestsWithoutTheHeadersGitHubAlwaysSendsAreAnsweredBeforeTheirBodyIsRead() throws Exception {
        String signature = "sha256=" + "ab".repeat(32);
        // Each declares 4 MiB and sends none of it: the answer must come without waiting for the body.
        assertThat(answerWithoutBody("127.0.0.20", headers(LARGEST, null, "push"))).isEqualTo(400);
        assertThat(answerWithoutBody("127.0.0.20", headers(LARGEST, "sha256=short", "push"))).isEqualTo(400);
        assertThat(answerWithoutBody("127.0.0.20", headers(LARGEST, signature, null))).isEqualTo(400);
        assertThat(answerWithoutBody("127.0.0.20", headers(LARGEST, signature, "no_such_event"))).isEqualTo(400);
        assertThat(answerWithoutBody("127.0.0.20", headers(-1, signature, "push"))).as("no Content-Length").isEqualTo(411);
        assertThat(answerWithoutBody("127.0.0.20", headers(LARGEST + 1, signature, "push"))).isEqualTo(413);
    }

    @Test
    void aSourceSendingUnsignedDeliveriesIsLimitedAndOthersAreNot() {
        String attacker = "127.0.0.30";
        int refused = 0;
        int limited = 0;
        for (int i = 0; i < REFUSALS_PER_MINUTE * 2; i++) {
            int status = deliver(attacker, "wrong-secret", "{\"n\":" + i + "}").statusCode();
            refused += status == 400 ? 1 : 0;
            limited += status == 429 ? 1 : 0;
        }
        assertThat(refused).as("refused before the limit").isBetween(REFUSALS_PER_MINUTE - 2, REFUSALS_PER_MINUTE + 2);
        assertThat(limited).isPositive();
        assertThat(refused + limited).isEqualTo(REFUSALS_PER_MINUTE * 2);
        String sha = "5ee" + SHAS.incrementAndGet();
        assertThat(deliverSigned(sha).statusCode()).as("another source is not limited").isEqualTo(200);
    }

    @Test
    void signedDeliveriesDoNotUseUpTheirSourcesAllowance() {
        String github = "127.0.0.40";
        for (int i = 0; i < REFUSALS_PER_MINUTE * 2; i++) {
            assertThat(deliver(github, SECRET, "{\"zen\":\"n" + i + "\"}").statusCode()).isEqualTo(202);
        }
    }

    @Test
    void aBodyThatNeverArrivesIsCutOffByTheDeadlineOverPlainHttpAndTls() throws Exception {
        try (Socket silent = connect("127.0.0.60")) {
            assertThat(cutOffWhileSilent(silent, webhook().getAuthority())).isTrue();
        }
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        X500Name name = new X500Name("CN=127.0.0.1");
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                name, BigInteger.ONE, Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plus(Duration.ofDays(1))),
                name, pair.getPublic()).build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
        try (Harness tls = new Harness()) {
            tls.app(0);
            tls.env.put("GITHUB_WEBHOOK_SECRET", SECRET);
            tls.env.put("TLS_CERT_FILE", tls.write("tls-cert.pem", pem(certificate)).toString());
            tls.env.put("TLS_KEY_FILE", tls.write("tls-key.pem", pem(pair.getPrivate())).toString());
            tls.start();
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("sts", certificate);
            TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trusted.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trusted.getTrustManagers(), null);
            try (Socket silent = context.getSocketFactory().createSocket("127.0.0.1", tls.baseUri().getPort())) {
                assertThat(cutOffWhileSilent(silent, "127.0.0.1:" + tls.baseUri().getPort())).as("over TLS").isTrue();
            }
        }
    }

    /** Sends a signed-looking head declaring 4 MiB, then nothing; whether the server closes it within 30 s. */
    private static boolean cutOffWhileSilent(Socket socket, String authority) throws IOException {
        socket.setSoTimeout(30_000);
        String head = "POST /webhook HTTP/1.1\r\nHost: " + authority + "\r\nContent-Type: application/json\r\n"
                + "X-GitHub-Event: push\r\nX-Hub-Signature-256: sha256=" + "ab".repeat(32) + "\r\nContent-Length: "
                + LARGEST + "\r\n\r\n";
        socket.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        try {
            while (socket.getInputStream().read() >= 0) {
                // whatever it says before closing
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }

    private static HttpResponse<String> deliverSigned(String sha) {
        harness.github.putFileAt("org", "repo", sha, ".github/chainguard/ci.sts.yaml", POLICY);
        String push = """
                {"installation":{"id":%d},"repository":{"owner":{"login":"org"},"name":"repo"},\
                "before":"0%s","after":"%s","commits":[{"added":[".github/chainguard/ci.sts.yaml"]}]}"""
                .formatted(INSTALLATION, sha, sha);
        return deliver("127.0.0.1", SECRET, push, "push");
    }

    private static HttpResponse<String> deliver(String source, String secret, String body) {
        return deliver(source, secret, body, "ping");
    }

    private static HttpResponse<String> deliver(String source, String secret, String body, String event) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(webhook()).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        GitHubSimulator.webhookHeaders(secret, event, UUID.randomUUID().toString(), bytes).forEach(request::header);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .localAddress(InetAddress.getByName(source)).connectTimeout(Duration.ofSeconds(5)).build()) {
            return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static URI webhook() {
        return harness.baseUri().resolve("/webhook");
    }

    private static Socket connect(String source) throws IOException {
        URI uri = webhook();
        return new Socket(InetAddress.getByName(uri.getHost()), uri.getPort(), InetAddress.getByName(source), 0);
    }

    /** A request head; a null signature or event leaves that header out, a negative length Content-Length. */
    private static byte[] headers(long contentLength, String signature, String event) {
        StringBuilder head = new StringBuilder("POST /webhook HTTP/1.1\r\nHost: ").append(webhook().getAuthority())
                .append("\r\nContent-Type: application/json\r\nX-GitHub-Delivery: ").append(UUID.randomUUID()).append("\r\n");
        if (signature != null) {
            head.append("X-Hub-Signature-256: ").append(signature).append("\r\n");
        }
        if (event != null) {
            head.append("X-GitHub-Event: ").append(event).append("\r\n");
        }
        head.append(contentLength >= 0 ? "Content-Length: " + contentLength : "Transfer-Encoding: chunked").append("\r\n\r\n");
        return head.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** The status the server answers to {@code head} alone, waiting 10 s at most; -1 when it does not answer. */
    private static int answerWithoutBody(String source, byte[] head) throws IOException {
        try (Socket socket = connect(source)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head);
            socket.getOutputStream().flush();
            byte[] status = new byte[12];
            int read = socket.getInputStream().readNBytes(status, 0, status.length);
            return read < status.length ? -1 : Integer.parseInt(new String(status, 9, 3, StandardCharsets.US_ASCII));
        } catch (SocketTimeoutException e) {
            return -1;
        }
    }

    private static void trickle(Socket socket, AtomicBoolean attacking) {
        byte[] kib = new byte[1024];
        try {
            OutputStream out = socket.getOutputStream();
            for (int sent = 0; attacking.get() && sent < LARGEST - kib.length; sent += kib.length) {
                out.write(kib);
                out.flush();
                Thread.sleep(200);
            }
        } catch (IOException | InterruptedException e) {
            // Cut off by the server (or the test is over).
        }
    }

    /** Counts down when the server closes the connection. */
    private static void awaitClose(Socket socket, CountDownLatch closed) {
        try {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // An answer (the server may say why before closing); keep reading until it closes.
            }
        } catch (IOException e) {
            // Reset by the server, or closed by the test.
        }
        closed.countDown();
    }

    private static void flood(String source, AtomicBoolean attacking, AtomicInteger answers, AtomicInteger unavailable) {
        String body = "{\"pad\":\"" + "x".repeat(256 * 1024) + "\"}";
        while (attacking.get()) {
            try {
                int status = deliver(source, "wrong-secret", body).statusCode();
                answers.incrementAndGet();
                unavailable.addAndGet(status == 503 ? 1 : 0);
            } catch (RuntimeException e) {
                // Cut off: counted as neither.
            }
        }
    }
}
