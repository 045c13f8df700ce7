package dev.octosts.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FetchTargetsTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "https://www.googleapis.com/oauth2/v3/certs, true",
        "https://keys.example.com/jwks?version=2, true",
        "https://keys.example.com:8443/a//b/../c~, true",
        "HTTPS://Keys.Example.com/jwks, true",
        "http://127.0.0.1:8080/keys, true",
        "http://localhost/keys, true",
        "http://[::1]:9000/keys, true",
        "http://keys.example.com/jwks, false",
        "ftp://keys.example.com/jwks, false",
        "https://user@keys.example.com/jwks, false",
        "https://keys.example.com/jwks#frag, false",
        "https://keys_example.com/jwks, false",
        "/relative/jwks, false",
        "mailto:keys@example.com, false",
    })
    void checksSchemeHostUserinfoAndFragmentButNotThePath(String url, boolean allowed) {
        assertThat(FetchTargets.problem(URI.create(url)) == null).isEqualTo(allowed);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "https://Keys.Example.com/x, keys.example.com",
        "http://[::1]:8080/x, ::1",
        "http://127.0.0.1:1/x, 127.0.0.1",
    })
    void hostIsLowerCasedWithoutBrackets(String url, String host) {
        assertThat(FetchTargets.hostOf(URI.create(url))).isEqualTo(host);
    }
}
