package dev.octosts.ledger;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One streaming pass over a ledger record's text: whether it is the {@linkplain CanonicalJson RFC 8785
 * canonical} form of its JSON, and the values of its members one and two levels deep ({@code "seq"},
 * {@code "actor.sub"}). The same answer as parsing it into a tree and writing that tree canonically, at a
 * fraction of the cost: no tree is built and members are not sorted, only checked to be in order, which is
 * what a verify of millions of records spends most of its time on.
 */
final class CanonicalScan {
    private static final JsonFactory JSON = JsonFactory.builder().build();

    /** A member's value: its token and, for a string, its text; for anything else, its canonical JSON text. */
    record Value(JsonToken token, String text) {
        boolean isString() {
            return token == JsonToken.VALUE_STRING;
        }

        boolean isIntegral() {
            return token == JsonToken.VALUE_NUMBER_INT;
        }

        /** A string's text, null for JSON null, the JSON text of anything else. */
        String textOrNull() {
            return token == JsonToken.VALUE_NULL ? null : text;
        }
    }

    /**
     * What the scan found.
     *
     * @param json whether the text is JSON at all
     * @param canonical whether it is exactly the canonical form of that JSON
     * @param object whether that JSON is an object
     * @param members its members by path, one level ({@code "v"}) and two levels ({@code "actor.iss"}) deep
     */
    record Result(boolean json, boolean canonical, boolean object, Map<String, Value> members) {
        static final Result NOT_JSON = new Result(false, false, false, Map.of());
        static final Result NOT_CANONICAL = new Result(true, false, false, Map.of());

        /** The member at {@code path}, or null when there is none. */
        Value member(String path) {
            return members.get(path);
        }
    }

    /** One open object or array: its path, where its text starts, the last member name seen, whether it has one. */
    private static final class Container {
        final boolean object;
        final String path;
        final int start;
        String lastName;
        boolean empty = true;

        Container(boolean object, String path, int start) {
            this.object = object;
            this.path = path;
            this.start = start;
        }
    }

    private final String text;
    private final StringBuilder out;
    private final List<Container> open = new ArrayList<>();
    private final Map<String, Value> members = new HashMap<>();
    /** The path of the value about to come: the member name just read, or null in an array or at the root. */
    private String pending;

    private CanonicalScan(String text) {
        this.text = text;
        this.out = new StringBuilder(text.length() + 16);
    }

    static Result of(String text) {
        return new CanonicalScan(text).run();
    }

    private Result run() {
        boolean rootIsObject = false;
        boolean rootDone = false;
        try (JsonParser parser = JSON.createParser(text)) {
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (rootDone) {
                    return Result.NOT_CANONICAL; // a second value after the document: never written by the ledger
                }
                if (open.isEmpty()) {
                    rootIsObject = token == JsonToken.START_OBJECT;
                }
                switch (token) {
                    case START_OBJECT, START_ARRAY -> {
                        String path = beforeValue();
                        open.add(new Container(token == JsonToken.START_OBJECT, path, out.length()));
                        out.append(token == JsonToken.START_OBJECT ? '{' : '[');
                    }
                    case END_OBJECT, END_ARRAY -> {
                        Container closed = open.removeLast();
                        out.append(closed.object ? '}' : ']');
                        remember(closed.path, token, out.substring(closed.start));
                        rootDone = open.isEmpty();
                    }
                    case FIELD_NAME -> {
                        Container object = open.getLast();
                        String name = parser.currentName();
                        // Canonical members are in order of their names' UTF-16 code units, each name once.
                        if (object.lastName != null && object.lastName.compareTo(name) >= 0) {
                            return Result.NOT_CANONICAL;
                        }
                        if (!object.empty) {
                            out.append(',');
                        }
                        object.empty = false;
                        object.lastName = name;
                        CanonicalJson.writeString(name, out);
                        out.append(':');
                        pending = open.size() == 1 ? name : open.size() == 2 && object.path != null
                                ? object.path + "." + name : null;
                    }
                    case VALUE_NUMBER_FLOAT -> {
                        return Result.NOT_CANONICAL; // ledger documents hold integers only
                    }
                    default -> {
                        String path = beforeValue();
                        int start = out.length();
                        writeScalar(parser, token);
                        remember(path, token, token == JsonToken.VALUE_STRING ? parser.getText() : out.substring(start));
                        rootDone = open.isEmpty();
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return Result.NOT_JSON;
        }
        if (!rootDone) {
            return Result.NOT_JSON;
        }
        return text.contentEquals(out)
                ? new Result(true, true, rootIsObject, members) : Result.NOT_CANONICAL;
    }

    /** Writes the separator a value needs in an array and returns the path the value is kept under, if any. */
    private String beforeValue() {
        String path = pending;
        pending = null;
        if (!open.isEmpty() && !open.getLast().object) {
            if (!open.getLast().empty) {
                out.append(',');
            }
            open.getLast().empty = false;
        }
        return path;
    }

    private void remember(String path, JsonToken token, String value) {
        if (path != null) {
            members.put(path, new Value(token, value));
        }
    }

    private void writeScalar(JsonParser parser, JsonToken token) throws IOException {
        switch (token) {
            case VALUE_STRING -> CanonicalJson.writeString(parser.getText(), out);
            case VALUE_NUMBER_INT -> out.append(parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? parser.getBigIntegerValue().toString() : Long.toString(parser.getLongValue()));
            case VALUE_TRUE -> out.append("true");
            case VALUE_FALSE -> out.append("false");
            case VALUE_NULL -> out.append("null");
            default -> throw new IllegalStateException("not a JSON value: " + token);
        }
    }
}
