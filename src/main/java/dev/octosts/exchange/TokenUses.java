package dev.octosts.exchange;

import java.time.Instant;

/**
 * The memory of OIDC tokens already exchanged (replay protection), shared by every service process on
 * the database. The ledger implements it.
 */
public interface TokenUses {

    /**
     * Claims one use: true when {@code useKey} was not claimed before (by any process), false when it was.
     * A claim is kept at least until {@code expiresAt}, the OIDC token's {@code exp}.
     *
     * @throws UnavailableException when the memory cannot be read or written
     */
    boolean claim(String useKey, Instant expiresAt) throws UnavailableException;

    /** The memory could not be reached. */
    final class UnavailableException extends Exception {
        public UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
