package dev.octosts.github;

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
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How {@link GitHubClient} talks to GitHub: one HTTP client, the App JWTs, a bounded number of calls in
 * flight, bounded answers, and every way a call can fail turned into a {@link GitHubError}. Tokens and JWTs
 * never reach a log line or an error message.
 */
final class GitHubTransport implements AutoCloseable {
    static final int MAX_BODY_BYTES = 1 << 20;
    static final Duration PERMIT_WAIT = Duration.ofSeconds(1);

    private static final System.Logger LOG = System.getLogger(GitHubClient.class.getName());
    private static final String USER_AGENT = "octo-sts-java";
    private static final io.helidon.http.HeaderName API_VERSION = HeaderNames.create("X-GitHub-Api-Version");
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"?next\"?");

    /** A call the client makes, named for telemetry, with its path as a template. */
    record Endpoint(String label, String method, String template) {
        static final Endpoint LIST_INSTALLATIONS = new Endpoint("installations.list", "GET", "/app/installations");
        static final Endpoint CREATE_TOKEN = new Endpoint("installation.token.create", "POST",
                "/app/installations/{installation_id}/access_tokens");
        static final Endpoint GET_CONTENTS = new Endpoint("repository.contents.get", "GET",
                "/repos/{owner}/{repo}/contents/{path}");
        static final Endpoint REVOKE_TOKEN = new Endpoint("installation.token.revoke", "DELETE", "/installation/token");
        static final Endpoint LIST_PULL_REQUEST_FILES = new Endpoint("pulls.files.list", "GET",
                "/repos/{owner}/{repo}/pulls/{pull_number}/files");
        static final Endpoint COMPARE_COMMITS = new Endpoint("repository.compare", "GET",
                "/repos/{owner}/{repo}/compare/{basehead}");
        static final Endpoint CREATE_CHECK_RUN = new Endpoint("checks.runs.create", "POST",
                "/repos/{owner}/{repo}/check-runs");
    }

    /** Which call, on whose behalf: the App (its JWT) or one of its installations (its token). */
    record Call(Endpoint endpoint, long appId, long installationId) {
    }

    record Response(int status, Headers headers, byte[] body) {
        String header(String name) {
            return headers.first(HeaderNames.create(name)).orElse(null);
        }
    }

    /** A call that produced no usable HTTP response. */
    static final class CallFailed extends Exception {
        private final transient GitHubError error;

        CallFailed(GitHubError error) {
            super(error.message(), null, false, false);
            this.error = error;
        }

        GitHubError error() {
            return error;
        }
    }

    private final URI base;
    private final String baseUrl;
    private final WebClient http;
    private final AppJwts jwts;
    private final Telemetry telemetry;
    private final Semaphore callsInFlight;

    /**
     * @param baseUrl {@code https://api.github.com} or {@code https://HOST/api/v3}; plain http only for a
     *                loopback host (tests, the dev sandbox)
     * @param maxCallsInFlight calls sent at once; one more waits up to {@link #PERMIT_WAIT}, then fails unsent
     */
    GitHubTransport(URI baseUrl, Duration timeout, Clock clock, Telemetry telemetry, int maxCallsInFlight) {
        this.telemetry = telemetry;
        this.callsInFlight = new Semaphore(maxCallsInFlight);
        this.base = checkBaseUrl(baseUrl);
        String text = base.toString();
        this.baseUrl = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        this.jwts = new AppJwts(clock);
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
    }

    URI base() {
        return base;
    }

    /** The absolute URL of {@code path} (already percent-encoded, starting with '/') under the base URL. */
    String url(String path) {
        return baseUrl + path;
    }

    @Override
    public void close() {
        if (http instanceof ReleasableResource pooled) {
            pooled.closeResource(); // closes the kept-alive connections
        }
    }

    /** A signing failure (say, an HSM that went away) is a failed call, not an exception for the caller. */
    String appJwt(GitHubApp app) throws CallFailed {
        try {
            return jwts.current(app);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot sign the JWT of GitHub App " + app.appId() + ": " + e.getMessage());
            throw new CallFailed(GitHubError.transport("cannot sign the JWT of GitHub App " + app.appId()));
        }
    }

    /** One call: {@code url} is already percent-encoded; {@code json} is the request body, or null for none. */
    Response send(Call call, String url, byte[] json, String bearer) throws CallFailed {
        Endpoint endpoint = call.endpoint();
        HttpClientRequest request = http.method(Method.create(endpoint.method()))
                .uri(URI.create(url))
                .header(HeaderNames.ACCEPT, "application/vnd.github+json")
                .header(API_VERSION, "2022-11-28")
                .header(HeaderNames.USER_AGENT, USER_AGENT)
                .header(HeaderNames.AUTHORIZATION, "Bearer " + bearer);
        GitHubCall traced = telemetry.gitHubCall(endpoint.label(), endpoint.method(), endpoint.template(), base,
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
        String what = endpoint.method() + " " + endpoint.template();
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

    /** The next page from the Link header, only if it stays under this client's base URL. */
    String nextPage(Response response) throws CallFailed {
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
            throw new CallFailed(GitHubJson.malformed(response, "unreadable pagination link"));
        }
        boolean sameOrigin = base.getScheme().equalsIgnoreCase(String.valueOf(uri.getScheme()))
                && base.getHost().equalsIgnoreCase(String.valueOf(uri.getHost()))
                && effectivePort(base) == effectivePort(uri)
                && uri.getRawUserInfo() == null
                && String.valueOf(uri.getRawPath()).startsWith(base.getRawPath() + "/");
        if (!sameOrigin) {
            // Following it would send the App JWT elsewhere.
            throw new CallFailed(GitHubJson.malformed(response, "pagination link points outside the GitHub API base URL"));
        }
        return next;
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
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
