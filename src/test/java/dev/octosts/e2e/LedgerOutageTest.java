package dev.octosts.e2e;

import dev.octosts.dev.GitHubSimulator;
import dev.octosts.dev.LocalPostgres;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fail closed: while PostgreSQL is down the service answers only 503, no token stays alive without a
 * committed record, and once the database is back the service recovers by itself.
 */
class LedgerOutageTest {
    private static final int CLIENTS = 8;
    private static final int REQUESTS_PER_CLIENT = 12;

    @Test
    void noTokenWithoutACommittedRecordAndRecoveryAfterAnOutage() throws Exception {
        try (LocalPostgres postgres = LocalPostgres.start();
             Harness harness = new Harness(postgres.jdbcUrl("postgres"))) {
            harness.installWithMainBranchPolicy("ci");
            harness.start();
            String token = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
            Map<String, String> query = Map.of("scope", "org/repo", "identity", "ci");
            Set<String> issuedToClients = java.util.concurrent.ConcurrentHashMap.newKeySet();

            List<Integer> before = burst(harness, token, query, issuedToClients);
            assertThat(before).containsOnly(200);

            postgres.stop();
            List<Integer> during = burst(harness, token, query, issuedToClients);
            assertThat(during).as("while the database is down").containsOnly(503);

            postgres.restart();
            int recovered = 0;
            // Bounded wait for PostgreSQL to accept connections again and the writer to leave its back-off.
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
            while (recovered != 200 && System.nanoTime() < deadline) {
                if (recovered != 0) {
                    Thread.sleep(100);
                }
                Harness.Response response = harness.get(token, query);
                recovered = response.status();
                if (recovered == 200) {
                    issuedToClients.add(response.body().path("token").asText());
                }
            }
            assertThat(recovered).as("the service recovers by itself").isEqualTo(200);
            assertThat(burst(harness, token, query, issuedToClients)).containsOnly(200);

            Set<String> recorded = harness.records().stream()
                    .map(record -> record.path("issued").path("token_sha256").asText(""))
                    .filter(hash -> !hash.isEmpty())
                    .collect(Collectors.toSet());
            Set<String> live = harness.github.issuedTokens().stream()
                    .filter(issued -> !issued.revoked())
                    .map(GitHubSimulator.IssuedToken::token)
                    .collect(Collectors.toSet());
            assertThat(live).as("exchange tokens still alive at GitHub").hasSizeGreaterThanOrEqualTo(before.size());
            for (String alive : live) {
                assertThat(recorded).as("a live token has a committed record").contains(Harness.sha256Hex(alive));
            }
            Set<String> clientHashes = new HashSet<>();
            issuedToClients.forEach(issued -> clientHashes.add(Harness.sha256Hex(issued)));
            assertThat(recorded).containsAll(clientHashes);
        }
    }

    /** {@link #CLIENTS} concurrent clients, each sending {@link #REQUESTS_PER_CLIENT} exchanges; the statuses. */
    private static List<Integer> burst(Harness harness, String token, Map<String, String> query, Set<String> issued)
            throws Exception {
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<List<Integer>>> results = new ArrayList<>();
            for (int client = 0; client < CLIENTS; client++) {
                results.add(clients.submit(() -> {
                    List<Integer> statuses = new ArrayList<>();
                    for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                        Harness.Response response = harness.get(token, query);
                        statuses.add(response.status());
                        if (response.status() == 200) {
                            issued.add(response.body().path("token").asText());
                        } else {
                            assertThat(response.code()).isEqualTo(14);
                        }
                    }
                    return statuses;
                }));
            }
            List<Integer> all = new ArrayList<>();
            for (Future<List<Integer>> result : results) {
                all.addAll(result.get());
            }
            return all;
        }
    }
}
