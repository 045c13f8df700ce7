package dev.octosts.ledger;

import dev.octosts.exchange.Decision;
import dev.octosts.ledger.LedgerQuery.Filter;
import java.time.Instant;

/** Ledger query filters on one component, as the tests ask for them. */
final class QueryFilters {
    static final Filter ANY = new Filter(null, null, null, null, null, null, null);

    private QueryFilters() {
    }

    static Filter tokenSha256(String value) {
        return new Filter(value, null, null, null, null, null, null);
    }

    static Filter subject(String value) {
        return new Filter(null, value, null, null, null, null, null);
    }

    static Filter scope(String value) {
        return new Filter(null, null, value, null, null, null, null);
    }

    static Filter identity(String value) {
        return new Filter(null, null, null, value, null, null, null);
    }

    static Filter decision(Decision value) {
        return new Filter(null, null, null, null, value, null, null);
    }

    static Filter since(Instant value) {
        return new Filter(null, null, null, null, null, value, null);
    }

    static Filter until(Instant value) {
        return new Filter(null, null, null, null, null, null, value);
    }
}
