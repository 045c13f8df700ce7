package dev.octosts.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.octosts.dev.LocalPostgres;
import dev.octosts.exchange.Decision;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.ledger.CanonicalJson;
import dev.octosts.ledger.Ledger;
import dev.octosts.ledger.LedgerDocument;
import dev.octosts.ledger.LedgerSettings;
import dev.octosts.ledger.Migrations;
import dev.octosts.testing.TestDatabase;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Ledger appends per second (group commit, {@code synchronous_commit=on}, hash chain) next to a plain
 * batched INSERT of the same rows into the same table on the same server, in one run. Writes a table
 * to stdout and {@code bench/results/ledger-latest.json}.
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench-ledger test-compile exec:java} (uses
 * {@code OCTOSTS_TEST_DATABASE_URL} when set, else an embedded PostgreSQL 18).
 */
public final class LedgerBenchmark {
    private static final Duration WARM_UP = Duration.ofSeconds(3);
    private static final Duration MEASURE = Duration.ofSeconds(10);
    private static final int[] CLIENTS = {64, 256};
    private static final int PLAIN_BATCH = 512;

    public static void main(String[] args) throws Exception {
        String external = System.getenv("OCTOSTS_TEST_DATABASE_URL");
        LocalPostgres local = external == null || external.isBlank() ? LocalPostgres.start() : null;
        try {
            LocalPostgres.LedgerLogins database = local != null ? local.ledgerDatabase() : TestDatabase.shared().createLedgerDatabase();
            String owner = database.ownerUrl();
            Migrations.migrate(owner);
            // Both sides use the driver's multi-row INSERT rewriting, as the service does.
            String runtime = database.runtimeUrl() + (database.runtimeUrl().contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
            String plain = owner + (owner.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";

            double[] ledgerPerSecond = new double[CLIENTS.length];
            for (int i = 0; i < CLIENTS.length; i++) {
                ledgerPerSecond[i] = ledgerAppends(runtime, CLIENTS[i]);
            }
            double plainPerSecond = plainInserts(plain);
            String version = serverVersion(owner);

            double best = Math.max(ledgerPerSecond[0], ledgerPerSecond[1]);
            System.out.printf("""
                    ledger benchmark (%d cores, %d MiB memory, JDK %s, PostgreSQL %s, synchronous_commit=on)
                      ledger appends/s, %3d clients:          %,8.0f
                      ledger appends/s, %3d clients:          %,8.0f
                      plain batched INSERT rows/s (batch %d): %,8.0f
                      ledger / plain (best):                  %7.0f%%
                    """, Runtime.getRuntime().availableProcessors(), totalMemoryMb(), System.getProperty("java.version"),
                    version, CLIENTS[0], ledgerPerSecond[0], CLIENTS[1], ledgerPerSecond[1], PLAIN_BATCH, plainPerSecond,
                    100 * best / plainPerSecond);
            ObjectNode json = new ObjectMapper().createObjectNode();
            json.putObject("machine").put("cores", Runtime.getRuntime().availableProcessors())
                    .put("memory_mb", totalMemoryMb()).put("jdk", System.getProperty("java.version"))
                    .put("postgresql", version);
            json.put("time", Instant.now().toString());
            json.put("ledger_appends_per_s", Math.round(best));
            ObjectNode byClients = json.putObject("ledger_appends_per_s_by_clients");
            for (int i = 0; i < CLIENTS.length; i++) {
                byClients.put(Integer.toString(CLIENTS[i]), Math.round(ledgerPerSecond[i]));
            }
            json.put("plain_insert_per_s", Math.round(plainPerSecond));
            json.put("plain_insert_batch", PLAIN_BATCH);
            json.put("ratio", Math.round(1000 * best / plainPerSecond) / 1000.0);
            Path out = Path.of("bench", "results", "ledger-latest.json");
            Files.createDirectories(out.getParent());
            Files.writeString(out, new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        } finally {
            if (local != null) {
                local.close();
            }
        }
    }

    static double ledgerAppends(String runtimeUrl, int clientCount) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(runtimeUrl);
        config.setMaximumPoolSize(4);
        try (HikariDataSource pool = new HikariDataSource(config);
             Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start()) {
            return ClosedLoop.measure(clientCount, false, WARM_UP, MEASURE,
                    (client, n) -> ledger.append(sampleRecord(client, n)));
        }
    }

    /** The same rows, built the same way, written by one connection in multi-row batches. */
    static double plainInserts(String ownerUrl) throws Exception {
        UUID chain = UUID.randomUUID();
        try (Connection connection = DriverManager.getConnection(ownerUrl)) {
            try (Statement sql = connection.createStatement()) {
                sql.execute("CREATE TABLE plain_insert (LIKE ledger_record INCLUDING DEFAULTS)");
                sql.execute("SET synchronous_commit = on");
            }
            connection.setAutoCommit(false);
            String insert = "INSERT INTO plain_insert (chain_id, seq, prev_hash, hash, recorded_at, request_id, decision,"
                    + " grpc_code, reason, scope, identity, issuer, subject, token_sha256, canonical)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
            long rows = 0;
            long seq = 0;
            Instant warmedUp = Instant.now().plus(WARM_UP);
            long start = 0;
            Instant end = null;
            String zeros = "0".repeat(64);
            try (PreparedStatement statement = connection.prepareStatement(insert)) {
                while (end == null || Instant.now().isBefore(end)) {
                    if (end == null && Instant.now().isAfter(warmedUp)) {
                        start = System.nanoTime();
                        end = Instant.now().plus(MEASURE);
                        rows = 0;
                    }
                    for (int i = 0; i < PLAIN_BATCH; i++) {
                        ExchangeRecord record = sampleRecord(0, ++seq);
                        ObjectNode document = LedgerDocument.document(record, chain, seq);
                        String canonical = CanonicalJson.of(document);
                        statement.setObject(1, chain);
                        statement.setLong(2, seq);
                        statement.setString(3, zeros);
                        statement.setString(4, HexFormat.of().formatHex(java.security.MessageDigest
                                .getInstance("SHA-256").digest(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                        statement.setTimestamp(5, Timestamp.from(record.time()));
                        statement.setString(6, record.requestId());
                        statement.setString(7, "allow");
                        statement.setInt(8, 0);
                        statement.setString(9, record.reason());
                        statement.setString(10, record.scope());
                        statement.setString(11, record.identity());
                        statement.setString(12, record.actor().issuer());
                        statement.setString(13, record.actor().subject());
                        statement.setString(14, record.issued().tokenSha256());
                        statement.setString(15, canonical);
                        statement.addBatch();
                    }
                    statement.executeBatch();
                    connection.commit();
                    rows += PLAIN_BATCH;
                }
            }
            return rows / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** A realistic allowed exchange: GitHub Actions claims, a repository policy, an issued token. */
    static ExchangeRecord sampleRecord(int client, long n) {
        String repo = "repo-" + (n % 500);
        Map<String, String> claims = new LinkedHashMap<>();
        claims.put("repository", "org/" + repo);
        claims.put("ref", "refs/heads/main");
        claims.put("sha", "3f786850e387550fdab836ed7e6dc881de23001b");
        claims.put("workflow_ref", "org/" + repo + "/.github/workflows/ci.yaml@refs/heads/main");
        claims.put("run_id", Long.toString(9_000_000_000L + n));
        claims.put("actor", "octocat");
        claims.put("event_name", "push");
        ExchangeRecord.Actor actor = new ExchangeRecord.Actor("https://token.actions.githubusercontent.com",
                "repo:org/" + repo + ":ref:refs/heads/main", List.of("octo-sts.example.com"), "jti-" + client + "-" + n, claims);
        ExchangeRecord.PolicySource policy = new ExchangeRecord.PolicySource("org", repo, ".github/chainguard/ci.sts.yaml",
                "72a6d18fc9d0621e99cc9c169f0cf8edd7db5133", "356a192b7913b04c54574d18c28d46e6395428ab356a192b7913b04c54574d18", null);
        ExchangeRecord.Issued issued = new ExchangeRecord.Issued(1234, 5678, List.of(repo), Map.of("contents", "read"),
                Instant.now().plusSeconds(3600), HexFormat.of().formatHex(new byte[32]).replace('0', Character.forDigit((int) (n % 16), 16)));
        return new ExchangeRecord(Instant.now(), UUID.randomUUID().toString(), "10.0.0." + (client % 250), "octo-sts-action/1.0",
                "org/" + repo, "ci", actor, Decision.ALLOW, GrpcCode.OK, "issued", "", null, policy, null, issued, null, null);
    }

    private static String serverVersion(String url) throws Exception {
        try (Connection connection = DriverManager.getConnection(url); Statement sql = connection.createStatement();
             var rows = sql.executeQuery("SHOW server_version")) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static long totalMemoryMb() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() >> 20;
    }

    private LedgerBenchmark() {
    }
}
