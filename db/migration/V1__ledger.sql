-- The audit ledger: one hash-chained record per exchange, append-only.
--
-- Tables are owned by the role that runs migrations. The service runs as a member of
-- octo_sts_runtime, which may only INSERT and SELECT; triggers refuse UPDATE, DELETE and TRUNCATE
-- even for the owner. What a superuser could still do behind the triggers' back is caught by
-- `octo-sts audit verify` (hash chain and signed checkpoints).

-- [jooq ignore start]
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'octo_sts_runtime') THEN
        CREATE ROLE octo_sts_runtime NOLOGIN;
    END IF;
END
$$;
-- [jooq ignore stop]

-- One row per writer: each service process appends to its own chain.
CREATE TABLE ledger_chain (
    chain_id    uuid        NOT NULL PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    host        text        NOT NULL,
    process_id  bigint      NOT NULL
);

CREATE TABLE ledger_record (
    chain_id     uuid        NOT NULL REFERENCES ledger_chain (chain_id),
    seq          bigint      NOT NULL,
    -- Lowercase hex SHA-256: hash = SHA-256(prev_hash bytes || canonical bytes).
    prev_hash    varchar(64) NOT NULL,
    hash         varchar(64) NOT NULL,
    recorded_at  timestamptz NOT NULL,
    request_id   text        NOT NULL,
    decision     text        NOT NULL,
    grpc_code    integer     NOT NULL,
    reason       text        NOT NULL,
    scope        varchar     NOT NULL,
    identity     varchar     NOT NULL,
    issuer       varchar,
    subject      varchar,
    token_sha256 varchar(64),
    -- The record exactly as hashed: RFC 8785 canonical JSON. The columns above are copies for queries.
    canonical    text        NOT NULL,
    PRIMARY KEY (chain_id, seq),
    CONSTRAINT ledger_record_hash_unique UNIQUE (hash),
    CONSTRAINT ledger_record_seq_positive CHECK (seq >= 1),
    CONSTRAINT ledger_record_hash_length CHECK (length(hash) = 64 AND length(prev_hash) = 64),
    CONSTRAINT ledger_record_decision CHECK (decision IN ('allow', 'deny', 'error'))
);

CREATE INDEX ledger_record_token_sha256 ON ledger_record (token_sha256);
CREATE INDEX ledger_record_subject ON ledger_record (subject, recorded_at);
CREATE INDEX ledger_record_scope ON ledger_record (scope, recorded_at);
CREATE INDEX ledger_record_recorded_at ON ledger_record (recorded_at);

-- A chain head signed with the ledger key: proves that the records up to seq existed unchanged.
CREATE TABLE ledger_checkpoint (
    chain_id   uuid        NOT NULL REFERENCES ledger_chain (chain_id),
    seq        bigint      NOT NULL,
    hash       varchar(64) NOT NULL,
    signed_at  timestamptz NOT NULL,
    key_id     text        NOT NULL,
    signature  text        NOT NULL,
    PRIMARY KEY (chain_id, seq)
);

-- [jooq ignore start]
CREATE FUNCTION ledger_reject_change() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'the audit ledger is append-only: % on % is not allowed', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER ledger_chain_append_only BEFORE UPDATE OR DELETE ON ledger_chain
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_chain_no_truncate BEFORE TRUNCATE ON ledger_chain
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_record_append_only BEFORE UPDATE OR DELETE ON ledger_record
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_record_no_truncate BEFORE TRUNCATE ON ledger_record
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_checkpoint_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoint
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_checkpoint_no_truncate BEFORE TRUNCATE ON ledger_checkpoint
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

REVOKE ALL ON ledger_chain, ledger_record, ledger_checkpoint FROM PUBLIC;
GRANT SELECT, INSERT ON ledger_chain, ledger_record, ledger_checkpoint TO octo_sts_runtime;
-- [jooq ignore stop]
