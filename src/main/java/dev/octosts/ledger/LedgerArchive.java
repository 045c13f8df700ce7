package dev.octosts.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.exception.DataAccessException;

/**
 * An archive of the ledger's records before a time, kept outside the database: per chain one JSON Lines
 * file ({@code chain-<id>.jsonl}, the export shape of {@code db/ledger-record.schema.json}, in seq order) and
 * a manifest signed with the ledger key ({@code manifest.jws}; {@code manifest.json} is its payload, for
 * reading). {@link #verify} checks an archive without the database: every line's hash and link from the
 * manifest's first prev_hash to its last hash, the manifest's signature and the signatures of the
 * checkpoints it carries. An edited, dropped, added or reordered line, or a manifest edited or taken from
 * another archive, breaks one of these.
 */
public final class LedgerArchive {
    public static final String MANIFEST = "manifest.jws";
    public static final String MANIFEST_JSON = "manifest.json";
    private static final int FETCH_SIZE = 1000;
    private static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    private static final String CHAINS_BEFORE = """
            SELECT DISTINCT chain_id FROM ledger_record WHERE recorded_at < ? ORDER BY chain_id""";
    private static final String RECORDS_BEFORE = """
            SELECT seq, prev_hash, hash, canonical FROM ledger_record
            WHERE chain_id = ? AND recorded_at < ? ORDER BY seq, recorded_at""";
    private static final String CHECKPOINTS_BETWEEN = """
            SELECT seq, hash, signed_at, key_id, signature FROM ledger_checkpoint
            WHERE chain_id = ? AND seq BETWEEN ? AND ? ORDER BY seq""";

    private LedgerArchive() {
    }

    /**
     * Writes every record with {@code recorded_at < before} into {@code directory} (created; refused when it
     * exists and is not empty), then the signed manifest.
     *
     * @return the manifest written
     * @throws IOException          when the directory cannot be written
     * @throws DataAccessException when the database cannot be read
     */
    public static ArchiveManifest write(DataSource database, CheckpointSigner signer, Instant before, Instant now,
            Path directory) throws IOException {
        if (before.isAfter(now)) {
            throw new IllegalArgumentException("--before " + before + " is in the future: records up to it are still being written");
        }
        if (Files.isDirectory(directory)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
                if (entries.iterator().hasNext()) {
                    throw new IllegalArgumentException("the archive directory " + directory + " is not empty");
                }
            }
        }
        Files.createDirectories(directory);
        List<ArchiveManifest.Chain> chains = new ArrayList<>();
        try (Connection connection = database.getConnection()) {
            // One snapshot for every chain: the manifest describes one moment of the ledger.
            connection.setAutoCommit(false);
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection.setReadOnly(true);
            for (UUID chain : chainsBefore(connection, before)) {
                chains.add(writeChain(connection, chain, before, directory.resolve(ArchiveManifest.Chain.fileName(chain))));
            }
            connection.commit();
        } catch (SQLException e) {
            throw new DataAccessException("cannot read the ledger database: " + e.getMessage(), e);
        }
        ArchiveManifest manifest = new ArchiveManifest(before, now, chains);
        Files.writeString(directory.resolve(MANIFEST_JSON), manifest.json() + "\n", StandardCharsets.UTF_8);
        Files.writeString(directory.resolve(MANIFEST), signer.sign(manifest) + "\n", StandardCharsets.US_ASCII);
        return manifest;
    }

    private static List<UUID> chainsBefore(Connection connection, Instant before) throws SQLException {
        List<UUID> chains = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(CHAINS_BEFORE)) {
            query.setObject(1, before.atOffset(ZoneOffset.UTC));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    chains.add(rows.getObject(1, UUID.class));
                }
            }
        }
        return chains;
    }

    private static ArchiveManifest.Chain writeChain(Connection connection, UUID chain, Instant before, Path file)
            throws SQLException, IOException {
        long first = 0;
        long last = 0;
        long records = 0;
        String firstPrevHash = null;
        String lastHash = null;
        try (PreparedStatement query = connection.prepareStatement(RECORDS_BEFORE);
             BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            query.setFetchSize(FETCH_SIZE);
            query.setObject(1, chain);
            query.setObject(2, before.atOffset(ZoneOffset.UTC));
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    long seq = rows.getLong("seq");
                    String prevHash = rows.getString("prev_hash");
                    String hash = rows.getString("hash");
                    out.write(JSON.writeValueAsString(LedgerExport.exportShape(chain, seq, rows.getString("canonical"), prevHash, hash)));
                    out.write('\n');
                    if (records == 0) {
                        first = seq;
                        firstPrevHash = prevHash;
                    }
                    last = seq;
                    lastHash = hash;
                    records++;
                }
            }
        }
        List<ArchiveManifest.Checkpoint> checkpoints = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(CHECKPOINTS_BETWEEN)) {
            query.setObject(1, chain);
            query.setLong(2, first);
            query.setLong(3, last);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    checkpoints.add(new ArchiveManifest.Checkpoint(rows.getLong("seq"), rows.getString("hash"),
                            rows.getObject("signed_at", java.time.OffsetDateTime.class).toInstant(),
                            rows.getString("key_id"), rows.getString("signature")));
                }
            }
        }
        return new ArchiveManifest.Chain(chain, first, firstPrevHash, last, lastHash, records, checkpoints);
    }

    /**
     * What {@link #verify} found.
     *
     * @param manifest the verified manifest, or null when its signature does not hold
     * @param problem  the first problem found, or empty when the archive is intact
     */
    public record Report(ArchiveManifest manifest, long records, int chains, long checkpoints, Optional<String> problem) {
        public boolean verified() {
            return problem.isEmpty();
        }
    }

    /** Checks the archive in {@code directory} against the trusted ledger public keys, reading no database. */
    public static Report verify(Path directory, List<PublicKey> trustedKeys) {
        return new Verification(new CheckpointVerifier(trustedKeys)).run(directory);
    }

    private static final class Verification {
        private final CheckpointVerifier signatures;
        private long records;
        private int chains;
        private long checkpoints;

        Verification(CheckpointVerifier signatures) {
            this.signatures = signatures;
        }

        Report run(Path directory) {
            ArchiveManifest manifest;
            try {
                String signed = Files.readString(directory.resolve(MANIFEST), StandardCharsets.US_ASCII).strip();
                manifest = signatures.verifiedArchiveManifest(signed);
                Path readable = directory.resolve(MANIFEST_JSON);
                if (Files.exists(readable) && !Files.readString(readable, StandardCharsets.UTF_8).strip().equals(manifest.json())) {
                    return report(null, MANIFEST_JSON + " is not the payload of the signed " + MANIFEST);
                }
            } catch (IOException e) {
                return report(null, "cannot read " + directory.resolve(MANIFEST) + " (" + e.getClass().getSimpleName() + ")");
            } catch (IllegalArgumentException e) {
                return report(null, MANIFEST + " is not a valid archive manifest: " + e.getMessage());
            }
            try {
                Optional<String> extra = extraFile(directory, manifest);
                if (extra.isPresent()) {
                    return report(manifest, extra.get());
                }
                for (ArchiveManifest.Chain chain : manifest.chains()) {
                    Optional<String> problem = chain(directory, manifest.before(), chain);
                    if (problem.isPresent()) {
                        return report(manifest, "chain " + chain.chainId() + ": " + problem.get());
                    }
                }
            } catch (IOException e) {
                return report(manifest, "cannot read the archive (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
            }
            return new Report(manifest, records, chains, checkpoints, Optional.empty());
        }

        private Report report(ArchiveManifest manifest, String problem) {
            return new Report(manifest, records, chains, checkpoints, Optional.of(problem));
        }

        /** A chain file the manifest does not name: records the signature does not vouch for. */
        private static Optional<String> extraFile(Path directory, ArchiveManifest manifest) throws IOException {
            List<String> named = manifest.chains().stream().map(ArchiveManifest.Chain::fileName).toList();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "chain-*.jsonl")) {
                for (Path file : files) {
                    if (!named.contains(file.getFileName().toString())) {
                        return Optional.of(file.getFileName() + " is not named in the manifest");
                    }
                }
            }
            return Optional.empty();
        }

        private Optional<String> chain(Path directory, Instant before, ArchiveManifest.Chain chain) throws IOException {
            chains++;
            Map<Long, ArchiveManifest.Checkpoint> pending = new HashMap<>();
            for (ArchiveManifest.Checkpoint checkpoint : chain.checkpoints()) {
                Optional<String> why = signatures.check(chain.chainId(), checkpoint.seq(), checkpoint.hash(),
                        checkpoint.signedAt(), checkpoint.keyId(), checkpoint.signature());
                if (why.isPresent()) {
                    return Optional.of("checkpoint at seq " + checkpoint.seq() + ": " + why.get());
                }
                pending.put(checkpoint.seq(), checkpoint);
            }
            Path file = directory.resolve(chain.fileName());
            if (!Files.isRegularFile(file)) {
                return Optional.of(chain.fileName() + " is missing");
            }
            long expectedSeq = chain.firstSeq();
            String previousHash = chain.firstPrevHash();
            long count = 0;
            try (BufferedReader lines = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                String line;
                while ((line = lines.readLine()) != null) {
                    Optional<String> problem = line(line, chain.chainId(), expectedSeq, previousHash, before);
                    if (problem.isPresent()) {
                        return Optional.of("seq " + expectedSeq + " (line " + (count + 1) + "): " + problem.get());
                    }
                    previousHash = JSON.readTree(line).get("hash").textValue();
                    ArchiveManifest.Checkpoint checkpoint = pending.remove(expectedSeq);
                    if (checkpoint != null) {
                        if (!checkpoint.hash().equals(previousHash)) {
                            return Optional.of("the checkpoint at seq " + expectedSeq + " names hash " + checkpoint.hash()
                                    + " but the record has hash " + previousHash);
                        }
                        checkpoints++;
                    }
                    count++;
                    records++;
                    expectedSeq++;
                }
            }
            if (count != chain.records() || expectedSeq - 1 != chain.lastSeq()) {
                return Optional.of("the file holds " + count + " records up to seq " + (expectedSeq - 1)
                        + ", the manifest names " + chain.records() + " records up to seq " + chain.lastSeq());
            }
            if (!previousHash.equals(chain.lastHash())) {
                return Optional.of("the last record has hash " + previousHash + ", the manifest names " + chain.lastHash());
            }
            if (!pending.isEmpty()) {
                return Optional.of("the manifest has a checkpoint at seq " + pending.keySet().iterator().next()
                        + ", outside the archived records");
            }
            return Optional.empty();
        }

        /** Why one line is not the record at {@code seq} of the chain following {@code previousHash}, or empty. */
        private static Optional<String> line(String line, UUID chain, long seq, String previousHash, Instant before) {
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                return Optional.of("the line is not JSON");
            }
            if (!(node instanceof ObjectNode document) || !node.path("prev_hash").isTextual() || !node.path("hash").isTextual()) {
                return Optional.of("the line is not a record with prev_hash and hash");
            }
            String prevHash = document.remove("prev_hash").textValue();
            String hash = document.remove("hash").textValue();
            if (!chain.toString().equals(document.path("chain_id").asText())) {
                return Optional.of("the line is a record of chain " + document.path("chain_id").asText());
            }
            if (document.path("seq").asLong(-1) != seq) {
                return Optional.of("the line holds seq " + document.path("seq") + ": a record was dropped, added or reordered");
            }
            if (!prevHash.equals(previousHash)) {
                return Optional.of("prev_hash is not the hash of the record before it: a record was dropped, added or reordered");
            }
            String canonical;
            try {
                canonical = CanonicalJson.of(document);
                if (!LedgerVerifier.chainHash(prevHash, canonical).equals(hash)) {
                    return Optional.of("hash is not the SHA-256 of prev_hash and the record: the record was changed");
                }
                if (!Instant.parse(document.path("time").asText()).isBefore(before)) {
                    return Optional.of("the record's time is not before the archive's cut " + before);
                }
            } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
                return Optional.of("the record is not a ledger document (" + e.getClass().getSimpleName() + ")");
            }
            return Optional.empty();
        }
    }
}
