package dev.octosts.github;

import dev.octosts.testing.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.SignedJWT;
import dev.octosts.keys.PemKeys;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AppJwtsTest {
    private static GitHubApp app;
    private static RSAPublicKey publicKey;

    @BeforeAll
    static void app() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            writer.writeObject(keys.getPrivate());
        }
        app = new GitHubApp(4242, PemKeys.fromPem(pem.toString(), "test"));
        publicKey = (RSAPublicKey) keys.getPublic();
    }

    @Test
    void signsRs256WithBackdatedIatAndNineMinuteExp() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

        SignedJWT jwt = SignedJWT.parse(new AppJwts(clock).current(app));

        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.RS256);
        assertThat(jwt.verify(new RSASSAVerifier(publicKey))).isTrue();
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("4242");
        assertThat(jwt.getJWTClaimsSet().getIssueTime().toInstant()).isEqualTo(Instant.parse("2025-12-31T23:59:00Z"));
        assertThat(jwt.getJWTClaimsSet().getExpirationTime().toInstant()).isEqualTo(Instant.parse("2026-01-01T00:09:00Z"));
    }

    @Test
    void reusesOneJwtUntilAMinuteBeforeItExpires() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        AppJwts jwts = new AppJwts(clock);

        String first = jwts.current(app);
        assertThat(jwts.current(app)).isSameAs(first);
        clock.advance(Duration.ofMinutes(7).plusSeconds(59));
        assertThat(jwts.current(app)).isSameAs(first);

        clock.advance(Duration.ofSeconds(1));
        String second = jwts.current(app);
        assertThat(second).isNotEqualTo(first);
        assertThat(jwts.current(app)).isSameAs(second);
    }
}
