package dev.octosts.dev;

import dev.octosts.dev.GitHubSimulator.AuthKind;
import dev.octosts.dev.GitHubSimulator.Fault;
import dev.octosts.dev.GitHubSimulator.RecordedCall;
import io.helidon.common.parameters.Parameters;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * What every request to the simulated GitHub goes through, whichever route answers it: the body limit, the
 * configured latency, the base path, injected faults, the {@code X-RateLimit-*} headers of the caller's
 * bucket, and the record of calls. Thread-safe.
 */
final class GitHubSimTraffic {
    static final int MAX_REQUEST_BODY = 1024 * 1024;
    /** Older calls are dropped beyond this, so a benchmark cannot exhaust memory. */
    static final int MAX_RECORDED_CALLS = 100_000;

    /** Who made a request, as far as the route found out; picks the rate-limit bucket. */
    static final class Caller {
        String bucket = "anonymous";
    }

    /**
     * One request as a route sees it: the path's parameters (percent-decoded), the raw query, the credential
     * header, the accepted media type and the body (at most {@link #MAX_REQUEST_BODY} bytes).
     */
    record Call(Parameters path, String rawQuery, String authorization, String accept, byte[] body, Caller caller) {
    }

    /** The answer of one route. */
    interface Route {
        GitHubSimResponse answer(Call call);
    }

    private record ActiveFault(Fault fault, Pattern pattern, AtomicInteger remaining) {
    }

    private static final class RateBucket {
        Instant windowEnd;
        int used;
    }

    private final String basePath;
    private final Clock clock;
    private final List<ActiveFault> faults = new CopyOnWriteArrayList<>();
    private final Deque<RecordedCall> calls = new ArrayDeque<>();
    /** Guarded by {@link #calls}. */
    private long callCount;
    private final Map<String, RateBucket> rateBuckets = new ConcurrentHashMap<>();
    private volatile Duration latency = Duration.ZERO;

    GitHubSimTraffic(String basePath, Clock clock) {
        this.basePath = basePath;
        this.clock = clock;
    }

    /** A Helidon handler answering with {@code route} once the request got past the base path, size and faults. */
    Handler handler(Route route) {
        return (request, response) -> serve(request, response, route);
    }

    void addFault(Fault fault) {
        faults.add(new ActiveFault(fault, Pattern.compile(fault.pathRegex()), new AtomicInteger(fault.times())));
    }

    void clearFaults() {
        faults.clear();
    }

    void setLatency(Duration perRequest) {
        this.latency = perRequest;
    }

    List<RecordedCall> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    long callCount() {
        synchronized (calls) {
            return callCount;
        }
    }

    void clearCalls() {
        synchronized (calls) {
            calls.clear();
        }
    }

    /** The credential of {@code Authorization: Bearer X} or {@code token X}. */
    static String bearer(String authorization) {
        if (authorization == null) {
            return null;
        }
        for (String scheme : List.of("Bearer ", "bearer ", "token ")) {
            if (authorization.startsWith(scheme)) {
                String value = authorization.substring(scheme.length()).trim();
                return value.isEmpty() ? null : value;
            }
        }
        return null;
    }

    static AuthKind authKind(String authorization) {
        String credential = bearer(authorization);
        if (credential == null) {
            return AuthKind.NONE;
        }
        if (credential.startsWith("ghs_")) {
            return AuthKind.INSTALLATION_TOKEN;
        }
        return credential.chars().filter(c -> c == '.').count() == 2 ? AuthKind.APP_JWT : AuthKind.NONE;
    }

    private void serve(ServerRequest request, ServerResponse response, Route route) throws IOException {
        String method = request.prologue().method().text();
        String rawPath = request.path().rawPath();
        String rawQuery = request.query().rawValue();
        String authorization = request.headers().first(HeaderNames.AUTHORIZATION).orElse(null);
        byte[] body;
        try (InputStream in = request.content().inputStream()) {
            body = in.readNBytes(MAX_REQUEST_BODY + 1);
        }
        Caller caller = new Caller();
        GitHubSimResponse answer;
        String path = stripBasePath(rawPath);
        pause();
        if (path == null) {
            answer = GitHubSimResponse.notFound();
        } else if (body.length > MAX_REQUEST_BODY) {
            answer = GitHubSimResponse.message(413, "Payload too large");
        } else {
            answer = injectedFault(method, path);
            if (answer == null) {
                answer = route.answer(new Call(request.path().pathParameters(), rawQuery, authorization,
                        request.headers().first(HeaderNames.ACCEPT).orElse(null), body, caller));
            }
        }
        Map<String, String> headers = rateLimitHeaders(caller.bucket);
        headers.putAll(answer.headers());
        headers.forEach(response::header);
        response.status(answer.status());
        record(new RecordedCall(method, path == null ? rawPath : path, rawQuery, answer.status(),
                isTokenRequest(method, path) ? new String(body, StandardCharsets.UTF_8) : null,
                authKind(authorization)));
        if (answer.body().length == 0) {
            response.send();
        } else {
            response.send(answer.body());
        }
    }

    private void pause() {
        Duration wait = latency;
        if (!wait.isZero() && !wait.isNegative()) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private String stripBasePath(String rawPath) {
        if (basePath.isEmpty()) {
            return rawPath;
        }
        if (rawPath.equals(basePath)) {
            return "/";
        }
        return rawPath.startsWith(basePath + "/") ? rawPath.substring(basePath.length()) : null;
    }

    private GitHubSimResponse injectedFault(String method, String path) {
        for (ActiveFault active : faults) {
            Fault fault = active.fault();
            boolean methodMatches = fault.method() == null || fault.method().equals("*") || fault.method().equalsIgnoreCase(method);
            if (!methodMatches || !active.pattern().matcher(path).find()) {
                continue;
            }
            if (fault.times() >= 0 && active.remaining().getAndUpdate(n -> Math.max(0, n - 1)) <= 0) {
                continue;
            }
            return GitHubSimResponse.text(fault.status(), fault.headers(), fault.body());
        }
        return null;
    }

    private Map<String, String> rateLimitHeaders(String bucketName) {
        RateBucket bucket = rateBuckets.computeIfAbsent(bucketName, k -> new RateBucket());
        Instant now = clock.instant();
        int used;
        Instant reset;
        synchronized (bucket) {
            if (bucket.windowEnd == null || !now.isBefore(bucket.windowEnd)) {
                bucket.windowEnd = now.plus(GitHubSimulator.RATE_WINDOW);
                bucket.used = 0;
            }
            used = ++bucket.used;
            reset = bucket.windowEnd;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("X-RateLimit-Limit", Integer.toString(GitHubSimulator.RATE_LIMIT));
        headers.put("X-RateLimit-Remaining", Integer.toString(Math.max(0, GitHubSimulator.RATE_LIMIT - used)));
        headers.put("X-RateLimit-Used", Integer.toString(used));
        headers.put("X-RateLimit-Reset", Long.toString(reset.getEpochSecond()));
        headers.put("X-RateLimit-Resource", "core");
        headers.put("X-GitHub-Api-Version-Selected", "2022-11-28");
        return headers;
    }

    private void record(RecordedCall call) {
        synchronized (calls) {
            if (calls.size() >= MAX_RECORDED_CALLS) {
                calls.removeFirst();
            }
            calls.addLast(call);
            callCount++;
        }
    }

    private static boolean isTokenRequest(String method, String path) {
        return method.equals("POST") && path != null && path.matches("/app/installations/[^/]+/access_tokens/?");
    }
}
