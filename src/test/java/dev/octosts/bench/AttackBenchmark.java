package dev.octosts.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.bench.BenchFleet.Exchange;
import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.LocalOidcIssuer;
import dev.octosts.dev.LocalPostgres;
import dev.octosts.ledger.Migrations;
import dev.octosts.testing.TestDatabase;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The attack benchmark: legitimate exchanges at a fixed rate while each attack class runs in turn as fast as
 * this side can send it, with the service as its own process (the packaged jar, production defaults for its
 * rate limits) and PostgreSQL, the GitHub simulator and the issuers in this JVM, as in {@link ExchangeBenchmark}.
 * Each class gets a freshly started service: warmed up, measured under the legitimate load alone, then
 * under the same load with the attack. For each class it reports what legitimate clients saw (share
 * answered with a token, p99 latency), the service's CPU per attack request above the legitimate load's,
 * its peak resident memory during the attack, and tokens the GitHub simulator issued that are still live
 * and have no ledger record. Prints a table and writes {@code bench/results/attack-latest.json}.
 *
 * <p>Legitimate clients come from {@value #LEGIT_ADDRESSES} addresses of their own (127.0.0.x) and use the
 * issuer that has earned tokens here; attackers come from {@code -Dbench.attackerAddresses} others (127.0.1.x),
 * so the per-address limit tells them apart as it would tell CI runners from a botnet.
 *
 * <p>Run: {@code ./mvnw -B -q -Pbench-attack -DskipTests package exec:java}. Options (system properties):
 * {@code -Dbench.attackSeconds=10} (each phase), {@code -Dbench.legitRate=200}, {@code -Dbench.attackers=64}
 * (requests in flight per attack class), {@code -Dbench.attackerAddresses=32},
 * {@code -Dbench.slowlorisConnections=1000}, {@code -Dbench.attacks=poison_claims,...} (only those),
 * {@code -Dbench.serviceJvmOptions="-Xlog:gc"} (more options for the service's JVM).
 */
public final class AttackBenchmark {
    private static final int LEGIT_RATE = Integer.getInteger("bench.legitRate", 200);
    /** More options for the service's JVM, space-separated (e.g. a flight recording or GC log to see where a phase went). */
    private static final List<String> SERVICE_JVM_OPTIONS = List.of(System.getProperty("bench.serviceJvmOptions", "").split(" "))
            .stream().filter(option -> !option.isBlank()).toList();
    private static final Duration PHASE = Duration.ofSeconds(Integer.getInteger("bench.attackSeconds", 10));
    /** Legitimate load alone before anything is measured: the service's JIT compiles the exchange. */
    private static final Duration WARM_UP = Duration.ofSeconds(10);
    /** After a phase: revocations and the ledger's queue settle, rate-limit buckets refill. */
    private static final Duration PAUSE = Duration.ofSeconds(3);
    private static final int ATTACKERS = Integer.getInteger("bench.attackers", 64);
    private static final int ATTACKER_ADDRESSES = Integer.getInteger("bench.attackerAddresses", 32);
    private static final int SLOWLORIS_CONNECTIONS = Integer.getInteger("bench.slowlorisConnections", 1000);
    /** 25 exchanges/s each at the default rate: half the per-address limit. */
    private static final int LEGIT_ADDRESSES = 8;
    private static final String ATTACKER_ORG = "attacker-org";

    /** What legitimate clients saw during one phase, and what it cost the service. */
    private record Phase(long attackRequests, Map<Integer, Long> attackAnswers, double seconds, OpenLoop.Result legit,
                         Map<Integer, Long> legitAnswers, double allowedWithin50ms, CpuTimes cpu, long gitHubCalls,
                         long peakRssMb, long tokensWithoutRecord) {
        double attackPerSecond() {
            return attackRequests / seconds;
        }

        double serviceCpuMs() {
            return cpu.serviceMillis();
        }

        double cpuMsPerSecond() {
            return serviceCpuMs() / seconds;
        }

        /** How busy the machine was, and the shares of the service and of this JVM (attackers, simulator, issuers). */
        double[] machineShares() {
            return new double[] {cpu.busy(), cpu.share(cpu.service()), cpu.share(cpu.self())};
        }

        double gitHubCallsPerSecond() {
            return gitHubCalls / seconds;
        }
    }

    /** One attack class: the same service measured without it, then with it. */
    private record Result(String name, Phase quiet, Phase attacked) {
        /** The service's CPU above what the legitimate load alone took, per attack request. */
        double cpuPerAttackRequestMs() {
            double extra = attacked.serviceCpuMs() - quiet.cpuMsPerSecond() * attacked.seconds();
            return attacked.attackRequests() == 0 ? Double.NaN : Math.max(0, extra) / attacked.attackRequests();
        }

        /** GitHub API calls the service made above what the legitimate load alone needs, per attack request. */
        double gitHubCallsPerAttackRequest() {
            double extra = attacked.gitHubCalls() - quiet.gitHubCallsPerSecond() * attacked.seconds();
            return attacked.attackRequests() == 0 ? Double.NaN : Math.max(0, extra) / attacked.attackRequests();
        }

        boolean meetsTargets() {
            return attacked.legit().successShare() >= 0.999 && attacked.legit().percentileMs(0.99) <= 50
                    && attacked.peakRssMb() <= 400 && attacked.tokensWithoutRecord() == 0;
        }
    }

    /** The attack classes, made for one service's listener. */
    private interface AttackClass {
        AttackTraffic.Attack against(AttackTraffic traffic);
    }

    public static void main(String[] args) throws Exception {
        // As in ExchangeBenchmark: the simulator, issuers and attackers share this JVM's virtual-thread
        // scheduler; more carriers than cores leave the sharing to the kernel.
        System.setProperty("jdk.virtualThreadScheduler.parallelism", Integer.toString(2 * Runtime.getRuntime().availableProcessors()));
        Set<String> only = Set.copyOf(List.of(System.getProperty("bench.attacks", "").split(",")));
        Path work = Files.createTempDirectory("octo-sts-attack-bench");
        String external = System.getenv("OCTOSTS_TEST_DATABASE_URL");
        List<LocalOidcIssuer> selfRun = new ArrayList<>();
        try (LocalPostgres local = external == null || external.isBlank() ? LocalPostgres.start() : null;
             GitHubSimulator github = GitHubSimulator.start();
             LocalOidcIssuer issuer = LocalOidcIssuer.start();
             LocalOidcIssuer attackerIssuer = LocalOidcIssuer.start();
             LocalOidcIssuer hostileIssuer = LocalOidcIssuer.start()) {
            for (int i = 0; i < 8; i++) {
                selfRun.add(LocalOidcIssuer.start());
            }
            // As deployed: the schema owner migrates, the service runs as a login that may only append.
            LocalPostgres.LedgerLogins database = local != null ? local.ledgerDatabase() : TestDatabase.shared().createLedgerDatabase();
            String owner = database.ownerUrl();
            Migrations.migrate(owner);
            String runtime = database.runtimeUrl();
            BenchFleet fleet = BenchFleet.create(github, issuer);
            // The attacker's own organization, where the App is installed like anywhere else, with a policy for
            // its own issuer: one allowed exchange makes that issuer known, with a known issuer's budget.
            github.putFile(ATTACKER_ORG, "own", ".github/chainguard/ci.sts.yaml", """
                    issuer: %s
                    subject: attacker
                    permissions:
                      contents: read
                    """.formatted(attackerIssuer.issuer()));
            String earning = attackerIssuer.token().subject("attacker").audience(BenchFleet.DOMAIN)
                    .lifetime(Duration.ofHours(2)).mint();
            String webhookSecret = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(work.toString().getBytes(StandardCharsets.UTF_8)));

            Map<String, AttackClass> classes = new LinkedHashMap<>();
            classes.put("poison_claims", traffic -> traffic.poisonClaims(attackerIssuer, BenchFleet.DOMAIN));
            classes.put("hostile_jwks", traffic -> traffic.hostileJwks(hostileIssuer, BenchFleet.DOMAIN));
            classes.put("unknown_issuers", traffic -> traffic.unknownIssuers(selfRun, BenchFleet.DOMAIN));
            classes.put("random_scopes", traffic -> traffic.randomScopes(issuer, BenchFleet.DOMAIN, BenchFleet.ORG));
            classes.put("webhook_slowloris", traffic -> traffic.webhookSlowloris(SLOWLORIS_CONNECTIONS));
            classes.put("unsigned_webhook_flood", AttackTraffic::unsignedWebhookFlood);
            classes.put("oversized_requests", AttackTraffic::oversizedRequests);
            classes.keySet().removeIf(name -> !only.contains("") && !only.contains(name));
            List<InetAddress> attackerAddresses = new ArrayList<>();
            for (int i = 1; i <= ATTACKER_ADDRESSES; i++) {
                attackerAddresses.add(InetAddress.getByName("127.0.1." + i));
            }

            Set<String> checkedTokens = new HashSet<>();
            List<Result> results = new ArrayList<>();
            for (var attackClass : classes.entrySet()) {
                // A service of its own for each class: what one attack leaves behind (memory, caches, a
                // backed-off writer) is not counted against the next.
                // And an App of its own: the simulator's GitHub rate-limit budgets are per App and installation,
                // and the whole benchmark's legitimate load alone would spend one.
                System.out.println("  " + attackClass.getKey() + " …");
                BenchFleet served = fleet.withNewApp(github);
                github.install(served.app().appId(), ATTACKER_ORG, Map.of("contents", "read", "metadata", "read"), null);
                int adminPort = BenchFleet.freePort();
                URI metrics = URI.create("http://127.0.0.1:" + adminPort + "/observe/metrics");
                Map<String, String> env = served.serviceEnvironment(work, github, owner, runtime, adminPort);
                env.put("GITHUB_WEBHOOK_SECRET", webhookSecret);
                ServiceProcess service = ServiceProcess.start(env, SERVICE_JVM_OPTIONS);
                Legit legit = new Legit(service.base(), fleet.exchanges());
                AttackTraffic traffic = new AttackTraffic(service.base(), attackerAddresses, ATTACKERS);
                try {
                    legit.warmUp(earning);
                    tokensWithoutRecord(github, owner, checkedTokens);
                    Phase quiet = phase(null, service, metrics, legit, github, owner, checkedTokens);
                    Phase attacked = phase(attackClass.getValue().against(traffic), service, metrics, legit, github, owner,
                            checkedTokens);
                    results.add(new Result(attackClass.getKey(), quiet, attacked));
                } finally {
                    traffic.close();
                    legit.close();
                    service.stop();
                }
            }
            report(results, Figures.postgresVersion(owner));
        } finally {
            selfRun.forEach(LocalOidcIssuer::close);
        }
    }

    /**
     * The legitimate clients: the fleet's exchanges from {@value #LEGIT_ADDRESSES} addresses of their own,
     * each request's answer counted.
     */
    private static final class Legit implements AutoCloseable {
        private final List<RawHttpClient> clients = new ArrayList<>();
        private final List<Exchange> exchanges;
        private final Map<Integer, LongAdder> answers = new ConcurrentHashMap<>();

        Legit(URI service, List<Exchange> exchanges) throws java.io.IOException {
            for (int i = 1; i <= LEGIT_ADDRESSES; i++) {
                clients.add(new RawHttpClient(service, InetAddress.getByName("127.0.0." + i)));
            }
            this.exchanges = exchanges;
        }

        /**
         * Caches as a running service has them (every policy read once), the legitimate issuer and the
         * attacker's own known ({@code earning} is the attacker's allowed token), the JIT warm.
         */
        void warmUp(String earning) throws InterruptedException {
            for (int i = 0; i < BenchFleet.REPOSITORIES; i++) {
                Exchange exchange = exchanges.get(i);
                expectToken(clients.get(i % LEGIT_ADDRESSES).fetch(exchange.path(), exchange.token()));
            }
            expectToken(clients.getFirst().fetch("/sts/exchange?scope=" + ATTACKER_ORG + "/own&identity=ci", earning));
            run(WARM_UP);
        }

        OpenLoop.Result run(Duration duration) throws InterruptedException {
            answers.clear();
            return OpenLoop.run(LEGIT_RATE, duration, true, this::send);
        }

        private boolean send(long i) {
            Exchange next = exchanges.get((int) (i % exchanges.size()));
            RawHttpClient.Response response;
            try {
                response = clients.get((int) (i % LEGIT_ADDRESSES)).fetch(next.path(), next.token());
            } catch (RuntimeException noAnswer) {
                answers.computeIfAbsent(-1, k -> new LongAdder()).increment();
                return false;
            }
            answers.computeIfAbsent(response.status(), k -> new LongAdder()).increment();
            return hasToken(response);
        }

        Map<Integer, Long> answers() {
            Map<Integer, Long> sums = new TreeMap<>();
            answers.forEach((status, count) -> sums.put(status, count.sum()));
            return sums;
        }

        @Override
        public void close() {
            clients.forEach(RawHttpClient::close);
        }
    }

    /**
     * One phase: the attack (none: the legitimate load alone) from now until {@link #PHASE} has passed,
     * legitimate exchanges at the fixed rate meanwhile; the service's CPU and peak memory over both.
     */
    private static Phase phase(AttackTraffic.Attack attack, ServiceProcess service, URI metrics, Legit legit,
                               GitHubSimulator github, String owner, Set<String> checkedTokens) throws Exception {
        Histograms atStart = scrape(metrics);
        service.resetPeakRss();
        long pid = service.process().pid();
        CpuTimes cpuAtStart = CpuTimes.now(pid);
        long gitHubCallsAtStart = github.callCount();
        long start = System.nanoTime();
        long deadline = start + PHASE.toNanos();
        AttackTraffic.Outcome outcome;
        OpenLoop.Result result;
        try (ExecutorService attacker = Executors.newSingleThreadExecutor()) {
            Future<AttackTraffic.Outcome> attacking = attack == null ? null : attacker.submit(() -> attack.run(deadline));
            result = legit.run(PHASE);
            // Each attacker stops by itself at the deadline; an answer still in flight may take a while.
            outcome = attacking == null ? new AttackTraffic.Outcome(0, Map.of())
                    : attacking.get(PHASE.toSeconds() + 60, TimeUnit.SECONDS);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        CpuTimes cpu = CpuTimes.now(pid).minus(cpuAtStart);
        long gitHubCalls = github.callCount() - gitHubCallsAtStart;
        long peakRss = service.peakRssMb();
        double allowedWithin50ms = scrape(metrics).minus(atStart).shareWithin(
                "octosts_exchange_duration_seconds", Map.of("octosts_decision", "allow"), "0.05");
        // Revocations and the ledger's queue settle before tokens are counted.
        Thread.sleep(PAUSE);
        return new Phase(outcome.requests(), outcome.answers(), seconds, result, legit.answers(), allowedWithin50ms, cpu, gitHubCalls, peakRss,
                tokensWithoutRecord(github, owner, checkedTokens));
    }

    private static Histograms scrape(URI metrics) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return Histograms.scrape(http, metrics);
        }
    }

    /**
     * Tokens the GitHub simulator issued since the last call that are still live (policy reads revoke
     * theirs) and whose SHA-256 no ledger record holds: each one a token that left without a record.
     */
    private static long tokensWithoutRecord(GitHubSimulator github, String owner, Set<String> checked) throws Exception {
        Set<String> recorded = new HashSet<>();
        try (Connection connection = DriverManager.getConnection(owner); Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery("SELECT token_sha256 FROM ledger_record WHERE token_sha256 IS NOT NULL")) {
            while (rows.next()) {
                recorded.add(rows.getString(1));
            }
        }
        long missing = 0;
        for (GitHubSimulator.IssuedToken token : github.issuedTokens()) {
            if (checked.add(token.token()) && !token.revoked() && !recorded.contains(sha256Hex(token.token()))) {
                missing++;
            }
        }
        return missing;
    }

    private static String sha256Hex(String text) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static boolean hasToken(RawHttpClient.Response response) {
        return response.status() == 200 && new String(response.body(), StandardCharsets.UTF_8).contains("\"token\"");
    }

    private static void expectToken(RawHttpClient.Response response) {
        if (!hasToken(response)) {
            throw new IllegalStateException("a warm-up exchange answered " + response.status());
        }
    }

    private static void report(List<Result> results, String postgres) throws Exception {
        StringBuilder table = new StringBuilder();
        table.append("""

                octo-sts attack benchmark — %d cores, %,d MiB, JDK %s, PostgreSQL %s; legitimate exchanges at %d/s, %d s per phase
                  %-24s %12s %9s %9s %12s %8s %9s  %s
                """.formatted(Runtime.getRuntime().availableProcessors(), Figures.memoryMb(), System.getProperty("java.version"),
                postgres, LEGIT_RATE, PHASE.toSeconds(), "attack", "attack req/s", "legit ok", "p99 ms", "CPU ms/req",
                "RSS MB", "no record", "targets"));
        for (Result result : results) {
            Phase attacked = result.attacked();
            Phase quiet = result.quiet();
            table.append("  %-24s %,12.0f %9.4f %9.2f %12.3f %8d %9d  %s%n".formatted(result.name(), attacked.attackPerSecond(),
                    attacked.legit().successShare(), attacked.legit().percentileMs(0.99), result.cpuPerAttackRequestMs(),
                    attacked.peakRssMb(), attacked.tokensWithoutRecord(), result.meetsTargets() ? "met" : "MISSED"));
            table.append("      without the attack: legit ok %.4f, p99 %.2f ms, service CPU %.0f ms/s, RSS %d MB%n".formatted(
                    quiet.legit().successShare(), quiet.legit().percentileMs(0.99), quiet.cpuMsPerSecond(), quiet.peakRssMb()));
            double[] shares = attacked.machineShares();
            table.append("      machine CPU %.0f%% busy (service %.0f%%, this JVM %.0f%%); GitHub calls per attack request %.2f%n"
                    .formatted(100 * shares[0], 100 * shares[1], 100 * shares[2], result.gitHubCallsPerAttackRequest()));
            table.append("      as the service timed them: %.2f%% of allowed exchanges within 50 ms (without the attack %.2f%%)%n"
                    .formatted(100 * attacked.allowedWithin50ms(), 100 * quiet.allowedWithin50ms()));
            table.append("      attack answers %s; legit answers %s%n".formatted(attacked.attackAnswers(), attacked.legitAnswers()));
        }
        System.out.print(table);

        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        Figures.describeMachine(root.putObject("machine"), postgres);
        root.put("time", Instant.now().toString());
        root.put("legit_rate_per_s", LEGIT_RATE);
        root.put("phase_seconds", PHASE.toSeconds());
        root.put("legit_addresses", LEGIT_ADDRESSES);
        root.put("attacker_addresses", ATTACKER_ADDRESSES);
        root.put("attack_concurrency", ATTACKERS);
        root.put("slowloris_connections", SLOWLORIS_CONNECTIONS);
        ObjectNode attacks = root.putObject("attacks");
        for (Result result : results) {
            Phase attacked = result.attacked();
            ObjectNode entry = attacks.putObject(result.name());
            entry.put("attack_requests_per_s", Math.round(attacked.attackPerSecond()))
                    .put("legit_success", Figures.round4(attacked.legit().successShare()))
                    .put("legit_p99_ms", Figures.round2(attacked.legit().percentileMs(0.99)))
                    .put("service_cpu_per_attack_request_ms", Figures.round3(result.cpuPerAttackRequestMs()))
                    .put("peak_rss_mb", attacked.peakRssMb())
                    .put("tokens_without_record", attacked.tokensWithoutRecord())
                    .put("meets_targets", result.meetsTargets())
                    .put("github_calls_per_attack_request", Figures.round3(result.gitHubCallsPerAttackRequest()))
                    .put("service_side_allowed_within_50ms", Figures.round4(attacked.allowedWithin50ms()));
            entry.putObject("without_attack").put("legit_success", Figures.round4(result.quiet().legit().successShare()))
                    .put("legit_p99_ms", Figures.round2(result.quiet().legit().percentileMs(0.99)))
                    .put("service_cpu_ms_per_s", Math.round(result.quiet().cpuMsPerSecond()))
                    .put("service_side_allowed_within_50ms", Figures.round4(result.quiet().allowedWithin50ms()))
                    .put("peak_rss_mb", result.quiet().peakRssMb());
            double[] shares = attacked.machineShares();
            entry.putObject("machine_cpu").put("busy", Figures.round3(shares[0])).put("service", Figures.round3(shares[1]))
                    .put("benchmark_jvm", Figures.round3(shares[2]));
            ObjectNode attackAnswers = entry.putObject("attack_answers");
            attacked.attackAnswers().forEach((status, count) -> attackAnswers.put(Integer.toString(status), count));
            ObjectNode legitAnswers = entry.putObject("legit_answers");
            attacked.legitAnswers().forEach((status, count) -> legitAnswers.put(Integer.toString(status), count));
        }
        Path out = Path.of("bench", "results", "attack-latest.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
    }

    private AttackBenchmark() {
    }
}
