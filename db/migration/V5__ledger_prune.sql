-- Where `octo-sts audit prune` cut each chain: after a prune, the chain's records up to last_seq live only
-- in the archive it verified (the one `octo-sts audit verify --archive` checks), and the records left in the
-- database continue from last_hash. `octo-sts audit verify` reads the latest cut of each chain and walks
-- the chain from there. One row per chain and prune, never changed: the table is append-only like the
-- ledger, owned by the owner, and the runtime role may only read it (a service never prunes).
--
-- jOOQ's code generator does not need the table: the verifier reads it with plain SQL.

-- [jooq ignore start]
CREATE TABLE ledger_prune (
    chain_id   uuid        NOT NULL REFERENCES ledger_chain (chain_id),
    -- The last pruned record of the chain: its seq and hash, as the verified archive's manifest names them.
    last_seq   bigint      NOT NULL,
    last_hash  varchar(64) NOT NULL,
    -- The prune's cut: every record of the ledger before it was archived and dropped.
    before     timestamptz NOT NULL,
    pruned_at  timestamptz NOT NULL,
    PRIMARY KEY (chain_id, last_seq),
    CONSTRAINT ledger_prune_seq_positive CHECK (last_seq >= 1),
    CONSTRAINT ledger_prune_hash_length CHECK (length(last_hash) = 64)
);

CREATE TRIGGER ledger_prune_append_only BEFORE UPDATE OR DELETE ON ledger_prune
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_prune_no_truncate BEFORE TRUNCATE ON ledger_prune
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

REVOKE ALL ON ledger_prune FROM PUBLIC;
GRANT SELECT ON ledger_prune TO octo_sts_runtime;
-- [jooq ignore stop]
