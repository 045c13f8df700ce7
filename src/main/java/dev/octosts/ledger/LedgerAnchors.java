package dev.octosts.ledger;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Signs the head of every chain of the ledger and hands it to stores outside the database. A checkpoint
 * lives in the same database as the records it vouches for, so whoever can delete a whole chain can
 * delete its checkpoints too; an anchor kept elsewhere still names the chain, its length and its hash.
 */
public final class LedgerAnchors {
    /** Where signed ledger heads are kept outside the database. */
    @FunctionalInterface
    public interface Store {
        /**
         * @param signed {@code head} as a compact JWS by the ledger key
         * @throws RuntimeException when the head cannot be kept; the next checkpoint tries again
         */
        void write(LedgerHead head, String signed);
    }

    private final DataSource database;
    private final CheckpointSigner signer;
    private final Clock clock;
    private final List<Store> stores;

    public LedgerAnchors(DataSource database, CheckpointSigner signer, Clock clock, List<Store> stores) {
        if (stores.isEmpty()) {
            throw new IllegalArgumentException("ledger anchors need at least one store");
        }
        this.database = database;
        this.signer = signer;
        this.clock = clock;
        this.stores = List.copyOf(stores);
    }

    /** Reads every chain's committed head, signs them together and writes the signed head to every store. */
    public LedgerHead anchorNow() {
        LedgerHead head = new LedgerHead(clock.instant().truncatedTo(ChronoUnit.MICROS),
                heads(DSL.using(database, SQLDialect.POSTGRES)));
        String signed = signer.sign(head);
        for (Store store : stores) {
            store.write(head, signed);
        }
        return head;
    }

    /** The last record of every chain that has one, by the primary key of each partition. */
    static List<ChainHead> heads(DSLContext db) {
        return db.resultQuery("""
                        SELECT c.chain_id, r.seq, r.hash FROM ledger_chain c
                        CROSS JOIN LATERAL (SELECT seq, hash FROM ledger_record
                                            WHERE chain_id = c.chain_id ORDER BY seq DESC LIMIT 1) r
                        ORDER BY c.chain_id""")
                .fetch(row -> new ChainHead(row.get(0, UUID.class), row.get(1, Long.class), row.get(2, String.class)));
    }
}
