package dev.octosts.policy;

import dev.octosts.gocompat.GoText;
import java.util.List;
import java.util.Map;

/**
 * An organization's settings, {@code <org policy repo>/.github/chainguard/org-settings.yaml}: how the
 * exchange treats the org beyond its policies. Parsed as strictly as a trust policy (unknown and
 * duplicate keys refused, keys matched case-insensitively); an empty file keeps every default.
 *
 * @param repositoryPolicies false when only org policies count ({@code repository_policies: disabled}):
 *                           a repository scope is then refused without reading the repository's policy
 */
public record OrgSettings(boolean repositoryPolicies) {
    /** What an org without a settings file gets: Octo STS's behaviour. */
    public static final OrgSettings DEFAULTS = new OrgSettings(true);

    private static final String PARSE_PREFIX = "parsing organization settings: ";
    private static final List<String> FIELDS = List.of("repository_policies");

    /** Parses and validates the settings file; a value it does not know is an error, never a default. */
    public static OrgSettings parse(String yaml) throws PolicyException {
        boolean repositoryPolicies = DEFAULTS.repositoryPolicies();
        try {
            Map<String, Object> document = GoJson.object(YamlTree.parse(yaml), "octosts.OrgSettings");
            for (Map.Entry<String, Object> entry : GoJson.inGoOrder(document)) {
                try {
                    String field = GoJson.field(entry.getKey(), FIELDS);
                    String value = GoJson.string(entry.getValue(), "OrgSettings." + field, "string");
                    if (value != null) {
                        repositoryPolicies = switch (value) {
                            case "enabled" -> true;
                            case "disabled" -> false;
                            default -> throw new PolicyException("unknown_setting_value", "unknown " + field + " "
                                    + GoText.quote(value) + " (want \"enabled\" or \"disabled\")");
                        };
                    }
                } catch (PolicyException e) {
                    throw e.atField(entry.getKey());
                }
            }
        } catch (PolicyException e) {
            throw e.withPrefix(PARSE_PREFIX);
        }
        return new OrgSettings(repositoryPolicies);
    }
}
