package dev.octosts.dev;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.WebClient;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A stateful GitHub REST emulation on 127.0.0.1 for tests, the dev sandbox and the benchmark: Apps
 * with real RSA keys and verified JWTs, installations with permission grants and repository
 * selections, installation tokens (mint, use, revoke, expiry), repository contents, rate-limit
 * headers, and injectable faults. Thread-safe.
 *
 * <p>This class owns the public face: starting and stopping the server, the value types tests see, setting
 * up the model, and the webhook helpers. The model is {@link GitHubSimState}, the route table
 * {@link GitHubSimRouting} (answered by {@link GitHubSimAppRoutes} and {@link GitHubSimRepoRoutes}), and
 * what every request goes through (faults, rate-limit headers, the record of calls) {@link GitHubSimTraffic}.
 *
 * <p>Rate limits are reported in the {@code X-RateLimit-*} headers but only enforced through
 * {@link #addFault faults}, so a long benchmark never trips over them by accident.
 */
public final class GitHubSimulator implements AutoCloseable {
    static final int RATE_LIMIT = 15_000;
    static final Duration RATE_WINDOW = Duration.ofHours(1);
    /** Sends simulated webhook deliveries, over HTTP/1.1 like GitHub. */
    private static final WebClient WEBHOOK_SENDER = WebClient.builder()
            .connectTimeout(Duration.ofSeconds(5))
            .readTimeout(Duration.ofSeconds(30))
            .followRedirects(false)
            .build();

    /** A simulated App: its ID and the PKCS#1 PEM private key GitHub would hand out. */
    public record SimulatedApp(long appId, String privateKeyPem, PublicKey publicKey) {
        @Override
        public String toString() {
            return "SimulatedApp[" + appId + "]";
        }
    }

    public enum AuthKind { APP_JWT, INSTALLATION_TOKEN, NONE }

    /**
     * One request as the simulator saw it; no credentials.
     *
     * @param path the raw path without the base path
     * @param body the JSON body of token requests, otherwise null
     */
    public record RecordedCall(String method, String path, String query, int status, String body, AuthKind authKind) {
    }

    /** A token the simulator minted; {@code repositories} null means all repositories of the installation. */
    public record IssuedToken(String token, long installationId, Map<String, String> permissions,
                              List<String> repositories, Instant expiresAt, boolean revoked) {
        @Override
        public String toString() {
            return "IssuedToken[installation=" + installationId + ", permissions=" + permissions
                    + ", repositories=" + repositories + ", revoked=" + revoked + "]";
        }
    }

    /**
     * An injected failure: requests whose method matches ({@code null} or {@code "*"} = any) and whose
     * path (without the base path) contains a match of {@code pathRegex} get this answer instead,
     * {@code times} times ({@code -1} = always). Faults are checked in the order they were added.
     */
    public record Fault(String method, String pathRegex, int status, Map<String, String> headers, String body, int times) {
        public Fault {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            Pattern.compile(pathRegex);
        }

        /** A primary rate limit as GitHub answers it, with status 403. */
        public static Fault rateLimited403(String pathRegex) {
            return rateLimited(403, pathRegex);
        }

        /** A primary rate limit as GitHub answers it, with status 429. */
        public static Fault rateLimited429(String pathRegex) {
            return rateLimited(429, pathRegex);
        }

        private static Fault rateLimited(int status, String pathRegex) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put("X-RateLimit-Limit", Integer.toString(RATE_LIMIT));
            headers.put("X-RateLimit-Remaining", "0");
            headers.put("X-RateLimit-Used", Integer.toString(RATE_LIMIT));
            headers.put("X-RateLimit-Reset", Long.toString(Instant.now().plus(RATE_WINDOW).getEpochSecond()));
            headers.put("X-RateLimit-Resource", "core");
            return new Fault(null, pathRegex, status, headers,
                    "{\"message\":\"API rate limit exceeded\",\"documentation_url\":"
                            + "\"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api\"}", -1);
        }

        /** The same fault, answered only {@code times} times. */
        public Fault limitedTo(int times) {
            return new Fault(method, pathRegex, status, headers, body, times);
        }
    }

    /** A file of a pull request or a comparison: {@code status} added, removed, modified, renamed, … */
    public record SimulatedChange(String filename, String status) {
    }

    /** A check run an App created ({@code POST /repos/{owner}/{repo}/check-runs}), as GitHub stored it. */
    public record CreatedCheckRun(long id, String owner, String repo, long installationId, String name, String headSha,
                                  String externalId, String status, String conclusion, String title, String summary,
                                  String text) {
    }

    private final GitHubSimState state;
    private final GitHubSimTraffic traffic;
    private final WebServer server;
    private final URI baseUrl;

    private GitHubSimulator(String basePath, Clock clock, int maxKeptTokens) {
        String base = normaliseBasePath(basePath);
        this.state = new GitHubSimState(clock, maxKeptTokens);
        this.traffic = new GitHubSimTraffic(base, clock);
        GitHubSimAppRoutes apps = new GitHubSimAppRoutes(state, this::baseUrl);
        GitHubSimRepoRoutes repos = new GitHubSimRepoRoutes(state);
        this.server = WebServer.builder()
                .connectionOptions(socket -> socket.tcpNoDelay(true))
                .host("127.0.0.1")
                .port(0)
                .maxPayloadSize(GitHubSimTraffic.MAX_REQUEST_BODY)
                .shutdownGracePeriod(Duration.ofMillis(100))
                .routing(r -> GitHubSimRouting.routes(r, base, traffic, apps, repos))
                .build()
                .start();
        this.baseUrl = URI.create("http://127.0.0.1:" + server.port() + base);
    }

    /** A simulator with base path "" (like api.github.com). */
    public static GitHubSimulator start() {
        return start("");
    }

    /** A simulator under a base path, e.g. {@code /api/v3} (GitHub Enterprise Server). */
    public static GitHubSimulator start(String basePath) {
        return start(basePath, Clock.systemUTC());
    }

    /** With a controllable clock, for tests that move time (JWT checks, token expiry). */
    public static GitHubSimulator start(String basePath, Clock clock) {
        return new GitHubSimulator(basePath, clock, GitHubSimState.MAX_KEPT_TOKENS);
    }

    /** Keeping at most {@code maxKeptTokens} installation tokens, to test the bound. */
    static GitHubSimulator start(String basePath, Clock clock, int maxKeptTokens) {
        return new GitHubSimulator(basePath, clock, maxKeptTokens);
    }

    /** {@code http://127.0.0.1:<port><basePath>} */
    public URI baseUrl() {
        return baseUrl;
    }

    /** A new App with a fresh RSA-2048 key. */
    public SimulatedApp createApp() {
        LocalKeys.GeneratedKey key = LocalKeys.rsa2048();
        long appId = state.nextId();
        state.addApp(appId, key.keys().getPublic());
        return new SimulatedApp(appId, key.privateKeyPem(), key.keys().getPublic());
    }

    /** A new App whose private key lives elsewhere (e.g. on a PKCS#11 token): only its public key is known. */
    public SimulatedApp createApp(PublicKey publicKey) {
        long appId = state.nextId();
        state.addApp(appId, publicKey);
        return new SimulatedApp(appId, null, publicKey);
    }

    /**
     * Installs an App on an account.
     *
     * @param grantedPermissions e.g. {@code {"contents": "write", "issues": "read"}}
     * @param repositories       the selected repositories (created if needed), or null for all of the account's
     * @return the installation ID
     */
    public long install(long appId, String accountLogin, Map<String, String> grantedPermissions, List<String> repositories) {
        return state.install(appId, accountLogin, grantedPermissions, repositories);
    }

    /** Removes an installation, as when an org owner uninstalls the App; its tokens stop working. */
    public void uninstall(long installationId) {
        state.uninstall(installationId);
    }

    /** Creates the repository if needed; the blob sha is git's. */
    public void putFile(String owner, String repo, String path, String content) {
        state.putFile(owner, repo, path, content);
    }

    /** Installs an App under the given installation id, e.g. the one a recorded webhook payload names. */
    public long installWithId(long installationId, long appId, String accountLogin, Map<String, String> grantedPermissions,
                              List<String> repositories) {
        return state.installWithId(installationId, appId, accountLogin, grantedPermissions, repositories);
    }

    /** Puts a file into the tree of {@code ref} (a commit SHA or branch), read with {@code GET contents/{path}?ref=}. */
    public void putFileAt(String owner, String repo, String ref, String path, String content) {
        state.putFileAt(owner, repo, ref, path, content);
    }

    /** Makes {@code ref} exist with an empty tree; an unknown ref answers 404 "No commit found for the ref". */
    public void createRef(String owner, String repo, String ref) {
        state.createRef(owner, repo, ref);
    }

    /** What {@code GET /repos/{owner}/{repo}/pulls/{number}/files} lists (paginated, 30 a page by default). */
    public void setPullRequestFiles(String owner, String repo, long number, List<SimulatedChange> files) {
        state.setPullRequestFiles(number, owner, repo, files);
    }

    /** What {@code GET /repos/{owner}/{repo}/compare/{base}...{head}} lists as its files. */
    public void setComparison(String owner, String repo, String base, String head, List<SimulatedChange> files) {
        state.setComparison(owner, repo, base, head, files);
    }

    /** The check runs created so far, oldest first. */
    public List<CreatedCheckRun> checkRuns() {
        return state.checkRuns();
    }

    /**
     * The headers GitHub sends with a webhook delivery: {@code X-GitHub-Event}, {@code X-GitHub-Delivery},
     * {@code X-GitHub-Hook-ID}, both signatures ({@code X-Hub-Signature} HMAC-SHA1 and
     * {@code X-Hub-Signature-256} HMAC-SHA256 of the exact body) and {@code Content-Type: application/json}.
     */
    public static Map<String, String> webhookHeaders(String secret, String event, String deliveryId, byte[] body) {
        byte[] key = secret.getBytes(StandardCharsets.UTF_8);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("User-Agent", "GitHub-Hookshot/simulated");
        headers.put("X-GitHub-Event", event);
        headers.put("X-GitHub-Delivery", deliveryId);
        headers.put("X-GitHub-Hook-ID", "1");
        headers.put("X-Hub-Signature", "sha1=" + hmacHex("HmacSHA1", key, body));
        headers.put("X-Hub-Signature-256", "sha256=" + hmacHex("HmacSHA256", key, body));
        return headers;
    }

    /** What the service answered to a simulated webhook delivery. */
    public record Delivered(int statusCode, String body) {
    }

    /** POSTs a webhook delivery to {@code url} (loopback only) with the given headers; answers the status and body. */
    public static Delivered deliverWebhook(URI url, Map<String, String> headers, byte[] body) {
        if (!"127.0.0.1".equals(url.getHost()) && !"localhost".equals(url.getHost())) {
            throw new IllegalArgumentException("the simulator delivers webhooks to loopback only");
        }
        HttpClientRequest request = WEBHOOK_SENDER.post().uri(url);
        headers.forEach((name, value) -> request.header(HeaderNames.create(name), value));
        try (HttpClientResponse response = request.submit(body)) {
            return new Delivered(response.status().code(), response.as(String.class));
        }
    }

    private static String hmacHex(String algorithm, byte[] key, byte[] body) {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance(algorithm);
            mac.init(new javax.crypto.spec.SecretKeySpec(key, algorithm));
            return java.util.HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is required by every Java platform", e);
        }
    }

    public void removeFile(String owner, String repo, String path) {
        state.removeFile(owner, repo, path);
    }

    public void createRepository(String owner, String repo) {
        state.createRepository(owner, repo);
    }

    public void addFault(Fault fault) {
        traffic.addFault(fault);
    }

    public void clearFaults() {
        traffic.clearFaults();
    }

    /** Every request waits this long before it is answered (benchmarks). */
    public void setLatency(Duration perRequest) {
        traffic.setLatency(perRequest);
    }

    public List<RecordedCall> calls() {
        return traffic.calls();
    }

    /** Calls answered since the start, including those no longer kept by {@link #calls()}. */
    public long callCount() {
        return traffic.callCount();
    }

    public void clearCalls() {
        traffic.clearCalls();
    }

    public List<IssuedToken> issuedTokens() {
        return state.issuedTokens();
    }

    /** The git blob sha GitHub reports for this content. */
    public static String blobSha(String content) {
        return GitHubSimRepoRoutes.blobSha(content.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.stop();
    }

    private static String normaliseBasePath(String basePath) {
        if (basePath == null || basePath.isEmpty() || basePath.equals("/")) {
            return "";
        }
        String withSlash = basePath.startsWith("/") ? basePath : "/" + basePath;
        return withSlash.endsWith("/") ? withSlash.substring(0, withSlash.length() - 1) : withSlash;
    }

    @Override
    public String toString() {
        return "GitHubSimulator[" + baseUrl + "]";
    }
}
