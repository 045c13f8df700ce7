package dev.octosts.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.octosts.dev.LocalPostgres;
import dev.octosts.exchange.Decision;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.ledger.BulkLedgerLoad;
import dev.octosts.ledger.CheckpointSigner;
import dev.octosts.ledger.Ledger;
import dev.octosts.ledger.LedgerArchive;
import dev.octosts.ledger.LedgerExport;
import dev.octosts.ledger.LedgerQuery;
import dev.octosts.ledger.LedgerSettings;
import dev.octosts.ledger.LedgerVerifierFixture;
import dev.octosts.ledger.LedgerVerifier;
import dev.octosts.ledger.Migrations;
import dev.octosts.ledger.VerificationReport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * The ledger at size: fills it with {@code -Dbench.records} (default 10,000,000) records in 10 chains over
 * 12 months (COPY, hashed and checkpointed as the service does), then measures the audit lookups, full
 * verification, export, archive and appends on the full table against appends on the empty one. Writes a
 * table to stdout and {@code bench/results/ledger-scale-latest.json}.
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench-ledger-scale test-compile exec:java -Dbench.records=10000000}
 * (an embedded PostgreSQL 18 in a temporary directory; needs about 2.5 KB of disk per record).
 */
public final class LedgerScaleBenchmark {
    private static final int CHAINS = 10;
    private static final int MONTHS = 12;
    private static final int REPOSITORIES = 500;
    private static final long CHECKPOINT_EVERY = 10_000;
    private static final int LOOKUPS = 1_000;
    private static final int WINDOWS = 300;
    private static final int PAGE = 100;
    private static final Duration APPEND_WARM_UP = Duration.ofSeconds(3);
    private static final Duration APPEND_MEASURE = Duration.ofSeconds(10);
    private static final int APPEND_CLIENTS = 64;
    private static final String PRIMARY_KEY_ENTRIES_READ = "SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes"
            + " WHERE relname LIKE 'ledger_record%' AND indexrelname LIKE '%pkey'";

    public static void main(String[] args) throws Exception {
        long records = Long.getLong("bench.records", 10_000_000L);
        long perChain = records / CHAINS;
        Instant end = Instant.now().minus(1, ChronoUnit.HOURS).truncatedTo(ChronoUnit.SECONDS);
        Instant start = YearMonth.from(end.atOffset(ZoneOffset.UTC)).minusMonths(MONTHS - 1).atDay(1)
                .atStartOfDay().toInstant(ZoneOffset.UTC);
        CheckpointSigner signer = new CheckpointSigner(LedgerVerifierFixture.rsaKey());
        try (LocalPostgres local = LocalPostgres.start()) {
            LocalPostgres.LedgerLogins database = local.ledgerDatabase();
            String owner = database.ownerUrl();
            Migrations.migrate(owner);
            String runtime = database.runtimeUrl() + "&reWriteBatchedInserts=true";
            try (Connection sql = DriverManager.getConnection(owner); Statement statement = sql.createStatement()) {
                for (int m = 0; m < MONTHS; m++) {
                    statement.execute("SELECT ledger_record_add_month('" + start.atOffset(ZoneOffset.UTC).plusMonths(m) + "')");
                }
            }
            try (HikariDataSource pool = pool(runtime, 8)) {
                double appendEmpty = appends(pool);
                System.out.printf("appends/s on the empty table: %,.0f%n", appendEmpty);

                long loadStart = System.nanoTime();
                load(owner, perChain, start, end, signer);
                double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
                System.out.printf("loaded %,d records in %.0f s (%,.0f/s)%n", perChain * CHAINS, loadSeconds,
                        perChain * CHAINS / loadSeconds);
                try (Connection sql = DriverManager.getConnection(owner); Statement statement = sql.createStatement()) {
                    statement.execute("VACUUM ANALYZE ledger_record");
                    statement.execute("ANALYZE ledger_checkpoint");
                }
                long total = scalar(owner, "SELECT count(*) FROM ledger_record");
                long bytes = scalar(owner, "SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i"
                        + " WHERE i.inhparent = 'ledger_record'::regclass");

                LedgerQuery query = new LedgerQuery(pool);
                SplittableRandom random = new SplittableRandom(42);
                double[] token = new double[LOOKUPS];
                for (int i = 0; i < LOOKUPS; i++) {
                    String sha = tokenSha256(random.nextInt(CHAINS), 1 + random.nextLong(perChain));
                    long t = System.nanoTime();
                    query.find(new LedgerQuery.Filter(sha, null, null, null, null, null, null), PAGE).toList();
                    token[i] = (System.nanoTime() - t) / 1e6;
                }
                double[] window = new double[WINDOWS];
                long windowRows = 0;
                long spanSeconds = Duration.between(start, end).getSeconds() - 86_400;
                for (int i = 0; i < WINDOWS; i++) {
                    String subject = subject(random.nextInt(REPOSITORIES));
                    Instant since = start.plusSeconds(random.nextLong(spanSeconds));
                    long t = System.nanoTime();
                    windowRows += query.find(new LedgerQuery.Filter(null, subject, null, null, null, since,
                            since.plus(Duration.ofDays(1))), PAGE).toList().size();
                    window[i] = (System.nanoTime() - t) / 1e6;
                }
                // Printed as measured: at ten million records the later steps take minutes.
                System.out.printf("token lookup p50/p99 %.2f/%.2f ms; subject 24 h window p50/p99 %.2f/%.2f ms,"
                                + " %.1f records on average%n", percentile(token, 50), percentile(token, 99),
                        percentile(window, 50), percentile(window, 99), windowRows / (double) WINDOWS);

                // Where verify's time goes on the server: index entries its pages read, per record verified.
                long indexReadBefore = scalar(owner, PRIMARY_KEY_ENTRIES_READ);
                // And where its CPU goes: this JVM (hashing, parsing, canonical text) or the server.
                ProcessCpu server = ProcessCpu.ofServer(owner);
                double jvmBefore = ProcessCpu.jvmSeconds();
                double serverBefore = server.serverSeconds();
                long t = System.nanoTime();
                VerificationReport report = new LedgerVerifier(pool, List.of(signer.publicKey())).verify();
                double verifyPerSecond = report.records() / ((System.nanoTime() - t) / 1e9);
                double jvmMicros = (ProcessCpu.jvmSeconds() - jvmBefore) * 1e6 / report.records();
                double serverMicros = (server.serverSeconds() - serverBefore) * 1e6 / report.records();
                Thread.sleep(1_500); // the server publishes its statistics about once a second
                double indexReadPerRecord = (scalar(owner, PRIMARY_KEY_ENTRIES_READ) - indexReadBefore) / (double) report.records();
                System.out.printf("verify: %s, %,d records, %,d checkpoints, %s, %,.0f records/s%n",
                        report.verified() ? "verified" : "FAILED", report.records(), report.checkpoints(),
                        report.firstProblem(), verifyPerSecond);
                System.out.printf("verify read %.1f primary key index entries per record; CPU per record: JVM %.1f µs,"
                        + " PostgreSQL %.1f µs%n", indexReadPerRecord, jvmMicros, serverMicros);

                LongAdder exported = new LongAdder();
                t = System.nanoTime();
                long exportedCount = new LedgerExport(pool).export(Instant.EPOCH, null, json -> exported.increment());
                double exportPerSecond = exportedCount / ((System.nanoTime() - t) / 1e9);
                System.out.printf("export: %,.0f records/s%n", exportPerSecond);

                // The archive of the first quarter: enough to measure, without a second copy of the whole ledger on disk.
                Instant cut = start.atOffset(ZoneOffset.UTC).plusMonths(3).toInstant();
                long archived = scalar(owner, "SELECT count(*) FROM ledger_record WHERE recorded_at < '" + cut + "'");
                Path archiveDir = Files.createTempDirectory("ledger-scale-archive").resolve("archive");
                t = System.nanoTime();
                LedgerArchive.write(pool, signer, cut, Instant.now(), archiveDir);
                double archivePerSecond = archived / ((System.nanoTime() - t) / 1e9);
                long archiveBytes = deleteTree(archiveDir.getParent());

                double appendAtSize = appends(pool);
                String version = serverVersion(owner);

                Map<String, Object> targets = new LinkedHashMap<>();
                double bytesPerRecord = bytes / (double) total;
                double tokenP99 = percentile(token, 99);
                double windowP99 = percentile(window, 99);
                System.out.printf("""
                        ledger at size (%d cores, %d MiB memory, JDK %s, PostgreSQL %s)
                          records:                      %,d (%d chains, %d months, checkpoint every %,d)
                          bytes per record:             %,.0f (table + indexes + TOAST)
                          token lookup ms p50 / p99:    %.2f / %.2f
                          subject 24 h window p50/p99:  %.2f / %.2f ms
                          verify records/s:             %,.0f
                          export records/s:             %,.0f
                          archive records/s:            %,.0f (%,d records, %,d bytes)
                          appends/s empty / at size:    %,.0f / %,.0f (%.0f%%)
                        """, Runtime.getRuntime().availableProcessors(), totalMemoryMb(), System.getProperty("java.version"),
                        version, total, CHAINS, MONTHS, CHECKPOINT_EVERY, bytesPerRecord, percentile(token, 50), tokenP99,
                        percentile(window, 50), windowP99, verifyPerSecond, exportPerSecond, archivePerSecond, archived,
                        archiveBytes, appendEmpty, appendAtSize, 100 * appendAtSize / appendEmpty);

                ObjectMapper mapper = new ObjectMapper();
                ObjectNode json = mapper.createObjectNode();
                json.putObject("machine").put("cores", Runtime.getRuntime().availableProcessors())
                        .put("memory_mb", totalMemoryMb()).put("jdk", System.getProperty("java.version"))
                        .put("postgresql", version).put("shared_buffers", scalarText(owner, "SHOW shared_buffers"));
                json.put("time", Instant.now().toString());
                json.put("records", total);
                json.put("chains", CHAINS);
                json.put("months", MONTHS);
                json.put("checkpoint_every", CHECKPOINT_EVERY);
                json.put("load_records_per_s", Math.round(perChain * CHAINS / loadSeconds));
                json.put("bytes_per_record", Math.round(bytesPerRecord));
                json.putObject("token_lookup_ms").put("p50", round(percentile(token, 50))).put("p99", round(tokenP99));
                json.putObject("subject_window_ms").put("p50", round(percentile(window, 50))).put("p99", round(windowP99));
                json.put("verified", report.verified());
                json.put("verify_records_per_s", Math.round(verifyPerSecond));
                json.put("verify_pkey_index_entries_read_per_record", round(indexReadPerRecord));
                json.put("verify_threads", Math.min(CHAINS, Runtime.getRuntime().availableProcessors()));
                json.putObject("verify_cpu_us_per_record").put("jvm", round(jvmMicros)).put("postgresql", round(serverMicros));
                json.put("export_records_per_s", Math.round(exportPerSecond));
                json.put("archive_records_per_s", Math.round(archivePerSecond));
                json.put("archive_records", archived);
                json.put("append_per_s_at_size", Math.round(appendAtSize));
                json.put("append_per_s_empty", Math.round(appendEmpty));
                ObjectNode met = json.putObject("targets_met");
                met.put("token_lookup_p99_le_5_ms", tokenP99 <= 5);
                met.put("subject_window_p99_le_50_ms", windowP99 <= 50);
                met.put("verify_ge_200000_per_s", verifyPerSecond >= 200_000);
                met.put("append_at_size_ge_90_percent_of_empty", appendAtSize >= 0.9 * appendEmpty);
                met.put("bytes_per_record_le_2500", bytesPerRecord <= 2_500);
                System.out.println("targets met: " + met);
                Path out = Path.of("bench", "results", "ledger-scale-latest.json");
                Files.createDirectories(out.getParent());
                Files.writeString(out, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
                explain(owner, tokenSha256(3, Math.max(1, perChain / 2)), subject(7), start.plus(Duration.ofDays(100)));
            }
        }
    }

    static void load(String ownerUrl, long perChain, Instant start, Instant end, CheckpointSigner signer)
            throws Exception {
        long spanMicros = ChronoUnit.MICROS.between(start, end);
        // Two loaders: one hashes while the server writes the other's rows.
        ExecutorService loaders = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < CHAINS; c++) {
                int chain = c;
                done.add(loaders.submit(() -> {
                    try (Connection owner = DriverManager.getConnection(ownerUrl)) {
                        // Each chain's records spread evenly over the span, offset so the chains interleave.
                        BulkLedgerLoad.loadChain(owner, UUID.randomUUID(), perChain, seq -> {
                            long micros = (long) ((seq - 1 + chain / (double) CHAINS) * (spanMicros / (double) perChain));
                            return record(chain, seq, start.plus(micros, ChronoUnit.MICROS));
                        }, signer, CHECKPOINT_EVERY);
                    }
                    System.out.printf("chain %d loaded%n", chain);
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            loaders.shutdown();
        }
    }

    /**
     * A realistic exchange: GitHub Actions claims for one of 500 repositories, its policy, and an issued
     * token; every 10th is a denial (no token, as a policy mismatch records it).
     */
    static ExchangeRecord record(int chain, long seq, Instant time) {
        SplittableRandom random = new SplittableRandom(chain * 1_000_000_007L + seq);
        int r = random.nextInt(REPOSITORIES);
        String repo = "repo-" + r;
        Map<String, String> claims = new LinkedHashMap<>();
        claims.put("repository", "org/" + repo);
        claims.put("ref", "refs/heads/main");
        claims.put("sha", hex(random, 20));
        claims.put("workflow_ref", "org/" + repo + "/.github/workflows/ci.yaml@refs/heads/main");
        claims.put("run_id", Long.toString(9_000_000_000L + seq * CHAINS + chain));
        claims.put("actor", "octocat-" + random.nextInt(200));
        claims.put("event_name", "push");
        ExchangeRecord.Actor actor = new ExchangeRecord.Actor("https://token.actions.githubusercontent.com",
                subject(r), List.of("octo-sts.example.com"), hex(random, 16), claims);
        ExchangeRecord.PolicySource policy = new ExchangeRecord.PolicySource("org", repo, ".github/chainguard/ci.sts.yaml",
                hex(random, 20), hex(random, 32), null);
        boolean denied = seq % 10 == 0;
        ExchangeRecord.Issued issued = denied ? null : new ExchangeRecord.Issued(1234, 5678, List.of(repo),
                Map.of("contents", "read", "pull_requests", "write"), time.plusSeconds(3600), tokenSha256(chain, seq));
        return new ExchangeRecord(time, new UUID(random.nextLong(), random.nextLong()).toString(),
                "10.0." + random.nextInt(256) + "." + random.nextInt(256), "octo-sts-action/1.0", "org/" + repo, "ci", actor,
                denied ? Decision.DENY : Decision.ALLOW, denied ? GrpcCode.PERMISSION_DENIED : GrpcCode.OK,
                denied ? "policy_mismatch" : "issued", denied ? "the token's claims match no policy rule" : "",
                null, policy, null, issued, null, null);
    }

    static String subject(int repository) {
        return "repo:org/repo-" + repository + ":ref:refs/heads/main";
    }

    static String tokenSha256(int chain, long seq) {
        return LedgerQuery.tokenSha256("ghs_bench_" + chain + "_" + seq);
    }

    private static String hex(SplittableRandom random, int bytes) {
        byte[] value = new byte[bytes];
        random.nextBytes(value);
        return java.util.HexFormat.of().formatHex(value);
    }

    private static double appends(HikariDataSource pool) throws Exception {
        try (Ledger ledger = new Ledger(pool, LedgerSettings.defaults(), Clock.systemUTC()).start()) {
            return ClosedLoop.measure(APPEND_CLIENTS, false, APPEND_WARM_UP, APPEND_MEASURE,
                    (client, n) -> ledger.append(record(100 + client, n, Instant.now())));
        }
    }

    private static void explain(String ownerUrl, String token, String subject, Instant since) throws Exception {
        try (Connection sql = DriverManager.getConnection(ownerUrl); Statement statement = sql.createStatement()) {
            for (String query : List.of(
                    "SELECT chain_id, seq, canonical FROM ledger_record WHERE token_sha256 = '" + token
                            + "' ORDER BY recorded_at DESC, chain_id, seq DESC LIMIT 100",
                    "SELECT chain_id, seq, canonical FROM ledger_record WHERE subject IN ('" + subject + "') AND recorded_at >= '"
                            + since + "' AND recorded_at < '" + since.plus(Duration.ofDays(1))
                            + "' ORDER BY recorded_at DESC, chain_id, seq DESC LIMIT 100")) {
                System.out.println("EXPLAIN (ANALYZE, BUFFERS) " + query);
                try (ResultSet plan = statement.executeQuery("EXPLAIN (ANALYZE, BUFFERS) " + query)) {
                    while (plan.next()) {
                        System.out.println("  " + plan.getString(1));
                    }
                }
            }
        }
    }

    private static HikariDataSource pool(String url, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }

    private static double percentile(double[] values, int p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static long scalar(String url, String query) throws Exception {
        try (Connection sql = DriverManager.getConnection(url); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static String scalarText(String url, String query) throws Exception {
        try (Connection sql = DriverManager.getConnection(url); Statement statement = sql.createStatement();
             ResultSet rows = statement.executeQuery(query)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static String serverVersion(String url) throws Exception {
        return scalarText(url, "SHOW server_version");
    }

    private static long deleteTree(Path root) throws Exception {
        long bytes = 0;
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isRegularFile(path)) {
                    bytes += Files.size(path);
                }
                Files.delete(path);
            }
        }
        return bytes;
    }

    private static long totalMemoryMb() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize() >> 20;
    }

    private LedgerScaleBenchmark() {
    }
}
