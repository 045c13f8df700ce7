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

    @Test
    void aSessionEndsAfterItsIdleTimeoutUnlessUsed() {
        String id = sessions.start(viewer());
        clock.advance(Sessions.IDLE.minusMinutes(1));
        assertThat(sessions.find(id)).isPresent();
        clock.advance(Sessions.IDLE.minusMinutes(1));
        assertThat(sessions.find(id)).as("each use renews the idle timeout").isPresent();
        clock.advance(Sessions.IDLE.plusSeconds(1));
        assertThat(sessions.find(id)).isEmpty();
    }

    @Test
    void aSessionEndsAfterItsAbsoluteTimeoutHoweverBusy() {
        String id = sessions.start(viewer());
        Duration step = Sessions.IDLE.dividedBy(2);
        for (Duration used = Duration.ZERO; used.compareTo(Sessions.ABSOLUTE) < 0; used = used.plus(step)) {
            assertThat(sessions.find(id)).isPresent();
            clock.advance(step);
        }
        clock.advance(Duration.ofSeconds(1));
        assertThat(sessions.find(id)).isEmpty();
    }

    @Test
    void signOutEndsTheSessionAndUnknownIdsFindNothing() {
        String id = sessions.start(viewer());
        assertThat(id).hasSizeGreaterThanOrEqualTo(43).isNotEqualTo(sessions.start(viewer()));
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
