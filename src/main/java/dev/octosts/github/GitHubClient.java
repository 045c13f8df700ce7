package dev.octosts.github;

import dev.octosts.cache.Caches;
import com.github.benmanes.caffeine.cache.Cache;
import dev.octosts.github.GitHubTransport.Call;
import dev.octosts.github.GitHubTransport.CallFailed;
import dev.octosts.github.GitHubTransport.Endpoint;
import dev.octosts.github.GitHubTransport.Response;
import dev.octosts.telemetry.Telemetry;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.octosts.github.GitHubJson.errorOf;
import static dev.octosts.github.GitHubPaths.contentsPath;
import static dev.octosts.github.GitHubPaths.encodeSegment;
import static dev.octosts.github.GitHubPaths.repoPath;

/**
 * The GitHub REST calls Octo STS makes as an App: find an installation, mint and revoke installation
 * tokens, read a file. Works against api.github.com and GitHub Enterprise Server ({@code https://HOST/api/v3}).
 * Thread-safe; one HTTP client per instance ({@link GitHubTransport}). Tokens and JWTs never reach a log
 * line or an error message.
 */
public final class GitHubClient implements AutoCloseable {
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

    private record InstallKey(long appId, String owner) {
        int weight() {
            return Caches.ENTRY_OVERHEAD + Caches.chars(owner);
        }
    }

    /** GitHub calls sent at once by default; far above what the exchange rate needs at GitHub's latency. */
    public static final int DEFAULT_MAX_CALLS_IN_FLIGHT = 256;

    private final GitHubTransport transport;
    private final Cache<InstallKey, Long> installations;
    private final Cache<InstallKey, Boolean> notInstalled;

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

    /** @param maxCallsInFlight calls sent at once; one more waits up to {@code GitHubTransport.PERMIT_WAIT}, then fails unsent */
    public GitHubClient(URI baseUrl, Duration timeout, Clock clock, Telemetry telemetry, int maxCallsInFlight) {
        this.transport = new GitHubTransport(baseUrl, timeout, clock, telemetry, maxCallsInFlight);
        this.installations = Caches.expiring(clock, INSTALLATION_TTL, MAX_INSTALLATION_CACHE_WEIGHT,
                (InstallKey key, Long id) -> key.weight());
        this.notInstalled = Caches.expiring(clock, NOT_INSTALLED_TTL, MAX_INSTALLATION_CACHE_WEIGHT,
                (InstallKey key, Boolean absent) -> key.weight());
    }

    public URI baseUrl() {
        return transport.base();
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
        String url = transport.url("/app/installations?per_page=100");
        try {
            for (int page = 0; page < MAX_INSTALLATION_PAGES && url != null; page++) {
                Response response = transport.send(new Call(Endpoint.LIST_INSTALLATIONS, app.appId(), 0), url, null,
                        transport.appJwt(app));
                if (response.status() != 200) {
                    return new InstallationResult.Failed(errorOf(response));
                }
                Long found = null;
                for (GitHubJson.Installation installation : GitHubJson.installations(response)) {
                    installations.put(new InstallKey(app.appId(), installation.login()), installation.id());
                    if (found == null && installation.login().equals(owner)) {
                        found = installation.id();
                    }
                }
                if (found != null) {
                    notInstalled.invalidate(key);
                    return new InstallationResult.Found(found);
                }
                url = transport.nextPage(response);
            }
        } catch (CallFailed e) {
            return new InstallationResult.Failed(e.error());
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
        byte[] json = GitHubJson.encode(body, "a token request");
        try {
            Response response = transport.send(new Call(Endpoint.CREATE_TOKEN, app.appId(), 0),
                    transport.url("/app/installations/" + installationId + "/access_tokens"), json, transport.appJwt(app));
            if (response.status() != 201) {
                return new MintResult.Failed(errorOf(response));
            }
            return new MintResult.Minted(GitHubJson.parseToken(response));
        } catch (CallFailed e) {
            return new MintResult.Failed(e.error());
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
            Response response = transport.send(new Call(Endpoint.GET_CONTENTS, app.appId(), installationId),
                    transport.url(contentsPath.get()), null, token);
            return switch (response.status()) {
                case 200 -> GitHubJson.fileOf(response, GitHubJson.parseJson(response));
                case 404 -> new FileResult.Missing();
                default -> new FileResult.Failed(errorOf(response));
            };
        } catch (CallFailed e) {
            return new FileResult.Failed(e.error());
        } finally {
            if (!revoke(token)) {
                LOG.log(System.Logger.Level.WARNING, "could not revoke the read token of installation {0}", installationId);
            }
        }
    }

    /** {@code DELETE /installation/token}; true when GitHub answered 204. */
    public boolean revoke(String token) {
        return revokeToken(token) instanceof RevokeResult.Revoked;
    }

    /** {@code DELETE /installation/token}: revoked (204), no longer accepted (401), or failed. */
    public RevokeResult revokeToken(String token) {
        try {
            Response response = transport.send(new Call(Endpoint.REVOKE_TOKEN, 0, 0),
                    transport.url("/installation/token"), null, token);
            return switch (response.status()) {
                case 204 -> new RevokeResult.Revoked();
                case 401 -> new RevokeResult.NotAccepted();
                default -> new RevokeResult.Failed(errorOf(response));
            };
        } catch (CallFailed e) {
            return new RevokeResult.Failed(e.error());
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
            Response response = transport.send(
                    new Call(Endpoint.LIST_PULL_REQUEST_FILES, access.app().appId(), access.installationId()),
                    transport.url(path.get() + "/pulls/" + number + "/files"), null, access.token().token());
            if (response.status() != 200) {
                return new ChangedFilesResult.Failed(errorOf(response));
            }
            return new ChangedFilesResult.Listed(GitHubJson.pullRequestFiles(response));
        } catch (CallFailed e) {
            return new ChangedFilesResult.Failed(e.error());
        }
    }

    /** {@code GET /repos/{owner}/{repo}/compare/{base}...{head}}: the files of the first page of the comparison. */
    public ChangedFilesResult compare(InstallationAccess access, String owner, String repo, String base, String head) {
        Optional<String> path = repoPath(owner, repo);
        if (path.isEmpty() || base == null || base.isEmpty() || head == null || head.isEmpty()) {
            return new ChangedFilesResult.Failed(GitHubError.transport("nothing to compare"));
        }
        try {
            Response response = transport.send(
                    new Call(Endpoint.COMPARE_COMMITS, access.app().appId(), access.installationId()),
                    transport.url(path.get() + "/compare/" + encodeSegment(base) + "..." + encodeSegment(head)), null,
                    access.token().token());
            if (response.status() != 200) {
                return new ChangedFilesResult.Failed(errorOf(response));
            }
            return new ChangedFilesResult.Listed(GitHubJson.comparedFiles(response));
        } catch (CallFailed e) {
            return new ChangedFilesResult.Failed(e.error());
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
            Response response = transport.send(
                    new Call(Endpoint.GET_CONTENTS, access.app().appId(), access.installationId()),
                    transport.url(contentsPath.get() + query), null, access.token().token());
            if (response.status() == 404) {
                return new ContentsResult.Missing();
            }
            if (response.status() != 200) {
                return new ContentsResult.Failed(errorOf(response));
            }
            return GitHubJson.contentsOf(response);
        } catch (CallFailed e) {
            return new ContentsResult.Failed(e.error());
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
        byte[] json = GitHubJson.encode(body, "a check run");
        try {
            Response response = transport.send(
                    new Call(Endpoint.CREATE_CHECK_RUN, access.app().appId(), access.installationId()),
                    transport.url(path.get() + "/check-runs"), json, access.token().token());
            if (response.status() != 201) {
                return new CheckRunResult.Failed(errorOf(response));
            }
            return new CheckRunResult.Created(GitHubJson.parseJson(response).path("id").asLong(0));
        } catch (CallFailed e) {
            return new CheckRunResult.Failed(e.error());
        }
    }

    /** Permits free right now (for tests that fill them). */
    int freePermits() {
        return transport.freePermits();
    }

    @Override
    public void close() {
        transport.close();
    }
}
