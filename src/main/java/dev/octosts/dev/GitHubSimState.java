package dev.octosts.dev;

import dev.octosts.dev.GitHubSimulator.CreatedCheckRun;
import dev.octosts.dev.GitHubSimulator.IssuedToken;
import dev.octosts.dev.GitHubSimulator.SimulatedChange;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated GitHub's data: Apps and their keys, installations, repositories with files and named refs,
 * pull-request and comparison file lists, installation tokens and created check runs. Owner and repository
 * names are case-insensitive (as on GitHub), file paths are not. Thread-safe: the small model is guarded by
 * this object's monitor (the routes hold it for a whole answer), tokens live in a concurrent map.
 */
final class GitHubSimState {
    static final Duration TOKEN_LIFETIME = Duration.ofHours(1);
    static final int CONTENT_INLINE_LIMIT = 1024 * 1024;
    /**
     * Tokens kept; beyond this the oldest are forgotten (a call with one then gets 401), so a long-running
     * sandbox or benchmark stays bounded in memory and in time per mint.
     */
    static final int MAX_KEPT_TOKENS = 100_000;
    static final Map<String, Integer> LEVELS = Map.of("read", 1, "write", 2, "admin", 3);

    record Installation(long id, long appId, String account, long accountId,
                        Map<String, String> permissions, List<String> repositories) {
        boolean covers(String repoName) {
            return repositories == null || repositories.stream().anyMatch(r -> r.equalsIgnoreCase(repoName));
        }
    }

    record Repo(long id, String owner, String name, TreeMap<String, byte[]> files) {
    }

    static final class Token {
        final String value;
        final long installationId;
        final Map<String, String> permissions;
        final List<String> repositories;
        final Instant expiresAt;
        volatile boolean revoked;

        Token(String value, long installationId, Map<String, String> permissions, List<String> repositories,
              Instant expiresAt) {
            this.value = value;
            this.installationId = installationId;
            this.permissions = permissions;
            this.repositories = repositories;
            this.expiresAt = expiresAt;
        }
    }

    private final Clock clock;
    private final AtomicLong ids = new AtomicLong(1000);
    private final Map<Long, PublicKey> appKeys = new ConcurrentHashMap<>();
    private final GitHubSimJwtCheck jwtCheck = new GitHubSimJwtCheck(appKeys::get);
    private final Map<Long, Installation> installations = new TreeMap<>();
    private final Map<String, Long> accountIds = new HashMap<>();
    private final Map<String, Repo> repos = new HashMap<>();
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    /** Token values in the order they were issued; guarded by this object's monitor. */
    private final Deque<String> issuedOrder = new ArrayDeque<>();
    private final int maxKeptTokens;
    /** Trees of named refs (commit SHAs, branches): repo key + "@" + ref → path → content. */
    private final Map<String, TreeMap<String, byte[]>> refTrees = new HashMap<>();
    private final Map<String, List<Map<String, Object>>> pullRequestFiles = new HashMap<>();
    private final Map<String, List<Map<String, Object>>> comparisons = new HashMap<>();
    private final List<CreatedCheckRun> checkRuns = new ArrayList<>();

    GitHubSimState(Clock clock, int maxKeptTokens) {
        this.clock = clock;
        this.maxKeptTokens = maxKeptTokens;
    }

    // ---- set up by tests, the sandbox and the benchmark -----------------------------------------

    long nextId() {
        return ids.incrementAndGet();
    }

    void addApp(long appId, PublicKey key) {
        appKeys.put(appId, key);
    }

    synchronized long install(long appId, String account, Map<String, String> permissions, List<String> repositories) {
        if (!appKeys.containsKey(appId)) {
            throw new IllegalArgumentException("no simulated App " + appId);
        }
        permissions.forEach((name, level) -> {
            if (!LEVELS.containsKey(level)) {
                throw new IllegalArgumentException("permission " + name + " has level " + level + ", want read, write or admin");
            }
        });
        long id = nextId();
        List<String> selected = repositories == null ? null : List.copyOf(repositories);
        if (selected != null) {
            selected.forEach(repo -> createRepository(account, repo));
        }
        installations.put(id, new Installation(id, appId, account, accountId(account),
                Map.copyOf(permissions), selected));
        return id;
    }

    synchronized void uninstall(long installationId) {
        installations.remove(installationId);
    }

    synchronized void createRepository(String owner, String name) {
        repos.computeIfAbsent(repoKey(owner, name), k -> new Repo(nextId(), owner, name, new TreeMap<>()));
        accountId(owner);
    }

    synchronized void putFile(String owner, String repo, String path, String content) {
        createRepository(owner, repo);
        repos.get(repoKey(owner, repo)).files().put(normalisePath(path), content.getBytes(StandardCharsets.UTF_8));
    }

    /** Installs an App under a given installation id (as a recorded webhook payload names it). */
    synchronized long installWithId(long installationId, long appId, String account, Map<String, String> permissions,
                                    List<String> repositories) {
        if (installationId <= 0 || installations.containsKey(installationId)) {
            throw new IllegalArgumentException("installation id " + installationId + " is taken or not positive");
        }
        long assigned = install(appId, account, permissions, repositories);
        Installation installation = installations.remove(assigned);
        installations.put(installationId, new Installation(installationId, installation.appId(), installation.account(),
                installation.accountId(), installation.permissions(), installation.repositories()));
        return installationId;
    }

    /** A file in the tree of {@code ref} (a commit SHA or a branch), which exists from then on. */
    synchronized void putFileAt(String owner, String repo, String ref, String path, String content) {
        createRepository(owner, repo);
        refTrees.computeIfAbsent(refKey(owner, repo, ref), k -> new TreeMap<>())
                .put(normalisePath(path), content.getBytes(StandardCharsets.UTF_8));
    }

    /** Makes {@code ref} a known ref with no files (yet). */
    synchronized void createRef(String owner, String repo, String ref) {
        createRepository(owner, repo);
        refTrees.computeIfAbsent(refKey(owner, repo, ref), k -> new TreeMap<>());
    }

    synchronized void setPullRequestFiles(long number, String owner, String repo, List<SimulatedChange> files) {
        createRepository(owner, repo);
        pullRequestFiles.put(repoKey(owner, repo) + "#" + number, changesJson(files));
    }

    synchronized void setComparison(String owner, String repo, String base, String head, List<SimulatedChange> files) {
        createRepository(owner, repo);
        comparisons.put(repoKey(owner, repo) + "@" + base + "..." + head, changesJson(files));
    }

    synchronized void removeFile(String owner, String repo, String path) {
        Repo r = repos.get(repoKey(owner, repo));
        if (r != null) {
            r.files().remove(normalisePath(path));
        }
    }

    synchronized List<CreatedCheckRun> checkRuns() {
        return List.copyOf(checkRuns);
    }

    List<IssuedToken> issuedTokens() {
        return tokens.values().stream()
                .map(t -> new IssuedToken(t.value, t.installationId, t.permissions, t.repositories, t.expiresAt, t.revoked))
                .toList();
    }

    // ---- read and written by the routes, which hold this object's monitor -----------------------

    Clock clock() {
        return clock;
    }

    GitHubSimJwtCheck jwtCheck() {
        return jwtCheck;
    }

    Installation installation(long id) {
        return installations.get(id);
    }

    Collection<Installation> installations() {
        return installations.values();
    }

    Repo repo(String owner, String name) {
        return repos.get(repoKey(owner, name));
    }

    Collection<Repo> repos() {
        return repos.values();
    }

    /** The tree of {@code ref}, or null when the ref is unknown. */
    TreeMap<String, byte[]> refTree(String owner, String repo, String ref) {
        return refTrees.get(refKey(owner, repo, ref));
    }

    List<Map<String, Object>> pullRequestFiles(String owner, String repo, String number) {
        return pullRequestFiles.get(repoKey(owner, repo) + "#" + number);
    }

    List<Map<String, Object>> comparison(String owner, String repo, String basehead) {
        return comparisons.get(repoKey(owner, repo) + "@" + basehead);
    }

    void addCheckRun(CreatedCheckRun run) {
        checkRuns.add(run);
    }

    /** A live token, or null for an unknown, revoked or expired one. */
    Token liveToken(String value) {
        Token token = value == null ? null : tokens.get(value);
        return token == null || token.revoked || !clock.instant().isBefore(token.expiresAt) ? null : token;
    }

    void addToken(Token token) {
        tokens.put(token.value, token);
        issuedOrder.addLast(token.value);
        // Every token lives TOKEN_LIFETIME, so the oldest issued is also the first to expire.
        while (tokens.size() > maxKeptTokens) {
            tokens.remove(issuedOrder.removeFirst());
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static List<Map<String, Object>> changesJson(List<SimulatedChange> files) {
        List<Map<String, Object>> json = new ArrayList<>();
        for (SimulatedChange file : files) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("sha", GitHubSimRepoRoutes.sha1Hex(file.filename().getBytes(StandardCharsets.UTF_8)));
            entry.put("filename", file.filename());
            entry.put("status", file.status());
            json.add(entry);
        }
        return json;
    }

    private long accountId(String account) {
        return accountIds.computeIfAbsent(account.toLowerCase(Locale.ROOT), k -> nextId());
    }

    private static String repoKey(String owner, String name) {
        return owner.toLowerCase(Locale.ROOT) + "/" + name.toLowerCase(Locale.ROOT);
    }

    private static String refKey(String owner, String repo, String ref) {
        return repoKey(owner, repo) + "@" + ref;
    }

    private static String normalisePath(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.isEmpty() || p.endsWith("/") || List.of(p.split("/", -1)).stream()
                .anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."))) {
            throw new IllegalArgumentException("not a file path a git tree can hold: " + path);
        }
        return p;
    }
}
