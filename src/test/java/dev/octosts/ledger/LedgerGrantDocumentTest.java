package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.exchange.ExchangeRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The optional {@code grant} of a record: written only when there is one, in the published schema, and reducible. */
class LedgerGrantDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UUID CHAIN = UUID.fromString("5b0e4d0c-3f6e-4c2a-9d1e-7a8b9c0d1e2f");

    static ExchangeRecord withGrant() {
        ExchangeRecord rich = LedgerDocumentTest.richRecord();
        return new ExchangeRecord(rich.time(), rich.requestId(), rich.remoteAddress(), rich.userAgent(), "octo-org/app",
                rich.identity(), rich.actor(), rich.decision(), rich.code(), rich.reason(), rich.message(), rich.detail(),
                rich.policy(), rich.allowlist(), rich.issued(), null, null, new ExchangeRecord.Grant(
                List.of("octo-org/app", "octo-org/lib"),
                List.of(new ExchangeRecord.PolicyRef("octo-org", "app", ".github/chainguard/release.sts.yaml",
                                "0123456789abcdef0123456789abcdef01234567", "a".repeat(64)),
                        new ExchangeRecord.PolicyRef("octo-org", "lib", ".github/chainguard/release.sts.yaml",
                                "89abcdef0123456789abcdef0123456789abcdef", "c".repeat(64))),
                Map.of("contents", "read"), null, List.of("app", "lib"), Map.of("contents", "read")), null);
    }

    @Test
    void aRecordWithoutAGrantHasNoGrantKey() {
        assertThat(LedgerDocument.document(LedgerDocumentTest.richRecord(), CHAIN, 1).has("grant")).isFalse();
    }

    @Test
    void aGrantFollowsThePublishedSchema() throws IOException {
        JsonNode schema = JSON.readTree(Path.of("db/ledger-record.schema.json").toFile());
        ObjectNode document = LedgerDocument.document(withGrant(), CHAIN, 3);
        document.put("prev_hash", "0".repeat(64));
        document.put("hash", "1".repeat(64));

        assertThat(LedgerExportTest.SchemaCheck.errors(schema, document, "$")).isEmpty();
        assertThat(document.at("/grant/policies/1/sha256").textValue()).isEqualTo("c".repeat(64));
        assertThat(document.at("/grant/requested_repositories").isNull()).isTrue();

        document.with("grant").put("extra", 1);
        assertThat(LedgerExportTest.SchemaCheck.errors(schema, document, "$")).isNotEmpty();
    }

    @Test
    void aReducedGrantKeepsItsShape() throws IOException {
        ObjectNode reduced = ReducedRecord.reduced(LedgerDocument.document(withGrant(), CHAIN, 3), "SQLState 54000");

        // Hashes stay as they are, the record's own policy's and the grant's policies' alike, so that a reduced
        // grant still follows the published schema; every other text becomes its SHA-256.
        assertThat(reduced.at("/policy/blob_sha").textValue()).isEqualTo("0123456789abcdef0123456789abcdef01234567");
        assertThat(reduced.at("/policy/sha256").textValue()).isEqualTo("a".repeat(64));
        assertThat(reduced.at("/grant/policies/0")).isEqualTo(JSON.readTree("""
                {"owner": "sha256:1eae6a61d07f867b60666612f749eb0e4325c6e38278a8013dadfe27979f6247",
                 "repo": "sha256:a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333",
                 "path": "sha256:d1088c7f1b7f567889100304440967e3a305a7e3800cf94b3b900419731f6b1f",
                 "blob_sha": "0123456789abcdef0123456789abcdef01234567",
                 "sha256": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"""));
        assertThat(reduced.at("/grant/scopes/0").textValue())
                .isEqualTo("sha256:edfc67b5ab6594e2bef46e870300a735dcb2395237a298b76c18bdafc0f3f090");
        assertThat(reduced.at("/grant/policies/1/sha256").textValue()).isEqualTo("c".repeat(64));
        reduced.put("prev_hash", "0".repeat(64));
        reduced.put("hash", "1".repeat(64));
        assertThat(LedgerExportTest.SchemaCheck.errors(JSON.readTree(Path.of("db/ledger-record.schema.json").toFile()),
                reduced, "$")).isEmpty();
    }
}
