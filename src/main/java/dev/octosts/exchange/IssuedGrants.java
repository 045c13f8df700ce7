package dev.octosts.exchange;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * The ledger's grants, looked up by the SHA-256 of the token they issued: what a revocation request
 * needs to know whether the service issued a token and whether it still lives. The ledger implements it.
 */
public interface IssuedGrants {

    /**
     * The grant of the token whose lowercase hex SHA-256 is {@code tokenSha256}; empty when the ledger
     * holds none (the service never issued it, or its record was pruned).
     *
     * @throws LookupException when the ledger cannot be read
     */
    Optional<Grant> find(String tokenSha256) throws LookupException;

    /**
     * The record that issued a token, and whether a later record revoked it.
     *
     * @param chainId   the chain of the grant's record
     * @param seq       its seq in that chain
     * @param scope     the scope the token was issued for
     * @param identity  the trust policy that allowed it
     * @param expiresAt when GitHub said the token expires
     * @param revoked   a revocation through the service already revoked it
     */
    record Grant(UUID chainId, long seq, String scope, String identity, Instant expiresAt, boolean revoked) {
    }

    /** The ledger could not be read. */
    final class LookupException extends Exception {
        public LookupException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
