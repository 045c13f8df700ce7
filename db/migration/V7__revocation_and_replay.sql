-- Revocation through the service and opt-in replay protection.
--
-- 1. A ledger record may now have the decision 'revoke': one record per DELETE /sts/token, whose
--    token_sha256 column names the token it was about (the grant's record has the same value, so one
--    lookup by token shows both). Widening the CHECK keeps every existing row valid; the records
--    themselves (and their hashes) are not touched. The index by token gains the reason beside the hash,
--    so that a revocation's lookup reads only what it needs: the grant (reason 'issued') and a revocation
--    GitHub confirmed ('revoked'), at most a few per token. Anyone may send the same made-up token again
--    and again, and each request is a record with its hash; the lookup never reads those records, however
--    many there are. One index serves both this lookup and audit queries by token (a second index on the
--    hash would add about a tenth to the ledger's size on disk). Rebuilding it reads the ledger once.
--
-- 2. oidc_token_use: OIDC tokens already exchanged, per (scope, identity), when
--    EXCHANGE_REPLAY_PROTECTION=true. Shared by every service process on the database, so a token used
--    on one replica is refused on every other. use_key is the SHA-256 of the issuer, the token's jti (or
--    the token's own SHA-256 when it has none), its exp, the scope and the identity: a second row for a
--    key cannot be inserted, which is the whole check (INSERT ... ON CONFLICT DO NOTHING), so the runtime
--    login needs only INSERT and SELECT. exp is in the key so that a stale row never refuses a different
--    token that reuses a jti; a token past its exp is refused by the verifier before this table is read.
--    Rows are pruned by the owner (`octo-sts ledger maintain`) once expires_at is past: the runtime login
--    may not DELETE, so that whoever holds its credentials cannot make a used token usable again.

-- [jooq ignore start]
ALTER TABLE ledger_record DROP CONSTRAINT ledger_record_decision;
ALTER TABLE ledger_record ADD CONSTRAINT ledger_record_decision
    CHECK (decision IN ('allow', 'deny', 'error', 'revoke'));
DROP INDEX ledger_record_token_sha256;
CREATE INDEX ledger_record_token_sha256 ON ledger_record (token_sha256, reason);
-- [jooq ignore stop]

CREATE TABLE oidc_token_use (
    use_key     varchar(64) PRIMARY KEY,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz NOT NULL
);
CREATE INDEX oidc_token_use_expires_at ON oidc_token_use (expires_at);

-- [jooq ignore start]
REVOKE ALL ON oidc_token_use FROM PUBLIC;
GRANT SELECT, INSERT ON oidc_token_use TO octo_sts_runtime;
-- [jooq ignore stop]
