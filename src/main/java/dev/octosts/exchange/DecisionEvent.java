package dev.octosts.exchange;

import dev.octosts.telemetry.LogEvent;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Level;

/**
 * One log event per exchange, {@value #NAME}: the ledger record's facts without secrets (no token, no claims
 * beyond issuer and subject), so a SIEM can alert on denials per subject or repository — what metrics cannot
 * carry, their labels being bounded. The token appears only as its SHA-256, as in the ledger.
 */
final class DecisionEvent {
    static final String NAME = "octosts.exchange";
    private static final LogEvent EVENT = LogEvent.named(NAME);

    private DecisionEvent() {
    }

    /** @param receipt where the ledger put the record; null when it was not recorded */
    static void emit(ExchangeRecord record, ExchangeRecorder.Receipt receipt) {
        // A refusal past the budget for recorded refusals is only counted, here as in the ledger: a flood of them
        // must not become a flood of log lines. Errors (the ledger itself failing) are always logged.
        if (receipt == null && record.decision() != Decision.ERROR) {
            return;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("event", NAME);
        fields.put("trace_id", record.traceId());
        fields.put("span_id", record.spanId());
        fields.put("request_id", record.requestId());
        fields.put("decision", record.decision().label());
        fields.put("reason", record.reason());
        fields.put("grpc_code", (long) record.code().value());
        fields.put("scope", record.scope());
        fields.put("identity", record.identity());
        if (record.actor() != null) {
            fields.put("issuer", record.actor().issuer());
            fields.put("subject", record.actor().subject());
        }
        if (record.policy() != null) {
            fields.put("policy_sha256", record.policy().sha256());
        }
        if (record.issued() != null) {
            fields.put("token_sha256", record.issued().tokenSha256());
            fields.put("installation_id", record.issued().installationId());
        }
        fields.put("remote_address", record.remoteAddress());
        if (receipt != null) {
            fields.put("chain_id", receipt.chainId().toString());
            fields.put("seq", receipt.seq());
        }
        EVENT.emit(record.decision() == Decision.ERROR ? Level.WARNING : Level.INFO,
                "exchange " + record.decision().label(), fields);
    }
}
