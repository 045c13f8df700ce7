package dev.octosts.ledger;

import static dev.octosts.ledger.schema.Tables.LEDGER_CHAIN;
import static dev.octosts.ledger.schema.Tables.LEDGER_CHECKPOINT;
import static dev.octosts.ledger.schema.Tables.LEDGER_RECORD;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.octosts.ledger.VerificationReport.Problem;
import dev.octosts.ledger.VerificationReport.Problem.Kind;
import dev.octosts.ledger.schema.tables.records.LedgerCheckpointRecord;
import dev.octosts.ledger.schema.tables.records.LedgerRecordRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.Result;
import org.jooq.SQLDialect;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;

/**
 * Walks every chain of the ledger in seq order and every checkpoint, and reports the first break:
 * a gap in the seqs, a record whose hash, link, canonical text or query columns (each its document field,
 * or that field {@linkplain LedgerText#column bounded}) do not hold, an intact
 * record at the wrong place, or a checkpoint that is not validly signed or does not match its record.
 * Signed checkpoints also catch records deleted from the end of a chain, up to the last checkpoint.
 * Records are read in pages, never the whole table at once.
 *
 * <p>{@link #verifyAfter} does the same work in bounded portions: chain by chain, only the records after
 * the positions an earlier walk reached, and at most a given number of them.
 */
public final class LedgerVerifier {
    private static final int PAGE_SIZE = 1000;
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** PostgreSQL keeps microseconds; a nanosecond document time is rounded in the column. */
    private static final Duration TIME_PRECISION = Duration.ofNanos(1000);
    private static final List<String> V1_KEYS = List.of("v", "chain_id", "seq", "time", "request_id", "trace_id",
            "span_id", "remote_address", "user_agent", "scope", "identity", "actor", "decision", "grpc_code", "reason",
            "message", "detail", "policy", "issuer_allowlist", "issued");
    /** PostgreSQL orders uuids by their bytes, which is the order of their lowercase text. */
    private static final Comparator<UUID> DATABASE_ORDER = Comparator.comparing(UUID::toString);
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private final DataSource dataSource;
    private final CheckpointVerifier checkpointVerifier;

    /** @param trustedCheckpointKeys the ledger public keys checkpoints may be signed with */
    public LedgerVerifier(DataSource dataSource, List<PublicKey> trustedCheckpointKeys) {
        this.dataSource = dataSource;
        this.checkpointVerifier = new CheckpointVerifier(trustedCheckpointKeys);
    }

    /** @throws DataAccessException when the database cannot be read */
    public VerificationReport verify() {
        try (Connection connection = dataSource.getConnection()) {
            return new Walk(DSL.using(connection, SQLDialect.POSTGRES)).run();
        } catch (SQLException e) {
            throw new DataAccessException("cannot connect to the ledger database: " + e.getMessage(), e);
        }
    }

    /**
     * Where a walk left a chain: its records up to {@code seq} were verified, the last one has {@code hash}
     * (the start of a chain is seq 0 with {@link ChainHead#EMPTY_HASH}).
     */
    public record Position(long seq, String hash) {
        static final Position START = new Position(0, ChainHead.EMPTY_HASH);
    }

    /**
     * Verifies the chains registered in {@code ledger_chain}, each from the position in {@code from} (its
     * start when absent), walking at most {@code maxRecords} records, and the checkpoints after those
     * positions. Records before a position are trusted as verified and not read again.
     *
     * @throws DataAccessException when the database cannot be read
     */
    public IncrementalReport verifyAfter(Map<UUID, Position> from, int maxRecords) {
        try (Connection connection = dataSource.getConnection()) {
            return new Walk(DSL.using(connection, SQLDialect.POSTGRES)).runAfter(from, maxRecords);
        } catch (SQLException e) {
            throw new DataAccessException("cannot connect to the ledger database: " + e.getMessage(), e);
        }
    }

    /** Lowercase hex SHA-256 of the previous hash's bytes followed by the canonical text's UTF-8 bytes. */
    static String chainHash(String prevHash, String canonical) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            sha256.update(HexFormat.of().parseHex(prevHash));
            return HexFormat.of().formatHex(sha256.digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** One verification run over one connection. */
    private final class Walk {
        private final DSLContext db;
        private long records;
        private int chains;
        private long checkpoints;

        Walk(DSLContext db) {
            this.db = db;
        }

        VerificationReport run() {
            Optional<Problem> problem = walk();
            return new VerificationReport(records, chains, checkpoints, problem);
        }

        IncrementalReport runAfter(Map<UUID, Position> from, int maxRecords) {
            long earlier = from.values().stream().mapToLong(Position::seq).sum();
            Map<UUID, Position> reached = new HashMap<>();
            List<UUID> ids = db.select(LEDGER_CHAIN.CHAIN_ID).from(LEDGER_CHAIN)
                    .orderBy(LEDGER_CHAIN.CHAIN_ID).fetch(LEDGER_CHAIN.CHAIN_ID);
            for (UUID id : ids) {
                if (records >= maxRecords) {
                    return new IncrementalReport(records, earlier, chains, checkpoints, false, Optional.empty(), reached);
                }
                ChainWalk chain = new ChainWalk(id, from.getOrDefault(id, Position.START), (int) (maxRecords - records));
                Optional<Problem> problem = Optional.empty();
                boolean ended = false;
                while (problem.isEmpty() && !ended && records < maxRecords) {
                    int wanted = (int) Math.min(PAGE_SIZE, maxRecords - records);
                    Result<LedgerRecordRecord> page = db.selectFrom(LEDGER_RECORD)
                            .where(LEDGER_RECORD.CHAIN_ID.eq(id), LEDGER_RECORD.SEQ.gt(chain.expectedSeq - 1))
                            .orderBy(LEDGER_RECORD.SEQ)
                            .limit(wanted)
                            .fetch();
                    for (LedgerRecordRecord record : page) {
                        problem = chain.accept(record);
                        if (problem.isPresent()) {
                            break;
                        }
                    }
                    ended = page.size() < wanted;
                }
                if (problem.isEmpty() && ended) {
                    problem = chain.finish();
                }
                reached.put(id, chain.position());
                if (problem.isPresent()) {
                    return new IncrementalReport(records, earlier, chains, checkpoints, false, problem, reached);
                }
                if (!ended) {
                    return new IncrementalReport(records, earlier, chains, checkpoints, false, Optional.empty(), reached);
                }
            }
            return new IncrementalReport(records, earlier, chains, checkpoints, true, Optional.empty(), reached);
        }

        private Optional<Problem> walk() {
            // Chains that may have no records left; a truncated chain still has its checkpoints.
            NavigableSet<UUID> notWalked = new TreeSet<>(DATABASE_ORDER);
            notWalked.addAll(db.select(LEDGER_CHAIN.CHAIN_ID).from(LEDGER_CHAIN).fetch(LEDGER_CHAIN.CHAIN_ID));
            notWalked.addAll(db.selectDistinct(LEDGER_CHECKPOINT.CHAIN_ID).from(LEDGER_CHECKPOINT)
                    .fetch(LEDGER_CHECKPOINT.CHAIN_ID));
            ChainWalk chain = null;
            LedgerRecordRecord last = null;
            while (true) {
                Result<LedgerRecordRecord> page = db.selectFrom(LEDGER_RECORD)
                        .where(last == null ? DSL.noCondition()
                                : DSL.row(LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ).gt(last.getChainId(), last.getSeq()))
                        .orderBy(LEDGER_RECORD.CHAIN_ID, LEDGER_RECORD.SEQ)
                        .limit(PAGE_SIZE)
                        .fetch();
                for (LedgerRecordRecord record : page) {
                    if (chain == null || !chain.id.equals(record.getChainId())) {
                        Optional<Problem> problem = chain == null ? Optional.empty() : chain.finish();
                        if (problem.isEmpty()) {
                            problem = walkChainsWithoutRecords(notWalked.headSet(record.getChainId(), false));
                        }
                        if (problem.isPresent()) {
                            return problem;
                        }
                        notWalked.remove(record.getChainId());
                        chain = new ChainWalk(record.getChainId());
                    }
                    Optional<Problem> problem = chain.accept(record);
                    if (problem.isPresent()) {
                        return problem;
                    }
                }
                if (page.size() < PAGE_SIZE) {
                    break;
                }
                last = page.getLast();
            }
            Optional<Problem> problem = chain == null ? Optional.empty() : chain.finish();
            return problem.isPresent() ? problem : walkChainsWithoutRecords(notWalked);
        }

        /** Empties {@code ids}, checking each chain's checkpoints. */
        private Optional<Problem> walkChainsWithoutRecords(NavigableSet<UUID> ids) {
            for (Iterator<UUID> it = ids.iterator(); it.hasNext(); ) {
                UUID id = it.next();
                it.remove();
                Optional<Problem> problem = new ChainWalk(id).finish();
                if (problem.isPresent()) {
                    return problem;
                }
            }
            return Optional.empty();
        }

        /** The walk along one chain: the records arrive in seq order through {@link #accept}. */
        private final class ChainWalk {
            private final UUID id;
            private final NavigableMap<Long, LedgerCheckpointRecord> pendingCheckpoints = new TreeMap<>();
            private long expectedSeq;
            private String previousHash;

            ChainWalk(UUID id) {
                this(id, Position.START, Integer.MAX_VALUE);
            }

            /**
             * A walk that continues after {@code start} (checkpoints up to it were checked before) for at most
             * {@code maxRecords} records. It holds only the checkpoints those records can reach plus the
             * first one beyond them, which is all {@link #finish} needs: one checkpoint per seq at most, so
             * the first {@code maxRecords + 1} after {@code start} include both.
             */
            ChainWalk(UUID id, Position start, int maxRecords) {
                this.id = id;
                this.expectedSeq = start.seq() + 1;
                this.previousHash = start.hash();
                chains++;
                for (LedgerCheckpointRecord checkpoint : db.selectFrom(LEDGER_CHECKPOINT)
                        .where(LEDGER_CHECKPOINT.CHAIN_ID.eq(id), LEDGER_CHECKPOINT.SEQ.gt(start.seq()))
                        .orderBy(LEDGER_CHECKPOINT.SEQ)
                        .limit(maxRecords + 1L)
                        .fetch()) {
                    pendingCheckpoints.put(checkpoint.getSeq(), checkpoint);
                }
            }

            /** The last record accepted so far. */
            Position position() {
                return new Position(expectedSeq - 1, previousHash);
            }

            Optional<Problem> accept(LedgerRecordRecord record) {
                if (record.getSeq() != expectedSeq) {
                    return problem(expectedSeq, Kind.MISSING, "there is no record with seq " + expectedSeq
                            + "; the next record has seq " + record.getSeq());
                }
                Optional<Problem> problem = checkRecord(record);
                if (problem.isPresent()) {
                    return problem;
                }
                records++;
                previousHash = record.getHash();
                expectedSeq++;
                LedgerCheckpointRecord checkpoint = pendingCheckpoints.remove(record.getSeq());
                return checkpoint == null ? Optional.empty() : checkCheckpoint(checkpoint, record);
            }

            /** After the last record: checkpoints beyond it prove that records were removed from the end. */
            Optional<Problem> finish() {
                for (LedgerCheckpointRecord checkpoint : pendingCheckpoints.values()) {
                    Optional<Problem> signature = checkSignature(checkpoint);
                    if (signature.isPresent()) {
                        return signature;
                    }
                    return problem(expectedSeq, Kind.MISSING, (expectedSeq == checkpoint.getSeq()
                            ? "record " + expectedSeq + " is missing"
                            : "records " + expectedSeq + " to " + checkpoint.getSeq() + " are missing")
                            + ": the checkpoint signed at " + checkpoint.getSignedAt().toInstant()
                            + " covers the chain up to seq " + checkpoint.getSeq());
                }
                return Optional.empty();
            }

            private Optional<Problem> checkRecord(LedgerRecordRecord record) {
                long seq = record.getSeq();
                if (!HEX_SHA256.matcher(record.getPrevHash()).matches() || !HEX_SHA256.matcher(record.getHash()).matches()) {
                    return problem(seq, Kind.CHANGED, "prev_hash or hash is not 64 lowercase hex digits");
                }
                if (!chainHash(record.getPrevHash(), record.getCanonical()).equals(record.getHash())) {
                    return problem(seq, Kind.CHANGED, "the stored hash is not the SHA-256 of prev_hash and the record's text");
                }
                if (!record.getPrevHash().equals(previousHash)) {
                    return brokenLink(record);
                }
                JsonNode document;
                try {
                    document = JSON.readTree(record.getCanonical());
                } catch (JsonProcessingException e) {
                    return problem(seq, Kind.NOT_CANONICAL, "the record's text is not valid JSON");
                }
                if (!canonical(document).equals(record.getCanonical())) {
                    return problem(seq, Kind.NOT_CANONICAL, "the record's text is not RFC 8785 canonical JSON");
                }
                return checkDocument(record, document);
            }

            /** The record's own hash holds but it does not follow the previous record. */
            private Optional<Problem> brokenLink(LedgerRecordRecord record) {
                long seq = record.getSeq();
                if (seq == 1) {
                    return problem(seq, Kind.CHANGED, "prev_hash of the first record is not 64 zeros");
                }
                Long linked = db.select(LEDGER_RECORD.SEQ).from(LEDGER_RECORD)
                        .where(LEDGER_RECORD.CHAIN_ID.eq(id), LEDGER_RECORD.HASH.eq(record.getPrevHash()))
                        .fetchOne(LEDGER_RECORD.SEQ);
                if (linked != null) {
                    return problem(seq, Kind.REORDERED, "the record follows the record now at seq " + linked
                            + ", not the one at seq " + (seq - 1));
                }
                return problem(seq, Kind.CHANGED, "prev_hash is not the hash of seq " + (seq - 1)
                        + ": this record or the one before it was changed");
            }

            private Optional<Problem> checkDocument(LedgerRecordRecord record, JsonNode document) {
                long seq = record.getSeq();
                if (!document.isObject() || !document.path("v").isIntegralNumber() || document.get("v").longValue() != 1) {
                    return problem(seq, Kind.CHANGED, "the record is not a version 1 ledger document");
                }
                for (String key : V1_KEYS) {
                    if (!document.has(key)) {
                        return problem(seq, Kind.CHANGED, "the record lacks the key \"" + key + "\"");
                    }
                }
                if (!id.toString().equals(text(document.get("chain_id")))) {
                    return problem(seq, Kind.REORDERED, "the record was written to chain " + text(document.get("chain_id")));
                }
                JsonNode writtenSeq = document.get("seq");
                if (!writtenSeq.isIntegralNumber() || writtenSeq.longValue() != seq) {
                    return problem(seq, Kind.REORDERED, "the record was written as seq " + writtenSeq);
                }
                String column = differingColumn(record, document);
                return column == null ? Optional.empty()
                        : problem(seq, Kind.CHANGED, "the column " + column + " does not match the record");
            }

            /** The first query column that is not a copy of its document field, or null. */
            private static String differingColumn(LedgerRecordRecord record, JsonNode document) {
                if (!sameTime(record, document.get("time"))) {
                    return "recorded_at";
                }
                JsonNode grpcCode = document.get("grpc_code");
                if (!grpcCode.isIntegralNumber() || grpcCode.longValue() != record.getGrpcCode()) {
                    return "grpc_code";
                }
                record Copy(String column, String stored, JsonNode field) {
                }
                List<Copy> copies = List.of(
                        new Copy("request_id", record.getRequestId(), document.get("request_id")),
                        new Copy("decision", record.getDecision(), document.get("decision")),
                        new Copy("reason", record.getReason(), document.get("reason")),
                        new Copy("scope", record.getScope(), document.get("scope")),
                        new Copy("identity", record.getIdentity(), document.get("identity")),
                        new Copy("issuer", record.getIssuer(), document.get("actor").path("iss")),
                        new Copy("subject", record.getSubject(), document.get("actor").path("sub")),
                        new Copy("token_sha256", record.getTokenSha256(), document.get("issued").path("token_sha256")));
                for (Copy copy : copies) {
                    // A long field is in its column bounded; records written before the bound hold it whole.
                    String field = text(copy.field());
                    if (!Objects.equals(copy.stored(), field) && !Objects.equals(copy.stored(), LedgerText.column(field))) {
                        return copy.column();
                    }
                }
                return null;
            }

            private static boolean sameTime(LedgerRecordRecord record, JsonNode time) {
                if (!time.isTextual()) {
                    return false;
                }
                try {
                    Instant written = Instant.parse(time.textValue());
                    return Duration.between(written, record.getRecordedAt().toInstant()).abs().compareTo(TIME_PRECISION) < 0;
                } catch (DateTimeParseException e) {
                    return false;
                }
            }

            private Optional<Problem> checkCheckpoint(LedgerCheckpointRecord checkpoint, LedgerRecordRecord record) {
                Optional<Problem> signature = checkSignature(checkpoint);
                if (signature.isPresent()) {
                    return signature;
                }
                if (!checkpoint.getHash().equals(record.getHash())) {
                    return problem(checkpoint.getSeq(), Kind.CHECKPOINT_MISMATCH, "the checkpoint signed at "
                            + checkpoint.getSignedAt().toInstant() + " names hash " + checkpoint.getHash()
                            + " but the record has hash " + record.getHash());
                }
                checkpoints++;
                return Optional.empty();
            }

            private Optional<Problem> checkSignature(LedgerCheckpointRecord checkpoint) {
                return checkpointVerifier.check(checkpoint.getChainId(), checkpoint.getSeq(), checkpoint.getHash(),
                                checkpoint.getSignedAt().toInstant(), checkpoint.getKeyId(), checkpoint.getSignature())
                        .flatMap(why -> problem(checkpoint.getSeq(), Kind.SIGNATURE_INVALID, "checkpoint: " + why));
            }

            private Optional<Problem> problem(long seq, Kind kind, String detail) {
                return Optional.of(new Problem(id, seq, kind, detail));
            }
        }
    }

    private static String canonical(JsonNode document) {
        try {
            return CanonicalJson.of(document);
        } catch (IllegalArgumentException e) {
            // A fractional number: never written by the ledger, so never canonical.
            return "";
        }
    }

    /** A JSON string's value, null for JSON null or an absent field, the JSON text of anything else. */
    private static String text(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        return node.isTextual() ? node.textValue() : node.toString();
    }
}
