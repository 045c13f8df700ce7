-- Revocation through the service: a ledger record may now have the decision 'revoke', one record per
-- DELETE /sts/token, whose token_sha256 column names the token it was about (the grant's record has the
-- same value, so one lookup by token shows both). Widening the CHECK keeps every existing row valid; the
-- records themselves (and their hashes) are not touched.

-- [jooq ignore start]
ALTER TABLE ledger_record DROP CONSTRAINT ledger_record_decision;
ALTER TABLE ledger_record ADD CONSTRAINT ledger_record_decision
    CHECK (decision IN ('allow', 'deny', 'error', 'revoke'));
-- [jooq ignore stop]
