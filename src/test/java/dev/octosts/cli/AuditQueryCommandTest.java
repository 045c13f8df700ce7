package dev.octosts.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.ledger.LedgerQuery;
import dev.octosts.ledger.LedgerVerifierFixture;
import dev.octosts.ledger.LedgerVerifierFixture.Exchange;
import dev.octosts.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code octo-sts audit query}: each filter, --token hashing, and the table, json and csv formats. */
class AuditQueryCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Instant T0 = LedgerVerifierFixture.T0;
    static final String MAIN = "repo:acme/app:ref:refs/heads/main";
    static final String ODD_SCOPE = "evil\u001b[31m,\"=cmd\"/x";
    static final String FORMULA_SUBJECT = "=HYPERLINK(\"http://127.0.0.1/\")";
    static final MutableClock NOW = new MutableClock(T0.plus(Duration.ofHours(5)));
    private static Map<String, String> env;

    /** q1..q5, one an hour from T0 (10:00Z), all on one chain. */
    @BeforeAll
    static void records() {
        LedgerVerifierFixture ledger = LedgerVerifierFixture.create();
        UUID chain = ledger.newChain();
        ledger.append(chain, List.of(
                new Exchange(T0, "q1", "acme/app", "ci", "allow", "ok", MAIN, LedgerQuery.tokenSha256("ghs_q1")),
                new Exchange(hours(1), "q2", "acme/app", "ci", "deny", "subject_mismatch", "repo:acme/app:ref:refs/heads/dev", null),
                new Exchange(hours(2), "q3", "acme/lib", "release", "allow", "ok", MAIN, LedgerQuery.tokenSha256("ghs_q3")),
                new Exchange(hours(3), "q4", "acme/app", "ci", "error", "github_unavailable", null, null),
                new Exchange(hours(4), "q5", ODD_SCOPE, "ci", "deny", "policy_not_found", FORMULA_SUBJECT, null)));
        env = Map.of("DATABASE_URL", ledger.runtimeUrl());
    }

    private static Instant hours(int hours) {
        return T0.plus(Duration.ofHours(hours));
    }

    static Stream<Arguments> filters() {
        return Stream.of(
                Arguments.of("no filter", List.of(), List.of("q5", "q4", "q3", "q2", "q1")),
                Arguments.of("--token", List.of("--token", "ghs_q1"), List.of("q1")),
                Arguments.of("--token-sha256", List.of("--token-sha256", LedgerQuery.tokenSha256("ghs_q3")), List.of("q3")),
                Arguments.of("--subject", List.of("--subject", MAIN), List.of("q3", "q1")),
                Arguments.of("--scope", List.of("--scope", "acme/app"), List.of("q4", "q2", "q1")),
                Arguments.of("--identity", List.of("--identity", "release"), List.of("q3")),
                Arguments.of("--decision", List.of("--decision", "deny"), List.of("q5", "q2")),
                Arguments.of("--decision in capitals", List.of("--decision", "ERROR"), List.of("q4")),
                Arguments.of("--since relative", List.of("--since", "150m"), List.of("q5", "q4")),
                Arguments.of("--since and --until", List.of("--since", "2026-11-27T11:00:00Z", "--until", "2026-11-27T13:00:00Z"),
                        List.of("q3", "q2")),
                Arguments.of("--limit", List.of("--limit", "1"), List.of("q5")),
                Arguments.of("no match", List.of("--token", "ghs_unknown"), List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filters")
    void eachFilterNarrowsTheRecords(String name, List<String> filter, List<String> requestIds) throws Exception {
        List<String> args = new ArrayList<>(List.of("query", "--format", "json"));
        args.addAll(filter);

        AuditCommandRun run = AuditCommandRun.run(env, NOW, args.toArray(String[]::new));

        assertThat(run.exit()).as(run.err()).isZero();
        List<String> found = new ArrayList<>();
        for (String line : run.lines()) {
            found.add(JSON.readTree(line).get("request_id").textValue());
        }
        assertThat(found).containsExactlyElementsOf(requestIds);
    }

    @Test
    void jsonLinesAreTheExportShape() throws Exception {
        AuditCommandRun run = AuditCommandRun.run(env, NOW, "query", "--format", "json", "--scope", "acme/lib");

        JsonNode row = JSON.readTree(run.out());
        assertThat(row.get("v").intValue()).isEqualTo(1);
        assertThat(row.get("issued").get("token_sha256").textValue()).isEqualTo(LedgerQuery.tokenSha256("ghs_q3"));
        assertThat(row.get("prev_hash").textValue()).matches("[0-9a-f]{64}");
        assertThat(row.get("hash").textValue()).matches("[0-9a-f]{64}");
        assertThat(run.lines()).hasSize(1);
    }

    @Test
    void theTableShowsOneLinePerRecordWithControlCharactersEscaped() {
        AuditCommandRun run = AuditCommandRun.run(env, NOW, "query");

        assertThat(run.exit()).isZero();
        List<String> lines = run.lines();
        assertThat(lines).hasSize(6);
        assertThat(lines.getFirst()).matches("TIME +DECISION +REASON +SCOPE +IDENTITY +SUBJECT +TOKEN SHA-256");
        assertThat(lines.get(1)).startsWith(hours(4) + "  deny").contains("evil\\u001b[31m,\"=cmd\"/x");
        assertThat(run.out()).doesNotContain("\u001b");
        assertThat(lines.get(3)).contains(LedgerQuery.tokenSha256("ghs_q3")).contains(MAIN).contains("release");
        assertThat(lines.get(2)).contains("github_unavailable").contains(" - ");

        AuditCommandRun none = AuditCommandRun.run(env, NOW, "query", "--subject", "nobody");
        assertThat(none.lines()).hasSize(2).last().isEqualTo("(no records)");
    }

    @Test
    void csvIsQuotedAndSafeToOpenInASpreadsheet() {
        AuditCommandRun run = AuditCommandRun.run(env, NOW, "query", "--format", "csv", "--limit", "2");

        assertThat(run.lines()).hasSize(3);
        assertThat(run.lines().getFirst()).isEqualTo(
                "time,chain_id,seq,request_id,decision,grpc_code,reason,scope,identity,issuer,subject,token_sha256,hash");
        String odd = run.lines().get(1);
        assertThat(odd).startsWith(hours(4) + ",")
                .contains(",5,q5,deny,7,policy_not_found,\"evil\u001b[31m,\"\"=cmd\"\"/x\",ci,"
                        + LedgerVerifierFixture.ISSUER + ",\"'=HYPERLINK(\"\"http://127.0.0.1/\"\")\",,");
        assertThat(run.lines().get(2)).contains(",4,q4,error,14,github_unavailable,acme/app,ci,,,,");
    }

    @Test
    void aTokenIsHashedAndNeverPrinted() {
        for (String format : List.of("table", "json", "csv")) {
            AuditCommandRun run = AuditCommandRun.run(env, NOW, "query", "--token", "ghs_q1", "--format", format);

            assertThat(run.out()).contains(LedgerQuery.tokenSha256("ghs_q1")).doesNotContain("ghs_q1");
            assertThat(run.err()).doesNotContain("ghs_q1");
        }
    }

    static Stream<Arguments> badOptions() {
        return Stream.of(
                Arguments.of(List.of("--token", "ghs_q1", "--token-sha256", "a".repeat(64)), "not both"),
                Arguments.of(List.of("--token-sha256", "abc"), "64 hex digits"),
                Arguments.of(List.of("--decision", "maybe"), "--decision must be allow, deny, error or revoke"),
                Arguments.of(List.of("--format", "xml"), "--format must be table, json or csv"),
                Arguments.of(List.of("--since", "yesterday"), "'yesterday' is neither an RFC 3339 time"),
                Arguments.of(List.of("--limit", "0"), "the limit must be at least 1"),
                Arguments.of(List.of("--limit", "many"), "Invalid value for option '--limit'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badOptions")
    void badOptionsExitTwoWithOneClearLine(List<String> options, String message) {
        List<String> args = new ArrayList<>(List.of("query"));
        args.addAll(options);

        AuditCommandRun run = AuditCommandRun.run(env, NOW, args.toArray(String[]::new));

        assertThat(run.err()).contains(message).doesNotContain("ghs_q1").doesNotContain("\tat ");
        assertThat(run.out()).isEmpty();
        assertThat(run.exit()).isEqualTo(2);
    }
}
