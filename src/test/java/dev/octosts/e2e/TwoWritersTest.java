package dev.octosts.e2e;

import dev.octosts.cli.AuditCommand;
import dev.octosts.testing.TestDatabase;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A scaled-out deployment: two service processes ({@code octo-sts serve}, each its own JVM) write to one
 * database at the same time. Each keeps its own chain, and {@code audit verify} passes over both; with
 * replay protection, a token one process exchanged is refused by the other.
 */
class TwoWritersTest {
    private static final Pattern LISTENING = Pattern.compile("octo-sts listening on http://127\\.0\\.0\\.1:(\\d+)");

    @Test
    void eachProcessKeepsItsOwnChainAndTheLedgerVerifies() throws Exception {
        String owner = TestDatabase.shared().createDatabase();
        try (Harness harness = new Harness(owner)) {
            harness.installWithMainBranchPolicy("ci");
            harness.start(); // writes the key files and settings both processes use
            try (TwoServers servers = TwoServers.start(harness.env)) {
                List<URI> services = servers.services();
                String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
                // Each client's statuses come back through its future: an assertion inside the client thread
                // would be lost, since nothing re-throws it.
                List<Future<List<Integer>>> clients = new ArrayList<>();
                try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int client = 0; client < 4; client++) {
                        URI service = services.get(client % 2);
                        clients.add(threads.submit(() -> {
                            List<Integer> statuses = new ArrayList<>();
                            for (int n = 0; n < 25; n++) {
                                String identity = n % 5 == 0 ? "missing" : "ci";
                                statuses.add(harness.send(HttpRequest.newBuilder(service.resolve(
                                        "/sts/exchange?scope=org/repo&identity=" + identity))
                                        .header("Authorization", "Bearer " + token).build()).status());
                            }
                            return statuses;
                        }));
                    }
                    for (Future<List<Integer>> client : clients) {
                        List<Integer> statuses = client.get();
                        assertThat(statuses).as("every fifth exchange asks for a missing policy").hasSize(25);
                        for (int n = 0; n < 25; n++) {
                            assertThat(statuses.get(n)).as("exchange %d", n).isEqualTo(n % 5 == 0 ? 404 : 200);
                        }
                    }
                }
            }

            Set<String> chains = harness.records().stream().map(record -> record.path("chain_id").asText())
                    .collect(Collectors.toSet());
            assertThat(chains).as("one chain per process").hasSize(2);
            assertThat(harness.records().stream().collect(Collectors.groupingBy(
                    record -> record.path("decision").asText(), Collectors.counting())))
                    .isEqualTo(Map.of("allow", 80L, "deny", 20L));
            harness.close();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int exit = new CommandLine(new AuditCommand(Map.of("DATABASE_URL", harness.databaseUrl,
                    "LEDGER_SIGNING_KEY_FILE", harness.env.get("LEDGER_SIGNING_KEY_FILE")),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)))
                    .execute("verify");
            assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8).strip())
                    .isEqualTo("verified 100 records in 3 chains, 2 checkpoints");
        }
    }

    @Test
    void withReplayProtectionATokenOneProcessExchangedIsRefusedByTheOther() throws Exception {
        String owner = TestDatabase.shared().createDatabase();
        try (Harness harness = new Harness(owner)) {
            harness.installWithMainBranchPolicy("ci");
            harness.env.put("EXCHANGE_REPLAY_PROTECTION", "true");
            harness.start();
            try (TwoServers servers = TwoServers.start(harness.env)) {
                List<URI> services = servers.services();
                String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main",
                        "aud", Harness.DOMAIN, "jti", "run-7-attempt-1"));
                List<Harness.Response> answers = new ArrayList<>();
                for (URI service : List.of(services.get(0), services.get(1), services.get(0))) {
                    answers.add(harness.send(HttpRequest.newBuilder(service.resolve("/sts/exchange?scope=org/repo&identity=ci"))
                            .header("Authorization", "Bearer " + token).build()));
                }

                assertThat(answers.get(0).status()).as(answers.get(0).raw().body()).isEqualTo(200);
                assertThat(answers.get(1).status()).as("the other process").isEqualTo(409);
                assertThat(answers.get(1).message()).isEqualTo("token already exchanged for this scope and identity");
                assertThat(answers.get(2).status()).as("the first process again").isEqualTo(409);
            }
            assertThat(harness.records().stream().map(record -> record.path("reason").asText()).toList())
                    .containsExactlyInAnyOrder("issued", "token_replayed", "token_replayed");
        }
    }

    /** Two {@code octo-sts serve} processes on one database, listening; closing stops both. */
    private record TwoServers(List<Process> processes, List<URI> services) implements AutoCloseable {
        static TwoServers start(Map<String, String> env) throws Exception {
            TwoServers servers = new TwoServers(new ArrayList<>(), new ArrayList<>());
            try {
                for (int i = 0; i < 2; i++) {
                    Process process = serve(env);
                    servers.processes.add(process);
                    servers.services.add(awaitListening(process));
                }
            } catch (Exception | Error e) {
                servers.close();
                throw e;
            }
            return servers;
        }

        /** SIGTERM to each: the service drains its ledger and writes a final checkpoint. */
        @Override
        public void close() throws InterruptedException {
            for (Process process : processes) {
                process.destroy();
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    /** {@code octo-sts serve} in a JVM of its own, on the test's class path, with the given environment. */
    private static Process serve(Map<String, String> env) throws Exception {
        // Without empty entries: one would put the working directory, this checkout with its db/migration, on
        // the class path beside target/classes, and Flyway refuses the migration callback found twice.
        String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(entry -> !entry.isEmpty()).collect(Collectors.joining(java.io.File.pathSeparator));
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, "dev.octosts.cli.Main", "serve");
        builder.environment().putAll(env);
        builder.environment().put("PORT", "0");
        builder.environment().put("ADMIN_PORT", "0");
        builder.environment().put("DATABASE_MIGRATE", "false");
        builder.redirectErrorStream(true);
        return builder.start();
    }

    private static URI awaitListening(Process process) throws Exception {
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = output.readLine()) != null; ) {
            Matcher listening = LISTENING.matcher(line);
            if (listening.find()) {
                Thread.ofVirtual().start(() -> {
                    try {
                        output.lines().forEach(ignored -> { });
                    } catch (java.io.UncheckedIOException closed) {
                        // the process ended
                    }
                });
                return URI.create("http://127.0.0.1:" + listening.group(1));
            }
        }
        throw new IllegalStateException("octo-sts serve exited with " + process.waitFor());
    }
}
