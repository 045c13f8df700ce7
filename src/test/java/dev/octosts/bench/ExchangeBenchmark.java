package dev.octosts.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.bench.BenchFleet.Exchange;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.dev.LocalPostgres;
import dev.octosts.ledger.Migrations;
import dev.octosts.oidc.OidcResult;
import dev.octosts.oidc.OidcSettings;
import dev.octosts.oidc.OidcVerifier;
import dev.octosts.testing.TestDatabase;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

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
            BenchFleet fleet = BenchFleet.create(github, issuer);
            List<Exchange> exchanges = fleet.exchanges();
            int adminPort = BenchFleet.freePort();
            Map<String, String> env = fleet.serviceEnvironment(work, github, owner, runtime, adminPort);
            // What an exchange costs, not the limits in front of it: the load comes from one address and one
            // issuer, far past their default budgets (the attack benchmark measures the service with them).
            env.put("RATE_LIMIT_PER_ADDRESS", "0");
            env.put("RATE_LIMIT_PER_SUBJECT", "0");

            // As deployed (deploy/Containerfile): the packaged jar, with the JDK's ahead-of-time cache written
            // by a training run of the service itself. The first start, without a cache, is reported too.
            Path aotConfiguration = work.resolve("octo-sts.aotconf");
            Path aotCache = work.resolve("octo-sts.aot");
            ServiceProcess training = ServiceProcess.start(env, List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + aotConfiguration));
            double readyWithoutCache = training.readySeconds();
            train(training, exchanges);
            training.stop();
            ServiceProcess.createAotCache(aotConfiguration, aotCache);

            ServiceProcess service = ServiceProcess.start(env, List.of("-XX:AOTCache=" + aotCache));
            try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build()) {
                // Fill caches the way a running service has them: every policy read once.
                for (Exchange exchange : exchanges.subList(0, BenchFleet.REPOSITORIES)) {
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
                        oidcPerSecond, ledger, Figures.postgresVersion(owner));
            } finally {
                service.stop();
            }
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

    /** The i-th request of a run: its path and bearer token (null for none). */
    private interface Requests {
        int send(RawHttpClient client, long i);
    }

    /** {@link #CLIENTS} clients, each sending its next request when the last one answered; requests/s. */
    private static double closedLoop(RawHttpClient http, Requests requests) throws Exception {
        return ClosedLoop.measure(CLIENTS, false, WARM_UP, MEASURE, (client, n) -> check(requests.send(http, n)));
    }

    /** Requests started at a fixed rate whatever the answers; each one's latency in microseconds, sorted. */
    private static long[] openLoop(RawHttpClient http, Requests requests, Duration duration) throws Exception {
        return OpenLoop.run(RATE, duration, i -> requests.send(http, i) == 200).sortedMicros();
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
    private static void train(ServiceProcess service, List<Exchange> exchanges) throws Exception {
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
        double p50 = Math.max(0, Figures.percentileMs(latency, 0.50) - subtractMs);
        double p99 = Math.max(0, Figures.percentileMs(latency, 0.99) - subtractMs);
        double p999 = Math.max(0, Figures.percentileMs(latency, 0.999) - subtractMs);
        long memoryMb = Figures.memoryMb();
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
                Figures.percentileMs(floor, 0.50), Figures.percentileMs(floor, 0.99), Figures.percentileMs(floor, 0.999),
                100 * openLoopCpu.busy(), 100 * openLoopCpu.share(openLoopCpu.service()), 100 * openLoopCpu.share(openLoopCpu.self()),
                100 * (openLoopCpu.busy() - openLoopCpu.share(openLoopCpu.service()) - openLoopCpu.share(openLoopCpu.self())),
                100 * openLoopCpu.stolen(), 100 * serviceSide.exchangesWithin5ms(), serviceSide.table(),
                ledger.appendsPerSecond(), ledger.plainPerSecond(), 100 * ledger.appendsPerSecond() / ledger.plainPerSecond(),
                oidc, readySeconds, readyWithoutCacheSeconds, peakRssMb);
        ObjectMapper json = new ObjectMapper();
        ObjectNode result = json.createObjectNode();
        Figures.describeMachine(result.putObject("machine"), postgres);
        result.put("time", Instant.now().toString());
        result.put("clients", CLIENTS);
        result.put("github_latency_ms", GITHUB_LATENCY_MS);
        result.put("exchanges_per_s", Math.round(saturation));
        result.put("trivial_route_per_s", Math.round(trivial));
        result.put("ratio_to_trivial", Math.round(1000 * saturation / trivial) / 1000.0);
        result.putObject("latency_ms").put("p50", Figures.round2(p50)).put("p99", Figures.round2(p99)).put("p999", Figures.round2(p999))
                .put("fixed_rate_per_s", RATE);
        result.putObject("trivial_route_latency_ms").put("p50", Figures.round2(Figures.percentileMs(floor, 0.50)))
                .put("p99", Figures.round2(Figures.percentileMs(floor, 0.99))).put("p999", Figures.round2(Figures.percentileMs(floor, 0.999)));
        result.putObject("open_loop_cpu").put("busy", Figures.round3(openLoopCpu.busy()))
                .put("service", Figures.round3(openLoopCpu.share(openLoopCpu.service())))
                .put("benchmark_jvm", Figures.round3(openLoopCpu.share(openLoopCpu.self())))
                .put("steal", Figures.round3(openLoopCpu.stolen()));
        ObjectNode service = result.putObject("service_side");
        service.put("exchanges_within_5ms", Figures.round3(serviceSide.exchangesWithin5ms()));
        ObjectNode steps = service.putObject("steps_within_1ms_5ms");
        serviceSide.stepsWithin1And5ms().forEach((step, shares) -> steps.putArray(step).add(Figures.round3(shares[0])).add(Figures.round3(shares[1])));
        result.put("ledger_appends_per_s", Math.round(ledger.appendsPerSecond()));
        result.put("plain_insert_per_s", Math.round(ledger.plainPerSecond()));
        result.put("oidc_verifications_per_s", Math.round(oidc));
        result.put("ready_s", Figures.round2(readySeconds));
        result.put("ready_without_aot_cache_s", Figures.round2(readyWithoutCacheSeconds));
        result.put("peak_rss_mb", peakRssMb);
        Path out = Path.of("bench", "results", "latest.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(result) + "\n");
    }

    private static void check(int status) {
        if (status != 200) {
            throw new IllegalStateException("benchmark request answered " + status);
        }
    }

    private ExchangeBenchmark() {
    }
}
