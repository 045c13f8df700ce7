package dev.octosts.exchange;

import dev.octosts.gocompat.GoText;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scopes of a request, checked before anything is spent on them: one repository or organization as
 * in Octo STS, or several repositories of one owner, at most {@value #MAX_REPOSITORIES}.
 */
final class RequestedScopes {
    static final int MAX_REPOSITORIES = 100;

    private RequestedScopes() {
    }

    /**
     * Where the scopes point ({@link #targets}); refused when they cannot make one token, or when
     * {@code repositories} narrows no org scope.
     */
    static Outcome<List<Target>> check(ExchangeRequest request, String orgPolicyRepo) {
        List<String> scopes = request.distinctScopes();
        if (scopes.size() > MAX_REPOSITORIES) {
            return Outcome.refused(Reason.TOO_MANY_SCOPES.refusal());
        }
        List<Target> targets = targets(request, orgPolicyRepo);
        if (targets.size() > 1) {
            if (targets.stream().anyMatch(Target::orgPolicy)) {
                return Outcome.refused(Reason.SCOPES_NOT_REPOSITORIES.refusal());
            }
            if (targets.stream().map(Target::owner).distinct().count() > 1) {
                return Outcome.refused(Reason.SCOPES_OWNERS_DIFFER.refusal());
            }
        }
        boolean narrowsRepositories = request.downScoping().repositories() != null;
        if (narrowsRepositories && !scopes.getFirst().isEmpty()
                && (targets.size() > 1 || !targets.getFirst().orgPolicy())) {
            return Outcome.refused(Reason.REPOSITORIES_NEED_ORG_SCOPE.refusal());
        }
        return Outcome.of(targets);
    }

    /**
     * Where each distinct scope points, in the caller's order, each place once however it is spelled: GitHub's
     * names ignore case, and Go's path rules read {@code org//repo} and {@code org/x/../repo} as {@code org/repo}.
     */
    private static List<Target> targets(ExchangeRequest request, String orgPolicyRepo) {
        Map<String, Target> byPlace = new LinkedHashMap<>();
        for (String scope : request.distinctScopes()) {
            Target target = Target.parse(scope, orgPolicyRepo);
            byPlace.putIfAbsent(place(target), target);
        }
        return List.copyOf(byPlace.values());
    }

    /** A target as one name whatever its spelling: lower case, and whether it takes org policies. */
    private static String place(Target target) {
        return (target.owner() + "/" + target.repo()).toLowerCase(Locale.ROOT) + (target.orgPolicy() ? " org" : "");
    }

    /**
     * The scopes as one use of a token for replay protection: the places they point to, sorted, so that the
     * same repositories asked for in another order, case or spelling are the same use.
     */
    static String useScope(List<Target> targets) {
        return String.join(" ", targets.stream().map(RequestedScopes::place).sorted().toList());
    }

    /**
     * A refusal about one of several repositories, naming it so the caller knows which policy to fix; one
     * scope's refusals stay Octo STS's.
     */
    static <T> Outcome<T> naming(List<Target> targets, Target target, Outcome<T> outcome) {
        return targets.size() > 1 && outcome instanceof Outcome.Refused<T>(Refusal refusal)
                ? Outcome.refused(new Refusal(refusal.reason(), "repository "
                + GoText.quote(target.owner() + "/" + target.repo()) + ": " + refusal.message()))
                : outcome;
    }
}
