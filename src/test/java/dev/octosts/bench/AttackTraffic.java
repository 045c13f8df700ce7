package dev.octosts.bench;

import dev.octosts.dev.LocalOidcIssuer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The attack benchmark's attackers: each class sends its requests as fast as this side can, from many
 * loopback addresses (on Linux every 127.x.y.z is local), to the service on loopback only. Every loop is
 * bounded twice, by a deadline and by {@link #MAX_REQUESTS}, and stops by itself.
 */
final class AttackTraffic implements AutoCloseable {
    /** The most requests one attack phase sends, whatever its deadline. */
    static final long MAX_REQUESTS = 2_000_000;
    /** The body size a slow webhook sender declares and never finishes: the listener's webhook limit. */
    static final int SLOWLORIS_DECLARED_BYTES = 4 * 1024 * 1024;
    private static final Base64.Encoder BASE64URL = Base64.getUrlEncoder().withoutPadding();

    /**
     * What one attack sent and how the service answered: requests per status code, -1 for none (closed or
     * reset), 0 for a slow sender still sending at the deadline.
     */
    record Outcome(long requests, Map<Integer, Long> answers) {
    }

    /** One attack class: runs until {@code deadlineNanos} (System.nanoTime) and says what it sent. */
    interface Attack {
        Outcome run(long deadlineNanos) throws Exception;
    }

    /** One request of a closed-loop attacker; the answer's status, -1 for none. */
    private interface Shot {
        int fire(long n) throws Exception;
    }

    private final URI service;
    private final List<InetAddress> addresses;
    private final int concurrency;
    private final List<RawHttpClient> clients;

    /**
     * @param service     the service's public listener; must be on loopback
     * @param addresses   the addresses attacks come from, one connection pool each
     * @param concurrency requests in flight at once per attack class
     */
    AttackTraffic(URI service, List<InetAddress> addresses, int concurrency) throws IOException {
        if (!InetAddress.getByName(service.getHost()).isLoopbackAddress()) {
            throw new IllegalArgumentException("attacks only ever target loopback, not " + service);
        }
        this.service = service;
        this.addresses = List.copyOf(addresses);
        this.concurrency = concurrency;
        this.clients = addresses.stream().map(address -> new RawHttpClient(service, address)).toList();
    }

    /**
     * Claims no policy could want, from an issuer the service can verify (and that has earned a token
     * here, so the known-issuer budget applies): 1,024 random CJK characters (3 bytes each in UTF-8) in
     * {@code sub} and {@code workflow_ref}, NUL bytes and direction overrides in others; half of the
     * requests also ask for a scope and identity of CJK characters.
     */
    Attack poisonClaims(LocalOidcIssuer issuer, String audience) {
        Random random = new Random(14);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            tokens.add(issuer.token().subject(cjk(random, 1024)).audience(audience).lifetime(Duration.ofHours(2))
                    .claim("workflow_ref", cjk(random, 1024))
                    .claim("actor", "octo\u0000cat\u0000" + i)
                    .claim("repository", "attacker-org/own\u0000\u202e\u200b")
                    .claim("ref", "refs/heads/\u0000" + cjk(random, 64))
                    .mint());
        }
        List<String> paths = List.of("/sts/exchange?scope=attacker-org/own&identity=ci",
                "/sts/exchange?scope=" + URLEncoder.encode("attacker-org/" + cjk(random, 200), StandardCharsets.UTF_8)
                        + "&identity=" + URLEncoder.encode(cjk(random, 100) + "\u0000", StandardCharsets.UTF_8));
        return closedLoop(n -> client(n).get(paths.get((int) (n % 2)), tokens.get((int) (n % tokens.size()))));
    }

    /**
     * An issuer serving 88 RSA-3072 keys with ~3,070-bit public exponents, all with the token's {@code kid}
     * (about 97 KB), and tokens with 384-byte signatures: checking one against every key would cost about
     * a CPU-second.
     */
    Attack hostileJwks(LocalOidcIssuer hostile, String audience) {
        SecureRandom random = new SecureRandom();
        StringBuilder keys = new StringBuilder("{\"keys\":[");
        for (int i = 0; i < 88; i++) {
            BigInteger modulus = new BigInteger(3072, random).setBit(3071).setBit(0);
            BigInteger exponent = new BigInteger(3070, random).setBit(3069).setBit(0);
            keys.append(i == 0 ? "" : ",").append("{\"kty\":\"RSA\",\"kid\":\"k\",\"alg\":\"RS256\",\"use\":\"sig\",\"n\":\"")
                    .append(BASE64URL.encodeToString(unsigned(modulus))).append("\",\"e\":\"")
                    .append(BASE64URL.encodeToString(unsigned(exponent))).append("\"}");
        }
        hostile.respondToJwks(new LocalOidcIssuer.Fault.Body(keys.append("]}").toString()));
        String header = BASE64URL.encodeToString("{\"alg\":\"RS256\",\"kid\":\"k\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        List<String> tokens = new ArrayList<>();
        long now = Instant.now().getEpochSecond();
        for (int i = 0; i < 64; i++) {
            String payload = "{\"iss\":\"" + hostile.issuer() + "\",\"aud\":\"" + audience + "\",\"sub\":\"attacker-" + i
                    + "\",\"iat\":" + now + ",\"exp\":" + (now + 7200) + ",\"jti\":\"" + UUID.randomUUID() + "\"}";
            byte[] signature = new byte[384];
            random.nextBytes(signature);
            tokens.add(header + "." + BASE64URL.encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
                    + BASE64URL.encodeToString(signature));
        }
        return closedLoop(n -> client(n).get("/sts/exchange?scope=attacker-org/own&identity=ci",
                tokens.get((int) (n % tokens.size()))));
    }

    /**
     * Tokens from many issuers the service has never seen: validly signed by several self-run issuers, the
     * same keys under random issuer paths (their discovery answers 404), and issuers on loopback addresses
     * the service may not fetch from.
     */
    Attack unknownIssuers(List<LocalOidcIssuer> selfRun, String audience) {
        Random random = new Random(15);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            LocalOidcIssuer issuer = selfRun.get(i % selfRun.size());
            String iss = switch (i % 3) {
                case 0 -> issuer.issuer();
                case 1 -> issuer.issuer() + "/r/" + Long.toHexString(random.nextLong());
                default -> "http://127.0.1." + (1 + i % 250) + ":" + URI.create(issuer.issuer()).getPort() + "/i/" + i;
            };
            tokens.add(issuer.token().issuer(iss).subject("repo:attacker/x-" + i + ":ref:refs/heads/main")
                    .audience(audience).lifetime(Duration.ofHours(2)).mint());
        }
        return closedLoop(n -> client(n).get("/sts/exchange?scope=bench-org/repo-" + (n % 200) + "&identity=ci",
                tokens.get((int) (n % tokens.size()))));
    }

    /**
     * Valid tokens of the issuer legitimate users share (as everyone shares GitHub Actions'), with subjects
     * of the attacker's own, asking for random repositories: half in the organization the App is installed
     * on (each a policy read that finds nothing), half in organizations that do not exist.
     */
    Attack randomScopes(LocalOidcIssuer shared, String audience, String organization) {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            tokens.add(shared.token().subject("repo:attacker/x-" + i + ":ref:refs/heads/main").audience(audience)
                    .lifetime(Duration.ofHours(2)).claim("workflow_ref", "attacker/x-" + i + "/.github/workflows/a.yaml@refs/heads/main")
                    .mint());
        }
        return closedLoop(n -> {
            String repository = Long.toHexString(n * 0x9E3779B97F4A7C15L);
            String owner = n % 2 == 0 ? organization : "org-" + Long.toHexString(n * 0xC2B2AE3D27D4EB4FL);
            return client(n).get("/sts/exchange?scope=" + owner + "/" + repository + "&identity=ci",
                    tokens.get((int) (n % tokens.size())));
        });
    }

    /**
     * {@code connections} connections to {@code /webhook}, each declaring a 4 MB body with a (wrong)
     * signature and an event, then trickling it a few bytes at a time; one that is answered or closed is
     * opened again. Its requests are the connections opened.
     */
    Attack webhookSlowloris(int connections) {
        byte[] head = ("POST /webhook HTTP/1.1\r\nHost: " + host() + "\r\nContent-Type: application/json\r\n"
                + "X-GitHub-Event: push\r\nX-GitHub-Delivery: " + UUID.randomUUID() + "\r\n"
                + "X-Hub-Signature-256: sha256=" + "0".repeat(64) + "\r\nContent-Length: " + SLOWLORIS_DECLARED_BYTES
                + "\r\n\r\n{\"ref\":\"").getBytes(StandardCharsets.US_ASCII);
        byte[] trickle = "aaaaaaaaaaaaaaaa".getBytes(StandardCharsets.US_ASCII);
        return deadline -> {
            AtomicLong opened = new AtomicLong();
            Map<Integer, LongAdder> answers = new ConcurrentHashMap<>();
            // Platform threads, as for every attacker (see closedLoop), with small stacks: a thousand of them.
            try (ExecutorService senders = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().stackSize(256 * 1024).factory())) {
                for (int c = 0; c < connections; c++) {
                    InetAddress from = addresses.get(c % addresses.size());
                    senders.submit(() -> {
                        while (System.nanoTime() < deadline && opened.incrementAndGet() <= MAX_REQUESTS) {
                            answers.computeIfAbsent(trickle(from, head, trickle, deadline), k -> new LongAdder()).increment();
                        }
                        return null;
                    });
                }
            }
            return new Outcome(Math.min(opened.get(), MAX_REQUESTS), sums(answers));
        };
    }

    /** One slow sender: the status it got before the deadline, 0 when it was still sending, -1 when closed. */
    private int trickle(InetAddress from, byte[] head, byte[] trickle, long deadline) {
        try (Socket socket = socket(from)) {
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write(head);
            out.flush();
            while (System.nanoTime() < deadline) {
                if (in.available() > 0) {
                    return status(socket);
                }
                TimeUnit.MILLISECONDS.sleep(200);
                out.write(trickle);
                out.flush();
            }
            return 0;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** Small POSTs to {@code /webhook} as fast as they are answered: half with a wrong signature, half with none. */
    Attack unsignedWebhookFlood() {
        String body = "{\"action\":\"opened\",\"number\":1,\"repository\":{\"full_name\":\"bench-org/repo-1\"},\"pad\":\""
                + "x".repeat(1500) + "\"}";
        List<byte[]> requests = new ArrayList<>();
        for (boolean signed : new boolean[] {true, false}) {
            requests.add(("POST /webhook HTTP/1.1\r\nHost: " + host() + "\r\nContent-Type: application/json\r\n"
                    + "X-GitHub-Event: pull_request\r\nX-GitHub-Delivery: " + UUID.randomUUID() + "\r\n"
                    + (signed ? "X-Hub-Signature-256: sha256=" + "ab".repeat(32) + "\r\n" : "")
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
        }
        return closedLoop(n -> client(n).send(requests.get((int) (n % 2)), false).status());
    }

    /**
     * Requests past every size limit of {@code /sts/exchange}, each on a connection of its own: a 64 KiB
     * request line, a 1 MiB header block, a declared 16 MiB body (1 MiB of it sent) and a chunked body.
     */
    Attack oversizedRequests() {
        String host = "Host: " + host() + "\r\n";
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            headers.append("X-Pad-").append(i).append(": ").append("h".repeat(16 * 1024)).append("\r\n");
        }
        String megabyte = "b".repeat(1024 * 1024);
        StringBuilder chunked = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            chunked.append("10000\r\n").append(megabyte, 0, 65536).append("\r\n");
        }
        List<byte[]> requests = List.of(
                ("GET /sts/exchange?scope=" + "a".repeat(64 * 1024) + "&identity=ci HTTP/1.1\r\n" + host + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                ("GET /sts/exchange?scope=bench-org/repo-1&identity=ci HTTP/1.1\r\n" + host + headers + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII),
                ("POST /sts/exchange HTTP/1.1\r\n" + host + "Content-Type: application/json\r\nContent-Length: "
                        + 16 * 1024 * 1024 + "\r\n\r\n" + megabyte).getBytes(StandardCharsets.US_ASCII),
                ("POST /sts/exchange HTTP/1.1\r\n" + host + "Content-Type: application/json\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n" + chunked + "0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return closedLoop(n -> {
            try (Socket socket = socket(addresses.get((int) (n % addresses.size())))) {
                try {
                    socket.getOutputStream().write(requests.get((int) (n % requests.size())));
                    socket.getOutputStream().flush();
                } catch (IOException refusedMidway) {
                    // The server answered and closed before taking it all: its answer may still be there.
                }
                return status(socket);
            } catch (IOException e) {
                return -1;
            }
        });
    }

    /**
     * {@link #concurrency} clients sending the next request when the last was answered, until the deadline. On
     * platform threads: the kernel shares the cores between them and this JVM's GitHub simulator and issuers
     * as between machines, instead of the simulator's answers to the service waiting behind the attackers'
     * virtual threads.
     */
    private Attack closedLoop(Shot shot) {
        return deadline -> {
            AtomicLong sent = new AtomicLong();
            Map<Integer, LongAdder> answers = new ConcurrentHashMap<>();
            try (ExecutorService senders = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().factory())) {
                for (int c = 0; c < concurrency; c++) {
                    senders.submit(() -> {
                        for (long n; System.nanoTime() < deadline && (n = sent.getAndIncrement()) < MAX_REQUESTS; ) {
                            int status;
                            try {
                                status = shot.fire(n);
                            } catch (Exception e) {
                                status = -1;
                            }
                            answers.computeIfAbsent(status, k -> new LongAdder()).increment();
                        }
                        return null;
                    });
                }
            }
            return new Outcome(Math.min(sent.get(), MAX_REQUESTS), sums(answers));
        };
    }

    private RawHttpClient client(long n) {
        return clients.get((int) (n % clients.size()));
    }

    private String host() {
        return service.getHost() + ":" + service.getPort();
    }

    private Socket socket(InetAddress from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress(service.getHost(), service.getPort()), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** The status of the response waiting on {@code socket}, -1 when it was closed without one. */
    private static int status(Socket socket) throws IOException {
        byte[] line = new byte[12];
        int read = socket.getInputStream().readNBytes(line, 0, line.length);
        if (read < 12 || line[0] != 'H') {
            return -1;
        }
        return Integer.parseInt(new String(line, 9, 3, StandardCharsets.US_ASCII));
    }

    private static Map<Integer, Long> sums(Map<Integer, LongAdder> counts) {
        Map<Integer, Long> sums = new java.util.TreeMap<>();
        counts.forEach((status, count) -> sums.put(status, count.sum()));
        return sums;
    }

    private static byte[] unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        return bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    /** {@code length} random characters from the CJK Unified Ideographs block (3 bytes each in UTF-8). */
    private static String cjk(Random random, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) (0x4E00 + random.nextInt(0x9FFF - 0x4E00)));
        }
        return text.toString();
    }

    @Override
    public void close() {
        clients.forEach(RawHttpClient::close);
    }
}
