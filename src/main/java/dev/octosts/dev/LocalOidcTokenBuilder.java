package dev.octosts.dev;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.PlainHeader;
import com.nimbusds.jose.PlainObject;
import com.nimbusds.jose.jwk.JWK;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Fluent minting of one token by {@link LocalOidcIssuer}: claims, lifetime, algorithm, key id, an unpublished
 * key or a raw payload for rejection tests. Every setting is optional.
 */
public final class LocalOidcTokenBuilder {
    private static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(600);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalOidcKeys keys;
    private final Clock clock;
    private final String issuer;
    private final Map<String, Object> claims = new LinkedHashMap<>();
    private JWSAlgorithm algorithm = JWSAlgorithm.RS256;
    private String keyId;
    private boolean keyIdSet;
    private boolean unpublished;
    private boolean withoutExp;
    private Duration lifetime = DEFAULT_LIFETIME;
    private String rawPayload;

    LocalOidcTokenBuilder(LocalOidcKeys keys, Clock clock, String issuer) {
        this.keys = keys;
        this.clock = clock;
        this.issuer = issuer;
    }

    public LocalOidcTokenBuilder claim(String name, Object value) {
        claims.put(name, value);
        return this;
    }

    public LocalOidcTokenBuilder claims(Map<String, ?> values) {
        claims.putAll(values);
        return this;
    }

    public LocalOidcTokenBuilder issuer(String iss) {
        return claim("iss", iss);
    }

    public LocalOidcTokenBuilder subject(String sub) {
        return claim("sub", sub);
    }

    /** One audience is written as a JSON string (as go-jose does), several as an array. */
    public LocalOidcTokenBuilder audience(String... aud) {
        return claim("aud", aud.length == 1 ? aud[0] : List.of(aud));
    }

    /** exp = now + lifetime (negative for an already expired token), unless an exp claim is set. */
    public LocalOidcTokenBuilder lifetime(Duration duration) {
        lifetime = Objects.requireNonNull(duration, "duration");
        return this;
    }

    public LocalOidcTokenBuilder withoutExp() {
        withoutExp = true;
        claims.remove("exp");
        return this;
    }

    public LocalOidcTokenBuilder notBefore(Instant nbf) {
        return claim("nbf", nbf.getEpochSecond());
    }

    /** RS256 (default key), RS384, RS512, PS256, ES256, ES384, HS256/384/512 (secret), or "none". */
    public LocalOidcTokenBuilder algorithm(JWSAlgorithm alg) {
        algorithm = Objects.requireNonNull(alg, "alg");
        return this;
    }

    /** The kid header; null leaves it out. Defaults to the kid of the signing key. */
    public LocalOidcTokenBuilder keyId(String kid) {
        keyId = kid;
        keyIdSet = true;
        return this;
    }

    /** Signs with a key of the right type that is not in the JWKS (kid {@code unpublished-<alg>}). */
    public LocalOidcTokenBuilder signWithUnpublishedKey() {
        unpublished = true;
        return this;
    }

    /** Signs exactly this payload text (e.g. with duplicate keys); claim settings are then ignored. */
    public LocalOidcTokenBuilder rawPayload(String json) {
        rawPayload = Objects.requireNonNull(json, "json");
        return this;
    }

    public String mint() {
        String payload = rawPayload != null ? rawPayload : payloadJson();
        if (algorithm.getName().equals("none")) {
            return new PlainObject(new PlainHeader.Builder().type(JOSEObjectType.JWT).build(), new Payload(payload))
                    .serialize();
        }
        JWK key = keys.signingKey(algorithm, unpublished);
        String kid = keyIdSet ? keyId : key == null ? null : key.getKeyID();
        JWSObject jws = new JWSObject(
                new JWSHeader.Builder(algorithm).type(JOSEObjectType.JWT).keyID(kid).build(), new Payload(payload));
        try {
            jws.sign(keys.signer(key));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign with " + algorithm, e);
        }
        return jws.serialize();
    }

    private String payloadJson() {
        Instant now = clock.instant();
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("iss", issuer);
        all.put("iat", now.getEpochSecond());
        if (!withoutExp) {
            all.put("exp", now.plus(lifetime).getEpochSecond());
        }
        all.putAll(claims);
        try {
            return JSON.writeValueAsString(all);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("claims are not JSON-serialisable", e);
        }
    }
}
