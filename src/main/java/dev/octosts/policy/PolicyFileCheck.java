package dev.octosts.policy;

import java.io.StringReader;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * Checks a policy file the way the exchange reads it ({@link PolicyParser}, {@link CompiledTrustPolicy},
 * {@link OrgTrustedIssuers}, {@link OrgSettings}) and says where the problem is, for policy authors' tools. The message is the
 * exchange's own; the line comes from the YAML reader or from the key the problem belongs to.
 */
public final class PolicyFileCheck {
    /** The largest file the exchange reads; larger ones are refused without being parsed. */
    public static final int MAX_FILE_BYTES = YamlTree.MAX_DOCUMENT_BYTES;

    /** What a file is read as. */
    public enum Kind {
        /** {@code .github/chainguard/<identity>.sts.yaml} in a repository. */
        REPO_POLICY,
        /** A trust policy in the org policy repository: may list {@code repositories}. */
        ORG_POLICY,
        /** {@code trusted-token-issuers.yaml}, the org's issuer allowlist. */
        ALLOWLIST,
        /** {@code org-settings.yaml}, the org's settings. */
        ORG_SETTINGS
    }

    /**
     * One problem of a file.
     *
     * @param line    1-based line, when one can be found
     * @param reason  {@link PolicyException#reason()}
     * @param message the exchange's message, as it would log it
     */
    public record Problem(OptionalInt line, String reason, String message) {
    }

    private PolicyFileCheck() {
    }

    /** The file's problem, or empty when the exchange would accept it (the reader stops at the first problem). */
    public static Optional<Problem> check(String yaml, Kind kind) {
        try {
            switch (kind) {
                case REPO_POLICY -> CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy(yaml, false), false);
                case ORG_POLICY -> CompiledTrustPolicy.compile(PolicyParser.parseTrustPolicy(yaml, true), true);
                case ALLOWLIST -> OrgTrustedIssuers.parse(yaml);
                case ORG_SETTINGS -> OrgSettings.parse(yaml);
            }
            return Optional.empty();
        } catch (PolicyException e) {
            OptionalInt line = e.line().isPresent() || e.field().isEmpty() ? e.line() : lineOf(yaml, e.field());
            return Optional.of(new Problem(line, e.reason(), e.getMessage()));
        }
    }

    /**
     * The line of a key path ({@code [claim_pattern, email]}, {@code [issuers, 2]}) in the file: the key's line
     * (a list index gives the item's line). Keys match exactly, else case-insensitively as the parser does.
     */
    static OptionalInt lineOf(String yaml, List<String> fieldPath) {
        Node node;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setCodePointLimit(MAX_FILE_BYTES);
            node = new Yaml(options).compose(new StringReader(yaml));
        } catch (YAMLException e) {
            return OptionalInt.empty();
        }
        Node at = null;
        for (String segment : fieldPath) {
            if (node instanceof MappingNode mapping) {
                NodeTuple entry = entry(mapping, segment);
                if (entry == null) {
                    break;
                }
                at = entry.getKeyNode();
                node = entry.getValueNode();
            } else if (node instanceof SequenceNode sequence && isIndex(segment)
                    && Integer.parseInt(segment) < sequence.getValue().size()) {
                node = sequence.getValue().get(Integer.parseInt(segment));
                at = node;
            } else {
                break;
            }
        }
        return at == null ? OptionalInt.empty() : OptionalInt.of(at.getStartMark().getLine() + 1);
    }

    /** The entry for {@code key}: an exact match, else a case-insensitive one. */
    private static NodeTuple entry(MappingNode mapping, String key) {
        NodeTuple folded = null;
        for (NodeTuple tuple : mapping.getValue()) {
            if (tuple.getKeyNode() instanceof ScalarNode scalar) {
                if (scalar.getValue().equals(key)) {
                    return tuple;
                }
                if (folded == null && scalar.getValue().equalsIgnoreCase(key)) {
                    folded = tuple;
                }
            }
        }
        return folded;
    }

    private static boolean isIndex(String segment) {
        return !segment.isEmpty() && segment.length() < 6 && segment.chars().allMatch(Character::isDigit);
    }
}
