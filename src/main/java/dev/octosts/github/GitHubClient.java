package dev.octosts.github;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import dev.octosts.telemetry.GitHubCall;
import dev.octosts.telemetry.Telemetry;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.Method;
import io.helidon.webclient.api.HttpClientRequest;
import io.helidon.webclient.api.HttpClientResponse;
import io.helidon.webclient.api.Proxy;
import io.helidon.webclient.api.ReleasableResource;
import io.helidon.webclient.api.WebClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The GitHub REST calls Octo STS makes as an App: find an installation, mint and revoke installation
 * tokens, read a file. Works against api.github.com and GitHub Enterprise Server ({@code https://HOST/api/v3}).
 * Thread-safe; one HTTP client per instance. Tokens and JWTs never reach a log line or an error message.
 */
public final class GitHubClient implements AutoCloseable {
    static final int MAX_BODY_BYTES = 1 << 20;
    static final Duration INSTALLATION_TTL = Duration.ofHours(1);
    static final Duration NOT_INSTALLED_TTL = Duration.ofMinutes(5);
    /**
     * Heap bytes each installation cache (found, not installed) may hold: some 12,000 owners. Bounded in
     * bytes because the owner comes from the caller's scope.
     */
    static final long MAX_INSTALLATION_CACHE_WEIGHT = 2L << 20;
    /** 100 installations a page: enough for 100,000 installations, and a bound on a misbehaving server. */
    static final int MAX_INSTALLATION_PAGES = 1_000;

    private static final System.Logger LOG = System.getLogger(GitHubClient.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER_AGENT = "octo-sts-java";
    private static final io.helidon.http.HeaderName API_VERSION = HeaderNames.create("X-GitHub-Api-Version");
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"?next\"?");

    private record InstallKey(long appId, String owner) {
        int weight() {
            return Caches.ENTRY_OVERHEAD + Caches.chars(owner);
        }
    }

    /** The calls this client makes, named for telemetry, with their paths as templates. */
    private enum Endpoint {
        LIST_INSTALLATIONS("installations.list", "GET", "/app/installations"),
        CREATE_TOKEN("installation.token.create", "POST", "/app/installations/{installation_id}/access_tokens"),
        GET_CONTENTS("repository.contents.get", "GET", "/repos/{owner}/{repo}/contents/{path}"),
        REVOKE_TOKEN("installation.token.revoke", "DELETE", "/installation/token"),
        LIST_PULL_REQUEST_FILES("pulls.files.list", "GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files"),
        COMPARE_COMMITS("repository.compare", "GET", "/repos/{owner}/{repo}/compare/{basehead}"),
        GET_CONTENTS_AT_REF("repository.contents.get", "GET", "/repos/{owner}/{repo}/contents/{path}"),
        CREATE_CHECK_RUN("checks.runs.create", "POST", "/repos/{owner}/{repo}/check-runs");

        final String label;
        final String method;
        final String template;

        Endpoint(String label, String method, String template) {
            this.label = label;
            this.method = method;
            this.template = template;
        }
    }

    /** Which call, on whose behalf: the App (its JWT) or one of its installations (its token). */
    private record Call(Endpoint endpoint, long appId, long installationId) {
    }

    private record Response(int status, Headers headers, byte[] body) {
        String header(String name) {
            return headers.first(HeaderNames.create(name)).orElse(null);
        }
    }

    /** A call that produced no usable HTTP response. */
    private static final class CallFailed extends Exception {
        private final transient GitHubError error;

        CallFailed(GitHubError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }
    }

    /** GitHub calls sent at once by default; far above what the exchange rate needs at GitHub's latency. */
    public static final int DEFAULT_MAX_CALLS_IN_FLIGHT = 256;
    static final Duration PERMIT_WAIT = Duration.ofSeconds(1);

    private final URI base;
    private final String baseUrl;
    private final Duration timeout;
    private final Clock clock;
    private final WebClient http;
    private final Map<GitHubApp, AppJwts> jwts = new ConcurrentHashMap<>();
    private final Cache<InstallKey, Long> installations;
    private final Cache<InstallKey, Boolean> notInstalled;
    private final Telemetry telemetry;
    private final Semaphore callsInFlight;

    public GitHubClient(URI baseUrl, Duration timeout, Clock clock) {
        this(baseUrl, timeout, clock, Telemetry.off());
    }

    /**
     * @param baseUrl {@code https://api.github.com} or {@code https://HOST/api/v3}; plain http only for a
     *                loopback host (tests, the dev sandbox)
     */
    public GitHubClient(URI baseUrl, Duration timeout, Clock clock, Telemetry telemetry) {
        this(baseUrl, timeout, clock, telemetry, DEFAULT_MAX_CALLS_IN_FLIGHT);
    }

    /** @param maxCallsInFlight calls sent at once; one more waits up to {@link #PERMIT_WAIT}, then fails unsent */
    public GitHubClient(URI baseUrl, Duration timeout, Clock clock, Telemetry telemetry, int maxCallsInFlight) {
        this.telemetry = telemetry;
        this.callsInFlight = new Semaphore(maxCallsInFlight);
        this.base = checkBaseUrl(baseUrl);
        String text = base.toString();
        this.baseUrl = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        this.timeout = timeout;
        this.clock = clock;
        // Pooled keep-alive HTTP/1.1 on virtual threads: far less CPU per call than the JDK HttpClient's
        // asynchronous machinery. Redirects are never followed (they could carry the App JWT elsewhere).
        this.http = WebClient.builder()
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .followRedirects(false)
                .sendExpectContinue(false)
                .proxy(Proxy.noProxy())
                .shareConnectionCache(false)
                .build();
        this.installations = Caches.expiring(clock, INSTALLATION_TTL, MAX_INSTALLATION_CACHE_WEIGHT,
                (InstallKey key, Long id) -> key.weight());
        this.notInstalled = Caches.expiring(clock, NOT_INSTALLED_TTL, MAX_INSTALLATION_CACHE_WEIGHT,
                (InstallKey key, Boolean absent) -> key.weight());
    }

    public URI baseUrl() {
        return base;
    }

    /**
     * The App's installation on {@code owner}, found by listing the App's installations and matching
     * {@code account.login} case-sensitively (as Octo STS does). Found: cached 1 h; not installed:
     * cached 5 min; errors: not cached.
     */
    public InstallationResult findInstallation(GitHubApp app, String owner) {
        return findInstallation(app, owner, false);
    }

    /**
     * As {@link #findInstallation(GitHubApp, String)}; with {@code bypassCache} GitHub is asked even when
     * an answer is cached, and its answer replaces the cached one. For decisions that must not rest on an
     * hour-old view, such as "no installation of the pool can see the org allowlist".
     */
    public InstallationResult findInstallation(GitHubApp app, String owner, boolean bypassCache) {
        InstallKey key = new InstallKey(app.appId(), owner);
        if (!bypassCache) {
            Long cached = installations.getIfPresent(key);
            if (cached != null) {
                return new InstallationResult.Found(cached);
            }
            if (notInstalled.getIfPresent(key) != null) {
                return new InstallationResult.NotInstalled();
            }
        }
        String url = baseUrl + "/app/installations?per_page=100";
        try {
            for (int page = 0; page < MAX_INSTALLATION_PAGES && url != null; page++) {
                Response response = send(new Call(Endpoint.LIST_INSTALLATIONS, app.appId(), 0), url, null, appJwt(app));
                if (response.status() != 200) {
                    return new InstallationResult.Failed(errorOf(response));
                }
                JsonNode list = parseJson(response);
                if (!list.isArray()) {
                    throw new CallFailed(malformed(response, "the installation list is not a JSON array"));
                }
                Long found = null;
                for (JsonNode installation : list) {
                    String login = installation.path("account").path("login").asText(null);
                    long id = installation.path("id").asLong(0);
                    if (login == null || id <= 0) {
                        continue;
                    }
                    installations.put(new InstallKey(app.appId(), login), id);
                    if (found == null && login.equals(owner)) {
                        found = id;
                    }
                }
                if (found != null) {
                    notInstalled.invalidate(key);
                    return new InstallationResult.Found(found);
                }
                url = nextPage(response);
            }
        } catch (CallFailed e) {
            return new InstallationResult.Failed(e.error);
        }
        installations.invalidate(key); // uninstalled since it was cached (only a bypassing lookup gets here with one)
        notInstalled.put(key, Boolean.TRUE);
        return new InstallationResult.NotInstalled();
    }

    /**
     * {@code POST /app/installations/{id}/access_tokens}.
     *
     * @param repositories names; null or empty means the field is omitted (all repositories the
     *                     installation can see)
     * @param permissions  always sent, possibly as {@code {}}
     */
    public MintResult mintToken(GitHubApp app, long installationId, List<String> repositories,
                                Map<String, String> permissions) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (repositories != null && !repositories.isEmpty()) {
            body.put("repositories", repositories);
        }
        body.put("permissions", permissions == null ? Map.of() : permissions);
        try {
            byte[] json = JSON.writeValueAsBytes(body);
            Response response = send(new Call(Endpoint.CREATE_TOKEN, app.appId(), 0),
                    baseUrl + "/app/installations/" + installationId + "/access_tokens", json, appJwt(app));
            if (response.status() != 201) {
                return new MintResult.Failed(errorOf(response));
            }
            return new MintResult.Minted(parseToken(response));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a token request", e);
        } catch (CallFailed e) {
            return new MintResult.Failed(e.error);
        }
    }

    /**
     * Reads a file with a token limited to {@code [repo]} and {@code contents: read}, and always revokes
     * that token afterwards. A path no git tree can hold (empty, {@code .} or {@code ..} segments) is
     * Missing without any call.
     */
    public FileResult readFile(GitHubApp app, long installationId, String owner, String repo, String path) {
        Optional<String> contentsPath = contentsPath(owner, repo, path);
        if (contentsPath.isEmpty()) {
            return new FileResult.Missing();
        }
        MintResult mint = mintToken(app, installationId, List.of(repo), Map.of("contents", "read"));
        if (mint instanceof MintResult.Failed(GitHubError error)) {
            return new FileResult.Failed(error);
        }
        String token = ((MintResult.Minted) mint).token().token();
        try {
            Response response = send(new Call(Endpoint.GET_CONTENTS, app.appId(), installationId),
                    baseUrl + contentsPath.get(), null, token);
            return switch (response.status()) {
                case 200 -> fileOf(response, parseJson(response));
                case 404 -> new FileResult.Missing();
                default -> new FileResult.Failed(errorOf(response));
            };
        } catch (CallFailed e) {
            return new FileResult.Failed(e.error);
        } finally {
            if (!revoke(token)) {
                LOG.log(System.Logger.Level.WARNING, "could not revoke the read token of installation {0}", installationId);
            }
        }
    }

    /** {@code DELETE /installation/token}; true when GitHub answered 204. */
    public boolean revoke(String token) {
        try {
            Response response = send(new Call(Endpoint.REVOKE_TOKEN, 0, 0), baseUrl + "/installation/token", null, token);
            return response.status() == 204;
        } catch (CallFailed e) {
            return false;
        }
    }

    /**
     * {@code GET /repos/{owner}/{repo}/pulls/{number}/files}: the first page only, at GitHub's default page
     * size, as Octo STS reads it.
     */
    public ChangedFilesResult pullRequestFiles(InstallationAccess access, String owner, String repo, long number) {
        Optional<String> path = repoPath(owner, repo);
        if (path.isEmpty() || number <= 0) {
            return new ChangedFilesResult.Failed(GitHubError.transport("not a pull request: " + number));
        }
        try {
            Response response = send(new Call(Endpoint.LIST_PULL_REQUEST_FILES, access.app().appId(), access.installationId()),
                    baseUrl + path.get() + "/pulls/" + number + "/files", null, access.token().token());
            if (response.status() != 200) {
                return new ChangedFilesResult.Failed(errorOf(response));
            }
            JsonNode list = parseJson(response);
            if (!list.isArray()) {
                throw new CallFailed(malformed(response, "the pull request files are not a JSON array"));
            }
            return new ChangedFilesResult.Listed(changedFiles(list));
        } catch (CallFailed e) {
            return new ChangedFilesResult.Failed(e.error);
        }
    }

    /** {@code GET /repos/{owner}/{repo}/compare/{base}...{head}}: the files of the first page of the comparison. */
    public ChangedFilesResult compare(InstallationAccess access, String owner, String repo, String base, String head) {
        Optional<String> path = repoPath(owner, repo);
        if (path.isEmpty() || base == null || base.isEmpty() || head == null || head.isEmpty()) {
            return new ChangedFilesResult.Failed(GitHubError.transport("nothing to compare"));
        }
        try {
            Response response = send(new Call(Endpoint.COMPARE_COMMITS, access.app().appId(), access.installationId()),
                    baseUrl + path.get() + "/compare/" + encodeSegment(base) + "..." + encodeSegment(head), null,
                    access.token().token());
            if (response.status() != 200) {
                return new ChangedFilesResult.Failed(errorOf(response));
            }
            JsonNode body = parseJson(response);
            if (!body.isObject()) {
                throw new CallFailed(malformed(response, "the comparison is not a JSON object"));
            }
            return new ChangedFilesResult.Listed(changedFiles(body.path("files")));
        } catch (CallFailed e) {
            return new ChangedFilesResult.Failed(e.error);
        }
    }

    /**
     * {@code GET /repos/{owner}/{repo}/contents/{path}?ref=}, with the installation's own token: a file, a
     * directory listing, or nothing. An empty {@code ref} reads the default branch.
     */
    public ContentsResult contentsAt(InstallationAccess access, String owner, String repo, String path, String ref) {
        Optional<String> contentsPath = contentsPath(owner, repo, path);
        if (contentsPath.isEmpty()) {
            return new ContentsResult.Missing();
        }
        String query = ref == null || ref.isEmpty() ? "" : "?ref=" + encodeSegment(ref);
        try {
            Response response = send(new Call(Endpoint.GET_CONTENTS_AT_REF, access.app().appId(), access.installationId()),
                    baseUrl + contentsPath.get() + query, null, access.token().token());
            if (response.status() == 404) {
                return new ContentsResult.Missing();
            }
            if (response.status() != 200) {
                return new ContentsResult.Failed(errorOf(response));
            }
            JsonNode body = parseJson(response);
            if (body.isArray()) {
                List<ContentsResult.Entry> entries = new ArrayList<>();
                for (JsonNode entry : body) {
                    entries.add(new ContentsResult.Entry(entry.path("type").asText(""), entry.path("name").asText(""),
                            entry.path("path").asText("")));
                }
                return new ContentsResult.Directory(entries);
            }
            String type = body.path("type").asText("");
            if (!type.equals("file")) {
                return new ContentsResult.NotAFile(type);
            }
            return switch (fileOf(response, body)) {
                case FileResult.Found(String text, String blobSha) -> new ContentsResult.File(text, blobSha);
                case FileResult.Failed(GitHubError error) -> new ContentsResult.Failed(error);
                case FileResult.Missing() -> new ContentsResult.Missing();
            };
        } catch (CallFailed e) {
            return new ContentsResult.Failed(e.error);
        }
    }

    /** {@code POST /repos/{owner}/{repo}/check-runs} with a completed check run. */
    public CheckRunResult createCheckRun(InstallationAccess access, String owner, String repo, CheckRun run) {
        Optional<String> path = repoPath(owner, repo);
        if (path.isEmpty()) {
            return new CheckRunResult.Failed(GitHubError.transport("not a repository: " + owner + "/" + repo));
        }
        Map<String, Object> output = new LinkedHashMap<>();
        output.put("title", run.title());
        output.put("summary", run.summary());
        if (run.text() != null) {
            output.put("text", run.text());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", run.name());
        body.put("head_sha", run.headSha());
        body.put("external_id", run.externalId());
        body.put("status", "completed");
        body.put("conclusion", run.conclusion());
        body.put("started_at", run.startedAt().toString());
        body.put("completed_at", run.completedAt().toString());
        body.put("output", output);
        try {
            Response response = send(new Call(Endpoint.CREATE_CHECK_RUN, access.app().appId(), access.installationId()),
                    baseUrl + path.get() + "/check-runs", JSON.writeValueAsBytes(body), access.token().token());
            if (response.status() != 201) {
                return new CheckRunResult.Failed(errorOf(response));
            }
            return new CheckRunResult.Created(parseJson(response).path("id").asLong(0));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a check run", e);
        } catch (CallFailed e) {
            return new CheckRunResult.Failed(e.error);
        }
    }

    private static List<ChangedFile> changedFiles(JsonNode list) {
        List<ChangedFile> files = new ArrayList<>();
        for (JsonNode file : list) {
            String filename = file.path("filename").asText("");
            if (!filename.isEmpty()) {
                files.add(new ChangedFile(filename, file.path("status").asText("")));
            }
        }
        return files;
    }

    /** {@code /repos/{owner}/{repo}} with both names percent-encoded, or empty. */
    private static Optional<String> repoPath(String owner, String repo) {
        if (!isNameSegment(owner) || !isNameSegment(repo)) {
            return Optional.empty();
        }
        return Optional.of("/repos/" + encodeSegment(owner) + "/" + encodeSegment(repo));
    }

    @Override
    public void close() {
        if (http instanceof ReleasableResource pooled) {
            pooled.closeResource(); // closes the kept-alive connections
        }
    }

    /** A signing failure (say, an HSM that went away) is a failed call, not an exception for the caller. */
    private String appJwt(GitHubApp app) throws CallFailed {
        try {
            return jwts.computeIfAbsent(app, a -> new AppJwts(a, clock)).current();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot sign the JWT of GitHub App " + app.appId() + ": " + e.getMessage());
            throw new CallFailed(GitHubError.transport("cannot sign the JWT of GitHub App " + app.appId()));
        }
    }

    /** One call: {@code url} is already percent-encoded; {@code json} is the request body, or null for none. */
    private Response send(Call call, String url, byte[] json, String bearer) throws CallFailed {
        Endpoint endpoint = call.endpoint();
        HttpClientRequest request = http.method(Method.create(endpoint.method))
                .uri(URI.create(url))
                .header(HeaderNames.ACCEPT, "application/vnd.github+json")
                .header(API_VERSION, "2022-11-28")
                .header(HeaderNames.USER_AGENT, USER_AGENT)
                .header(HeaderNames.AUTHORIZATION, "Bearer " + bearer);
        GitHubCall traced = telemetry.gitHubCall(endpoint.label, endpoint.method, endpoint.template, base,
                call.appId(), call.installationId());
        traced.inject((name, value) -> request.header(HeaderNames.create(name), value));
        if (!acquirePermit()) {
            traced.failed("overloaded");
            throw new CallFailed(GitHubError.tooManyInFlight());
        }
        try {
            Response response = exchange(endpoint, request, json);
            traced.answered(response.status(), response.header("X-RateLimit-Remaining"),
                    response.header("X-RateLimit-Limit"));
            return response;
        } catch (CallFailed e) {
            traced.failed("transport");
            throw e;
        } finally {
            callsInFlight.release();
        }
    }

    /** Permits free right now (for tests that fill them). */
    int freePermits() {
        return callsInFlight.availablePermits();
    }

    /**
     * A permit to send one call. GitHub's latency is what fills these up (an outage, or calls an attacker
     * provokes): a bounded wait, then the caller is told to come back rather than queued without end.
     */
    private boolean acquirePermit() {
        try {
            return callsInFlight.tryAcquire(PERMIT_WAIT.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private Response exchange(Endpoint endpoint, HttpClientRequest request, byte[] json) throws CallFailed {
        String what = endpoint.method + " " + endpoint.template;
        try (HttpClientResponse response = json == null ? request.request()
                : request.header(HeaderNames.CONTENT_TYPE, "application/json").submit(json)) {
            byte[] body;
            // A declared length within the limit is read in one buffer of its size (GitHub's answers are small).
            long declared = response.headers().contentLength().orElse(MAX_BODY_BYTES + 1);
            try (InputStream in = response.inputStream()) {
                body = in.readNBytes((int) Math.min(declared, MAX_BODY_BYTES + 1));
            }
            if (body.length > MAX_BODY_BYTES) {
                throw new CallFailed(GitHubError.transport(what + ": response body larger than " + MAX_BODY_BYTES + " bytes"));
            }
            return new Response(response.status().code(), response.headers(), body);
        } catch (IOException | UncheckedIOException e) {
            throw new CallFailed(GitHubError.transport(what + " failed: " + rootCause(e).getClass().getSimpleName()));
        } catch (RuntimeException e) {
            // The client reports protocol violations (a malformed status line or header) as runtime exceptions.
            throw new CallFailed(GitHubError.transport(what + " failed: " + e.getClass().getSimpleName()));
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable cause = e;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause;
    }

    private static GitHubError errorOf(Response response) {
        String message = "HTTP " + response.status();
        String documentationUrl = null;
        try {
            JsonNode body = JSON.readTree(response.body());
            if (body != null && body.isObject()) {
                message = body.path("message").asText(message);
                documentationUrl = body.path("documentation_url").asText(null);
            }
        } catch (IOException notJson) {
            // The status alone classifies the error.
        }
        return GitHubError.of(response.status(), response.header("X-RateLimit-Remaining"),
                response.header("Retry-After"), message, documentationUrl);
    }

    private static GitHubError malformed(Response response, String what) {
        return new GitHubError(response.status(), false, false, what);
    }

    private static JsonNode parseJson(Response response) throws CallFailed {
        try {
            JsonNode node = JSON.readTree(response.body());
            if (node == null) {
                throw new CallFailed(malformed(response, "empty response body"));
            }
            return node;
        } catch (IOException e) {
            throw new CallFailed(malformed(response, "response body is not JSON"));
        }
    }

    private static InstallationToken parseToken(Response response) throws CallFailed {
        JsonNode body = parseJson(response);
        String token = body.path("token").asText("");
        String expiresAtRaw = body.path("expires_at").asText("");
        if (token.isEmpty() || expiresAtRaw.isEmpty()) {
            throw new CallFailed(malformed(response, "token response without token or expires_at"));
        }
        Instant expiresAt;
        try {
            expiresAt = timestamp(expiresAtRaw);
        } catch (DateTimeException e) {
            throw new CallFailed(malformed(response, "token response with an unreadable expires_at"));
        }
        Map<String, String> permissions = new LinkedHashMap<>();
        body.path("permissions").properties().forEach(p -> permissions.put(p.getKey(), p.getValue().asText()));
        List<String> repositories = new ArrayList<>();
        for (JsonNode repository : body.path("repositories")) {
            String name = repository.path("name").asText(null);
            if (name != null) {
                repositories.add(name);
            }
        }
        return new InstallationToken(token, expiresAt, expiresAtRaw, permissions, repositories);
    }

    /**
     * An RFC 3339 time. GitHub writes {@code 2026-11-27T21:00:00Z}, which is read field by field: the general
     * parser is a noticeable share of an exchange's CPU.
     */
    static Instant timestamp(String text) {
        if (text.length() == 20 && text.charAt(4) == '-' && text.charAt(7) == '-' && text.charAt(10) == 'T'
                && text.charAt(13) == ':' && text.charAt(16) == ':' && text.charAt(19) == 'Z') {
            int[] fields = new int[6];
            int[] starts = {0, 5, 8, 11, 14, 17};
            for (int i = 0; i < fields.length; i++) {
                int end = i == 0 ? 4 : starts[i] + 2;
                for (int at = starts[i]; at < end; at++) {
                    char c = text.charAt(at);
                    if (c < '0' || c > '9') {
                        return OffsetDateTime.parse(text).toInstant();
                    }
                    fields[i] = fields[i] * 10 + (c - '0');
                }
            }
            return LocalDateTime.of(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5])
                    .toInstant(ZoneOffset.UTC);
        }
        return OffsetDateTime.parse(text).toInstant();
    }

    /** The file a contents answer ({@code body}, already parsed) holds, or why it holds none. */
    private static FileResult fileOf(Response response, JsonNode body) {
        if (body.isArray()) {
            return new FileResult.Failed(malformed(response, "the path is a directory, not a file"));
        }
        if (!"file".equals(body.path("type").asText())) {
            return new FileResult.Failed(malformed(response, "the path is a " + body.path("type").asText("?") + ", not a file"));
        }
        String encoding = body.path("encoding").asText("");
        if (!"base64".equals(encoding)) {
            return new FileResult.Failed(malformed(response, "file content not returned (encoding \"" + encoding + "\"); too large?"));
        }
        byte[] content;
        try {
            content = Base64.getMimeDecoder().decode(body.path("content").asText(""));
        } catch (IllegalArgumentException e) {
            return new FileResult.Failed(malformed(response, "file content is not valid base64"));
        }
        return new FileResult.Found(new String(content, StandardCharsets.UTF_8), body.path("sha").asText(""));
    }

    /** The next page from the Link header, only if it stays under this client's base URL. */
    private String nextPage(Response response) throws CallFailed {
        String link = response.header("Link");
        if (link == null) {
            return null;
        }
        Matcher matcher = NEXT_LINK.matcher(link);
        if (!matcher.find()) {
            return null;
        }
        String next = matcher.group(1);
        URI uri;
        try {
            uri = URI.create(next);
        } catch (IllegalArgumentException e) {
            throw new CallFailed(malformed(response, "unreadable pagination link"));
        }
        boolean sameOrigin = base.getScheme().equalsIgnoreCase(String.valueOf(uri.getScheme()))
                && base.getHost().equalsIgnoreCase(String.valueOf(uri.getHost()))
                && effectivePort(base) == effectivePort(uri)
                && uri.getRawUserInfo() == null
                && String.valueOf(uri.getRawPath()).startsWith(base.getRawPath() + "/");
        if (!sameOrigin) {
            // Following it would send the App JWT elsewhere.
            throw new CallFailed(malformed(response, "pagination link points outside the GitHub API base URL"));
        }
        return next;
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /** {@code /repos/{owner}/{repo}/contents/{path}} with every segment percent-encoded, or empty. */
    static Optional<String> contentsPath(String owner, String repo, String path) {
        Optional<String> repoPath = repoPath(owner, repo);
        if (repoPath.isEmpty() || path == null) {
            return Optional.empty();
        }
        StringBuilder url = new StringBuilder(repoPath.get()).append("/contents");
        for (String segment : path.split("/", -1)) {
            if (!isNameSegment(segment)) {
                return Optional.empty();
            }
            url.append('/').append(encodeSegment(segment));
        }
        return Optional.of(url.toString());
    }

    private static boolean isNameSegment(String segment) {
        return segment != null && !segment.isEmpty() && !segment.equals(".") && !segment.equals("..");
    }

    /** RFC 3986: everything but unreserved characters is percent-encoded (so '/', '?', '#' cannot escape). */
    static String encodeSegment(String segment) {
        StringBuilder out = new StringBuilder(segment.length() + 8);
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return out.toString();
    }

    private static URI checkBaseUrl(URI url) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (url.getHost() == null || url.getRawUserInfo() != null || url.getRawQuery() != null
                || url.getRawFragment() != null) {
            throw new IllegalArgumentException("GitHub API base URL must be like https://api.github.com or https://HOST/api/v3, got " + url);
        }
        if (scheme.equals("https") || (scheme.equals("http") && isLoopback(url.getHost()))) {
            return url;
        }
        throw new IllegalArgumentException("GitHub API base URL must use https (plain http only on a loopback host), got " + url);
    }

    private static boolean isLoopback(String host) {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        boolean ipLiteral = host.startsWith("[") || host.matches("[0-9.]+");
        if (!ipLiteral) {
            return false;
        }
        try {
            // An IP literal: no DNS lookup happens.
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
