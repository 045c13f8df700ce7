package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.exchange.Decision;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.ParsedPolicy;
import dev.octosts.exchange.GrpcCode;
import dev.octosts.policy.TrustPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

/** The v1 ledger document: names, nulls, sanitising, and a canonical form that does not drift. */
class LedgerDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UUID CHAIN = UUID.fromString("5b0e4d0c-3f6e-4c2a-9d1e-7a8b9c0d1e2f");
    private static final List<String> V1_KEYS = List.of("v", "chain_id", "seq", "time", "request_id", "trace_id",
            "span_id", "remote_address", "user_agent", "scope", "identity", "actor", "decision", "grpc_code", "reason",
            "message", "detail", "policy", "issuer_allowlist", "issued");

    static ExchangeRecord richRecord() {
        Map<String, String> claims = new LinkedHashMap<>();
        claims.put("repository", "octo-org/app");
        claims.put("ref", "refs/heads/main");
        claims.put("workflow_ref", "octo-org/app/.github/workflows/release.yaml@refs/heads/main");
        Map<String, String> claimPattern = new LinkedHashMap<>();
        claimPattern.put("event_name", "push|workflow_dispatch");
        ParsedPolicy parsed = ParsedPolicy.of(new TrustPolicy("https://token.actions.githubusercontent.com", "",
                "repo:octo-org/app:ref:refs/heads/main", "", "", "octo-sts.*", claimPattern,
                Map.of("contents", "read", "checks", "write"), List.of("app", "lib")));
        return new ExchangeRecord(Instant.parse("2025-03-04T05:06:07.123456789Z"), "req-42", "192.0.2.7",
                "octo-sts-action/1.0", "octo-org/app", "release",
                new ExchangeRecord.Actor("https://token.actions.githubusercontent.com",
                        "repo:octo-org/app:ref:refs/heads/main", List.of("octo-sts.dev", "other"), "jti-9", claims),
                Decision.ALLOW, GrpcCode.OK, "issued", "", null,
                new ExchangeRecord.PolicySource("octo-org", ".github", ".github/chainguard/release.sts.yaml",
                        "0123456789abcdef0123456789abcdef01234567", "a".repeat(64), parsed),
                new ExchangeRecord.AllowlistVerdict("audit", true, "https://token.actions.githubusercontent.com"),
                new ExchangeRecord.Issued(1234, 5678, List.of("app", "lib"), Map.of("contents", "read", "checks", "write"),
                        Instant.parse("2025-03-04T06:06:07Z"), "b".repeat(64)), null, null);
    }

    static ExchangeRecord bareDenial() {
        return new ExchangeRecord(Instant.parse("2025-03-04T05:06:07Z"), "req-1", "198.51.100.1", "curl/8",
                "octo-org/app", "", null, Decision.DENY, GrpcCode.UNAUTHENTICATED, "missing_token",
                "unable to get bearer token", null, null, null, null, null, null);
    }

    @Test
    void everyFieldOfARichRecordLandsUnderItsV1Name() throws Exception {
        JsonNode expected = JSON.readTree("""
                {
                  "v": 1, "chain_id": "5b0e4d0c-3f6e-4c2a-9d1e-7a8b9c0d1e2f", "seq": 7,
                  "time": "2025-03-04T05:06:07.123456Z",
                  "request_id": "req-42", "trace_id": null, "span_id": null,
                  "remote_address": "192.0.2.7", "user_agent": "octo-sts-action/1.0",
                  "scope": "octo-org/app", "identity": "release",
                  "actor": {"iss": "https://token.actions.githubusercontent.com",
                            "sub": "repo:octo-org/app:ref:refs/heads/main", "aud": ["octo-sts.dev", "other"],
                            "jti": "jti-9",
                            "claims": {"repository": "octo-org/app", "ref": "refs/heads/main",
                                       "workflow_ref": "octo-org/app/.github/workflows/release.yaml@refs/heads/main"}},
                  "decision": "allow", "grpc_code": 0, "reason": "issued", "message": "", "detail": null,
                  "policy": {"owner": "octo-org", "repo": ".github", "path": ".github/chainguard/release.sts.yaml",
                             "blob_sha": "0123456789abcdef0123456789abcdef01234567",
                             "sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                             "parsed": {"issuer": "https://token.actions.githubusercontent.com", "issuer_pattern": "",
                                        "subject": "repo:octo-org/app:ref:refs/heads/main", "subject_pattern": "",
                                        "audience": "", "audience_pattern": "octo-sts.*",
                                        "claim_pattern": {"event_name": "push|workflow_dispatch"},
                                        "permissions": {"contents": "read", "checks": "write"},
                                        "repositories": ["app", "lib"]}},
                  "issuer_allowlist": {"mode": "audit", "allowed": true, "iss": "https://token.actions.githubusercontent.com"},
                  "issued": {"app_id": 1234, "installation_id": 5678, "repositories": ["app", "lib"],
                             "permissions": {"contents": "read", "checks": "write"},
                             "expires_at": "2025-03-04T06:06:07Z",
                             "token_sha256": "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}
                }""");

        ObjectNode document = LedgerDocument.document(richRecord(), CHAIN, 7);

        // Compared as canonical text: Jackson's node equality would also compare int vs long node types.
        assertThat(CanonicalJson.of(document)).isEqualTo(CanonicalJson.of(expected));
        assertThat(fieldNames(document)).containsExactlyElementsOf(V1_KEYS);
    }

    @Test
    void absentPartsArePresentAsNull() {
        ObjectNode document = LedgerDocument.document(bareDenial(), CHAIN, 1);

        assertThat(fieldNames(document)).containsExactlyElementsOf(V1_KEYS);
        for (String absent : List.of("trace_id", "span_id", "actor", "detail", "policy", "issuer_allowlist", "issued")) {
            assertThat(document.get(absent).isNull()).as(absent).isTrue();
        }
        assertThat(document.get("decision").textValue()).isEqualTo("deny");
        assertThat(document.get("grpc_code").intValue()).isEqualTo(16);
        assertThat(document.get("identity").textValue()).isEmpty();
    }

    @Test
    void nestedAbsentPartsAreNullToo() {
        ExchangeRecord record = richRecord();
        ExchangeRecord withoutParsedPolicy = new ExchangeRecord(record.time(), record.requestId(),
                record.remoteAddress(), record.userAgent(), record.scope(), record.identity(),
                new ExchangeRecord.Actor("iss", "sub", List.of(), null, Map.of()), Decision.ERROR,
                GrpcCode.UNAVAILABLE, "github_unavailable", "try again", "GitHub answered 502",
                new ExchangeRecord.PolicySource("o", "r", "p", "sha", "h", null), null,
                new ExchangeRecord.Issued(1, 2, null, Map.of(), Instant.EPOCH, "c".repeat(64)), null, null);

        ObjectNode document = LedgerDocument.document(withoutParsedPolicy, CHAIN, 3);

        assertThat(document.get("actor").get("jti").isNull()).isTrue();
        assertThat(document.get("actor").get("aud").isArray()).isTrue();
        assertThat(document.get("policy").get("parsed").isNull()).isTrue();
        assertThat(document.get("issued").get("repositories").isNull()).isTrue();
        assertThat(document.get("decision").textValue()).isEqualTo("error");
        assertThat(document.get("grpc_code").intValue()).isEqualTo(14);
        assertThat(document.get("detail").textValue()).isEqualTo("GitHub answered 502");
    }

    static Stream<Arguments> sanitizeCases() {
        String pair = "\ud83d\ude00";
        return Stream.of(
                argumentSet("plain text unchanged", "octo-org/app", "octo-org/app"),
                argumentSet("tab, newline, carriage return kept", "a\tb\nc\rd", "a\tb\nc\rd"),
                argumentSet("NUL escaped", "a\u0000b", "a\\u0000b"),
                argumentSet("other C0 controls escaped", "\u0001\u001b[31m\u001f", "\\u0001\\u001b[31m\\u001f"),
                argumentSet("DEL and C1 are not C0", "\u007f\u0085", "\u007f\u0085"),
                argumentSet("surrogate pair kept", "smile " + pair, "smile " + pair),
                argumentSet("lone high surrogate escaped", "x\ud83dy", "x\\ud83dy"),
                argumentSet("lone low surrogate escaped", "x\ude00", "x\\ude00"),
                argumentSet("reversed pair escaped", "\ude00\ud83d", "\\ude00\\ud83d"),
                argumentSet("high surrogate at the end escaped", "end\ud83d", "end\\ud83d"),
                argumentSet("2,000 chars truncated to 1,024 and a mark", "x".repeat(2000), "x".repeat(1024) + "…"),
                argumentSet("exactly 1,024 chars kept", "y".repeat(1024), "y".repeat(1024)),
                argumentSet("a pair is not split by truncation", "z".repeat(1023) + pair + "z".repeat(976),
                        "z".repeat(1023) + "…"),
                argumentSet("escaping happens before truncation", "\u0000".repeat(200), "\\u0000".repeat(170) + "\\u00" + "…"),
                argumentSet("a million NULs as two hundred", "\u0000".repeat(1_000_000), "\\u0000".repeat(170) + "\\u00" + "…"),
                argumentSet("a million lone surrogates", "\udfff".repeat(1_000_000), "\\udfff".repeat(170) + "\\udf" + "…"));
    }

    @ParameterizedTest
    @MethodSource("sanitizeCases")
    void sanitizes(String input, String expected) {
        assertThat(LedgerText.sanitize(input)).isEqualTo(expected);
    }

    @Test
    void sanitizeKeepsNull() {
        assertThat(LedgerText.sanitize(null)).isNull();
    }

    @Test
    void everyStringInTheDocumentIsSanitised() {
        ExchangeRecord dirty = new ExchangeRecord(Instant.EPOCH, "r\u0000", "ip", "agent\u0007" + "!".repeat(3000),
                "org/repo\ud800", "id", new ExchangeRecord.Actor("iss\u0000", "sub\udfff", List.of("aud\u0001"),
                "jti\u0002", Map.of("claim\u0000name", "value\u0000")), Decision.DENY, GrpcCode.PERMISSION_DENIED,
                "subject_mismatch", "msg\u0003", null, null, null, null, null, null);

        ObjectNode document = LedgerDocument.document(dirty, CHAIN, 1);
        List<String> strings = new ArrayList<>();
        collectStrings(document, strings);

        assertThat(strings).allSatisfy(text -> assertThat(LedgerText.sanitize(text)).isEqualTo(text));
        assertThat(document.get("request_id").textValue()).isEqualTo("r\\u0000");
        assertThat(document.get("scope").textValue()).isEqualTo("org/repo\\ud800");
        assertThat(document.get("user_agent").textValue()).hasSize(1025).startsWith("agent\\u0007!").endsWith("!…");
        assertThat(document.get("actor").get("sub").textValue()).isEqualTo("sub\\udfff");
        assertThat(document.get("actor").get("claims").get("claim\\u0000name").textValue()).isEqualTo("value\\u0000");
    }

    @Test
    void thePreparedEntryIsTheCanonicalDocumentWithItsQueryColumns() {
        for (ExchangeRecord record : List.of(richRecord(), bareDenial())) {
            LedgerEntry entry = LedgerDocument.entry(record, CHAIN);
            for (long seq : new long[]{1, 9, 10, 123_456_789_012L}) {
                assertThat(entry.canonical(seq)).isEqualTo(CanonicalJson.of(LedgerDocument.document(record, CHAIN, seq)));
            }
            ObjectNode document = LedgerDocument.document(record, CHAIN, 1);
            assertThat(entry.recordedAt().toInstant().toString()).isEqualTo(document.get("time").textValue());
            assertThat(entry.requestId()).isEqualTo(document.get("request_id").textValue());
            assertThat(entry.decision()).isEqualTo(document.get("decision").textValue());
            assertThat(entry.grpcCode()).isEqualTo(document.get("grpc_code").intValue());
            assertThat(entry.reason()).isEqualTo(document.get("reason").textValue());
            assertThat(entry.scope()).isEqualTo(document.get("scope").textValue());
            assertThat(entry.identity()).isEqualTo(document.get("identity").textValue());
            assertThat(entry.issuer()).isEqualTo(document.at("/actor/iss").textValue());
            assertThat(entry.subject()).isEqualTo(document.at("/actor/sub").textValue());
            assertThat(entry.tokenSha256()).isEqualTo(document.at("/issued/token_sha256").textValue());
        }
    }

    @Test
    void theCanonicalFormIsStable() {
        // A fixed text: a change here changes every hash a verifier computes, so it needs a new version.
        assertThat(LedgerDocument.entry(bareDenial(), CHAIN).canonical(1)).isEqualTo(
                "{\"actor\":null,\"chain_id\":\"5b0e4d0c-3f6e-4c2a-9d1e-7a8b9c0d1e2f\",\"decision\":\"deny\","
                        + "\"detail\":null,\"grpc_code\":16,\"identity\":\"\",\"issued\":null,\"issuer_allowlist\":null,"
                        + "\"message\":\"unable to get bearer token\",\"policy\":null,\"reason\":\"missing_token\","
                        + "\"remote_address\":\"198.51.100.1\",\"request_id\":\"req-1\",\"scope\":\"octo-org/app\","
                        + "\"seq\":1,\"span_id\":null,\"time\":\"2025-03-04T05:06:07Z\",\"trace_id\":null,"
                        + "\"user_agent\":\"curl/8\",\"v\":1}");
        // Map order in the record does not matter; the same record always gives the same text.
        ExchangeRecord rich = richRecord();
        Map<String, String> reversed = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(rich.actor().claims().keySet());
        for (int i = keys.size() - 1; i >= 0; i--) {
            reversed.put(keys.get(i), rich.actor().claims().get(keys.get(i)));
        }
        ExchangeRecord reordered = new ExchangeRecord(rich.time(), rich.requestId(), rich.remoteAddress(),
                rich.userAgent(), rich.scope(), rich.identity(), new ExchangeRecord.Actor(rich.actor().issuer(),
                rich.actor().subject(), rich.actor().audience(), rich.actor().jwtId(), reversed), rich.decision(),
                rich.code(), rich.reason(), rich.message(), rich.detail(), rich.policy(), rich.allowlist(), rich.issued(), null, null);
        assertThat(LedgerDocument.entry(reordered, CHAIN).canonical(5))
                .isEqualTo(LedgerDocument.entry(rich, CHAIN).canonical(5))
                .isEqualTo(CanonicalJson.of(LedgerDocument.document(rich, CHAIN, 5)));
    }

    @Test
    void aQueryColumnIsItsFieldOrABoundedNameForIt() {
        assertThat(LedgerText.column(null)).isNull();
        assertThat(LedgerText.column("")).isEmpty();
        String fits = "ж".repeat(512); // 1,024 bytes of UTF-8
        assertThat(LedgerText.column(fits)).isEqualTo(fits);

        String over = fits + "x";
        assertThat(LedgerText.column(over)).isEqualTo("ж".repeat(128) + "…sha256:" + sha256Hex(over));
        String emoji = "\ud83d\ude00".repeat(300);
        assertThat(LedgerText.column(emoji)).isEqualTo("\ud83d\ude00".repeat(64) + "…sha256:" + sha256Hex(emoji));
        String cjk = "\u4e2d".repeat(1024);
        assertThat(utf8Length(LedgerText.column(cjk))).isLessThanOrEqualTo(LedgerText.MAX_COLUMN_BYTES);

        // A short field that reads like a bounded one is bounded itself: two fields never share a column.
        String lookalike = LedgerText.column(over);
        assertThat(LedgerText.column(lookalike)).isNotEqualTo(lookalike).endsWith(sha256Hex(lookalike));
        assertThat(LedgerText.column("…sha256:" + "A".repeat(64))).isEqualTo("…sha256:" + "A".repeat(64));
    }

    @Test
    void everyQueryColumnOfAnEntryFitsWhateverTheFieldsHeld() {
        String hostile = "\u4e2d".repeat(2000);
        ExchangeRecord record = new ExchangeRecord(Instant.EPOCH, hostile, hostile, hostile, hostile, hostile,
                new ExchangeRecord.Actor(hostile, hostile, List.of(), null, Map.of()), Decision.DENY,
                GrpcCode.INVALID_ARGUMENT, hostile, hostile, null, null, null,
                new ExchangeRecord.Issued(1, 2, null, null, null, hostile), null, null);

        LedgerEntry entry = LedgerDocument.entry(record, CHAIN);
        ObjectNode document = LedgerDocument.document(record, CHAIN, 1);

        for (String column : List.of(entry.requestId(), entry.reason(), entry.scope(), entry.identity(), entry.issuer(),
                entry.subject(), entry.tokenSha256())) {
            assertThat(utf8Length(column)).isLessThanOrEqualTo(LedgerText.MAX_COLUMN_BYTES);
            assertThat(column).isEqualTo(LedgerText.column(document.get("scope").textValue()));
        }
        // The document keeps the text itself, as sanitised.
        assertThat(document.at("/actor/sub").textValue()).isEqualTo("\u4e2d".repeat(1024) + "…");
    }

    @Test
    void aReducedDocumentKeepsTheDecisionAndHashesEveryOtherText() {
        ObjectNode full = LedgerDocument.document(richRecord(), CHAIN, 7);

        ObjectNode reduced = ReducedRecord.reduced(full, "SQLState 54000");

        assertThat(fieldNames(reduced)).isEqualTo(V1_KEYS);
        for (String kept : List.of("/v", "/chain_id", "/seq", "/time", "/decision", "/grpc_code", "/request_id",
                "/remote_address", "/trace_id", "/issued/app_id", "/issued/installation_id", "/issued/repositories",
                "/issued/permissions", "/issued/expires_at", "/issued/token_sha256", "/policy/blob_sha",
                "/policy/sha256", "/issuer_allowlist/mode", "/issuer_allowlist/allowed")) {
            assertThat(reduced.at(kept)).as(kept).isEqualTo(full.at(kept));
        }
        assertThat(reduced.get("reason").textValue()).isEqualTo(ReducedRecord.REDUCED_REASON);
        assertThat(reduced.get("detail").textValue()).contains("SQLState 54000").contains("its reason was issued");
        for (String hashed : List.of("/user_agent", "/scope", "/identity", "/actor/iss", "/actor/sub", "/actor/jti",
                "/actor/aud/0", "/policy/owner", "/policy/path", "/policy/parsed/subject", "/issuer_allowlist/iss")) {
            assertThat(reduced.at(hashed).textValue()).as(hashed).isEqualTo(LedgerText.hashed(full.at(hashed).textValue()));
        }
        assertThat(fieldNames(reduced.at("/actor/claims")))
                .containsExactlyInAnyOrder(LedgerText.hashed("repository"), LedgerText.hashed("ref"),
                        LedgerText.hashed("workflow_ref"));
        List<String> strings = new ArrayList<>();
        collectStrings(reduced, strings);
        strings.remove(reduced.get("detail").textValue());
        assertThat(strings).allSatisfy(text -> assertThat(text).matches("[ -~]{0,100}"));
    }

    @Test
    void aReducedDocumentHashesAReasonThatIsNotPlain() {
        ObjectNode full = LedgerDocument.document(bareDenial(), CHAIN, 1);
        full.put("reason", "not plain\u0000");

        assertThat(ReducedRecord.reduced(full, "SQLState 22021").get("detail").textValue())
                .contains("its reason was " + LedgerText.hashed("not plain\u0000"));
    }

    private static int utf8Length(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private static String sha256Hex(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void collectStrings(JsonNode node, List<String> into) {
        if (node.isTextual()) {
            into.add(node.textValue());
        }
        node.fieldNames().forEachRemaining(into::add);
        node.elements().forEachRemaining(child -> collectStrings(child, into));
    }
}
