package dev.octosts.exchange;

import dev.octosts.oidc.OidcFailure;
import dev.octosts.oidc.OidcResult;
import dev.octosts.policy.CheckResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every reason code, gRPC code and message the service answers with, written out here: the ledger, the
 * metrics, the alerts and Octo STS's callers depend on them byte for byte, so a change shows up as a
 * failing row rather than as a silent drift.
 */
class ReasonTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            ISSUED                        | issued                        | OK                 | ~~
            AUDIT_READ                    | audit_read                    | OK                 | ~~
            REFRESH_TOKEN_UNIMPLEMENTED   | unimplemented                 | UNIMPLEMENTED      | method ExchangeRefreshToken not implemented
            TOO_MANY_SCOPES               | too_many_scopes               | INVALID_ARGUMENT   | at most 100 repositories per request
            SCOPES_OWNERS_DIFFER          | scopes_owners_differ          | INVALID_ARGUMENT   | scopes must name repositories of one owner
            SCOPES_NOT_REPOSITORIES       | scopes_not_repositories       | INVALID_ARGUMENT   | several scopes must each name a repository (owner/repo), not an organization
            REPOSITORIES_NEED_ORG_SCOPE   | repositories_need_org_scope   | INVALID_ARGUMENT   | repositories narrows an organization scope only
            NO_COMMON_PERMISSIONS         | no_common_permissions         | PERMISSION_DENIED  | the trust policies of these repositories grant no permission in common
            SCOPE_MISSING                 | scope_missing                 | INVALID_ARGUMENT   | scope must be provided
            IDENTITY_MISSING              | identity_missing              | INVALID_ARGUMENT   | identity must be provided
            MISSING_AUTHORIZATION         | missing_authorization         | UNAUTHENTICATED    | missing or multiple authorization headers
            INSTALLATION_LOOKUP_FAILED    | github_unavailable            | INTERNAL           | unable to find installation
            ISSUER_NOT_PERMITTED          | issuer_not_permitted          | PERMISSION_DENIED  | issuer not permitted by organization policy
            ISSUER_ALLOWLIST_INVALID      | issuer_allowlist_invalid      | FAILED_PRECONDITION | organization trusted-issuer configuration is invalid
            ISSUER_ALLOWLIST_RATE_LIMITED | issuer_allowlist_rate_limited | RESOURCE_EXHAUSTED | organization trusted-issuer lookup rate limited
            ISSUER_ALLOWLIST_UNAVAILABLE  | issuer_allowlist_unavailable  | UNAVAILABLE        | organization trusted-issuer lookup unavailable
            ISSUER_ALLOWLIST_TIMEOUT      | issuer_allowlist_timeout      | DEADLINE_EXCEEDED  | organization trusted-issuer lookup timed out
            ORG_SETTINGS_INVALID          | org_settings_invalid          | FAILED_PRECONDITION | organization settings are invalid
            ORG_SETTINGS_RATE_LIMITED     | org_settings_rate_limited     | RESOURCE_EXHAUSTED | organization settings lookup rate limited
            ORG_SETTINGS_UNAVAILABLE      | org_settings_unavailable      | UNAVAILABLE        | organization settings lookup unavailable
            ORG_SETTINGS_TIMEOUT          | org_settings_timeout          | DEADLINE_EXCEEDED  | organization settings lookup timed out
            GITHUB_REFUSED_PERMISSIONS    | github_refused_permissions    | PERMISSION_DENIED  | token exchange failure (StatusUnprocessableEntity)
            MINT_FAILED                   | github_unavailable            | INTERNAL           | failed to get token
            GITHUB_RATE_LIMITED           | github_rate_limited           | RESOURCE_EXHAUSTED | GitHub API rate limit exceeded
            OUTBOUND_LIMIT                | outbound_limit                | UNAVAILABLE        | too many requests in flight, try again
            EXCHANGE_DEADLINE             | deadline_exceeded             | DEADLINE_EXCEEDED  | the exchange took too long
            INTERNAL_ERROR                | internal_error                | INTERNAL           | internal error
            LEDGER_UNAVAILABLE            | ledger_unavailable            | UNAVAILABLE        | unable to record the exchange
            AUDIT_READERS_NOT_CONFIGURED  | audit_readers_not_configured  | PERMISSION_DENIED  | no audit readers are configured
            AUDIT_LEDGER_UNAVAILABLE      | ledger_unavailable            | UNAVAILABLE        | unable to record the audit read
            TOKEN_REPLAYED                | token_replayed                | ALREADY_EXISTS     | token already exchanged for this scope and identity
            REPLAY_MEMORY_UNAVAILABLE     | replay_memory_unavailable     | UNAVAILABLE        | unable to check the token for replay
            REVOKED                       | revoked                       | OK                 | ~~
            NOT_ISSUED                    | not_issued                    | NOT_FOUND          | token not issued by this service
            ALREADY_ENDED                 | already_ended                 | OK                 | ~~
            GRANT_LOOKUP_FAILED           | ledger_unavailable            | UNAVAILABLE        | unable to read the ledger
            REVOKE_FAILED                 | github_unavailable            | UNAVAILABLE        | unable to revoke the token
            """)
    void fixedMessages(Reason reason, String code, GrpcCode grpcCode, String message) {
        Refusal refusal = reason.refusal();

        assertThat(reason.code()).isEqualTo(code);
        assertThat(refusal.code()).isEqualTo(grpcCode);
        assertThat(refusal.message()).isEqualTo(message);
        assertThatThrownBy(() -> reason.refusal("input")).isInstanceOf(IllegalStateException.class);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            MALFORMED_REQUEST         | malformed_request         | INVALID_ARGUMENT   | bad "body" | bad "body"
            RATE_LIMITED              | rate_limited              | RESOURCE_EXHAUSTED | address    | rate limit exceeded for this address
            NO_APP_FOR_OWNER          | no_app_for_owner          | NOT_FOUND          | o"rg       | no GitHub App configured for org "o\\"rg"
            NOT_INSTALLED             | not_installed             | NOT_FOUND          | org        | no installation found for "org"
            POLICY_NOT_FOUND          | policy_not_found          | NOT_FOUND          | ci         | unable to find trust policy for "ci"
            POLICY_READ_RATE_LIMITED  | github_rate_limited       | RESOURCE_EXHAUSTED | ci         | GitHub API rate limit exceeded for "ci"
            REPOSITORY_NOT_ACCESSIBLE | repository_not_accessible | INTERNAL           | ci         | unable to read trust policy for "ci"
            POLICY_READ_FAILED        | github_unavailable        | INTERNAL           | ci         | unable to read trust policy for "ci"
            POLICY_PARSE_ERROR        | policy_parse_error        | NOT_FOUND          | ci         | unable to parse trust policy found for "ci"
            POLICY_COMPILE_ERROR      | policy_compile_error      | NOT_FOUND          | ci         | unable to compile trust policy found for "ci"
            PERMISSION_NOT_GRANTED    | permission_not_granted    | PERMISSION_DENIED  | issues:write | requested permission issues:write is more than the trust policy grants
            REPOSITORY_NOT_GRANTED    | repository_not_granted    | PERMISSION_DENIED  | a"b        | requested repository "a\\"b" is not one the trust policy grants
            EXCHANGE_AUDIENCE         | exchange_audience         | PERMISSION_DENIED  | sts.test   | the token's audience includes sts.test, the exchange's: audit readers need a token minted for the ledger
            INVALID_TOKEN_ISSUER      | invalid_token_issuer      | INVALID_ARGUMENT   | a message  | a message
            INVALID_TOKEN_SUBJECT     | invalid_token_subject     | INVALID_ARGUMENT   | a message  | a message
            INVALID_TOKEN_AUDIENCE    | invalid_token_audience    | INVALID_ARGUMENT   | a message  | a message
            REPOSITORY_POLICIES_DISABLED | repository_policies_disabled | PERMISSION_DENIED | org | organization "org" has disabled repository policies: only its org policies apply
            ISSUER_MISMATCH           | issuer_mismatch           | PERMISSION_DENIED  | a message  | a message
            SUBJECT_MISMATCH          | subject_mismatch          | PERMISSION_DENIED  | a message  | a message
            AUDIENCE_MISMATCH         | audience_mismatch         | PERMISSION_DENIED  | a message  | a message
            CLAIM_MISSING             | claim_missing             | PERMISSION_DENIED  | a message  | a message
            CLAIM_NOT_STRING          | claim_not_string          | PERMISSION_DENIED  | a message  | a message
            CLAIM_MISMATCH            | claim_mismatch            | PERMISSION_DENIED  | a message  | a message
            """)
    void messagesMadeFromTheirInput(Reason reason, String code, GrpcCode grpcCode, String input, String message) {
        Refusal refusal = reason.refusal(input);

        assertThat(reason.code()).isEqualTo(code);
        assertThat(refusal.code()).isEqualTo(grpcCode);
        assertThat(refusal.message()).isEqualTo(message);
        assertThatThrownBy(reason::refusal).isInstanceOf(IllegalStateException.class);
    }

    /** The verifier's (failure, reason) pairs as OidcVerifier and CompactJws make them, and Octo STS's answers. */
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            MALFORMED_TOKEN      | token_too_large       | INVALID_ARGUMENT | invalid bearer token
            MALFORMED_TOKEN      | malformed_token       | INVALID_ARGUMENT | invalid bearer token
            MALFORMED_TOKEN      | unsigned_token        | INVALID_ARGUMENT | invalid bearer token
            INVALID_ISSUER       | invalid_issuer        | INVALID_ARGUMENT | invalid issuer format
            PROVIDER_UNAVAILABLE | discovery_failed      | INVALID_ARGUMENT | unable to fetch or create the provider
            VERIFICATION_FAILED  | issuer_not_allowed    | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | unsupported_algorithm | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | jwks_fetch_failed     | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | no_usable_keys        | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | kid_required          | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | unknown_key           | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | bad_signature         | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | issuer_mismatch       | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | invalid_claims        | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | missing_exp           | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | token_expired         | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | nbf_in_future         | UNAUTHENTICATED  | unable to verify bearer token
            VERIFICATION_FAILED  | internal_error        | UNAUTHENTICATED  | unable to verify bearer token
            OVERLOADED           | outbound_limit        | UNAVAILABLE      | too many requests in flight, try again
            """)
    void theVerifiersRejections(OidcFailure failure, String code, GrpcCode grpcCode, String message) {
        Refusal refusal = Reason.of(new OidcResult.Rejected(failure, code, "detail")).refusal();

        assertThat(refusal.reason().code()).isEqualTo(code);
        assertThat(refusal.code()).isEqualTo(grpcCode);
        assertThat(refusal.message()).isEqualTo(message);
    }

    /** The policy check's (verdict, reason) pairs as CompiledTrustPolicy makes them; the message is the policy's. */
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', textBlock = """
            INVALID_TOKEN | invalid_token_issuer   | INVALID_ARGUMENT
            INVALID_TOKEN | invalid_token_subject  | INVALID_ARGUMENT
            INVALID_TOKEN | invalid_token_audience | INVALID_ARGUMENT
            DENIED        | issuer_mismatch        | PERMISSION_DENIED
            DENIED        | subject_mismatch       | PERMISSION_DENIED
            DENIED        | audience_mismatch      | PERMISSION_DENIED
            DENIED        | claim_missing          | PERMISSION_DENIED
            DENIED        | claim_not_string       | PERMISSION_DENIED
            DENIED        | claim_mismatch         | PERMISSION_DENIED
            """)
    void thePolicyChecksRefusals(CheckResult.Verdict verdict, String code, GrpcCode grpcCode) {
        String message = "trust policy: subject \"repo:org/app\" did not match \"repo:org/other\"";

        Outcome<Void> outcome = Reason.checked(new CheckResult(verdict, code, message));

        assertThat(outcome).isInstanceOfSatisfying(Outcome.Refused.class, refused -> {
            assertThat(refused.refusal().reason().code()).isEqualTo(code);
            assertThat(refused.refusal().code()).isEqualTo(grpcCode);
            assertThat(refused.refusal().message()).isEqualTo(message);
        });
    }

    @Test
    void anAllowedCheckPasses() {
        assertThat(Reason.checked(CheckResult.allow())).isEqualTo(Outcome.passed());
    }

    /** 37 fixed, 23 made from input, 19 of the verifier: a constant added without a row above fails here. */
    @Test
    void everyReasonHasItsRowAbove() {
        assertThat(Reason.values()).hasSize(37 + 23 + 19);
    }

    /** A revocation's three answers are recorded as revoke, whatever their gRPC code; its failures are not. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            REVOKED            | REVOKE
            NOT_ISSUED         | REVOKE
            ALREADY_ENDED      | REVOKE
            REVOKE_FAILED      | ERROR
            GRANT_LOOKUP_FAILED | ERROR
            TOKEN_REPLAYED     | DENY
            ISSUED             | ALLOW
            POLICY_NOT_FOUND   | DENY
            """)
    void decisions(Reason reason, Decision decision) {
        assertThat(Decision.of(reason)).isEqualTo(decision);
    }

    @Test
    void aRejectionNoReasonDescribesIsABugNotAnAnswer() {
        assertThatThrownBy(() -> Reason.of(new OidcResult.Rejected(OidcFailure.MALFORMED_TOKEN, "token_expired", "d")))
                .isInstanceOf(IllegalStateException.class);
    }

    /** The alert rules select exchanges by reason: each reason they name must be one the service records. */
    @Test
    void everyReasonTheAlertsNameIsRecorded() throws IOException {
        Set<String> codes = Arrays.stream(Reason.values()).map(Reason::code).collect(Collectors.toSet());
        Matcher selector = Pattern.compile("octosts_reason=~?\"([^\"]+)\"")
                .matcher(Files.readString(Path.of("otel", "alerts.yaml")));
        Set<String> named = new LinkedHashSet<>();
        while (selector.find()) {
            named.addAll(Arrays.asList(selector.group(1).split("\\|")));
        }

        assertThat(named).contains("issuer_not_permitted", "rate_limited", "repository_not_accessible");
        assertThat(codes).containsAll(named);
    }
}
