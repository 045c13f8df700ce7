package dev.octosts.exchange;

/**
 * What is known about one owner's file in the org policy repository (its issuer allowlist, its settings),
 * as {@link OrgFileLookup} reads it and {@link OrgFileCache} keeps it.
 *
 * @param <T> the file, parsed
 */
sealed interface OrgFileState<T> {
    /** No installation of the pool sees the file, confirmed: the org has none. */
    record Absent<T>() implements OrgFileState<T> {
    }

    record Present<T>(T value) implements OrgFileState<T> {
    }

    /** The file was read and does not parse (or is not a file). */
    record Invalid<T>(String error) implements OrgFileState<T> {
    }

    /** GitHub could not be read and nothing usable is cached. */
    record Unavailable<T>(boolean rateLimited, String cause) implements OrgFileState<T> {
    }

    /** This caller waited for another caller's read of the same owner longer than it may. */
    record TimedOut<T>() implements OrgFileState<T> {
    }
}
