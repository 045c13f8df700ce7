package dev.octosts.exchange;

import dev.octosts.github.InstallationToken;

/**
 * The answer to an exchange: the decided record, the token when one was issued, and whether the answer is to
 * be held before it goes (the caller is over a budget, see {@code guard.Tarpit}).
 */
public record ExchangeResult(ExchangeRecord record, InstallationToken token, boolean hold) {

    public ExchangeResult(ExchangeRecord record, InstallationToken token) {
        this(record, token, false);
    }

    /** The same answer, held before it goes when it is still the refusal for {@code reason} (its recording did not fail). */
    ExchangeResult heldIfRefusedFor(Reason reason) {
        return reason.code().equals(record.reason()) ? new ExchangeResult(record, token, true) : this;
    }

    public boolean allowed() {
        return token != null;
    }

    @Override
    public String toString() {
        return "ExchangeResult[record=" + record + ", token=" + (token == null ? "none" : "issued") + "]";
    }
}
