package dev.octosts.exchange;

import java.time.Duration;
import java.util.UUID;

/**
 * Where exchange records go. {@link #append} returns only once the record is durable: the exchange
 * hands out a token only after it returned, and revokes the token when it throws (fail closed).
 */
public interface ExchangeRecorder {

    Receipt append(ExchangeRecord record) throws RecordingException;

    /**
     * Where the record landed and what it took.
     *
     * @param queueWait from the append to the start of its batch's commit
     * @param commit    the batch's commit
     */
    record Receipt(UUID chainId, long seq, Duration queueWait, Duration commit, int batchSize) {
    }

    /** The record could not be made durable. */
    final class RecordingException extends Exception {
        public RecordingException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
