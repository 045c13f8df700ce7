package dev.octosts.policy;

import dev.octosts.gocompat.GoText;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.ReaderException;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * The first stage of sigs.k8s.io/yaml {@code UnmarshalStrict}: YAML to a JSON-like tree, as Go's yaml.v2
 * decodes it into {@code interface{}} with strict duplicate-key checking, followed by sigs.k8s.io/yaml's
 * conversion of map keys to strings.
 *
 * <p>SnakeYAML only composes the node graph; scalars are resolved here with yaml.v2's YAML 1.1 rules
 * ({@code yes}/{@code on}/{@code y} are booleans, {@code 0x1F}/{@code 012}/{@code 1_000} are integers), because
 * SnakeYAML's own resolver differs in details ({@code y}/{@code n}, sexagesimal numbers). The tree holds
 * {@code String}, {@code Boolean}, {@code Long} (int64), {@code BigInteger} (beyond int64, within uint64),
 * {@link YamlScalars.BigNumber}, {@code Double}, {@code null}, {@code List<Object>} and insertion-ordered
 * {@code Map<String, Object>}.
 *
 * <p>Bounded: at most {@link #MAX_DOCUMENT_BYTES} of input, few aliases to collections, shallow nesting,
 * and a cap on the size of the tree after aliases are expanded.
 */
final class YamlTree {
    static final int MAX_DOCUMENT_BYTES = 64 * 1024;
    private static final int MAX_COLLECTION_ALIASES = 16;
    private static final int MAX_NESTING_DEPTH = 32;
    private static final int MAX_EXPANDED_NODES = 20_000;
    private static final long MAX_EXPANDED_CHARS = 2L * MAX_DOCUMENT_BYTES;
    private static final int MAX_PROBLEM_CHARS = 200;

    static final String PREFIX = "error converting YAML to JSON: ";

    /** Marks scalars whose tag is to be resolved from their plain (unquoted, untagged) text. */
    private static final Tag PLAIN = new Tag("tag:octo-sts.dev,2024:plain");



    private YamlTree() {
    }

    static PolicyException documentTooLarge() {
        return new PolicyException("document_too_large", "document too large (max " + MAX_DOCUMENT_BYTES + " bytes)");
    }

    /** Parses the first YAML document of {@code yaml} (Go ignores any later one); null for an empty document. */
    static Object parse(String yaml) throws PolicyException {
        // A UTF-8 encoding is never shorter than the string's length in chars: check that first.
        if (yaml.length() > MAX_DOCUMENT_BYTES || utf8Length(yaml) > MAX_DOCUMENT_BYTES) {
            throw documentTooLarge();
        }
        LoaderOptions options = new LoaderOptions();
        options.setMaxAliasesForCollections(MAX_COLLECTION_ALIASES);
        options.setNestingDepthLimit(MAX_NESTING_DEPTH);
        options.setCodePointLimit(MAX_DOCUMENT_BYTES);
        options.setAllowRecursiveKeys(false);
        Node root;
        try {
            Composer composer = new Composer(new ParserImpl(new StreamReader(yaml), options), new PlainMarkingResolver(), options);
            root = composer.checkNode() ? composer.getNode() : null;
        } catch (MarkedYAMLException e) {
            Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String line = mark == null ? "" : "line " + (mark.getLine() + 1) + ": ";
            PolicyException error = new PolicyException("yaml_syntax", PREFIX + "yaml: " + line + cut(e.getProblem()));
            throw mark == null ? error : error.atLine(mark.getLine() + 1);
        } catch (ReaderException e) {
            throw new PolicyException("yaml_syntax", PREFIX + "yaml: " + cut(e.getMessage()));
        } catch (YAMLException e) {
            throw new PolicyException("document_too_complex", PREFIX + "yaml: " + cut(e.getMessage()));
        } catch (NumberFormatException e) {
            // SnakeYAML reads the hex digits of a quoted x, u or U escape past the end of a file cut off there.
            throw new PolicyException("yaml_syntax", PREFIX + "yaml: did not find expected hexdecimal number");
        }
        return root == null ? null : new Converter().convert(root);
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String cut(String text) {
        String oneLine = String.valueOf(text).replace('\n', ' ');
        return oneLine.length() <= MAX_PROBLEM_CHARS ? oneLine : oneLine.substring(0, MAX_PROBLEM_CHARS) + "...";
    }

    /** Leaves plain scalars to {@link YamlScalars#resolvePlain}; quoted ones are strings, explicit tags are kept. */
    private static final class PlainMarkingResolver extends Resolver {
        @Override
        public Tag resolve(NodeId kind, String value, boolean implicit) {
            if (kind == NodeId.scalar) {
                return implicit ? PLAIN : Tag.STR;
            }
            return super.resolve(kind, value, implicit);
        }
    }

    /** Expands the node graph into a tree, with strict duplicate keys and the expansion budget. */
    private static final class Converter {
        private final Set<Node> path = Collections.newSetFromMap(new IdentityHashMap<>());
        private int nodes;
        private long chars;

        Object convert(Node node) throws PolicyException {
            enter(node);
            try {
                if (node instanceof ScalarNode scalar) {
                    try {
                        return scalar(scalar);
                    } catch (PolicyException e) {
                        throw e.line().isPresent() ? e : e.atLine(scalar.getStartMark().getLine() + 1);
                    }
                }
                if (node instanceof SequenceNode sequence) {
                    List<Object> list = new ArrayList<>(sequence.getValue().size());
                    for (Node item : sequence.getValue()) {
                        list.add(convert(item));
                    }
                    return list;
                }
                Map<String, Object> map = new LinkedHashMap<>();
                addEntries((MappingNode) node, map);
                return map;
            } finally {
                path.remove(node);
            }
        }

        private void enter(Node node) throws PolicyException {
            if (++nodes > MAX_EXPANDED_NODES) {
                throw tooComplex();
            }
            if (!path.add(node)) {
                throw new PolicyException("yaml_syntax", PREFIX + "yaml: anchor value contains itself");
            }
        }

        private void addEntries(MappingNode mapping, Map<String, Object> into) throws PolicyException {
            for (NodeTuple entry : mapping.getValue()) {
                Node keyNode = entry.getKeyNode();
                if (isMerge(keyNode)) {
                    merge(entry.getValueNode(), into);
                    continue;
                }
                Object key = convert(keyNode);
                String name = keyString(key);
                Object value = convert(entry.getValueNode());
                if (into.containsKey(name)) {
                    String shown = key instanceof String ? GoText.quote(name) : name;
                    int line = entry.getValueNode().getStartMark().getLine() + 1;
                    throw new PolicyException("duplicate_key", PREFIX + "yaml: unmarshal errors:\n  line "
                            + line + ": key " + shown + " already set in map").atLine(line);
                }
                into.put(name, value);
            }
        }

        /** yaml.v2's {@code <<}: a plain (or {@code !!merge}-tagged) key whose value is a map or a list of maps. */
        private static boolean isMerge(Node key) {
            return key instanceof ScalarNode scalar && "<<".equals(scalar.getValue())
                    && (scalar.getTag().equals(PLAIN) || scalar.getTag().equals(Tag.MERGE));
        }

        private void merge(Node value, Map<String, Object> into) throws PolicyException {
            List<Node> sources = value instanceof SequenceNode sequence ? sequence.getValue().reversed() : List.of(value);
            for (Node source : sources) {
                if (!(source instanceof MappingNode mapping)) {
                    throw new PolicyException("wrong_type",
                            PREFIX + "yaml: map merge requires map or sequence of maps as the value");
                }
                enter(mapping);
                try {
                    addEntries(mapping, into);
                } finally {
                    path.remove(mapping);
                }
            }
        }

        private Object scalar(ScalarNode node) throws PolicyException {
            String text = node.getValue();
            chars += text.length();
            if (chars > MAX_EXPANDED_CHARS) {
                throw tooComplex();
            }
            Tag tag = node.getTag();
            if (tag.equals(PLAIN)) {
                return YamlScalars.resolvePlain(text);
            }
            if (tag.equals(Tag.BINARY)) {
                try {
                    return new String(Base64.getDecoder().decode(text.replace("\n", "").replace("\r", "")),
                            StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw new PolicyException("wrong_type", PREFIX + "yaml: !!binary value contains invalid base64 data");
                }
            }
            if (tag.equals(Tag.INT) || tag.equals(Tag.FLOAT) || tag.equals(Tag.BOOL) || tag.equals(Tag.NULL)) {
                return explicitlyTyped(tag, text);
            }
            // !!str, !!timestamp (kept as text by yaml.v2 for interface{} targets) and unknown tags: the text.
            return text;
        }

        private static Object explicitlyTyped(Tag tag, String text) throws PolicyException {
            Object value = YamlScalars.resolvePlain(text);
            boolean isInt = value instanceof Long || value instanceof BigInteger || value instanceof YamlScalars.BigNumber;
            if (tag.equals(Tag.INT) && isInt || tag.equals(Tag.BOOL) && value instanceof Boolean
                    || tag.equals(Tag.NULL) && value == null || tag.equals(Tag.FLOAT) && value instanceof Double) {
                return value;
            }
            if (tag.equals(Tag.FLOAT) && value instanceof Long number) {
                return number.doubleValue();
            }
            throw new PolicyException("wrong_type", PREFIX + "yaml: cannot decode " + shortTag(value) + " `"
                    + cut(text) + "` as a !!" + tag.getValue().substring(Tag.PREFIX.length()));
        }

        private static String shortTag(Object value) {
            if (value == null) {
                return "!!null";
            }
            if (value instanceof Boolean) {
                return "!!bool";
            }
            if (value instanceof Double) {
                return "!!float";
            }
            return value instanceof String ? "!!str" : "!!int";
        }

        private static PolicyException tooComplex() {
            return new PolicyException("document_too_complex",
                    PREFIX + "yaml: document too complex (too many nodes or too much text after expanding aliases)");
        }
    }

    /** sigs.k8s.io/yaml's conversion of a resolved key to a JSON object key. */
    private static String keyString(Object key) throws PolicyException {
        if (key instanceof String s) {
            return s;
        }
        if (key instanceof Long n) {
            return n.toString();
        }
        if (key instanceof Boolean b) {
            return b.toString();
        }
        if (key instanceof Double d) {
            return switch (GoText.formatFloat32(d)) {
                case "+Inf" -> ".inf";
                case "-Inf" -> "-.inf";
                case "NaN" -> ".nan";
                default -> GoText.formatFloat32(d);
            };
        }
        if (key instanceof List<?> || key instanceof Map<?, ?>) {
            throw new PolicyException("unsupported_key", PREFIX + "yaml: invalid map key");
        }
        String goType = key == null ? "<nil>" : key instanceof BigInteger ? "uint64" : "*big.Int";
        throw new PolicyException("unsupported_key", PREFIX + "unsupported map key of type: " + goType);
    }
}
