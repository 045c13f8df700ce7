package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.exchange.ExchangeRecord;
import dev.octosts.exchange.ParsedPolicy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;

import static dev.octosts.ledger.LedgerText.column;
import static dev.octosts.ledger.LedgerText.sanitize;

/**
 * The exchange record as a ledger document (version 1) and its query columns. Every key is always
 * present (null when absent) and every string is {@linkplain LedgerText#sanitize sanitised}, so any
 * record can be stored in PostgreSQL and canonicalises the same way in every language.
 *
 * <p>{@code time} is the record's time truncated to microseconds: PostgreSQL's {@code timestamptz}
 * holds no more, and the {@code recorded_at} column must equal the document field.
 *
 * <p>A query column holds its document field {@linkplain LedgerText#column bounded in bytes}. The
 * {@code token_sha256} column holds the issued token's hash, or on a revocation record the hash of the
 * token it was about, so that one lookup finds a token's grant and its revocation.
 *
 * <p>{@code revocation} is the one key present only where it applies (records of {@code DELETE
 * /sts/token}): every other record keeps exactly the shape it had before revocations existed.
 */
public final class LedgerDocument {
    public static final int VERSION = 1;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String SEQ = "seq";

    private LedgerDocument() {
    }

    /** The v1 document of {@code record} as record {@code seq} of chain {@code chainId}. */
    public static ObjectNode document(ExchangeRecord record, UUID chainId, long seq) {
        ObjectNode document = NODES.objectNode();
        document.put("v", VERSION);
        document.put("chain_id", chainId.toString());
        document.put(SEQ, seq);
        document.put("time", time(record.time()));
        document.put("request_id", text(record.requestId()));
        document.put("trace_id", sanitize(record.traceId()));
        document.put("span_id", sanitize(record.spanId()));
        document.put("remote_address", text(record.remoteAddress()));
        document.put("user_agent", text(record.userAgent()));
        document.put("scope", text(record.scope()));
        document.put("identity", text(record.identity()));
        document.set("actor", actor(record.actor()));
        document.put("decision", record.decision().label());
        document.put("grpc_code", record.code().value());
        document.put("reason", text(record.reason()));
        document.put("message", text(record.message()));
        document.put("detail", sanitize(record.detail()));
        document.set("policy", policy(record.policy()));
        document.set("issuer_allowlist", allowlist(record.allowlist()));
        document.set("issued", issued(record.issued()));
        if (record.grant() != null) {
            // Only where a request used several repositories or narrowed the token: every other record,
            // and every record written before grants existed, stays as it was.
            document.set("grant", grant(record.grant()));
        }
        if (record.revocation() != null) {
            document.set("revocation", revocation(record.revocation()));
        }
        return document;
    }

    /**
     * The document of {@code record} for chain {@code chainId}, canonicalised up to the sequence number,
     * with its query columns: the writer only splices in the seq and hashes.
     */
    static LedgerEntry entry(ExchangeRecord record, UUID chainId) {
        return entry(document(record, chainId, 0), record.time());
    }

    /**
     * The {@linkplain ReducedRecord reduced} document of {@code record}, for when the database refused the
     * full one ({@code refusal} says how, e.g. {@code SQLState 54000}).
     */
    static LedgerEntry reducedEntry(ExchangeRecord record, UUID chainId, String refusal) {
        return entry(ReducedRecord.reduced(document(record, chainId, 0), refusal), record.time());
    }

    private static LedgerEntry entry(ObjectNode document, Instant time) {
        StringBuilder head = new StringBuilder(1024).append('{');
        StringBuilder tail = null;
        boolean first = true;
        // RFC 8785 order: the keys are ASCII, so String order is UTF-16 code unit order.
        for (String name : sortedNames(document)) {
            StringBuilder out = tail == null ? head : tail;
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append('"').append(name).append("\":");
            if (name.equals(SEQ)) {
                tail = new StringBuilder(1024);
            } else {
                out.append(CanonicalJson.of(document.get(name)));
            }
        }
        tail.append('}');
        JsonNode actor = document.get("actor");
        String tokenSha256 = tokenSha256(document);
        String headText = head.toString();
        String tailText = tail.toString();
        return new LedgerEntry(headText, tailText,
                headText.getBytes(StandardCharsets.UTF_8), tailText.getBytes(StandardCharsets.UTF_8),
                time.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC),
                column(document.get("request_id").textValue()), document.get("decision").textValue(),
                document.get("grpc_code").intValue(), column(document.get("reason").textValue()),
                column(document.get("scope").textValue()), column(document.get("identity").textValue()),
                column(actor.path("iss").textValue()), column(actor.path("sub").textValue()),
                column(tokenSha256));
    }

    /** The token a record is about: the one it issued, or the one a revocation request named; null for none. */
    static String tokenSha256(JsonNode document) {
        String issued = document.path("issued").path("token_sha256").textValue();
        return issued != null ? issued : document.path("revocation").path("token_sha256").textValue();
    }

    private static TreeSet<String> sortedNames(ObjectNode document) {
        TreeSet<String> names = new TreeSet<>();
        document.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static String time(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS).toString();
    }

    private static JsonNode actor(ExchangeRecord.Actor actor) {
        if (actor == null) {
            return NODES.nullNode();
        }
        ObjectNode node = NODES.objectNode();
        node.put("iss", sanitize(actor.issuer()));
        node.put("sub", sanitize(actor.subject()));
        node.set("aud", strings(actor.audience()));
        node.put("jti", sanitize(actor.jwtId()));
        node.set("claims", strings(actor.claims()));
        return node;
    }

    private static JsonNode policy(ExchangeRecord.PolicySource policy) {
        if (policy == null) {
            return NODES.nullNode();
        }
        ObjectNode node = NODES.objectNode();
        node.put("owner", sanitize(policy.owner()));
        node.put("repo", sanitize(policy.repo()));
        node.put("path", sanitize(policy.path()));
        node.put("blob_sha", sanitize(policy.blobSha()));
        node.put("sha256", sanitize(policy.sha256()));
        node.set("parsed", parsed(policy.parsed()));
        return node;
    }

    private static JsonNode parsed(ParsedPolicy parsed) {
        if (parsed == null) {
            return NODES.nullNode();
        }
        ObjectNode node = NODES.objectNode();
        node.put("issuer", sanitize(parsed.issuer()));
        node.put("issuer_pattern", sanitize(parsed.issuerPattern()));
        node.put("subject", sanitize(parsed.subject()));
        node.put("subject_pattern", sanitize(parsed.subjectPattern()));
        node.put("audience", sanitize(parsed.audience()));
        node.put("audience_pattern", sanitize(parsed.audiencePattern()));
        node.set("claim_pattern", strings(parsed.claimPattern()));
        node.set("permissions", strings(parsed.permissions()));
        node.set("repositories", strings(parsed.repositories()));
        return node;
    }

    private static JsonNode allowlist(ExchangeRecord.AllowlistVerdict verdict) {
        if (verdict == null) {
            return NODES.nullNode();
        }
        ObjectNode node = NODES.objectNode();
        node.put("mode", sanitize(verdict.mode()));
        node.put("allowed", verdict.allowed());
        node.put("iss", sanitize(verdict.issuer()));
        return node;
    }

    private static JsonNode issued(ExchangeRecord.Issued issued) {
        if (issued == null) {
            return NODES.nullNode();
        }
        ObjectNode node = NODES.objectNode();
        node.put("app_id", issued.appId());
        node.put("installation_id", issued.installationId());
        node.set("repositories", strings(issued.repositories()));
        node.set("permissions", strings(issued.permissions()));
        node.put("expires_at", issued.expiresAt() == null ? null : issued.expiresAt().toString());
        node.put("token_sha256", sanitize(issued.tokenSha256()));
        return node;
    }

    private static JsonNode revocation(ExchangeRecord.Revocation revocation) {
        ObjectNode node = NODES.objectNode();
        node.put("token_sha256", sanitize(revocation.tokenSha256()));
        boolean granted = revocation.grantChainId() != null;
        node.put("grant_chain_id", granted ? revocation.grantChainId().toString() : null);
        if (granted) {
            node.put("grant_seq", revocation.grantSeq());
        } else {
            node.putNull("grant_seq");
        }
        node.put("expires_at", revocation.expiresAt() == null ? null : revocation.expiresAt().toString());
        return node;
    }

    private static JsonNode grant(ExchangeRecord.Grant grant) {
        ObjectNode node = NODES.objectNode();
        node.set("scopes", strings(grant.scopes()));
        ArrayNode policies = NODES.arrayNode(grant.policies().size());
        for (ExchangeRecord.PolicyRef policy : grant.policies()) {
            ObjectNode read = NODES.objectNode();
            read.put("owner", sanitize(policy.owner()));
            read.put("repo", sanitize(policy.repo()));
            read.put("path", sanitize(policy.path()));
            read.put("blob_sha", sanitize(policy.blobSha()));
            read.put("sha256", sanitize(policy.sha256()));
            policies.add(read);
        }
        node.set("policies", policies);
        node.set("requested_permissions", strings(grant.requestedPermissions()));
        node.set("requested_repositories", strings(grant.requestedRepositories()));
        node.set("repositories", strings(grant.repositories()));
        node.set("permissions", strings(grant.permissions()));
        return node;
    }

    private static JsonNode strings(List<String> values) {
        if (values == null) {
            return NODES.nullNode();
        }
        ArrayNode array = NODES.arrayNode(values.size());
        values.forEach(value -> array.add(sanitize(value)));
        return array;
    }

    private static JsonNode strings(Map<String, String> values) {
        if (values == null) {
            return NODES.nullNode();
        }
        ObjectNode object = NODES.objectNode();
        values.forEach((key, value) -> object.put(text(key), sanitize(value)));
        return object;
    }

    /** A string the v1 document always holds: absent becomes "" (an optional one stays null: {@link LedgerText#sanitize}). */
    private static String text(String value) {
        return value == null ? "" : sanitize(value);
    }
}
