package dev.octosts.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.dev.LocalPostgres;
import dev.octosts.ledger.Migrations;
import dev.octosts.oidc.OidcResult;
import dev.octosts.oidc.OidcSettings;
import dev.octosts.oidc.OidcVerifier;
import dev.octosts.testing.TestDatabase;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The end-to-end benchmark: PostgreSQL ({@code synchronous_commit=on}), the GitHub simulator and the
 * local OIDC issuer in this JVM, the service as a separate process, and a load generator — closed loop
 * at saturation, open loop at a fixed rate, then the trivial route at that rate for the floor — with many
 * subjects, repositories and policies. Prints a table and writes {@code bench/results/latest.json}.
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench -DskipTests package exec:java}. Options (system properties):
 * {@code -Dbench.clients=64}, {@code -Dbench.rate=1000}, {@code -Dbench.seconds=10},
 * {@code -Dbench.githubLatencyMs=0}, {@code -Dbench.serviceJvmArgs="-XX:StartFlightRecording=filename=svc.jfr"}
 * (extra JVM options for the service, e.g. to profile it).
 */
public final class ExchangeBenchmark {
    private static final int CLIENTS = Integer.getInteger("bench.clients", 64);
    private static final int RATE = Integer.getInteger("bench.rate", 1000);
    private static final Duration MEASURE = Duration.ofSeconds(Integer.getInteger("bench.seconds", 10));
    private static final Duration WARM_UP = Duration.ofSeconds(3);
    private static final int GITHUB_LATENCY_MS = Integer.getInteger("bench.githubLatencyMs", 0);
    private static final int REPOSITORIES = 200;
    private static final int SUBJECTS = 1000;
    private static final String ORG = "bench-org";
    private static final String DOMAIN = "octo-sts.bench";
    /** The service's JVM options, as in deploy/: the throughput collector, a fixed young generation, 256 MiB. */
    private static final List<String> SERVICE_JVM_OPTIONS = List.of("-XX:+UseParallelGC", "-XX:-UseAdaptiveSizePolicy",
            "-Xmn80m", "-XX:SurvivorRatio=6", "-Xmx256m");

    public static void main(String[] args) throws Exception {
        // The GitHub simulator and the load generator share this JVM's virtual-thread scheduler. With one
        // carrier per core, a response that has already arrived waits for a carrier busy with simulator work,
        // and the wait counts as the service's latency. Twice as many carriers as cores leave that sharing to
        // the kernel. Set before this JVM's first virtual thread, when the scheduler reads it.
        System.setProperty("jdk.virtualThreadScheduler.parallelism", Integer.toString(2 * Runtime.getRuntime().availableProcessors()));
        Path work = Files.createTempDirectory("octo-sts-bench");
        String external = System.getenv("OCTOSTS_TEST_DATABASE_URL");
        try (LocalPostgres local = external == null || external.isBlank() ? LocalPostgres.start() : null;
             GitHubSimulator github = GitHubSimulator.start();
             LocalOidcIssuer issuer = LocalOidcIssuer.start()) {
            // As deployed: the schema owner migrates, the service runs as a login that may only append.
            LocalPostgres.LedgerLogins database = local != null ? local.ledgerDatabase() : TestDatabase.shared().createLedgerDatabase();
            String owner = database.ownerUrl();
            Migrations.migrate(owner);
            String runtime = database.runtimeUrl();
            github.setLatency(Duration.ofMillis(GITHUB_LATENCY_MS));

            GitHubSimulator.SimulatedApp app = github.createApp();
            github.install(app.appId(), ORG, Map.of("contents", "write", "issues", "write", "metadata", "read"), null);
            for (int repo = 0; repo < REPOSITORIES; repo++) {
                github.putFile(ORG, "repo-" + repo, ".github/chainguard/ci.sts.yaml", """
                        issuer: %s
                        subject_pattern: 'repo:%s/repo-%d:ref:refs/heads/(main|release/.*)'
                        claim_pattern:
                          workflow_ref: '%s/repo-%d/\\.github/workflows/.*'
                        permissions:
                          contents: read
                          issues: write
                        """.formatted(issuer.issuer(), ORG, repo, ORG, repo));
            }
            github.createRepository(ORG, ".github");
            List<Exchange> exchanges = new ArrayList<>();
            for (int subject = 0; subject < SUBJECTS; subject++) {
                int repo = subject % REPOSITORIES;
                String branch = subject % 2 == 0 ? "main" : "release/v" + subject;
                String token = issuer.token().subject("repo:" + ORG + "/repo-" + repo + ":ref:refs/heads/" + branch)
                        .audience(DOMAIN).lifetime(Duration.ofHours(2))
                        .claim("workflow_ref", ORG + "/repo-" + repo + "/.github/workflows/ci.yaml@refs/heads/" + branch)
                        .claim("run_id", Integer.toString(1_000_000 + subject)).mint();
                exchanges.add(new Exchange(token, ORG + "/repo-" + repo));
            }

            Map<String, String> env = new HashMap<>();
            env.put("BIND_ADDRESS", "127.0.0.1");
            env.put("PORT", "0");
            int adminPort = freePort();
            env.put("ADMIN_PORT", Integer.toString(adminPort));
            env.put("STS_DOMAIN", DOMAIN);
            env.put("GITHUB_APP_IDS", Long.toString(app.appId()));
            env.put("APP_SECRET_CERTIFICATE_FILE", Files.writeString(work.resolve("app.pem"), app.privateKeyPem()).toString());
            env.put("LEDGER_SIGNING_KEY_FILE", Files.writeString(work.resolve("ledger.pem"),
                    dev.octosts.dev.LocalKeys.rsa2048().privateKeyPem()).toString());
            env.put("GITHUB_BASE_URL", github.baseUrl().toString());
            env.put("OIDC_PRIVATE_NETWORK_HOSTS", "127.0.0.1");
            env.put("DATABASE_URL", runtime);

            // As deployed (deploy/Containerfile): the packaged jar, with the JDK's ahead-of-time cache written
            // by a training run of the service itself. The first start, without a cache, is reported too.
            Path aotConfiguration = work.resolve("octo-sts.aotconf");
            Path aotCache = work.resolve("octo-sts.aot");
            Service training = Service.start(env, List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + aotConfiguration));
            double readyWithoutCache = training.readySeconds();
            train(training, exchanges);
            training.stop();
            Service.createAotCache(aotConfiguration, aotCache);

            Service service = Service.start(env, List.of("-XX:AOTCache=" + aotCache));
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build()) {
                // Fill caches the way a running service has them: every policy read once.
                for (Exchange exchange : exchanges.subList(0, REPOSITORIES)) {
                    check(http.send(exchange.request(service.base()), HttpResponse.BodyHandlers.discarding()).statusCode());
                }
                RawHttpClient load = new RawHttpClient(service.base());
                Requests health = (client, i) -> client.get("/observe/health", null);
                double trivial = closedLoop(load, health);
                long callsBefore = github.callCount();
                long before = System.nanoTime();
                Requests exchange = (client, i) -> {
                    Exchange next = exchanges.get((int) (i % exchanges.size()));
                    return client.get(next.path(), next.token());
                };
                double saturation = closedLoop(load, exchange);
                long gitHubCallsPerExchange = Math.round((double) (github.callCount() - callsBefore)
                        / Math.max(1, saturation * (System.nanoTime() - before) / 1e9));
                URI metrics = URI.create("http://127.0.0.1:" + adminPort + "/observe/metrics");
                // Warmed up at the fixed rate first, like the closed loops: the switch from saturation to a
                // lighter load makes the JIT recompile for a few seconds. The service's first metrics scrape
                // deoptimizes and recompiles its export code, so it too belongs to the warm-up.
                Histograms.scrape(http, metrics);
                openLoop(load, exchange, WARM_UP);
                Histograms atStart = Histograms.scrape(http, metrics);
                CpuTimes cpuAtStart = CpuTimes.now(service.process().pid());
                long[] latency = openLoop(load, exchange, MEASURE);
                CpuTimes openLoopCpu = CpuTimes.now(service.process().pid()).minus(cpuAtStart);
                ServiceSide serviceSide = ServiceSide.between(atStart, Histograms.scrape(http, metrics));
                // The floor under those figures: the same rate on the trivial route, through the same load
                // generator and server, shows what this machine and client add before the exchange does anything.
                openLoop(load, health, WARM_UP);
                long[] floor = openLoop(load, health, MEASURE);
                load.close();
                long peakRss = service.peakRssMb();
                double oidcPerSecond = oidcVerifications(issuer, exchanges);
                LedgerRates ledger = LedgerRates.measure(owner, runtime);

                double subtractMs = GITHUB_LATENCY_MS * gitHubCallsPerExchange;
                report(service.readySeconds(), readyWithoutCache, peakRss, trivial, saturation, latency, floor, subtractMs, serviceSide, openLoopCpu,
                        oidcPerSecond, ledger, version(owner));
            } finally {
                service.stop();
            }
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /**
     * What the service itself timed during the open loop (its histograms have buckets at 1, 2.5 and 5 ms):
     * the share of exchanges done within 5 ms, and per step, within 1 ms and 5 ms. This tells the service's
     * own tail from the load generator's, and shows which step it comes from; {@code github.call} is the
     * HTTP call to the simulator alone, {@code ledger.commit} one batch's insert and commit.
     */
    private record ServiceSide(double exchangesWithin5ms, Map<String, double[]> stepsWithin1And5ms) {
        private static final List<String> STEPS = List.of("oidc.verify", "github.installation", "policy.allowlist",
                "policy.read", "policy.check", "github.mint", "ledger.append");

        static ServiceSide between(Histograms before, Histograms after) {
            Histograms run = after.minus(before);
            Map<String, double[]> steps = new java.util.LinkedHashMap<>();
            for (String step : STEPS) {
                steps.put(step, run.shares("octosts_exchange_step_duration_seconds", Map.of("octosts_step", step)));
            }
            steps.put("github.call", run.shares("http_client_request_duration_seconds",
                    Map.of("octosts_github_endpoint", "installation.token.create")));
            steps.put("ledger.commit", run.shares("octosts_ledger_commit_duration_seconds", Map.of()));
            return new ServiceSide(run.shares("octosts_exchange_duration_seconds", Map.of("octosts_decision", "allow"))[1], steps);
        }

        String table() {
            StringBuilder table = new StringBuilder();
            stepsWithin1And5ms.forEach((step, shares) -> table.append("      %-20s %6.1f%%  %6.1f%%%n"
                    .formatted(step, 100 * shares[0], 100 * shares[1])));
            return table.toString();
        }
    }

    /**
     * CPU time in clock ticks: the machine's from {@code /proc/stat} (user, nice, system, idle, iowait, irq,
     * softirq, steal), the service's and this JVM's (simulator, issuer, load generator) from their
     * {@code /proc/PID/stat}. Shows how busy the cores were during a phase, who used them, and how much a
     * virtual machine's host took: stolen time shows up as latency no code of ours causes.
     */
    private record CpuTimes(long[] machine, long service, long self) {
        static CpuTimes now(long servicePid) throws java.io.IOException {
            String[] fields = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long[] machine = new long[8];
            for (int i = 0; i < machine.length; i++) {
                machine[i] = Long.parseLong(fields[i + 1]);
            }
            return new CpuTimes(machine, processTicks(servicePid), processTicks(ProcessHandle.current().pid()));
        }

        /** utime + stime: fields 14 and 15, counted after the command name, which may hold spaces. */
        private static long processTicks(long pid) throws java.io.IOException {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }

        CpuTimes minus(CpuTimes earlier) {
            long[] difference = new long[machine.length];
            for (int i = 0; i < machine.length; i++) {
                difference[i] = machine[i] - earlier.machine[i];
            }
            return new CpuTimes(difference, service - earlier.service, self - earlier.self);
        }

        private long total() {
            return Arrays.stream(machine).sum();
        }

        double busy() {
            return 1 - (double) (machine[3] + machine[4]) / total();
        }

        double stolen() {
            return (double) machine[7] / total();
        }

        /** A process's ticks as a share of all the machine's. */
        double share(long processTicks) {
            return (double) processTicks / total();
        }
    }

    /** Cumulative histogram bucket counts from a Prometheus scrape: metric name, labels (with le), count. */
    private record Histograms(Map<String, Map<Map<String, String>, Double>> buckets) {
        static Histograms scrape(HttpClient http, URI metrics) throws Exception {
            String text = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
            Map<String, Map<Map<String, String>, Double>> buckets = new HashMap<>();
            for (String line : text.split("\n")) {
                int brace = line.indexOf('{');
                if (brace < 0 || !line.substring(0, brace).endsWith("_bucket")) {
                    continue;
                }
                int close = line.lastIndexOf('}');
                Map<String, String> labels = new HashMap<>();
                for (String pair : line.substring(brace + 1, close).split(",")) {
                    int equals = pair.indexOf('=');
                    labels.put(pair.substring(0, equals), pair.substring(equals + 2, pair.length() - 1));
                }
                buckets.computeIfAbsent(line.substring(0, brace - "_bucket".length()), name -> new HashMap<>())
                        .merge(labels, Double.parseDouble(line.substring(close + 1).strip()), Double::sum);
            }
            return new Histograms(buckets);
        }

        Histograms minus(Histograms earlier) {
            Map<String, Map<Map<String, String>, Double>> difference = new HashMap<>();
            buckets.forEach((name, series) -> series.forEach((labels, count) -> difference
                    .computeIfAbsent(name, n -> new HashMap<>())
                    .put(labels, count - earlier.buckets.getOrDefault(name, Map.of()).getOrDefault(labels, 0.0))));
            return new Histograms(difference);
        }

        /** The shares of the matching series' observations at or below 1 ms and 5 ms. */
        double[] shares(String name, Map<String, String> match) {
            double within1ms = 0;
            double within5ms = 0;
            double all = 0;
            for (var entry : buckets.getOrDefault(name, Map.of()).entrySet()) {
                if (!entry.getKey().entrySet().containsAll(match.entrySet())) {
                    continue;
                }
                switch (entry.getKey().get("le")) {
                    case "0.001" -> within1ms += entry.getValue();
                    case "0.005" -> within5ms += entry.getValue();
                    case "+Inf" -> all += entry.getValue();
                    default -> { }
                }
            }
            return all == 0 ? new double[] {Double.NaN, Double.NaN} : new double[] {within1ms / all, within5ms / all};
        }
    }

    private record Exchange(String token, String scope) {
        HttpRequest request(URI base) {
            return HttpRequest.newBuilder(base.resolve(path()))
                    .header("Authorization", "Bearer " + token).build();
        }

        String path() {
            return "/sts/exchange?scope=" + scope + "&identity=ci";
        }
    }

    /** The i-th request of a run: its path and bearer token (null for none). */
    private interface Requests {
        int send(RawHttpClient client, long i);
    }

    /** {@link #CLIENTS} clients, each sending its next request when the last one answered; requests/s. */
    private static double closedLoop(RawHttpClient http, Requests requests) throws Exception {
        return ClosedLoop.measure(CLIENTS, false, WARM_UP, MEASURE, (client, n) -> check(requests.send(http, n)));
    }

    /** Requests started at a fixed rate whatever the answers; each one's latency in microseconds. */
    private static long[] openLoop(RawHttpClient http, Requests requests, Duration duration) throws Exception {
        int total = (int) (RATE * duration.toSeconds());
        long[] latencies = new long[total];
        long intervalNanos = 1_000_000_000L / RATE;
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            long start = System.nanoTime();
            for (int i = 0; i < total; i++) {
                long due = start + i * intervalNanos;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                int index = i;
                senders.submit(() -> {
                    long sent = System.nanoTime();
                    check(requests.send(http, index));
                    // Measured from when the request was due, so a stalled sender counts against us.
                    latencies[index] = (System.nanoTime() - Math.min(sent, due)) / 1_000;
                    return null;
                });
            }
        }
        Arrays.sort(latencies);
        return latencies;
    }

    private static double oidcVerifications(LocalOidcIssuer issuer, List<Exchange> exchanges) throws Exception {
        try (OidcVerifier verifier = new OidcVerifier(OidcSettings.defaults().withPrivateNetworkHosts(Set.of("127.0.0.1")))) {
            return ClosedLoop.measure(Runtime.getRuntime().availableProcessors(), true, WARM_UP, Duration.ofSeconds(5),
                    (thread, n) -> {
                        if (!(verifier.verify(exchanges.get((int) (n % exchanges.size())).token())
                                instanceof OidcResult.Verified)) {
                            throw new IllegalStateException("a benchmark token did not verify");
                        }
                    });
        }
    }

    private record LedgerRates(double appendsPerSecond, double plainPerSecond) {
        static LedgerRates measure(String owner, String runtime) throws Exception {
            return new LedgerRates(LedgerBenchmark.ledgerAppends(runtime + "&reWriteBatchedInserts=true", 256),
                    LedgerBenchmark.plainInserts(owner + (owner.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true"));
        }
    }

    /** A few seconds of the benchmark's own traffic, so the cache holds what an exchange loads and runs. */
    private static void train(Service service, List<Exchange> exchanges) throws Exception {
        RawHttpClient load = new RawHttpClient(service.base());
        try {
            ClosedLoop.measure(8, false, Duration.ZERO, Duration.ofSeconds(5), (client, n) -> {
                Exchange next = exchanges.get((int) (n % exchanges.size()));
                check(load.get(next.path(), next.token()));
                check(load.get("/observe/health", null));
            });
        } finally {
            load.close();
        }
    }

    private static void report(double readySeconds, double readyWithoutCacheSeconds, long peakRssMb, double trivial, double saturation, long[] latency,
                               long[] floor, double subtractMs, ServiceSide serviceSide, CpuTimes openLoopCpu, double oidc, LedgerRates ledger,
                               String postgres) throws Exception {
        double p50 = Math.max(0, percentile(latency, 0.50) - subtractMs);
        double p99 = Math.max(0, percentile(latency, 0.99) - subtractMs);
        double p999 = Math.max(0, percentile(latency, 0.999) - subtractMs);
        long memoryMb = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getTotalMemorySize() >> 20;
        System.out.printf("""

                octo-sts benchmark — %d cores, %,d MiB, JDK %s, PostgreSQL %s (synchronous_commit=on), GitHub latency %d ms
                  exchanges/s at saturation (%d clients)     %,10.0f
                  trivial route/s (%d clients)               %,10.0f
                  exchanges / trivial route                    %9.0f%%
                  added latency at %,d exchanges/s: p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms
                    the trivial route at that rate (the floor): p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms
                    machine during it: CPU %.0f%% busy (service %.0f%%, this JVM %.0f%%, the rest %.0f%%), %.1f%% stolen by the hypervisor
                    as the service timed it: %.1f%% of exchanges within 5 ms; share of each step within 1 ms, 5 ms:
                %s  ledger appends/s (256 writers)              %,10.0f
                  plain batched INSERT rows/s                 %,10.0f   (ledger %.0f%%)
                  OIDC verifications/s (in process)           %,10.0f
                  ready after start (AOT cache)               %10.2f s   (without: %.2f s)
                  peak RSS of the service                     %,10d MB
                """, Runtime.getRuntime().availableProcessors(), memoryMb, System.getProperty("java.version"), postgres,
                GITHUB_LATENCY_MS, CLIENTS, saturation, CLIENTS, trivial, 100 * saturation / trivial, RATE, p50, p99, p999,
                percentile(floor, 0.50), percentile(floor, 0.99), percentile(floor, 0.999),
                100 * openLoopCpu.busy(), 100 * openLoopCpu.share(openLoopCpu.service()), 100 * openLoopCpu.share(openLoopCpu.self()),
                100 * (openLoopCpu.busy() - openLoopCpu.share(openLoopCpu.service()) - openLoopCpu.share(openLoopCpu.self())),
                100 * openLoopCpu.stolen(), 100 * serviceSide.exchangesWithin5ms(), serviceSide.table(),
                ledger.appendsPerSecond(), ledger.plainPerSecond(), 100 * ledger.appendsPerSecond() / ledger.plainPerSecond(),
                oidc, readySeconds, readyWithoutCacheSeconds, peakRssMb);
        ObjectMapper json = new ObjectMapper();
        ObjectNode result = json.createObjectNode();
        result.putObject("machine").put("cores", Runtime.getRuntime().availableProcessors()).put("memory_mb", memoryMb)
                .put("jdk", System.getProperty("java.version")).put("postgresql", postgres);
        result.put("time", Instant.now().toString());
        result.put("clients", CLIENTS);
        result.put("github_latency_ms", GITHUB_LATENCY_MS);
        result.put("exchanges_per_s", Math.round(saturation));
        result.put("trivial_route_per_s", Math.round(trivial));
        result.put("ratio_to_trivial", Math.round(1000 * saturation / trivial) / 1000.0);
        result.putObject("latency_ms").put("p50", round2(p50)).put("p99", round2(p99)).put("p999", round2(p999))
                .put("fixed_rate_per_s", RATE);
        result.putObject("trivial_route_latency_ms").put("p50", round2(percentile(floor, 0.50)))
                .put("p99", round2(percentile(floor, 0.99))).put("p999", round2(percentile(floor, 0.999)));
        result.putObject("open_loop_cpu").put("busy", round3(openLoopCpu.busy()))
                .put("service", round3(openLoopCpu.share(openLoopCpu.service())))
                .put("benchmark_jvm", round3(openLoopCpu.share(openLoopCpu.self())))
                .put("steal", round3(openLoopCpu.stolen()));
        ObjectNode service = result.putObject("service_side");
        service.put("exchanges_within_5ms", round3(serviceSide.exchangesWithin5ms()));
        ObjectNode steps = service.putObject("steps_within_1ms_5ms");
        serviceSide.stepsWithin1And5ms().forEach((step, shares) -> steps.putArray(step).add(round3(shares[0])).add(round3(shares[1])));
        result.put("ledger_appends_per_s", Math.round(ledger.appendsPerSecond()));
        result.put("plain_insert_per_s", Math.round(ledger.plainPerSecond()));
        result.put("oidc_verifications_per_s", Math.round(oidc));
        result.put("ready_s", round2(readySeconds));
        result.put("ready_without_aot_cache_s", round2(readyWithoutCacheSeconds));
        result.put("peak_rss_mb", peakRssMb);
        Path out = Path.of("bench", "results", "latest.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
    }

    private static double percentile(long[] sortedMicros, double p) {
        return sortedMicros[Math.min(sortedMicros.length - 1, (int) Math.ceil(p * sortedMicros.length) - 1)] / 1000.0;
    }

    private static double round3(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    private static double round2(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static void check(int status) {
        if (status != 200) {
            throw new IllegalStateException("benchmark request answered " + status);
        }
    }

    private static String version(String url) throws Exception {
        try (Connection connection = DriverManager.getConnection(url); Statement sql = connection.createStatement();
             var rows = sql.executeQuery("SHOW server_version")) {
            rows.next();
            return rows.getString(1);
        }
    }

    /** {@code octo-sts serve} as a process of its own, on this JVM's class path. */
    private record Service(Process process, URI base, double readySeconds) {
        static final Path JAR = Path.of("target", "octo-sts.jar");

        static Service start(Map<String, String> env, List<String> jvmOptions) throws Exception {
            if (!Files.isRegularFile(JAR)) {
                throw new IllegalStateException(JAR + " is missing: run the benchmark with `-DskipTests package exec:java`");
            }
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(SERVICE_JVM_OPTIONS);
            command.addAll(jvmOptions);
            String extra = System.getProperty("bench.serviceJvmArgs", "").strip();
            if (!extra.isEmpty()) {
                command.addAll(List.of(extra.split("\\s+")));
            }
            command.addAll(List.of("-jar", JAR.toString(), "serve"));
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(env);
            builder.redirectErrorStream(true);
            long started = System.nanoTime();
            Process process = builder.start();
            BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            URI base = null;
            for (String line; base == null && (line = output.readLine()) != null; ) {
                int at = line.indexOf("listening on ");
                if (at >= 0) {
                    base = URI.create(line.substring(at + "listening on ".length()).replace("0.0.0.0", "127.0.0.1"));
                }
            }
            if (base == null) {
                throw new IllegalStateException("the service did not start");
            }
            try (HttpClient http = HttpClient.newHttpClient()) {
                while (http.send(HttpRequest.newBuilder(base.resolve("/observe/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                    Thread.sleep(5);
                }
            }
            double ready = (System.nanoTime() - started) / 1e9;
            Thread.ofVirtual().start(() -> {
                try {
                    output.lines().forEach(ignored -> { });
                } catch (java.io.UncheckedIOException closed) {
                    // the process ended
                }
            });
            return new Service(process, base, ready);
        }

        long peakRssMb() throws Exception {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
            return -1;
        }

        /** {@code -XX:AOTMode=create}: turns what a training run recorded into the cache. */
        static void createAotCache(Path configuration, Path cache) throws Exception {
            Process create = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:AOTMode=create", "-XX:AOTConfiguration=" + configuration, "-XX:AOTCache=" + cache,
                    "-jar", JAR.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (create.waitFor() != 0 || !Files.isRegularFile(cache)) {
                throw new IllegalStateException("the AOT cache was not created (exit " + create.exitValue() + ")");
            }
        }

        /** SIGTERM, then waits: a training run writes what it recorded as it exits. */
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    private ExchangeBenchmark() {
    }
}
