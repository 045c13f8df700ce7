package dev.octosts.console;

import com.github.benmanes.caffeine.cache.Cache;
import dev.octosts.cache.Caches;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Server-side console sessions: the browser holds only a random id in an {@code HttpOnly}, {@code Secure},
 * {@code SameSite=Strict} cookie. A session ends after {@link #IDLE} without a request, {@link #ABSOLUTE}
 * after sign-in whatever its use, or at sign-out; the store is bounded, so a flood of sign-ins evicts
 * sessions rather than growing memory.
 */
final class Sessions {
    static final Duration IDLE = Duration.ofMinutes(30);
    static final Duration ABSOLUTE = Duration.ofHours(8);
    static final String COOKIE = "octosts_console";
    private static final int MAX_SESSIONS = 10_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Cache<String, Viewer> sessions;
    private final Clock clock;

    Sessions(Clock clock) {
        this.clock = clock;
        this.sessions = Caches.idleExpiring(clock, IDLE, MAX_SESSIONS);
    }

    /** Starts a session and returns its id, the cookie's value. */
    String start(Viewer viewer) {
        String id = randomToken();
        sessions.put(id, viewer);
        return id;
    }

    /** The session of this cookie value, unless it is unknown or has run out. */
    Optional<Viewer> find(String id) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        Viewer viewer = sessions.getIfPresent(id);
        if (viewer == null) {
            return Optional.empty();
        }
        if (viewer.signedInAt().plus(ABSOLUTE).isBefore(clock.instant())) {
            sessions.invalidate(id);
            return Optional.empty();
        }
        return Optional.of(viewer);
    }

    void end(String id) {
        sessions.invalidate(id);
    }

    /** Compares without leaking where two tokens differ. */
    static boolean sameToken(String expected, String given) {
        return given != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                given.getBytes(StandardCharsets.UTF_8));
    }

    /** 256 random bits, URL-safe. */
    static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
