package dev.octosts.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.octosts.testing.CapturedLogs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Level;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Random and malformed requests, as a stranger sends them, across every route of the public listener (the exchange,
 * its refresh-token twin, health, the signed webhook, unknown paths) and of the admin listener, over raw sockets
 * with keep-alive: random methods, paths, query encodings, headers with bad bytes, bodies and content types, tokens
 * signed by the issuer with random claims and garbage tokens. Rate limits are off. Afterwards: no 5xx but the
 * documented ones, no token for any caller, no unhandled exception in the log, and every answer of
 * {@code /sts/exchange} that carries an {@code X-Request-Id} finds its ledger record.
 */
class HttpFuzzTest {
    private static final int REQUESTS = Integer.getInteger("fuzz.http.requests", 100_000);
    private static final int CLIENTS = 6;
    /** The status of a request the server closed the connection on without answering. */
    private static final int NO_ANSWER = 0;
    private static final long SEED = Long.getLong("fuzz.http.seed", System.nanoTime());
    private static final String WEBHOOK_SECRET = "fuzz-webhook-secret";
    /** No token the fuzzer mints has this subject, so no policy ever grants anything. */
    private static final String GRANTED_SUBJECT = "repo:org/repo:ref:refs/heads/" + UUID.randomUUID();
    private static final String NASTY = "\u0000\u0001\u001f\u007f\u0085\u00a0\u2028\ufeff\ud800\udc00\"'\\/`<>{}[]|^%&+=?#;:, é中😀";
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH",
            "TRACE", "get", "FOO", "CONNECT");
    private static final List<String> PUBLIC_PATHS = List.of("/sts/exchange", "/sts/exchange", "/sts/exchange",
            "/sts/exchange_refresh_token", "/observe/health", "/webhook", "/webhook", "/", "/sts", "/sts/exchange/",
            "/STS/EXCHANGE", "/sts//exchange", "/sts/./exchange", "/sts/%65xchange", "/sts/exchange;x", "/oauth2/token",
            "/sts/token", "/observe/metrics", "/audit/records", "/../etc/passwd", "/%2e%2e/", "*", "/webhook/");
    private static final List<String> ADMIN_PATHS = List.of("/observe/metrics", "/audit/records", "/audit/export",
            "/audit/verify", "/policy/explain", "/observe/health", "/", "/audit", "/audit/records/", "/sts/exchange");
    private static final List<String> CONTENT_TYPES = List.of("application/json", "application/x-www-form-urlencoded",
            "application/json; charset=utf-8", "APPLICATION/JSON", "text/plain", "multipart/form-data; boundary=x",
            "application/json; charset=latin1", "application/*", "", ";", "application/json\u0001", "a/b; c=\"d");
    private static final List<String> EVENTS = List.of("push", "pull_request", "check_suite", "check_run", "ping",
            "installation", "unknown", "");

    @Test
    void strangersRequestsGetNoServerErrorNoTokenAndARecordForEveryExchange() throws Exception {
        Harness harness = new Harness();
        try (CapturedLogs logs = new CapturedLogs(Level.WARNING); harness) {
            harness.env.put("GITHUB_WEBHOOK_SECRET", WEBHOOK_SECRET);
            harness.env.put("AUDIT_READERS_POLICY_FILE", harness.write("audit-readers.yaml", """
                    issuer: https://token.actions.githubusercontent.com
                    subject: %s
                    """.formatted(GRANTED_SUBJECT)).toString());
            harness.install(0, "org");
            harness.putFile("org/repo/.github/chainguard/ci.sts.yaml", """
                    issuer: https://token.actions.githubusercontent.com
                    subject: %s
                    permissions:
                      contents: read
                    """.formatted(GRANTED_SUBJECT));
            harness.start();
            Requests requests = new Requests(harness, new Random(SEED));

            Instant start = Instant.now();
            List<Answer> answers = send(harness, requests);
            Duration took = Duration.between(start, Instant.now());

            String run = "seed " + SEED + ", " + answers.size() + " requests in " + took.toSeconds() + " s";
            System.out.println("HTTP fuzz: " + run + "; status 0 = closed without an answer; statuses " + answers.stream()
                    .collect(Collectors.groupingBy(Answer::status, java.util.TreeMap::new, Collectors.counting())));
            assertThat(answers).as(run).hasSize(REQUESTS);
            // Helidon closes some HTTP/1.0 and HTTP/2.0 (without upgrade) connections without a word; any
            // HTTP/1.1 request gets an answer.
            assertThat(answers.stream().filter(a -> a.status() == NO_ANSWER)
                    .filter(a -> a.body().split("\\\\x0d", 2)[0].endsWith(" HTTP/1.1")).map(Answer::body).limit(10).toList())
                    .as("HTTP/1.1 requests the server closed without an answer").isEmpty();
            assertThat(answers.stream().filter(a -> a.status() >= 500 && !documented(a)).map(Answer::describe).toList())
                    .as("5xx answers beyond the documented ones (" + run + ")").isEmpty();
            assertThat(answers.stream().filter(a -> a.body().contains("\"token\"")).map(Answer::describe).toList())
                    .as("answers carrying a token").isEmpty();
            assertThat(harness.github.issuedTokens()).as("every token GitHub minted (policy reads) is revoked")
                    .allSatisfy(issued -> assertThat(issued.revoked()).as(issued.toString()).isTrue());

            // The exchange (and its refresh-token twin, and the admin API's guarded reads) records every request it
            // answers, under the id it sends back; the path as routed may be written in other ways (/sts//exchange).
            Set<String> requestIds = answers.stream().map(Answer::requestId).filter(id -> id != null)
                    .collect(Collectors.toSet());
            assertThat(answers.stream().filter(Answer::isExchange).filter(a -> a.requestId() != null).count())
                    .as("exchange answers with a request id").isGreaterThan(REQUESTS / 5);
            Map<String, String> decisions = ledgerDecisions(harness.databaseUrl);
            assertThat(answers.stream().filter(a -> a.requestId() != null && !decisions.containsKey(a.requestId()))
                    .limit(20).map(Answer::describe).toList())
                    .as("answers whose request id finds no ledger record (of " + requestIds.size() + ")").isEmpty();
            assertThat(decisions.values()).as("ledger decisions").doesNotContain("allow");
            System.out.println("HTTP fuzz: " + requestIds.size() + " answers carried a request id, each found among "
                    + decisions.size() + " ledger records");

            assertThat(logs.lines().stream().filter(HttpFuzzTest::unhandled).limit(20).toList())
                    .as("unhandled exceptions in the log").isEmpty();
        }
    }

    /**
     * The 5xx answers the README, SECURITY.md and the Octo STS conformance notes document for these requests:
     * Unavailable (503: ledger, fetch cap, webhook memory); an exchange's Internal (500, gRPC code 13) when GitHub
     * fails a step, e.g. for a scope the App cannot read (Octo STS's answer, kept); Unimplemented (501) for
     * {@code ExchangeRefreshToken}, as in Octo STS; 505 for an HTTP version other than 1.x; the webhook's 500 when
     * GitHub fails or the installation is not the App's. Never the generic "internal error" of an unhandled exception.
     */
    private static boolean documented(Answer answer) {
        if (answer.body().contains("internal error") || answer.body().contains("internal server error")) {
            return false;
        }
        return switch (answer.status()) {
            case 503 -> true;
            case 505 -> answer.method().equals("HEAD") || answer.body().contains("\"code\":12");
            case 501 -> answer.path().equals("/sts/exchange_refresh_token") && answer.body().contains("\"code\":12");
            case 500 -> answer.requestId() != null ? answer.body().contains("\"code\":13")
                    : answer.path().equals("/webhook") && answer.body().equals("failed");
            default -> false;
        };
    }

    private static boolean unhandled(String line) {
        return line.contains("SEVERE") || line.contains("failed: ") && line.contains("request to ")
                || line.contains("Unhandled") || line.contains("Internal Server Error")
                || line.contains("Exception") && (line.contains("WARNING") || line.contains("SEVERE"));
    }

    // ---- sending ---------------------------------------------------------------------------------------------

    /** One answer: which listener and route it was for, status, request id and body (trimmed). */
    record Answer(boolean admin, String method, String path, int status, String requestId, String body) {
        boolean isExchange() {
            return !admin && path.equals("/sts/exchange") && (method.equals("GET") || method.equals("POST"));
        }

        String describe() {
            return (admin ? "admin " : "") + method + " " + path + " -> " + status + " " + body;
        }
    }

    private static List<Answer> send(Harness harness, Requests requests) throws Exception {
        int publicPort = harness.application().server().port();
        int adminPort = harness.application().admin().port();
        List<Request> all = new ArrayList<>(REQUESTS);
        for (int i = 0; i < REQUESTS; i++) {
            all.add(requests.next());
        }
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<List<Answer>>> parts = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                List<Request> mine = all.subList(c * REQUESTS / CLIENTS, (c + 1) * REQUESTS / CLIENTS);
                parts.add(clients.submit(() -> new Client(publicPort, adminPort).sendAll(mine)));
            }
            List<Answer> answers = new ArrayList<>(REQUESTS);
            for (Future<List<Answer>> part : parts) {
                answers.addAll(part.get());
            }
            return answers;
        } finally {
            clients.shutdownNow();
        }
    }

    /** One request as bytes, and what an answer to it is about. */
    record Request(boolean admin, String method, String path, byte[] bytes) {
        /** The request's head, escaped and cut, for a failure message. */
        String describe() {
            String text = new String(bytes, StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            String head = end < 0 ? text : text.substring(0, end);
            StringBuilder out = new StringBuilder();
            head.chars().limit(400).forEach(c -> out.append(c < 0x20 || c >= 0x7f
                    ? String.format("\\x%02x", c) : String.valueOf((char) c)));
            return out.toString();
        }
    }

    /** A keep-alive connection per listener; a new one whenever the server closes or an answer cannot be framed. */
    private static final class Client {
        private final int publicPort;
        private final int adminPort;
        private Socket publicSocket;
        private Socket adminSocket;

        Client(int publicPort, int adminPort) {
            this.publicPort = publicPort;
            this.adminPort = adminPort;
        }

        List<Answer> sendAll(List<Request> requests) throws IOException {
            List<Answer> answers = new ArrayList<>(requests.size());
            try {
                for (Request request : requests) {
                    answers.add(sendOne(request));
                }
            } finally {
                close(publicSocket);
                close(adminSocket);
            }
            return answers;
        }

        private Answer sendOne(Request request) throws IOException {
            for (int attempt = 0; ; attempt++) {
                Socket socket = socket(request.admin());
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(request.bytes());
                    out.flush();
                    Parsed parsed = read(socket.getInputStream(), request.method().equals("HEAD"));
                    // After HEAD, whether a body follows is the server's choice: start afresh rather than guess.
                    if (parsed.close() || request.method().equals("HEAD")) {
                        drop(request.admin());
                    }
                    return new Answer(request.admin(), request.method(), request.path(), parsed.status(),
                            parsed.headers().get("x-request-id"), parsed.body());
                } catch (IOException e) {
                    // A connection the server closed between two requests: retry once on a new one.
                    drop(request.admin());
                    if (e instanceof SocketTimeoutException) {
                        throw new IOException("no answer within 30 s to " + request.describe(), e);
                    }
                    if (attempt > 0) {
                        return new Answer(request.admin(), request.method(), request.path(), NO_ANSWER, null,
                                request.describe());
                    }
                }
            }
        }

        private Socket socket(boolean admin) throws IOException {
            Socket socket = admin ? adminSocket : publicSocket;
            if (socket == null) {
                socket = new Socket("127.0.0.1", admin ? adminPort : publicPort);
                socket.setSoTimeout(30_000);
                socket.setTcpNoDelay(true);
                if (admin) {
                    adminSocket = socket;
                } else {
                    publicSocket = socket;
                }
            }
            return socket;
        }

        private void drop(boolean admin) {
            close(admin ? adminSocket : publicSocket);
            if (admin) {
                adminSocket = null;
            } else {
                publicSocket = null;
            }
        }

        private static void close(Socket socket) {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing: nothing to do
                }
            }
        }
    }

    record Parsed(int status, Map<String, String> headers, String body, boolean close) {
    }

    /** Reads one HTTP/1.1 answer: status line, headers, a Content-Length or chunked body (none for HEAD). */
    static Parsed read(InputStream in, boolean head) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("connection closed before an answer");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        if (status / 100 == 1) {
            return read(in, head); // 100 Continue: the answer follows
        }
        boolean close = "close".equalsIgnoreCase(headers.get("connection"));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (head || status == 204 || status == 304) {
            return new Parsed(status, headers, "", close);
        }
        if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16); size > 0;
                 size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
            for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
                // trailers: none expected
            }
        } else {
            body.write(in.readAllBytes());
            close = true;
        }
        String text = body.toString(StandardCharsets.UTF_8);
        return new Parsed(status, headers, text.length() > 300 ? text.substring(0, 300) : text, close);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    // ---- the requests ----------------------------------------------------------------------------------------

    /** Random requests from one seed. */
    private static final class Requests {
        private final Random random;
        private final List<String> tokens = new ArrayList<>();
        /** Whether the request being made breaks HTTP itself (bytes, framing, encodings): a quarter of them. */
        private boolean malformed;

        Requests(Harness harness, Random random) {
            this.random = random;
            for (int i = 0; i < 300; i++) {
                tokens.add(harness.issuer.mint(randomClaims(harness)));
            }
            tokens.add(harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN)));
        }

        private Map<String, Object> randomClaims(Harness harness) {
            Map<String, Object> claims = new LinkedHashMap<>();
            claims.put("iss", switch (random.nextInt(6)) {
                case 0 -> harness.issuer.issuer();
                case 1 -> text(30);
                case 2 -> "https://unknown-" + random.nextInt(1000) + ".invalid";
                default -> Harness.ACTIONS_ISSUER;
            });
            claims.put("sub", switch (random.nextInt(5)) {
                case 0 -> "中".repeat(1 + random.nextInt(1500));
                case 1 -> "repo:org/repo:ref:refs/heads/" + text(20);
                case 2 -> text(300);
                default -> "repo:org/repo:ref:refs/heads/main";
            });
            claims.put("aud", random.nextBoolean() ? Harness.DOMAIN : List.of(text(10), Harness.DOMAIN));
            long now = Instant.now().getEpochSecond();
            claims.put("exp", random.nextInt(8) == 0 ? now - 60 : now + 3_600);
            if (random.nextInt(4) == 0) {
                claims.put("nbf", now + random.nextInt(1_000));
            }
            for (int i = random.nextInt(4); i > 0; i--) {
                claims.put(text(8), random.nextBoolean() ? text(40) : random.nextLong());
            }
            return claims;
        }

        Request next() {
            malformed = random.nextInt(4) == 0;
            int route = random.nextInt(100);
            boolean admin = route >= 85;
            String path;
            String method;
            if (admin) {
                path = pick(ADMIN_PATHS);
                method = random.nextInt(4) == 0 ? pick(METHODS) : path.equals("/policy/explain") ? "POST" : "GET";
            } else if (route < 45) {
                path = "/sts/exchange";
                method = random.nextInt(10) == 0 ? pick(METHODS) : random.nextBoolean() ? "GET" : "POST";
            } else if (route < 60) {
                path = "/webhook";
                method = random.nextInt(10) == 0 ? pick(METHODS) : "POST";
            } else {
                path = pick(PUBLIC_PATHS);
                method = random.nextInt(3) == 0 ? pick(METHODS) : path.equals("/observe/health") ? "GET" : "POST";
            }
            return path.equals("/webhook") && method.equals("POST") && !admin ? webhook()
                    : request(admin, method, path);
        }

        private Request request(boolean admin, String method, String path) {
            StringBuilder head = new StringBuilder();
            String target = path + query();
            int breakage = malformed ? random.nextInt(12) : -1;
            if (breakage == 0) {
                target = path + "?scope=" + "a".repeat(9_000);
            }
            head.append(breakage == 1 ? text(20) : method).append(' ').append(target)
                    .append(breakage == 2 ? " HTTP/1.0" : breakage == 3 ? " HTTP/2.0" : " HTTP/1.1")
                    .append("\r\n");
            if (breakage != 4) {
                head.append("Host: 127.0.0.1\r\n");
            }
            if (breakage >= 5) {
                head.append(badHeader());
            }
            int authorizations = random.nextInt(12) == 0 ? 2 : random.nextInt(8) == 0 ? 0 : 1;
            for (int i = 0; i < authorizations; i++) {
                head.append("Authorization: ").append(authorization()).append("\r\n");
            }
            for (int i = random.nextInt(3); i > 0; i--) {
                head.append(header());
            }
            byte[] body = method.equals("GET") && random.nextInt(4) != 0 ? new byte[0] : body();
            if (body.length > 0 || random.nextBoolean()) {
                head.append("Content-Type: ").append(pick(CONTENT_TYPES)).append("\r\n");
            }
            if (random.nextInt(40) == 0) {
                return chunked(admin, method, path, head, body);
            }
            if (body.length > 0 || random.nextInt(3) == 0) {
                head.append("Content-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            return new Request(admin, method, path, concat(bytes(head.toString()), body));
        }

        private Request webhook() {
            String event = pick(EVENTS);
            String payload = switch (random.nextInt(4)) {
                case 0 -> "{\"repository\":{\"name\":\"repo\",\"owner\":{\"login\":\"org\"}},\"installation\":{\"id\":"
                        + random.nextInt(5) + "},\"commits\":[{\"added\":[\".github/chainguard/" + text(5)
                        + ".sts.yaml\"]}],\"after\":\"" + text(8) + "\"}";
                case 1 -> "{\"action\":\"" + text(6) + "\",\"check_suite\":{\"head_sha\":\"abc\",\"pull_requests\":[{\"number\":"
                        + random.nextInt(3) + "}]},\"repository\":{\"name\":\"" + text(4) + "\",\"owner\":{\"login\":\"org\"}}}";
                case 2 -> text(200);
                default -> "{}";
            };
            byte[] body = payload.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder("POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\n");
            if (random.nextInt(6) != 0) {
                head.append("X-GitHub-Event: ").append(event).append("\r\n");
            }
            head.append("X-GitHub-Delivery: ").append(UUID.randomUUID()).append("\r\n");
            head.append("Content-Type: ").append(random.nextInt(5) == 0 ? pick(CONTENT_TYPES) : "application/json")
                    .append("\r\n");
            switch (random.nextInt(4)) {
                case 0 -> { }
                case 1 -> head.append("X-Hub-Signature-256: sha256=").append(HexFormat.of().formatHex(new byte[32]))
                        .append("\r\n");
                default -> head.append("X-Hub-Signature-256: sha256=").append(hmac(body)).append("\r\n");
            }
            for (int i = random.nextInt(2); i > 0; i--) {
                head.append(header());
            }
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            return new Request(false, "POST", "/webhook", concat(bytes(head.toString()), body));
        }

        private Request chunked(boolean admin, String method, String path, StringBuilder head, byte[] body) {
            head.append("Transfer-Encoding: chunked\r\n\r\n");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(bytes(head.toString()));
            if (body.length > 0) {
                out.writeBytes(bytes(Integer.toHexString(body.length) + "\r\n"));
                out.writeBytes(body);
                out.writeBytes(bytes("\r\n"));
            }
            out.writeBytes(bytes(random.nextInt(4) == 0 ? "zz\r\n\r\n" : "0\r\n\r\n"));
            return new Request(admin, method, path, out.toByteArray());
        }

        private String query() {
            if (random.nextInt(6) == 0) {
                return "";
            }
            StringBuilder query = new StringBuilder("?");
            for (int i = random.nextInt(5); i >= 0; i--) {
                if (query.length() > 1) {
                    query.append(random.nextInt(20) == 0 ? ";" : "&");
                }
                query.append(switch (random.nextInt(10)) {
                    case 0, 1 -> "scope=" + scope();
                    case 2 -> "scopes=" + scope();
                    case 3, 4 -> "identity=" + pick(List.of("ci", "CI", "", "../ci", "ci%00", "%zz", "c i"));
                    case 5 -> malformed ? pick(List.of("%", "%z", "%zz", "%2", "#f"))
                            : pick(List.of("%C3", "%ED%A0%80", "%FF", "+", "=", "&&", "%00"));
                    case 6 -> percentEncoded(text(10));
                    case 7 -> "limit=" + pick(List.of("-1", "0", "99999999999999999999", "x", "10"));
                    case 8 -> "after=" + text(6).replaceAll("[^a-z0-9]", "");
                    default -> malformed ? rawBytes() : percentEncoded(text(8)) + "=" + percentEncoded(text(8));
                });
            }
            return query.toString();
        }

        private String scope() {
            return pick(List.of("org/repo", "org", "org/no-such-repo", "other/repo", "", "org/repo/extra", "%2F",
                    "org%2Frepo", "*", "org/" + text(5).replaceAll("[^a-z]", "")));
        }

        /** Characters a request line may not hold: Helidon refuses these before routing. */
        private String rawBytes() {
            return random.nextBoolean() ? text(6) : "x=" + (char) (0x80 + random.nextInt(0x7f)) + "\u0001";
        }

        private String authorization() {
            String token = random.nextInt(4) == 0 ? garbageToken() : pick(tokens);
            return switch (random.nextInt(12)) {
                case 0 -> "Basic " + token;
                case 1 -> "bearer " + token;
                case 2 -> "Bearer";
                case 3 -> "Bearer  " + token;
                case 4 -> headerText(30);
                default -> "Bearer " + token;
            };
        }

        private String garbageToken() {
            return switch (random.nextInt(6)) {
                case 0 -> "";
                case 1 -> "a.b.c";
                case 2 -> "x".repeat(20_000);
                case 3 -> {
                    String token = pick(tokens);
                    int at = random.nextInt(token.length());
                    yield token.substring(0, at) + (char) ('A' + random.nextInt(26)) + token.substring(at + 1);
                }
                case 4 -> "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.";
                default -> text(50);
            };
        }

        private String header() {
            return switch (random.nextInt(6)) {
                case 0 -> "X-Long: " + "b".repeat(2_000) + "\r\n";
                case 1 -> "User-Agent: " + headerText(40) + "\r\n";
                case 2 -> "Connection: " + pick(List.of("close", "keep-alive", "upgrade", "x")) + "\r\n";
                case 3 -> "Expect: 100-continue\r\n";
                case 4 -> "X-GitHub-Event: " + pick(EVENTS) + "\r\n";
                default -> "X-" + headerText(5).replaceAll("[^A-Za-z]", "a") + ": " + headerText(20) + "\r\n";
            };
        }

        /** A header no server may accept as it is: bad bytes, no colon, folding, oversized, a bad length. */
        private String badHeader() {
            return switch (random.nextInt(7)) {
                case 0 -> "X-Bad\u0001: y\r\n";
                case 1 -> "X-Value: a\u0000b" + text(10) + "\r\n";
                case 2 -> "NoColon\r\n";
                case 3 -> " folded: continuation\r\n";
                case 4 -> "X-Long: " + "b".repeat(40_000) + "\r\n";
                case 5 -> "Content-Length: " + pick(List.of("-1", "x", "99999999999999999999")) + "\r\n";
                default -> "User-Agent: " + text(40) + "\r\n";
            };
        }

        /** Printable ASCII: what a header value may hold. */
        private String headerText(int max) {
            int length = random.nextInt(max + 1);
            StringBuilder out = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                out.append((char) (0x21 + random.nextInt(0x5e)));
            }
            return out.toString();
        }

        private byte[] body() {
            return switch (random.nextInt(7)) {
                case 0 -> new byte[0];
                case 1 -> bytes("scope=" + percentEncoded(scope()) + "&identity=ci&scopes=" + percentEncoded(text(8)));
                case 2 -> bytes("{\"scope\":\"org/repo\",\"identity\":\"ci\",\"scopes\":[\"org/repo\"]}");
                case 3 -> ("{\"scope\":" + pick(List.of("1", "null", "[]", "\"org/repo\"", "{}")) + ",\"identity\":"
                        + pick(List.of("\"ci\"", "2", "null", "\"\\ud800\"")) + "}").getBytes(StandardCharsets.UTF_8);
                case 4 -> text(100).getBytes(StandardCharsets.UTF_8);
                case 5 -> {
                    byte[] bytes = new byte[random.nextInt(300)];
                    random.nextBytes(bytes);
                    yield bytes;
                }
                default -> bytes("{\"policy\":\"issuer: x\\nsubject: y\",\"claims\":{\"sub\":\"" + text(5).replace("\"", "")
                        .replace("\\", "") + "\"}}");
            };
        }

        private String text(int max) {
            int length = random.nextInt(max + 1);
            StringBuilder out = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                out.append(random.nextBoolean() ? (char) (0x21 + random.nextInt(0x5e))
                        : NASTY.charAt(random.nextInt(NASTY.length())));
            }
            return out.toString();
        }

        private static String percentEncoded(String text) {
            StringBuilder out = new StringBuilder();
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
            return out.toString();
        }

        private <T> T pick(List<T> values) {
            return values.get(random.nextInt(values.size()));
        }

        private static String hmac(byte[] body) {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(WEBHOOK_SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                return HexFormat.of().formatHex(mac.doFinal(body));
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** A request head is sent as UTF-8, so non-ASCII text in it arrives as the bytes a client would send. */
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Every record's request id and decision, read once at the end. */
    private static Map<String, String> ledgerDecisions(String databaseUrl) throws Exception {
        Map<String, String> decisions = new ConcurrentHashMap<>();
        try (Connection connection = DriverManager.getConnection(databaseUrl);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT request_id, decision FROM ledger_record")) {
            while (rows.next()) {
                decisions.put(rows.getString(1), rows.getString(2));
            }
        }
        return decisions;
    }
}
