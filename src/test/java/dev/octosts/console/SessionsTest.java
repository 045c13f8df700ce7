package dev.octosts.console;

import dev.octosts.oidc.VerifiedToken;
import dev.octosts.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SessionsTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T09:00:00Z"));
    private final Sessions sessions = new Sessions(clock);

    private Viewer viewer() {
        VerifiedToken token = new VerifiedToken("https://idp.example.com", "auditor", List.of("console"),
                Map.of("sub", "auditor"), clock.instant().plusSeconds(300), "k1", "RS256");
        return new Viewer(token, "auditor", Sessions.randomToken(), clock.instant());
    }

    /** The README's promise: 30 minutes idle end a session; each use starts the 30 minutes again. */
    @Test
    void aSessionEndsAfterItsIdleTimeoutUnlessUsed() {
        String id = sessions.start(viewer());
        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.find(id)).isPresent();
        clock.advance(Duration.ofMinutes(29));
        assertThat(sessions.find(id)).as("each use renews the idle timeout").isPresent();
        clock.advance(Duration.ofMinutes(31));
        assertThat(sessions.find(id)).isEmpty();
    }

    /** The README's promise: 8 hours after sign-in a session ends, however busy. */
    @Test
    void aSessionEndsAfterItsAbsoluteTimeoutHoweverBusy() {
        Instant signIn = clock.instant();
        String id = sessions.start(viewer());
        // Used every 20 minutes up to one second before 8 hours after sign-in.
        while (clock.instant().plus(Duration.ofMinutes(20)).isBefore(signIn.plus(Duration.ofHours(8)))) {
            clock.advance(Duration.ofMinutes(20));
            assertThat(sessions.find(id)).isPresent();
        }
        clock.advance(Duration.between(clock.instant(), signIn.plus(Duration.ofHours(8)).minusSeconds(1)));
        assertThat(sessions.find(id)).as("just before 8 hours").isPresent();
        clock.advance(Duration.ofSeconds(2));
        assertThat(sessions.find(id)).as("just after 8 hours").isEmpty();
    }

    @Test
    void signOutEndsTheSessionAndUnknownIdsFindNothing() {
        String id = sessions.start(viewer());
        assertThat(id).hasSize(43).isNotEqualTo(sessions.start(viewer()));
        sessions.end(id);
        assertThat(sessions.find(id)).isEmpty();
        assertThat(sessions.find("")).isEmpty();
        assertThat(sessions.find(null)).isEmpty();
        assertThat(sessions.find("guessed")).isEmpty();
    }

    @Test
    void tokensAreComparedWhole() {
        assertThat(Sessions.sameToken("abc", "abc")).isTrue();
        assertThat(Sessions.sameToken("abc", "abd")).isFalse();
        assertThat(Sessions.sameToken("abc", "ab")).isFalse();
        assertThat(Sessions.sameToken("abc", null)).isFalse();
    }
}
