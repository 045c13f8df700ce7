package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.cli.Application;
import dev.octosts.config.Settings;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.LocalKeys;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.dev.GitHubSimulator.SimulatedApp;
import dev.octosts.ledger.Migrations;
import dev.octosts.telemetry.Telemetry;
import dev.octosts.testing.MutableClock;
import dev.octosts.testing.TestDatabase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The whole service as a test sees it: a real GitHub simulator and OIDC issuer on loopback, the
 * service started from environment-style settings, and an HTTP client calling it.
 */
final class Harness implements AutoCloseable {
    static final String ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";
    static final String DOMAIN = "octo-sts.test";
    /** Every permission an installation in these tests is granted, so policies decide what is asked for. */
    static final Map<String, String> ALL_PERMISSIONS = Map.ofEntries(
            Map.entry("actions", "write"), Map.entry("administration", "write"), Map.entry("checks", "write"),
            Map.entry("contents", "write"), Map.entry("deployments", "write"), Map.entry("issues", "write"),
            Map.entry("metadata", "read"), Map.entry("packages", "write"), Map.entry("pull_requests", "write"),
            Map.entry("statuses", "write"), Map.entry("workflows", "write"), Map.entry("members", "read"));

    final GitHubSimulator github;
    final LocalOidcIssuer issuer;
    final Path dir;
    final MutableClock clock = MutableClock.running();
    /** The service's login ({@code DATABASE_URL}): a member of {@code octo_sts_runtime}, INSERT and SELECT only. */
    final String databaseUrl;
    /** The login that owns the ledger schema and runs migrations ({@code DATABASE_MIGRATION_URL}); not a superuser. */
    final String ownerUrl;
    /** A superuser of the same database, for what neither login may do. */
    final String superuserUrl;
    /** Requests sent to the service so far. */
    final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
    final Map<String, String> env = new HashMap<>();
    private final List<SimulatedApp> apps = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private Application application;
    private boolean closed;

    /** A service with a fresh database of the shared test PostgreSQL. */
    Harness() {
        this(TestDatabase.shared().createDatabase());
    }

    /**
     * A service writing to the database at {@code superuserUrl} with two logins of its own, as deployed: the
     * schema owner, which migrates, and the runtime login the service runs as.
     */
    Harness(String superuserUrl) {
        this(superuserUrl, true);
    }

    /** As {@link #Harness(String)}; {@code migrated} false leaves the database empty. */
    Harness(String superuserUrl, boolean migrated) {
        try {
            dir = Files.createTempDirectory("octo-sts-test");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        github = GitHubSimulator.start("", clock);
        issuer = LocalOidcIssuer.start();
        env.put("BIND_ADDRESS", "127.0.0.1");
        env.put("PORT", "0");
        env.put("ADMIN_PORT", "0");
        env.put("STS_DOMAIN", DOMAIN);
        env.put("GITHUB_BASE_URL", github.baseUrl().toString());
        env.put("OIDC_PRIVATE_NETWORK_HOSTS", "127.0.0.1");
        // Every test client calls from 127.0.0.1 with issuers that start out unknown: tests of the limits set them.
        for (String limit : List.of("RATE_LIMIT_PER_ADDRESS", "RATE_LIMIT_PER_SUBJECT", "RATE_LIMIT_PER_UNKNOWN_ISSUER",
                "RATE_LIMIT_UNKNOWN_ISSUERS", "RATE_LIMITED_RECORDS", "RATE_LIMIT_SCOPE_MISSES_PER_MINUTE",
                "RATE_LIMIT_REFUSALS_PER_ADDRESS")) {
            env.put(limit, "0");
        }
        // Answers over budget go at once unless a test of the hold sets it.
        env.put("RATE_LIMIT_HOLD_MILLIS", "0");
        env.put("STRANGERS_AT_ONCE", "0");
        writeJwksOverride(ACTIONS_ISSUER);
        this.superuserUrl = superuserUrl;
        ownerUrl = TestDatabase.createOwnerLogin(superuserUrl);
        if (migrated) {
            Migrations.migrate(ownerUrl);
        }
        databaseUrl = TestDatabase.createRuntimeLogin(superuserUrl);
        env.put("DATABASE_MIGRATION_URL", ownerUrl);
        env.put("DATABASE_URL", databaseUrl);
        env.put("LEDGER_SIGNING_KEY_FILE", write("ledger.pem", LocalKeys.rsa2048().privateKeyPem()).toString());
    }

    /** Tokens claiming {@code issuerUrl} are verified with the local issuer's keys, without discovery. */
    void writeJwksOverride(String issuerUrl) {
        Path jwks = write("jwks.json", issuer.publicJwksJson());
        Path overrides = write("jwks-overrides.json", "{" + quoteJson(issuerUrl) + ":" + quoteJson(jwks.toString()) + "}");
        env.put("OIDC_JWKS_OVERRIDES", overrides.toString());
    }

    SimulatedApp app(int index) {
        while (apps.size() <= index) {
            apps.add(github.createApp());
        }
        return apps.get(index);
    }

    /** Adds an App whose private key the test keeps elsewhere; the service must then be told where (env). */
    SimulatedApp addApp(java.security.PublicKey publicKey) {
        SimulatedApp app = github.createApp(publicKey);
        apps.add(app);
        return app;
    }

    long install(int appIndex, String owner) {
        github.createRepository(owner, "repo");
        return github.install(app(appIndex).appId(), owner, ALL_PERMISSIONS, null);
    }

    /** The policy most tests use: GitHub Actions tokens of org/repo's main branch may read its contents. */
    static final String MAIN_BRANCH_POLICY = """
            issuer: https://token.actions.githubusercontent.com
            subject: repo:org/repo:ref:refs/heads/main
            permissions:
              contents: read
            """;

    /** Installs the App on {@code org} and puts {@link #MAIN_BRANCH_POLICY} into org/repo as {@code identity}. */
    void installWithMainBranchPolicy(String identity) {
        install(0, "org");
        putFile("org/repo/.github/chainguard/" + identity + ".sts.yaml", MAIN_BRANCH_POLICY);
    }

    /** Puts a file given as {@code owner/repo/path/in/repo}. */
    void putFile(String ownerRepoPath, String content) {
        String[] parts = ownerRepoPath.split("/", 3);
        github.putFile(parts[0], parts[1], parts[2], content);
    }

    void pools(String yaml) {
        env.put("APP_CONFIG_FILE", write("apps.yaml", yaml).toString());
    }

    Harness start() {
        return start(null);
    }

    /** Starts the service with the given telemetry, or with the environment's when null. */
    Harness start(Telemetry telemetry) {
        List<String> ids = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (SimulatedApp app : apps) {
            ids.add(Long.toString(app.appId()));
            if (app.privateKeyPem() != null) {
                keys.add(write("app-" + app.appId() + ".pem", app.privateKeyPem()).toString());
            }
        }
        env.put("GITHUB_APP_IDS", String.join(",", ids));
        if (!env.containsKey("GITHUB_APP_KEY_ALIAS")) {
            env.put("APP_SECRET_CERTIFICATE_FILE", String.join(",", keys));
        }
        Settings settings = Settings.fromEnvironment(env);
        application = telemetry == null ? Application.start(settings, clock) : Application.start(settings, clock, telemetry);
        return this;
    }

    Application application() {
        return application;
    }

    URI adminUri() {
        return URI.create("http://127.0.0.1:" + application.admin().port());
    }

    URI baseUri() {
        return URI.create("http://127.0.0.1:" + application.server().port());
    }

    /** A GitHub Actions–style token, valid for ten minutes. */
    String actionsToken(Map<String, Object> claims) {
        Map<String, Object> all = new LinkedHashMap<>(claims);
        all.putIfAbsent("iss", ACTIONS_ISSUER);
        all.putIfAbsent("exp", Instant.now().plusSeconds(600).getEpochSecond());
        return issuer.mint(all);
    }

    record Response(int status, JsonNode body, HttpResponse<String> raw) {
        String message() {
            return body.path("message").asText(null);
        }

        int code() {
            return body.path("code").asInt(-1);
        }
    }

    Response get(String token, Map<String, String> query) {
        String q = query.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder request = HttpRequest.newBuilder(baseUri().resolve("/sts/exchange" + (q.isEmpty() ? "" : "?" + q)))
                .timeout(Duration.ofSeconds(30)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request.build());
    }

    Response send(HttpRequest request) {
        requests.incrementAndGet();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.body().isEmpty() ? json.nullNode() : parseOrText(response.body());
            return new Response(response.statusCode(), body, response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private JsonNode parseOrText(String body) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return json.getNodeFactory().textNode(body);
        }
    }

    /** The ledger's records (v1 documents), oldest first. */
    List<JsonNode> records() {
        try (Connection connection = DriverManager.getConnection(databaseUrl);
             Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT canonical FROM ledger_record ORDER BY recorded_at, chain_id, seq")) {
            List<JsonNode> records = new ArrayList<>();
            while (rows.next()) {
                records.add(json.readTree(rows.getString(1)));
            }
            return records;
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot read the ledger", e);
        }
    }

    JsonNode lastRecord() {
        return records().getLast();
    }

    /** The JSON bodies GitHub received on {@code POST /app/installations/{id}/access_tokens}. */
    List<JsonNode> tokenRequests() {
        return github.calls().stream()
                .filter(call -> call.method().equals("POST") && call.path().endsWith("/access_tokens"))
                .map(call -> parseOrText(call.body()))
                .toList();
    }

    long contentReads(String pathInRepo) {
        return github.calls().stream()
                .filter(call -> call.method().equals("GET") && call.path().endsWith("/contents/" + pathInRepo))
                .count();
    }

    Path write(String name, String content) {
        try {
            return Files.writeString(dir.resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String sha256Hex(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String enc(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String quoteJson(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (application != null) {
            application.close();
        }
        github.close();
        issuer.close();
    }
}
