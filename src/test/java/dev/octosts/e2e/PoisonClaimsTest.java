package dev.octosts.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.octosts.dev.GitHubSimulator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A self-run issuer's token whose subject is 1,024 random CJK characters (3,072 bytes, more than
 * PostgreSQL's B-tree index row holds), sent over and over while legitimate clients exchange: the
 * attacker is refused and recorded, and every legitimate exchange gets its token.
 */
class PoisonClaimsTest {
    private static final int CLIENTS = 8;
    private static final int REQUESTS_PER_CLIENT = 25;
    private static final int ATTACKERS = 4;

    @Test
    void legitimateExchangesSucceedWhileTokensWithOversizedClaimsAreSent() throws Exception {
        try (Harness harness = new Harness()) {
            harness.installWithMainBranchPolicy("ci");
            harness.start();
            String legit = harness.actionsToken(Map.of("sub", "repo:org/repo:ref:refs/heads/main", "aud", Harness.DOMAIN));
            Map<String, String> query = Map.of("scope", "org/repo", "identity", "ci");
            List<Integer> legitStatuses = new CopyOnWriteArrayList<>();
            List<Integer> attackStatuses = new CopyOnWriteArrayList<>();
            Set<String> issued = ConcurrentHashMap.newKeySet();
            AtomicBoolean done = new AtomicBoolean();

            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> attackers = new ArrayList<>();
                for (int a = 0; a < ATTACKERS; a++) {
                    Random random = new Random(a);
                    attackers.add(threads.submit(() -> {
                        for (int i = 0; !done.get() || i < 5; i++) {
                            String poison = harness.actionsToken(Map.of("sub", randomCjk(random, 1024),
                                    "aud", Harness.DOMAIN, "repository", randomCjk(random, 400)));
                            attackStatuses.add(harness.get(poison, query).status());
                        }
                        return null;
                    }));
                }
                List<Future<?>> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    clients.add(threads.submit(() -> {
                        for (int i = 0; i < REQUESTS_PER_CLIENT; i++) {
                            Harness.Response response = harness.get(legit, query);
                            legitStatuses.add(response.status());
                            if (response.status() == 200) {
                                issued.add(response.body().path("token").asText());
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> client : clients) {
                    client.get();
                }
                done.set(true);
                for (Future<?> attacker : attackers) {
                    attacker.get();
                }
            }
            Map<Integer, Long> legitByStatus = legitStatuses.stream()
                    .collect(Collectors.groupingBy(status -> status, Collectors.counting()));
            Map<Integer, Long> attackByStatus = attackStatuses.stream()
                    .collect(Collectors.groupingBy(status -> status, Collectors.counting()));
            System.out.printf("poison claims: legitimate %s, attacker %s%n", legitByStatus, attackByStatus);

            assertThat(legitStatuses).as("legitimate exchanges during the attack").hasSize(CLIENTS * REQUESTS_PER_CLIENT)
                    .containsOnly(200);
            assertThat(attackStatuses).as("the attacker is refused, not answered 503").doesNotContain(200, 500, 503);

            List<JsonNode> records = harness.records();
            Set<String> recorded = records.stream()
                    .map(record -> record.path("issued").path("token_sha256").asText(""))
                    .filter(hash -> !hash.isEmpty())
                    .collect(Collectors.toSet());
            for (String token : issued) {
                assertThat(recorded).contains(Harness.sha256Hex(token));
            }
            for (GitHubSimulator.IssuedToken token : harness.github.issuedTokens()) {
                if (!token.revoked()) {
                    assertThat(recorded).as("a live token has a committed record").contains(Harness.sha256Hex(token.token()));
                }
            }
            // Every attack is recorded, with its subject as the token carried it.
            assertThat(records.stream().filter(record -> record.path("actor").path("sub").asText("").length() == 1024))
                    .hasSize(attackStatuses.size());
        }
    }

    private static String randomCjk(Random random, int length) {
        StringBuilder text = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            text.append((char) (0x4E00 + random.nextInt(0x9FFF - 0x4E00)));
        }
        return text.toString();
    }
}
