package dev.octosts.exchange;

import dev.octosts.github.InstallationToken;

/**
 * The answer to an exchange: the decided record, and the token when one was issued.
 */
public record ExchangeResult(ExchangeRecord record, InstallationToken token) {

    public boolean allowed() {
        return token != null;
    }

    @Override
    public String toString() {
        return "ExchangeResult[record=" + record + ", token=" + (token == null ? "none" : "issued") + "]";
    }
}
