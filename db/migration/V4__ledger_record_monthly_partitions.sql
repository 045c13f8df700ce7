-- ledger_record becomes a table partitioned by month of recorded_at (UTC), so that a query over a time
-- window reads only its months and old months can later be archived and dropped whole. Every record is
-- copied unchanged (same columns, same text, same hashes); chains and checkpoints are not touched.
--
-- Keys. PostgreSQL accepts a unique constraint on a partitioned table only if it includes the partition
-- key, and PRIMARY KEY (chain_id, seq, recorded_at) would let a chain hold one seq twice at two times.
-- Instead every partition has its own PRIMARY KEY (chain_id, seq): one seq per chain within a month,
-- refused by the database as before. A duplicate seq in two different months (only a second writer
-- using the same random chain id could write one) is not refused; `octo-sts audit verify` reports it,
-- as it reports every break of a chain. Hashes stay unique as they were since V3: a hash covers its
-- chain_id and seq.
--
-- Partitions are made only by ledger_record_add_month() (here, by `octo-sts migrate` and by
-- `octo-sts ledger maintain`), which gives each one its primary key and its TRUNCATE trigger. A
-- record whose month has no partition yet lands in ledger_record_default and is never refused; when
-- its month is added later, the default partition's rows are moved into it.
--
-- Append-only. Row triggers on the parent refuse UPDATE and DELETE; PostgreSQL clones them onto every
-- partition, present and future, so they fire however a partition is reached. TRUNCATE triggers are
-- per table: the parent has one and ledger_record_add_month() gives one to each partition. DROP TABLE
-- and ALTER TABLE ... DETACH PARTITION fire no trigger: they are the owner's way to remove a whole
-- month (archive and prune), and only the owner may run them (the runtime role owns nothing).
--
-- Rights. octo_sts_runtime holds SELECT and INSERT on the parent only; PostgreSQL checks the parent's
-- rights for rows reached through it, so it reads and appends every month, and has no right at all on
-- a partition named directly. No default privileges are set: nothing the owner creates later is granted.
--
-- The copy holds an exclusive lock on the ledger while it runs: appends wait (and time out) for that long.
--
-- jOOQ's code generator cannot parse this script and does not need to: the columns are those of V1.

-- [jooq ignore start]

-- Creates the partition of the month of p_month (UTC), unless it exists, and gives it (and the default
-- partition, made too when missing) the primary key and TRUNCATE trigger every partition has. Returns
-- whether it created the month's partition.
CREATE FUNCTION ledger_record_add_month(p_month timestamptz) RETURNS boolean
    LANGUAGE plpgsql AS
$$
DECLARE
    month_start timestamptz := date_trunc('month', p_month AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    month_end   timestamptz := (date_trunc('month', p_month AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC';
    partition   text := 'ledger_record_' || to_char(p_month AT TIME ZONE 'UTC', 'YYYY_MM');
    strays      bigint;
    moved       bigint;
BEGIN
    IF to_regclass('ledger_record_default') IS NULL THEN
        CREATE TABLE ledger_record_default PARTITION OF ledger_record DEFAULT;
        PERFORM ledger_record_protect_partition('ledger_record_default');
    END IF;
    IF to_regclass(partition) IS NOT NULL THEN
        RETURN false;
    END IF;
    -- The default partition's rows of this month must move into the new partition: PostgreSQL refuses
    -- a partition for rows the default partition holds. Rows are moved by copying them into a fresh
    -- default partition and dropping the old one whole, since the triggers refuse DELETE.
    SELECT count(*) INTO strays FROM ledger_record_default
        WHERE recorded_at >= month_start AND recorded_at < month_end;
    IF strays > 0 THEN
        ALTER TABLE ledger_record DETACH PARTITION ledger_record_default;
        ALTER TABLE ledger_record_default RENAME TO ledger_record_default_moving;
        ALTER TABLE ledger_record_default_moving RENAME CONSTRAINT ledger_record_default_pkey
            TO ledger_record_default_moving_pkey;
        SELECT count(*) INTO strays FROM ledger_record_default_moving;
        EXECUTE 'CREATE TABLE ledger_record_default PARTITION OF ledger_record DEFAULT';
        PERFORM ledger_record_protect_partition('ledger_record_default');
    END IF;
    EXECUTE format('CREATE TABLE %I PARTITION OF ledger_record FOR VALUES FROM (%L) TO (%L)',
                   partition, month_start, month_end);
    PERFORM ledger_record_protect_partition(partition);
    IF to_regclass('ledger_record_default_moving') IS NOT NULL THEN
        INSERT INTO ledger_record SELECT * FROM ledger_record_default_moving;
        GET DIAGNOSTICS moved = ROW_COUNT;
        IF moved <> strays THEN
            RAISE EXCEPTION 'moved % of % rows out of the default partition', moved, strays;
        END IF;
        DROP TABLE ledger_record_default_moving;
    END IF;
    RETURN true;
END
$$;

-- Gives a partition of ledger_record what every partition has, unless it has it already.
CREATE FUNCTION ledger_record_protect_partition(p_partition text) RETURNS void
    LANGUAGE plpgsql AS
$$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_constraint
                   WHERE conrelid = to_regclass(p_partition) AND contype = 'p') THEN
        EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I PRIMARY KEY (chain_id, seq)',
                       p_partition, p_partition || '_pkey');
    END IF;
    EXECUTE format('CREATE OR REPLACE TRIGGER ledger_record_no_truncate BEFORE TRUNCATE ON %I'
                   || ' FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change()', p_partition);
END
$$;

CREATE TABLE ledger_record_partitioned (
    chain_id     uuid        NOT NULL,
    seq          bigint      NOT NULL,
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
    canonical    text        NOT NULL
) PARTITION BY RANGE (recorded_at);

-- The copy: the old table is dropped whole (DROP fires no trigger) once every row is in the new one.
DO $$
DECLARE
    copied   bigint;
    existing bigint;
BEGIN
    ALTER TABLE ledger_record RENAME TO ledger_record_unpartitioned;
    ALTER TABLE ledger_record_partitioned RENAME TO ledger_record;
    PERFORM ledger_record_add_month(month AT TIME ZONE 'UTC')
        FROM generate_series(
                 date_trunc('month', (SELECT min(recorded_at) FROM ledger_record_unpartitioned) AT TIME ZONE 'UTC'),
                 date_trunc('month', (SELECT max(recorded_at) FROM ledger_record_unpartitioned) AT TIME ZONE 'UTC'),
                 interval '1 month') AS month;
    PERFORM ledger_record_add_month(now() + make_interval(months => ahead))
        FROM generate_series(0, 3) AS ahead;
    INSERT INTO ledger_record SELECT * FROM ledger_record_unpartitioned ORDER BY chain_id, seq;
    GET DIAGNOSTICS copied = ROW_COUNT;
    SELECT count(*) INTO existing FROM ledger_record_unpartitioned;
    IF copied <> existing THEN
        RAISE EXCEPTION 'copied % of % ledger records', copied, existing;
    END IF;
    DROP TABLE ledger_record_unpartitioned;
END
$$;

ALTER TABLE ledger_record ADD CONSTRAINT ledger_record_chain_id_fkey
    FOREIGN KEY (chain_id) REFERENCES ledger_chain (chain_id);
ALTER TABLE ledger_record ADD CONSTRAINT ledger_record_seq_positive CHECK (seq >= 1);
ALTER TABLE ledger_record ADD CONSTRAINT ledger_record_hash_length
    CHECK (length(hash) = 64 AND length(prev_hash) = 64);
ALTER TABLE ledger_record ADD CONSTRAINT ledger_record_decision CHECK (decision IN ('allow', 'deny', 'error'));

CREATE INDEX ledger_record_token_sha256 ON ledger_record (token_sha256);
CREATE INDEX ledger_record_subject ON ledger_record (subject, recorded_at);
CREATE INDEX ledger_record_scope ON ledger_record (scope, recorded_at);
CREATE INDEX ledger_record_recorded_at ON ledger_record (recorded_at);

CREATE TRIGGER ledger_record_append_only BEFORE UPDATE OR DELETE ON ledger_record
    FOR EACH ROW EXECUTE FUNCTION ledger_reject_change();
CREATE TRIGGER ledger_record_no_truncate BEFORE TRUNCATE ON ledger_record
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_reject_change();

REVOKE ALL ON ledger_record FROM PUBLIC;
GRANT SELECT, INSERT ON ledger_record TO octo_sts_runtime;
REVOKE ALL ON FUNCTION ledger_record_add_month(timestamptz), ledger_record_protect_partition(text) FROM PUBLIC;
-- [jooq ignore stop]
