-- A record's hash covers its chain_id and seq, so the primary key (chain_id, seq) already makes hashes
-- unique. The separate unique index on hash cost about a sixth of the ledger's insert rate (a random
-- 64-character key per record) and served only the verifier's diagnosis of a broken link, which now
-- reads that one chain instead.

ALTER TABLE ledger_record DROP CONSTRAINT ledger_record_hash_unique;
