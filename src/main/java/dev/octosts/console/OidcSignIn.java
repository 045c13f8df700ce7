package dev.octosts.console;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.auth.Secret;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationErrorResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.AuthenticationResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import com.nimbusds.openid.connect.sdk.validators.IDTokenValidator;
import dev.octosts.cache.Caches;
import dev.octosts.config.ConsoleSettings;
import dev.octosts.oidc.VerifiedToken;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The console's sign-in at the organisation's OpenID provider: the authorization code flow with PKCE (S256),
 * a state bound to the browser that started it, and a nonce, all by the Nimbus OAuth 2.0 SDK. The provider's
 * discovery document is read at the first sign-in (so the service starts while the provider is away) and kept.
 */
final class OidcSignIn {
    private static final Duration PENDING = Duration.ofMinutes(10);
    private static final int TIMEOUT_MILLIS = 5_000;
    private static final Set<JWSAlgorithm> ALGORITHMS = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384,
            JWSAlgorithm.RS512, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.ES384);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A sign-in under way: what the callback must match, and the browser binding of its state. */
    private record Pending(CodeVerifier verifier, Nonce nonce, String browser) {
    }

    /** The provider's endpoints and a validator that fetches (and caches) its keys. */
    private record Provider(OIDCProviderMetadata metadata, IDTokenValidator validator) {
    }

    /** Where to send the browser, and the value of its binding cookie. */
    record Start(URI location, String browser) {
    }

    /** Why a callback did not sign anyone in, as shown to the person (no secret in it). */
    static final class SignInFailed extends Exception {
        SignInFailed(String message) {
            super(message);
        }
    }

    private final ConsoleSettings settings;
    private final ClientID clientId;
    private final Cache<String, Pending> pending;
    private volatile Provider provider;

    OidcSignIn(ConsoleSettings settings, Clock clock) {
        this.settings = settings;
        this.clientId = new ClientID(settings.clientId());
        this.pending = Caches.expiring(clock, PENDING, 16L * 1024 * 1024, (state, value) -> Caches.ENTRY_OVERHEAD + 512);
    }

    /** A new sign-in: the provider's authorization URL with state, nonce and the PKCE challenge. */
    Start start() throws SignInFailed {
        Provider current = provider();
        State state = new State();
        Nonce nonce = new Nonce();
        CodeVerifier verifier = new CodeVerifier();
        String browser = Sessions.randomToken();
        pending.put(state.getValue(), new Pending(verifier, nonce, browser));
        AuthenticationRequest request = new AuthenticationRequest.Builder(ResponseType.CODE,
                new Scope("openid", "profile", "email"), clientId, settings.redirectUrl())
                .endpointURI(current.metadata().getAuthorizationEndpointURI())
                .state(state)
                .nonce(nonce)
                .codeChallenge(verifier, CodeChallengeMethod.S256)
                .build();
        return new Start(request.toURI(), browser);
    }

    /**
     * Finishes a sign-in from the provider's redirect: the state must be one this browser started, the code
     * is exchanged with the PKCE verifier and the client secret, and the ID token must be signed by the
     * provider, for this client, with the sign-in's nonce.
     */
    VerifiedToken finish(String rawQuery, String browser) throws SignInFailed {
        AuthenticationResponse response;
        try {
            response = AuthenticationResponseParser.parse(URI.create(settings.redirectUrl() + "?" + rawQuery));
        } catch (ParseException | IllegalArgumentException e) {
            throw new SignInFailed("the provider's answer could not be read");
        }
        // Only the browser that started a sign-in ends it: someone who saw its state (a log, the URL) cannot.
        String state = response.getState() == null ? null : response.getState().getValue();
        Pending started = state == null ? null : pending.getIfPresent(state);
        if (started == null || browser == null || !Sessions.sameToken(started.browser(), browser)
                || !pending.asMap().remove(state, started)) {
            throw new SignInFailed("this sign-in was not started in this browser, or took too long; start again");
        }
        if (response instanceof AuthenticationErrorResponse error) {
            ErrorObject object = error.getErrorObject();
            throw new SignInFailed("the provider refused the sign-in: " + (object == null ? "no reason given"
                    : object.getCode()));
        }
        Provider current = provider();
        TokenRequest tokenRequest = new TokenRequest(current.metadata().getTokenEndpointURI(),
                new ClientSecretBasic(clientId, new Secret(settings.clientSecret())),
                new AuthorizationCodeGrant(response.toSuccessResponse().getAuthorizationCode(), settings.redirectUrl(),
                        started.verifier()));
        TokenResponse tokens;
        try {
            HTTPRequest http = tokenRequest.toHTTPRequest();
            http.setConnectTimeout(TIMEOUT_MILLIS);
            http.setReadTimeout(TIMEOUT_MILLIS);
            tokens = OIDCTokenResponseParser.parse(http.send());
        } catch (IOException | ParseException e) {
            throw new SignInFailed("the provider's token endpoint could not be reached or answered nonsense");
        }
        if (!tokens.indicatesSuccess()) {
            throw new SignInFailed("the provider refused the code: "
                    + tokens.toErrorResponse().getErrorObject().getCode());
        }
        JWT idToken = ((OIDCTokenResponse) tokens.toSuccessResponse()).getOIDCTokens().getIDToken();
        try {
            current.validator().validate(idToken, started.nonce());
            return verified(idToken);
        } catch (Exception e) {
            throw new SignInFailed("the ID token is not valid: " + e.getMessage());
        }
    }

    /** The ID token as the readers' policy checks any token: its payload as Jackson parses it. */
    private static VerifiedToken verified(JWT idToken) throws IOException, java.text.ParseException {
        String payload = idToken.getParsedParts()[1].toString();
        Map<String, Object> claims = JSON.readValue(
                new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8),
                new TypeReference<Map<String, Object>>() { });
        var set = idToken.getJWTClaimsSet();
        var header = (com.nimbusds.jose.JWSHeader) idToken.getHeader();
        return new VerifiedToken(set.getIssuer(), set.getSubject() == null ? "" : set.getSubject(),
                set.getAudience() == null ? List.of() : set.getAudience(), claims,
                set.getExpirationTime().toInstant(), header.getKeyID(), header.getAlgorithm().getName());
    }

    private Provider provider() throws SignInFailed {
        Provider current = provider;
        if (current != null) {
            return current;
        }
        try {
            OIDCProviderMetadata metadata = OIDCProviderMetadata.resolve(new Issuer(settings.issuer().toString()),
                    TIMEOUT_MILLIS, TIMEOUT_MILLIS);
            var keys = JWKSourceBuilder.<SecurityContext>create(metadata.getJWKSetURI().toURL()).build();
            IDTokenValidator validator = new IDTokenValidator(metadata.getIssuer(), clientId,
                    new JWSVerificationKeySelector<>(ALGORITHMS, keys), null);
            current = new Provider(metadata, validator);
            provider = current;
            return current;
        } catch (Exception e) {
            throw new SignInFailed("the sign-in provider " + settings.issuer() + " cannot be reached: " + e.getMessage());
        }
    }
}
