package dev.octosts.dev;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.dev.GitHubSimulator.AuthKind;
import dev.octosts.dev.GitHubSimulator.IssuedToken;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated GitHub: Apps, installations, repositories with files, installation tokens, and the REST
 * routes over them. Owner and repository names are case-insensitive (as on GitHub), file paths are not.
 * Thread-safe: the small model is guarded by this object's monitor, tokens live in a concurrent map.
 */
final class GitHubSimState {
    static final Duration TOKEN_LIFETIME = Duration.ofHours(1);
    static final int CONTENT_INLINE_LIMIT = 1024 * 1024;
    static final int MAX_PER_PAGE = 100;
    static final int DEFAULT_PER_PAGE = 30;
    static final int MAX_TOKEN_REPOSITORIES = 500;
    /**
     * Tokens kept; beyond this the oldest are forgotten (a call with one then gets 401), so a long-running
     * sandbox or benchmark stays bounded in memory and in time per mint.
     */
    static final int MAX_KEPT_TOKENS = 100_000;
    private static final DateTimeFormatter RFC3339_SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final String BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final Map<String, Integer> LEVELS = Map.of("read", 1, "write", 2, "admin", 3);

    /** A request with the base path already stripped. */
    record Request(String method, String rawPath, String rawQuery, String authorization, String accept, byte[] body) {
    }

    /** Who made a request, as far as the routes found out; picks the rate-limit bucket. */
    static final class Caller {
        String bucket = "anonymous";
    }

    private record Installation(long id, long appId, String account, long accountId,
                                Map<String, String> permissions, List<String> repositories) {
        boolean covers(String repoName) {
            return repositories == null || repositories.stream().anyMatch(r -> r.equalsIgnoreCase(repoName));
        }
    }

    private record Repo(long id, String owner, String name, TreeMap<String, byte[]> files) {
    }

    private static final class Token {
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
    private final SecureRandom random = new SecureRandom();
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
    private final List<GitHubSimulator.CreatedCheckRun> checkRuns = new ArrayList<>();

    GitHubSimState(Clock clock, int maxKeptTokens) {
        this.clock = clock;
        this.maxKeptTokens = maxKeptTokens;
    }

    // ---- model ---------------------------------------------------------------------------------

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

    synchronized void setPullRequestFiles(long number, String owner, String repo, List<GitHubSimulator.SimulatedChange> files) {
        createRepository(owner, repo);
        pullRequestFiles.put(repoKey(owner, repo) + "#" + number, changesJson(files));
    }

    synchronized void setComparison(String owner, String repo, String base, String head, List<GitHubSimulator.SimulatedChange> files) {
        createRepository(owner, repo);
        comparisons.put(repoKey(owner, repo) + "@" + base + "..." + head, changesJson(files));
    }

    synchronized List<GitHubSimulator.CreatedCheckRun> checkRuns() {
        return List.copyOf(checkRuns);
    }

    private static List<Map<String, Object>> changesJson(List<GitHubSimulator.SimulatedChange> files) {
        List<Map<String, Object>> json = new ArrayList<>();
        for (GitHubSimulator.SimulatedChange file : files) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("sha", sha1Hex(file.filename().getBytes(StandardCharsets.UTF_8)));
            entry.put("filename", file.filename());
            entry.put("status", file.status());
            json.add(entry);
        }
        return json;
    }

    private static String refKey(String owner, String repo, String ref) {
        return repoKey(owner, repo) + "@" + ref;
    }

    synchronized void removeFile(String owner, String repo, String path) {
        Repo r = repos.get(repoKey(owner, repo));
        if (r != null) {
            r.files().remove(normalisePath(path));
        }
    }

    List<IssuedToken> issuedTokens() {
        return tokens.values().stream()
                .map(t -> new IssuedToken(t.value, t.installationId, t.permissions, t.repositories, t.expiresAt, t.revoked))
                .toList();
    }

    private long accountId(String account) {
        return accountIds.computeIfAbsent(account.toLowerCase(Locale.ROOT), k -> nextId());
    }

    private static String repoKey(String owner, String name) {
        return owner.toLowerCase(Locale.ROOT) + "/" + name.toLowerCase(Locale.ROOT);
    }

    private static String normalisePath(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        if (p.isEmpty() || p.endsWith("/") || List.of(p.split("/", -1)).stream()
                .anyMatch(s -> s.isEmpty() || s.equals(".") || s.equals(".."))) {
            throw new IllegalArgumentException("not a file path a git tree can hold: " + path);
        }
        return p;
    }

    // ---- routes --------------------------------------------------------------------------------

    GitHubSimResponse handle(Request request, Caller caller, String publicBaseUrl) {
        List<String> segments = decodeSegments(request.rawPath());
        if (segments == null) {
            return GitHubSimResponse.notFound();
        }
        String method = request.method();
        int n = segments.size();
        String first = n > 0 ? segments.get(0) : "";
        if (method.equals("GET") && n == 1 && first.equals("app")) {
            return withApp(request, caller, appId -> GitHubSimResponse.json(200, appJson(appId)));
        }
        if (method.equals("GET") && n == 2 && first.equals("app") && segments.get(1).equals("installations")) {
            return withApp(request, caller, appId -> listInstallations(appId, request.rawQuery(), publicBaseUrl));
        }
        if (n >= 3 && first.equals("app") && segments.get(1).equals("installations")) {
            Long installationId = parseId(segments.get(2));
            if (installationId == null) {
                return GitHubSimResponse.notFound();
            }
            if (method.equals("GET") && n == 3) {
                return withApp(request, caller, appId -> installationById(appId, installationId));
            }
            if (method.equals("POST") && n == 4 && segments.get(3).equals("access_tokens")) {
                return withApp(request, caller, appId -> mint(appId, installationId, request.body()));
            }
        }
        if (method.equals("GET") && n == 3 && (first.equals("orgs") || first.equals("users"))
                && segments.get(2).equals("installation")) {
            return withApp(request, caller, appId -> installationForAccount(appId, segments.get(1), null));
        }
        if (method.equals("GET") && n == 4 && first.equals("repos") && segments.get(3).equals("installation")) {
            return withApp(request, caller, appId -> installationForAccount(appId, segments.get(1), segments.get(2)));
        }
        if (method.equals("DELETE") && n == 2 && first.equals("installation") && segments.get(1).equals("token")) {
            return withToken(request, caller, token -> {
                token.revoked = true;
                return GitHubSimResponse.noContent();
            });
        }
        if (method.equals("GET") && n >= 4 && first.equals("repos") && segments.get(3).equals("contents")) {
            String path = String.join("/", segments.subList(4, n));
            String ref = parseQuery(request.rawQuery()).get("ref");
            return withToken(request, caller, token -> contents(token, segments.get(1), segments.get(2), path,
                    request.accept(), ref));
        }
        if (method.equals("POST") && n == 4 && first.equals("repos") && segments.get(3).equals("check-runs")) {
            return withToken(request, caller, token -> createCheckRun(token, segments.get(1), segments.get(2), request.body()));
        }
        if (method.equals("GET") && n == 6 && first.equals("repos") && segments.get(3).equals("pulls")
                && segments.get(5).equals("files")) {
            return withToken(request, caller, token -> pullRequestFiles(token, segments.get(1), segments.get(2),
                    segments.get(4), request.rawQuery()));
        }
        if (method.equals("GET") && n == 5 && first.equals("repos") && segments.get(3).equals("compare")) {
            return withToken(request, caller, token -> compare(token, segments.get(1), segments.get(2), segments.get(4)));
        }
        return GitHubSimResponse.notFound();
    }

    /** Percent-decoded segments of the path, without empty ones at the ends; null if undecodable. */
    private static List<String> decodeSegments(String rawPath) {
        List<String> segments = new ArrayList<>();
        String trimmed = rawPath.startsWith("/") ? rawPath.substring(1) : rawPath;
        if (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        if (trimmed.isEmpty()) {
            return segments;
        }
        try {
            for (String raw : trimmed.split("/", -1)) {
                // URLDecoder would turn '+' into a space; in a path '+' is itself.
                segments.add(URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8));
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return segments;
    }

    private interface AppRoute {
        GitHubSimResponse apply(long appId);
    }

    private interface TokenRoute {
        GitHubSimResponse apply(Token token);
    }

    private GitHubSimResponse withApp(Request request, Caller caller, AppRoute route) {
        String credential = bearer(request.authorization());
        if (credential == null) {
            return GitHubSimResponse.message(401, "A JSON web token could not be decoded");
        }
        return switch (jwtCheck.check(credential, clock.instant())) {
            case GitHubSimJwtCheck.Outcome.Invalid(String message) -> GitHubSimResponse.message(401, message);
            case GitHubSimJwtCheck.Outcome.Valid(long appId) -> {
                caller.bucket = "app:" + appId;
                yield route.apply(appId);
            }
        };
    }

    private GitHubSimResponse withToken(Request request, Caller caller, TokenRoute route) {
        String credential = bearer(request.authorization());
        Token token = credential == null ? null : tokens.get(credential);
        if (token == null || token.revoked || !clock.instant().isBefore(token.expiresAt)) {
            return GitHubSimResponse.message(401, "Bad credentials");
        }
        caller.bucket = "installation:" + token.installationId;
        return route.apply(token);
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

    private static Map<String, Object> appJson(long appId) {
        Map<String, Object> app = new LinkedHashMap<>();
        app.put("id", appId);
        app.put("slug", "simulated-app-" + appId);
        app.put("name", "Simulated App " + appId);
        return app;
    }

    private synchronized GitHubSimResponse listInstallations(long appId, String rawQuery, String publicBaseUrl) {
        Map<String, String> query = parseQuery(rawQuery);
        int perPage = clamp(parseInt(query.get("per_page"), DEFAULT_PER_PAGE), 1, MAX_PER_PAGE);
        int page = Math.max(1, parseInt(query.get("page"), 1));
        List<Installation> mine = installations.values().stream().filter(i -> i.appId() == appId).toList();
        int lastPage = Math.max(1, (mine.size() + perPage - 1) / perPage);
        int from = Math.min(mine.size(), (page - 1) * perPage);
        List<Object> body = new ArrayList<>();
        for (Installation installation : mine.subList(from, Math.min(mine.size(), from + perPage))) {
            body.add(installationJson(installation));
        }
        GitHubSimResponse response = GitHubSimResponse.json(200, body);
        if (lastPage > 1) {
            String url = publicBaseUrl + "/app/installations?per_page=" + perPage + "&page=";
            List<String> links = new ArrayList<>();
            if (page > 1) {
                links.add("<" + url + (Math.min(page, lastPage + 1) - 1) + ">; rel=\"prev\"");
            }
            if (page < lastPage) {
                links.add("<" + url + (page + 1) + ">; rel=\"next\"");
                links.add("<" + url + lastPage + ">; rel=\"last\"");
            }
            if (page > 1) {
                links.add("<" + url + 1 + ">; rel=\"first\"");
            }
            response.withHeader("Link", String.join(", ", links));
        }
        return response;
    }

    private synchronized GitHubSimResponse installationById(long appId, long installationId) {
        Installation installation = installations.get(installationId);
        if (installation == null || installation.appId() != appId) {
            return GitHubSimResponse.notFound();
        }
        return GitHubSimResponse.json(200, installationJson(installation));
    }

    private synchronized GitHubSimResponse installationForAccount(long appId, String account, String repoName) {
        if (repoName != null && !repos.containsKey(repoKey(account, repoName))) {
            return GitHubSimResponse.notFound();
        }
        for (Installation installation : installations.values()) {
            if (installation.appId() == appId && installation.account().equalsIgnoreCase(account)
                    && (repoName == null || installation.covers(repoName))) {
                return GitHubSimResponse.json(200, installationJson(installation));
            }
        }
        return GitHubSimResponse.notFound();
    }

    private Map<String, Object> installationJson(Installation installation) {
        Map<String, Object> account = new LinkedHashMap<>();
        account.put("login", installation.account());
        account.put("id", installation.accountId());
        account.put("type", "Organization");
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", installation.id());
        json.put("account", account);
        json.put("app_id", installation.appId());
        json.put("target_type", "Organization");
        json.put("permissions", installation.permissions());
        json.put("repository_selection", installation.repositories() == null ? "all" : "selected");
        json.put("events", List.of());
        return json;
    }

    private synchronized GitHubSimResponse mint(long appId, long installationId, byte[] rawBody) {
        Installation installation = installations.get(installationId);
        if (installation == null || installation.appId() != appId) {
            return GitHubSimResponse.notFound();
        }
        JsonNode body;
        try {
            body = rawBody.length == 0 ? GitHubSimResponse.JSON.createObjectNode() : GitHubSimResponse.JSON.readTree(rawBody);
        } catch (IOException e) {
            return GitHubSimResponse.message(400, "Problems parsing JSON");
        }
        if (body == null || !body.isObject()) {
            return GitHubSimResponse.message(400, "Problems parsing JSON");
        }

        Map<String, String> permissions = new TreeMap<>();
        JsonNode requested = body.path("permissions");
        if (!requested.isMissingNode() && !requested.isNull() && !requested.isObject()) {
            return GitHubSimResponse.message(422, "Invalid request.\n\nFor 'properties/permissions', it is not an object.");
        }
        for (Map.Entry<String, JsonNode> p : requested.properties()) {
            String name = p.getKey();
            String level = p.getValue().isTextual() ? p.getValue().asText() : "";
            Integer wanted = LEVELS.get(level);
            if (wanted == null) {
                return GitHubSimResponse.message(422, "The permission " + name + " requested with level '" + level
                        + "' is invalid; levels are read, write and admin.");
            }
            String grantedLevel = installation.permissions().get(name);
            if (grantedLevel == null || LEVELS.get(grantedLevel) < wanted) {
                return GitHubSimResponse.message(422, "The permissions requested are not granted to this installation: "
                        + name + ":" + level + " (granted: " + (grantedLevel == null ? "none" : grantedLevel) + ")");
            }
            permissions.put(name, level);
        }
        if (permissions.isEmpty()) {
            permissions.putAll(installation.permissions());
        }

        Set<Repo> selected = new LinkedHashSet<>();
        JsonNode names = body.path("repositories");
        JsonNode repositoryIds = body.path("repository_ids");
        if (!names.isMissingNode() && !names.isNull()) {
            if (!names.isArray() || names.size() > MAX_TOKEN_REPOSITORIES) {
                return GitHubSimResponse.message(422, "Invalid request.\n\nFor 'properties/repositories', it is not an array of at most 500 names.");
            }
            for (JsonNode name : names) {
                Repo repo = name.isTextual() ? repos.get(repoKey(installation.account(), name.asText())) : null;
                if (repo == null || !installation.covers(repo.name())) {
                    return GitHubSimResponse.message(422, "There is at least one repository that does not exist or is not accessible to the parent installation: "
                            + name.asText());
                }
                selected.add(repo);
            }
        }
        if (!repositoryIds.isMissingNode() && !repositoryIds.isNull()) {
            if (!repositoryIds.isArray() || repositoryIds.size() > MAX_TOKEN_REPOSITORIES) {
                return GitHubSimResponse.message(422, "Invalid request.\n\nFor 'properties/repository_ids', it is not an array of at most 500 ids.");
            }
            for (JsonNode id : repositoryIds) {
                Repo repo = repos.values().stream()
                        .filter(r -> r.id() == id.asLong(-1) && r.owner().equalsIgnoreCase(installation.account()))
                        .findFirst().orElse(null);
                if (repo == null || !installation.covers(repo.name())) {
                    return GitHubSimResponse.message(422, "There is at least one repository that does not exist or is not accessible to the parent installation: id "
                            + id.asText());
                }
                selected.add(repo);
            }
        }

        List<String> tokenRepositories;
        if (!selected.isEmpty()) {
            tokenRepositories = selected.stream().map(Repo::name).toList();
        } else if (installation.repositories() != null) {
            tokenRepositories = installation.repositories();
            installation.repositories().forEach(name -> selected.add(repos.get(repoKey(installation.account(), name))));
        } else {
            tokenRepositories = null;
        }

        Instant expiresAt = clock.instant().truncatedTo(ChronoUnit.SECONDS).plus(TOKEN_LIFETIME);
        String value = newToken();
        tokens.put(value, new Token(value, installationId, Map.copyOf(permissions), tokenRepositories, expiresAt));
        issuedOrder.addLast(value);
        // Every token lives TOKEN_LIFETIME, so the oldest issued is also the first to expire.
        while (tokens.size() > maxKeptTokens) {
            tokens.remove(issuedOrder.removeFirst());
        }

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("token", value);
        json.put("expires_at", RFC3339_SECONDS.format(expiresAt));
        json.put("permissions", permissions);
        json.put("repository_selection", tokenRepositories == null ? "all" : "selected");
        if (tokenRepositories != null) {
            json.put("repositories", selected.stream().map(this::repoJson).toList());
        }
        return GitHubSimResponse.json(201, json);
    }

    private Map<String, Object> repoJson(Repo repo) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", repo.id());
        json.put("name", repo.name());
        json.put("full_name", repo.owner() + "/" + repo.name());
        json.put("private", true);
        return json;
    }

    private String newToken() {
        StringBuilder token = new StringBuilder("ghs_");
        for (int i = 0; i < 36; i++) {
            token.append(BASE62.charAt(random.nextInt(BASE62.length())));
        }
        return token.toString();
    }

    private synchronized GitHubSimResponse contents(Token token, String owner, String repoName, String path, String accept,
                                                    String ref) {
        Repo repo = repos.get(repoKey(owner, repoName));
        Installation installation = installations.get(token.installationId);
        String level = token.permissions.get("contents");
        boolean visible = repo != null && installation != null
                && installation.account().equalsIgnoreCase(repo.owner())
                && installation.covers(repo.name())
                && (token.repositories == null || token.repositories.stream().anyMatch(r -> r.equalsIgnoreCase(repo.name())))
                && level != null && LEVELS.containsKey(level);
        if (!visible) {
            return GitHubSimResponse.notFound();
        }
        TreeMap<String, byte[]> tree = ref == null || ref.isEmpty() ? repo.files() : refTrees.get(refKey(owner, repoName, ref));
        if (tree == null) {
            return GitHubSimResponse.message(404, "No commit found for the ref " + ref);
        }
        byte[] file = path.isEmpty() ? null : tree.get(path);
        if (file != null) {
            if (accept != null && accept.contains("application/vnd.github.raw")) {
                return GitHubSimResponse.raw(file);
            }
            return GitHubSimResponse.json(200, fileJson(path, file));
        }
        String prefix = path.isEmpty() ? "" : path + "/";
        Map<String, Map<String, Object>> children = new TreeMap<>();
        for (Map.Entry<String, byte[]> entry : tree.tailMap(prefix, true).entrySet()) {
            if (!entry.getKey().startsWith(prefix)) {
                break;
            }
            String rest = entry.getKey().substring(prefix.length());
            int slash = rest.indexOf('/');
            String name = slash < 0 ? rest : rest.substring(0, slash);
            if (slash < 0) {
                children.put(name, entryJson("file", prefix + name, sha1Hex(gitBlob(entry.getValue())), entry.getValue().length));
            } else {
                children.putIfAbsent(name, entryJson("dir", prefix + name, sha1Hex((prefix + name).getBytes(StandardCharsets.UTF_8)), 0));
            }
        }
        if (children.isEmpty() && !path.isEmpty()) {
            return GitHubSimResponse.notFound();
        }
        return GitHubSimResponse.json(200, new ArrayList<>(children.values()));
    }

    /** The repository when the token may use it with at least {@code level} of {@code permission}; else null. */
    private Repo usableRepo(Token token, String owner, String repoName, String permission, String level) {
        Repo repo = repos.get(repoKey(owner, repoName));
        Installation installation = installations.get(token.installationId);
        String granted = token.permissions.get(permission);
        boolean visible = repo != null && installation != null
                && installation.account().equalsIgnoreCase(repo.owner())
                && installation.covers(repo.name())
                && (token.repositories == null || token.repositories.stream().anyMatch(r -> r.equalsIgnoreCase(repo.name())));
        return visible && granted != null && LEVELS.containsKey(granted) && LEVELS.get(granted) >= LEVELS.get(level) ? repo : null;
    }

    private synchronized GitHubSimResponse createCheckRun(Token token, String owner, String repoName, byte[] rawBody) {
        Repo repo = repos.get(repoKey(owner, repoName));
        if (repo == null || usableRepo(token, owner, repoName, "contents", "read") == null
                && usableRepo(token, owner, repoName, "checks", "read") == null) {
            return GitHubSimResponse.notFound();
        }
        if (usableRepo(token, owner, repoName, "checks", "write") == null) {
            return GitHubSimResponse.message(403, "Resource not accessible by integration");
        }
        JsonNode body;
        try {
            body = GitHubSimResponse.JSON.readTree(rawBody);
        } catch (IOException e) {
            return GitHubSimResponse.message(400, "Problems parsing JSON");
        }
        if (body == null || !body.isObject() || !body.path("name").isTextual() || !body.path("head_sha").isTextual()
                || body.path("name").asText().isEmpty() || body.path("head_sha").asText().isEmpty()) {
            return GitHubSimResponse.message(422, "Invalid request.\n\n\"name\" and \"head_sha\" are required.");
        }
        String status = body.path("status").asText("queued");
        if (status.equals("completed") && !body.path("conclusion").isTextual()) {
            return GitHubSimResponse.message(422, "Invalid request.\n\n\"conclusion\" is required when status is completed.");
        }
        JsonNode output = body.path("output");
        long id = nextId();
        GitHubSimulator.CreatedCheckRun run = new GitHubSimulator.CreatedCheckRun(id, repo.owner(), repo.name(),
                token.installationId, body.path("name").asText(), body.path("head_sha").asText(),
                body.path("external_id").asText(null), status, body.path("conclusion").asText(null),
                output.path("title").asText(null), output.path("summary").asText(null), output.path("text").asText(null));
        checkRuns.add(run);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("id", id);
        json.put("name", run.name());
        json.put("head_sha", run.headSha());
        json.put("external_id", run.externalId());
        json.put("status", run.status());
        json.put("conclusion", run.conclusion());
        return GitHubSimResponse.json(201, json);
    }

    private synchronized GitHubSimResponse pullRequestFiles(Token token, String owner, String repoName, String number,
                                                            String rawQuery) {
        if (usableRepo(token, owner, repoName, "pull_requests", "read") == null) {
            return GitHubSimResponse.notFound();
        }
        List<Map<String, Object>> files = pullRequestFiles.get(repoKey(owner, repoName) + "#" + number);
        if (files == null) {
            return GitHubSimResponse.notFound();
        }
        Map<String, String> query = parseQuery(rawQuery);
        int perPage = clamp(parseInt(query.get("per_page"), DEFAULT_PER_PAGE), 1, MAX_PER_PAGE);
        int page = Math.max(1, parseInt(query.get("page"), 1));
        int from = Math.min(files.size(), (page - 1) * perPage);
        return GitHubSimResponse.json(200, files.subList(from, Math.min(files.size(), from + perPage)));
    }

    private synchronized GitHubSimResponse compare(Token token, String owner, String repoName, String basehead) {
        if (usableRepo(token, owner, repoName, "contents", "read") == null) {
            return GitHubSimResponse.notFound();
        }
        List<Map<String, Object>> files = comparisons.get(repoKey(owner, repoName) + "@" + basehead);
        if (files == null) {
            return GitHubSimResponse.notFound();
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", "ahead");
        json.put("ahead_by", 1);
        json.put("behind_by", 0);
        json.put("files", files);
        return GitHubSimResponse.json(200, json);
    }

    private static Map<String, Object> fileJson(String path, byte[] content) {
        Map<String, Object> json = entryJson("file", path, blobSha(content), content.length);
        if (content.length > CONTENT_INLINE_LIMIT) {
            json.put("encoding", "none");
            json.put("content", "");
        } else {
            String base64 = Base64.getMimeEncoder(60, new byte[]{'\n'}).encodeToString(content);
            json.put("encoding", "base64");
            json.put("content", base64.isEmpty() ? "" : base64 + "\n");
        }
        return json;
    }

    private static Map<String, Object> entryJson(String type, String path, String sha, int size) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("type", type);
        json.put("size", size);
        json.put("name", path.substring(path.lastIndexOf('/') + 1));
        json.put("path", path);
        json.put("sha", sha);
        return json;
    }

    /** Git's blob object id: SHA-1 of {@code "blob <size>\0"} followed by the content. */
    static String blobSha(byte[] content) {
        return sha1Hex(gitBlob(content));
    }

    private static byte[] gitBlob(byte[] content) {
        byte[] header = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] blob = new byte[header.length + content.length];
        System.arraycopy(header, 0, blob, 0, header.length);
        System.arraycopy(content, 0, blob, header.length, content.length);
        return blob;
    }

    private static String sha1Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-1", e);
        }
    }

    private static Map<String, String> parseQuery(String rawQuery) {
        Map<String, String> query = new HashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return query;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            try {
                query.putIfAbsent(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
            } catch (IllegalArgumentException ignored) {
                // A malformed parameter is ignored, as GitHub ignores unknown ones.
            }
        }
        return query;
    }

    private static int parseInt(String value, int fallback) {
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static int clamp(int value, int min, int max) {
        return Math.max(min, Math.min(max, value));
    }

    private static Long parseId(String text) {
        try {
            long id = Long.parseLong(text);
            return id > 0 ? id : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
