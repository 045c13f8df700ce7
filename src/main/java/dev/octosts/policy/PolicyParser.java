package dev.octosts.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses trust policy files with the semantics of Octo STS's sigs.k8s.io/yaml {@code UnmarshalStrict}
 * (README rules 1–5): YAML 1.1 scalars, unknown and duplicate keys refused, keys matched case-insensitively,
 * scalars stringified into string fields, null or empty values leaving the zero value.
 */
public final class PolicyParser {
    private static final List<String> POLICY_FIELDS = List.of("issuer", "issuer_pattern", "subject",
            "subject_pattern", "audience", "audience_pattern", "claim_pattern", "permissions");
    private static final List<String> ORG_POLICY_FIELDS = withRepositories();

    private PolicyParser() {
    }

    /**
     * What parsing answers for a document over {@link PolicyFileCheck#MAX_FILE_BYTES}: for a caller that
     * kept only the document's size, not its text.
     */
    public static PolicyException documentTooLarge() {
        return YamlTree.documentTooLarge();
    }

    /**
     * Parses a trust policy. An org policy (the file lives in the org policy repository) may also list
     * {@code repositories}; in a repo policy that key is unknown.
     */
    public static TrustPolicy parseTrustPolicy(String yaml, boolean orgPolicy) throws PolicyException {
        String struct = orgPolicy ? "OrgTrustPolicy" : "TrustPolicy";
        Map<String, Object> document = GoJson.object(YamlTree.parse(yaml), "octosts." + struct);
        Map<String, String> strings = new HashMap<>();
        Map<String, String> claimPattern = null;
        Permissions permissions = new Permissions(struct + ".permissions");
        List<String> repositories = null;
        for (Map.Entry<String, Object> entry : GoJson.inGoOrder(document)) {
            try {
                String field = GoJson.field(entry.getKey(), orgPolicy ? ORG_POLICY_FIELDS : POLICY_FIELDS);
                String path = struct + "." + field;
                Object value = entry.getValue();
                switch (field) {
                    case "claim_pattern" -> claimPattern = GoJson.mergeStringMap(claimPattern, value, path);
                    case "permissions" -> permissions.decode(value, entry.getKey());
                    case "repositories" -> repositories = GoJson.stringList(value, path);
                    default -> {
                        String s = GoJson.string(value, path, "string");
                        if (s != null) {
                            strings.put(field, s);
                        }
                    }
                }
            } catch (PolicyException e) {
                throw e.atField(entry.getKey());
            }
        }
        return new TrustPolicy(strings.get("issuer"), strings.get("issuer_pattern"), strings.get("subject"),
                strings.get("subject_pattern"), strings.get("audience"), strings.get("audience_pattern"),
                claimPattern, permissions.inFileOrder(), repositories);
    }

    private static List<String> withRepositories() {
        List<String> fields = new ArrayList<>(POLICY_FIELDS);
        fields.add("repositories");
        return List.copyOf(fields);
    }

    /**
     * go-github's {@code InstallationPermissions}: a struct of {@code *string}, so names match
     * case-insensitively, an unknown name is an error and {@code null} removes a permission.
     */
    private static final class Permissions {
        private final String path;
        private final Map<String, String> levels = new HashMap<>();
        private final Set<String> fileOrder = new LinkedHashSet<>();

        Permissions(String path) {
            this.path = path;
        }

        @SuppressWarnings("unchecked")
        /** @param writtenKey the permissions key as written, to locate problems */
        void decode(Object value, String writtenKey) throws PolicyException {
            if (value == null) {
                return; // null into a struct changes nothing
            }
            if (!(value instanceof Map<?, ?> map)) {
                throw GoJson.typeError(value, path, "github.InstallationPermissions");
            }
            Map<String, Object> object = (Map<String, Object>) map;
            for (Map.Entry<String, Object> entry : GoJson.inGoOrder(object)) {
                try {
                    String name = GoJson.field(entry.getKey(), InstallationPermissions.NAMES);
                    String level = GoJson.string(entry.getValue(), path + "." + name, "string");
                    if (level == null) {
                        levels.remove(name);
                    } else {
                        levels.put(name, level);
                    }
                } catch (PolicyException e) {
                    throw e.atField(writtenKey, entry.getKey());
                }
            }
            for (String key : object.keySet()) {
                fileOrder.add(GoJson.field(key, InstallationPermissions.NAMES));
            }
        }

        Map<String, String> inFileOrder() {
            Map<String, String> out = new LinkedHashMap<>();
            for (String name : fileOrder) {
                if (levels.containsKey(name)) {
                    out.put(name, levels.get(name));
                }
            }
            return out;
        }
    }
}
