package dev.octosts.oidc;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The issuers this service accepts tokens from at all, checked on the unverified {@code iss} before any
 * fetch: exact issuer URLs, compared character for character (no trailing-slash or case folding), and
 * RE2 patterns that must match the whole issuer ({@code ^(?:p)$}). With neither, every issuer is accepted
 * (Octo STS's behaviour) and the trust policies alone decide.
 *
 * <p>Build instances with {@link #of}.
 */
public final class IssuerAllowlist {
    /** No allowlist: every issuer passes to discovery. */
    public static final IssuerAllowlist ANY = new IssuerAllowlist(Set.of(), List.of(), List.of());

    private final Set<String> issuers;
    private final List<String> patterns;
    private final List<Pattern> compiled;

    private IssuerAllowlist(Set<String> issuers, List<String> patterns, List<Pattern> compiled) {
        this.issuers = Set.copyOf(issuers);
        this.patterns = List.copyOf(patterns);
        this.compiled = List.copyOf(compiled);
    }

    /**
     * An allowlist of these exact issuers and patterns.
     *
     * @throws IllegalArgumentException naming the first issuer that breaks the issuer rules or the first pattern
     *                                  that is not valid RE2 syntax
     */
    public static IssuerAllowlist of(Set<String> issuers, List<String> patterns) {
        for (String issuer : issuers) {
            if (!OidcFields.isValidIssuer(issuer)) {
                throw new IllegalArgumentException("\"" + Text.printable(issuer, 200) + "\" is not a valid issuer"
                        + " (an https URL, http only on localhost, without query or fragment)");
            }
        }
        return new IssuerAllowlist(issuers, patterns, patterns.stream().map(IssuerAllowlist::compile).toList());
    }

    /** Compiled alone first, so that an unbalanced {@code )} cannot close the anchoring group, then anchored. */
    private static Pattern compile(String pattern) {
        Objects.requireNonNull(pattern, "pattern");
        try {
            Pattern.compile(pattern);
            return Pattern.compile(anchored(pattern));
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("\"" + Text.printable(pattern, 200) + "\" is not a valid RE2 pattern: "
                    + e.getDescription());
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("\"" + Text.printable(pattern, 200) + "\" nests too deeply");
        }
    }

    private static String anchored(String pattern) {
        return "^(?:" + pattern + ")$";
    }

    /** The exact issuers. */
    public Set<String> issuers() {
        return issuers;
    }

    /** The patterns as written, without the added anchors. */
    public List<String> patterns() {
        return patterns;
    }

    /** Whether any issuer may be refused here, i.e. the allowlist was configured. */
    public boolean isRestricted() {
        return !issuers.isEmpty() || !patterns.isEmpty();
    }

    /** Whether tokens of {@code issuer} may be verified at all. */
    public boolean allows(String issuer) {
        if (!isRestricted() || issuers.contains(issuer)) {
            return true;
        }
        for (Pattern pattern : compiled) {
            if (pattern.matches(issuer)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IssuerAllowlist that && issuers.equals(that.issuers) && patterns.equals(that.patterns);
    }

    @Override
    public int hashCode() {
        return Objects.hash(issuers, patterns);
    }

    @Override
    public String toString() {
        return "IssuerAllowlist[issuers=" + issuers + ", patterns=" + patterns + "]";
    }
}
