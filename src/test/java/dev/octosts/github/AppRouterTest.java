package dev.octosts.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.octosts.keys.SigningKey;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppRouterTest {
    private static final SigningKey NO_KEY = new SigningKey() {
        @Override
        public String description() {
            return "unused";
        }

        @Override
        public java.security.PublicKey publicKey() {
            return null;
        }

        @Override
        public com.nimbusds.jose.JWSSigner jwsSigner() {
            return null;
        }
    };
    private static final AppPool ACME = new AppPool("acme", List.of(new GitHubApp(1, NO_KEY)));
    private static final AppPool DEFAULT = new AppPool("default", List.of(new GitHubApp(2, NO_KEY)));

    @Test
    void routesByLowerCasedOwnerThenFallsBackToStar() {
        AppRouter router = new AppRouter(Map.of("acme", ACME, "*", DEFAULT));

        assertThat(router.poolFor("ACME")).contains(ACME);
        assertThat(router.poolFor("Acme")).contains(ACME);
        assertThat(router.poolFor("other")).contains(DEFAULT);
    }

    @Test
    void withoutAStarPoolAnUnknownOwnerHasNone() {
        AppRouter router = new AppRouter(Map.of("Acme", ACME));

        assertThat(router.poolFor("acme")).contains(ACME);
        assertThat(router.poolFor("other")).isEmpty();
    }

    @Test
    void refusesTwoPoolsForOneOrg() {
        assertThatThrownBy(() -> new AppRouter(Map.of("acme", ACME, "ACME", DEFAULT)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two App pools");
    }

    @Test
    void aPoolNeedsAnApp() {
        assertThatThrownBy(() -> new AppPool("empty", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("App pool \"empty\" has no GitHub App");
    }
}
