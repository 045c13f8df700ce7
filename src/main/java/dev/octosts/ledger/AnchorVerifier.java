package dev.octosts.ledger;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Checks the database against signed ledger heads kept outside it: every chain an anchor names must still
 * exist, reach at least the anchored seq, and hold the anchored hash there. Together with {@code audit
 * verify}, which proves each chain's records link up to its head, this proves that no record up to the last
 * anchor was deleted or rewritten, not even a whole chain with its checkpoints.
 */
public final class AnchorVerifier {
    /** An anchor file larger than this is not one this service wrote (a head of 10,000 chains is ~1.3 MB). */
    private static final long MAX_ANCHOR_BYTES = 4L * 1024 * 1024;

    /**
     * @param anchors  the anchor files read
     * @param chains   chains compared with the database
     * @param problems one line per problem, naming the anchor file and the chain; empty when every anchor holds
     */
    public record Report(int anchors, int chains, List<String> problems) {
        public Report {
            problems = List.copyOf(problems);
        }
    }

    private final DataSource database;
    private final CheckpointVerifier signatures;

    public AnchorVerifier(DataSource database, List<PublicKey> trustedKeys) {
        this.database = database;
        this.signatures = new CheckpointVerifier(trustedKeys);
    }

    /**
     * Checks every anchor's signature, then each chain at the highest seq any anchor names: with the links
     * {@code audit verify} checks, the hash there vouches for every earlier anchored seq too.
     *
     * @throws IOException when {@code directory} cannot be listed
     */
    public Report verify(Path directory) throws IOException {
        List<Path> files = AnchorDirectory.files(directory);
        List<String> problems = new ArrayList<>();
        if (files.isEmpty()) {
            problems.add("no ledger heads (ledger-head-*.jws) in " + directory + ": nothing to check against");
        }
        Map<UUID, Anchored> highest = new TreeMap<>();
        for (Path file : files) {
            LedgerHead head;
            try {
                head = signatures.verifiedHead(read(file));
            } catch (IllegalArgumentException e) {
                problems.add("anchor " + file.getFileName() + " is not a valid ledger head: " + e.getMessage());
                continue;
            }
            for (ChainHead chain : head.chains()) {
                Anchored known = highest.get(chain.chainId());
                if (known != null && known.head().seq() == chain.seq() && !known.head().hash().equals(chain.hash())) {
                    problems.add("chain " + chain.chainId() + " has two anchored hashes at seq " + chain.seq() + ": "
                            + known.where() + " and " + where(file, head));
                } else if (known == null || known.head().seq() < chain.seq()) {
                    highest.put(chain.chainId(), new Anchored(chain, where(file, head)));
                }
            }
        }
        DSLContext db = DSL.using(database, SQLDialect.POSTGRES);
        Map<UUID, LedgerVerifier.Position> cuts = LedgerPrune.cuts(db);
        for (Anchored anchored : highest.values()) {
            String problem = problem(db, anchored.head(), cuts.get(anchored.head().chainId()));
            if (problem != null) {
                problems.add("chain " + anchored.head().chainId() + " " + problem + " (" + anchored.where() + ")");
            }
        }
        return new Report(files.size(), highest.size(), problems);
    }

    private record Anchored(ChainHead head, String where) {
    }

    private static String where(Path file, LedgerHead head) {
        return "anchor " + file.getFileName() + " signed at " + head.signedAt();
    }

    /**
     * Why the database does not hold {@code anchored}, or null when it does. A seq before the chain's prune
     * {@code cut} is in the archive, not the database: only the cut's own hash can be compared.
     */
    private static String problem(DSLContext db, ChainHead anchored, LedgerVerifier.Position cut) {
        UUID chain = anchored.chainId();
        if (cut != null && anchored.seq() <= cut.seq()) {
            return anchored.seq() < cut.seq() || anchored.hash().equals(cut.hash()) ? null
                    : "differs at seq " + anchored.seq() + ": the prune's cut holds hash " + cut.hash()
                            + ", the anchor names " + anchored.hash();
        }
        Long lastSeq = db.resultQuery("SELECT max(seq) FROM ledger_record WHERE chain_id = ?", chain).fetchOne(0, Long.class);
        if (lastSeq == null) {
            return "is missing: the anchor names it up to seq " + anchored.seq() + ", the database has no record of it";
        }
        if (lastSeq < anchored.seq()) {
            return "is shorter than anchored: it ends at seq " + lastSeq + ", the anchor names seq " + anchored.seq();
        }
        String hash = db.resultQuery("SELECT hash FROM ledger_record WHERE chain_id = ? AND seq = ?", chain, anchored.seq())
                .fetchOne(0, String.class);
        if (!anchored.hash().equals(hash)) {
            return "differs at seq " + anchored.seq() + ": the database holds hash " + hash + ", the anchor names "
                    + anchored.hash();
        }
        return null;
    }

    private static String read(Path file) {
        try {
            if (Files.size(file) > MAX_ANCHOR_BYTES) {
                throw new IllegalArgumentException("the file is larger than " + MAX_ANCHOR_BYTES + " bytes");
            }
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new IllegalArgumentException("the file cannot be read (" + e.getClass().getSimpleName() + ")");
        }
    }
}
