package dev.octosts.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/** Generators the fuzz tests share: hostile text, JSON trees around known field names, and byte-level edits. */
public final class FuzzArbitraries {
    /** The characters parsers trip over: NUL, controls, lone and paired surrogates, quotes, escapes, BOM, non-characters. */
    public static final String NASTY_CHARS = "\u0000\u0001\u001f\u007f\u0085\u00a0\u2028\u2029\ufeff\ufffd\uffff"
            + "\ud800\udbff\udc00\udfff\ud83d\ude00\"'\\/`\b\f\n\r\t %&+=?#:;,.{}[]<>|@!*~-_$()éß€中😀";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private FuzzArbitraries() {
    }

    /** Any text up to {@code maxLength} chars: all UTF-16 units, printable ASCII, or the nasty characters. */
    public static Arbitrary<String> text(int maxLength) {
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(maxLength),
                Arbitraries.strings().ascii().ofMaxLength(maxLength),
                Arbitraries.strings().withChars(NASTY_CHARS).ofMaxLength(maxLength),
                Arbitraries.strings().withChars(NASTY_CHARS).ascii().ofMaxLength(maxLength));
    }

    /**
     * A JSON tree at most {@code depth} levels deep whose member names are mostly {@code names}. Drawn straight from
     * the random source (no shrinking): jqwik's combinators make nested trees slow to generate, and a failing
     * tree is reported whole with the seed that reproduces it.
     */
    public static Arbitrary<JsonNode> json(int depth, List<String> names) {
        return Arbitraries.randomValue(random -> tree(random, depth, names));
    }

    private static JsonNode tree(Random random, int depth, List<String> names) {
        int kind = random.nextInt(depth == 0 ? 8 : 15);
        return switch (kind) {
            case 0 -> NODES.textNode(text(random, 24));
            case 1 -> NODES.textNode(names.get(random.nextInt(names.size())));
            case 2 -> NODES.numberNode(random.nextLong());
            case 3 -> NODES.numberNode(random.nextInt(1004) - 3);
            case 4 -> NODES.numberNode(new BigInteger(72, random).subtract(BigInteger.TWO.pow(71)));
            case 5 -> NODES.numberNode(switch (random.nextInt(4)) {
                case 0 -> Double.NaN;
                case 1 -> random.nextDouble() * 1e6;
                case 2 -> Double.longBitsToDouble(random.nextLong());
                default -> (double) random.nextInt(100);
            });
            case 6 -> NODES.booleanNode(random.nextBoolean());
            case 7 -> NODES.nullNode();
            case 8, 9, 10, 11, 12 -> {
                ObjectNode object = NODES.objectNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    String name = random.nextInt(5) == 0 ? text(random, 12) : names.get(random.nextInt(names.size()));
                    object.set(name, tree(random, depth - 1, names));
                }
                yield object;
            }
            default -> {
                ArrayNode array = NODES.arrayNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    array.add(tree(random, depth - 1, names));
                }
                yield array;
            }
        };
    }

    /** Like {@link #text(int)}, drawn straight from the random source. */
    private static String text(Random random, int maxLength) {
        int length = random.nextInt(maxLength + 1);
        int mode = random.nextInt(3);
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(switch (mode) {
                case 0 -> (char) random.nextInt(Character.MAX_VALUE + 1);
                case 1 -> (char) (0x20 + random.nextInt(0x5f));
                default -> NASTY_CHARS.charAt(random.nextInt(NASTY_CHARS.length()));
            });
        }
        return out.toString();
    }

    /** One edit of a text: where (0..1 of its length), what, and with which character or run length. */
    public record Edit(Kind kind, double where, char with, int length) {
        public enum Kind { REPLACE, INSERT, DELETE, DUPLICATE, TRUNCATE, SWAP_HALVES }

        String applyTo(String s) {
            int at = (int) (where * s.length());
            int end = Math.min(s.length(), at + length);
            return switch (kind) {
                case REPLACE -> s.isEmpty() ? s : s.substring(0, Math.min(at, s.length() - 1)) + with
                        + s.substring(Math.min(at, s.length() - 1) + 1);
                case INSERT -> s.substring(0, at) + with + s.substring(at);
                case DELETE -> s.substring(0, at) + s.substring(end);
                case DUPLICATE -> s.substring(0, end) + s.substring(at, end) + s.substring(end);
                case TRUNCATE -> s.substring(0, at);
                case SWAP_HALVES -> s.substring(at) + s.substring(0, at);
            };
        }
    }

    /** Up to {@code maxEdits} edits, inserting characters from {@code alphabet}. */
    public static Arbitrary<List<Edit>> edits(String alphabet, int maxEdits) {
        Arbitrary<Edit> edit = Combinators.combine(
                Arbitraries.frequency(Tuple.of(4, Edit.Kind.REPLACE), Tuple.of(3, Edit.Kind.INSERT),
                        Tuple.of(3, Edit.Kind.DELETE), Tuple.of(1, Edit.Kind.DUPLICATE),
                        Tuple.of(1, Edit.Kind.TRUNCATE), Tuple.of(1, Edit.Kind.SWAP_HALVES)),
                Arbitraries.doubles().between(0, 1),
                Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.chars().with(alphabet.toCharArray())),
                        Tuple.of(1, Arbitraries.chars().with(NASTY_CHARS.toCharArray()))),
                Arbitraries.integers().between(1, 16)).as(Edit::new);
        return edit.list().ofMinSize(1).ofMaxSize(maxEdits);
    }

    /** {@code base} with the edits applied in order. */
    public static String apply(String base, List<Edit> edits) {
        String s = base;
        for (Edit edit : edits) {
            s = edit.applyTo(s);
        }
        return s;
    }
}
