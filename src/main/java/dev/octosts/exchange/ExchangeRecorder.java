package dev.octosts.exchange;

/**
 * Where exchange records go. {@link #append} returns only once the record is durable: the exchange
 * hands out a token only after it returned, and revokes the token when it throws (fail closed).
 */
public interface ExchangeRecorder {

    void append(ExchangeRecord record) throws RecordingException;

    /** The record could not be made durable. */
    final class RecordingException extends Exception {
        public RecordingException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
