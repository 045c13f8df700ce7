package dev.octosts.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.exchange.Decision;
import dev.octosts.ledger.LedgerQuery.Filter;
import dev.octosts.ledger.LedgerVerifierFixture.Exchange;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Finding records by each filter, newest first, in the export shape. */
class LedgerQueryTest {
    static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    static final String MAIN = "repo:acme/app:ref:refs/heads/main";
    static final String DEV = "repo:acme/app:ref:refs/heads/dev";
    static final String OTHER = "repo:other/x:ref:refs/heads/main";
    static final String TOKEN_1 = "ghs_first_token";
    static final String TOKEN_3 = "ghs_third_token";
    private static LedgerVerifierFixture ledger;

    /** r1..r4 on one chain, r5 on another; times r1 0m, r2 60m, r5 90m, r3 120m, r4 180m. */
    @BeforeAll
    static void records() {
        ledger = LedgerVerifierFixture.create();
        UUID first = ledger.newChain();
        UUID second = ledger.newChain();
        ledger.append(first, List.of(
                new Exchange(T0, "r1", "acme/app", "ci", "allow", "ok", MAIN, LedgerQuery.tokenSha256(TOKEN_1)),
                new Exchange(T0.plus(Duration.ofMinutes(60)), "r2", "acme/app", "ci", "deny", "subject_mismatch", DEV, null),
                new Exchange(T0.plus(Duration.ofMinutes(120)), "r3", "acme/lib", "release", "allow", "ok", MAIN,
                        LedgerQuery.tokenSha256(TOKEN_3)),
                new Exchange(T0.plus(Duration.ofMinutes(180)), "r4", "acme/app", "ci", "error", "github_unavailable", null, null)));
        ledger.append(second, new Exchange(T0.plus(Duration.ofMinutes(90)), "r5", "other/x", "ci", "deny",
                "policy_not_found", OTHER, null));
    }

    static Stream<Arguments> filters() {
        return Stream.of(
                Arguments.of("no filter", QueryFilters.ANY, 100, List.of("r4", "r3", "r5", "r2", "r1")),
                Arguments.of("token sha256", QueryFilters.tokenSha256(LedgerQuery.tokenSha256(TOKEN_1)), 100, List.of("r1")),
                Arguments.of("token sha256 in capitals", QueryFilters.tokenSha256(
                        LedgerQuery.tokenSha256(TOKEN_3).toUpperCase()), 100, List.of("r3")),
                Arguments.of("subject", QueryFilters.subject(MAIN), 100, List.of("r3", "r1")),
                Arguments.of("scope", QueryFilters.scope("acme/app"), 100, List.of("r4", "r2", "r1")),
                Arguments.of("identity", QueryFilters.identity("release"), 100, List.of("r3")),
                Arguments.of("decision deny", QueryFilters.decision(Decision.DENY), 100, List.of("r5", "r2")),
                Arguments.of("decision error", QueryFilters.decision(Decision.ERROR), 100, List.of("r4")),
                Arguments.of("since, inclusive", QueryFilters.since(T0.plus(Duration.ofMinutes(90))), 100,
                        List.of("r4", "r3", "r5")),
                Arguments.of("until, exclusive", QueryFilters.until(T0.plus(Duration.ofMinutes(90))), 100,
                        List.of("r2", "r1")),
                Arguments.of("scope and decision", new Filter(null, null, "acme/app", null, Decision.ALLOW, null, null), 100,
                        List.of("r1")),
                Arguments.of("nothing matches", QueryFilters.subject("repo:nobody"), 100, List.of()),
                Arguments.of("limit", QueryFilters.ANY, 2, List.of("r4", "r3")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filters")
    void findsByEachFilterNewestFirst(String name, Filter filter, int limit, List<String> requestIds) {
        List<JsonNode> rows = new LedgerQuery(ledger.runtime()).find(filter, limit).toList();

        assertThat(rows).extracting(row -> row.get("request_id").textValue()).containsExactlyElementsOf(requestIds);
    }

    @Test
    void rowsAreTheDocumentWithPrevHashAndHash() {
        JsonNode row = new LedgerQuery(ledger.runtime()).find(QueryFilters.subject(DEV), 1).findFirst().orElseThrow();

        assertThat(row.get("v").intValue()).isEqualTo(1);
        assertThat(row.get("seq").longValue()).isEqualTo(2);
        assertThat(row.get("prev_hash").textValue()).hasSize(64);
        assertThat(row.get("hash").textValue()).isEqualTo(LedgerVerifier.chainHash(row.get("prev_hash").textValue(),
                CanonicalJson.of(((ObjectNode) row.deepCopy()).without(List.of("prev_hash", "hash")))));
    }

    @Test
    void tokensAreHashedAsTheActionPrintsThem() {
        // printf %s ghs_first_token | sha256sum
        assertThat(LedgerQuery.tokenSha256("ghs_first_token"))
                .isEqualTo("15cb18acb16ef88932ad12cd4b8c8f26cc032c2496d5f394795ef52921c23251");
    }

    @Test
    void badFiltersAreRefused() {
        assertThatThrownBy(() -> QueryFilters.tokenSha256("abc")).hasMessageContaining("64 hex digits");
        assertThatThrownBy(() -> new LedgerQuery(ledger.runtime()).find(QueryFilters.ANY, 0)).hasMessageContaining("limit");
    }

    static Stream<Arguments> times() {
        Instant now = Instant.parse("2026-11-27T12:00:00Z");
        return Stream.of(
                Arguments.of("2026-11-27T10:00:00Z", now, Instant.parse("2026-11-27T10:00:00Z")),
                Arguments.of("2026-11-27t10:00:00.5z", now, Instant.parse("2026-11-27T10:00:00.500Z")),
                Arguments.of("2026-11-27T12:00:00+02:00", now, Instant.parse("2026-11-27T10:00:00Z")),
                Arguments.of("90s", now, now.minusSeconds(90)),
                Arguments.of("30m", now, now.minus(Duration.ofMinutes(30))),
                Arguments.of("24h", now, now.minus(Duration.ofHours(24))),
                Arguments.of("7d", now, now.minus(Duration.ofDays(7))),
                Arguments.of("2w", now, now.minus(Duration.ofDays(14))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("times")
    void timesAreRfc3339OrBackFromNow(String text, Instant now, Instant expected) {
        assertThat(LedgerQuery.parseTime(text, now)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"yesterday", "24", "h", "-1d", "2026-11-27", "2026-11-27T10:00:00"})
    void otherTimesAreRefused(String text) {
        assertThatThrownBy(() -> LedgerQuery.parseTime(text, T0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RFC 3339");
    }
}
