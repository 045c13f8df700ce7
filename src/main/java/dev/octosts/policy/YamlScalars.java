package dev.octosts.policy;

import com.google.re2j.Pattern;
import java.math.BigInteger;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a plain (unquoted, untagged) YAML scalar means, as Go's gopkg.in/yaml.v2 resolves it for
 * sigs.k8s.io/yaml, which Octo STS reads policies with: YAML 1.1 booleans and nulls, Go-syntax integers
 * (with {@code 0x}/{@code 0o}/{@code 0b}/{@code 0} prefixes and underscores) and floats. Hand-written because
 * it must match Go byte for byte; SnakeYAML resolves YAML 1.1 differently.
 */
final class YamlScalars {
    /** A YAML integer beyond uint64: Go keeps it as a {@code *big.Int}, which no string field accepts. */
    record BigNumber(String text) {
    }

    private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    private static final Pattern YAML_FLOAT = Pattern.compile("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    private static final Pattern DOT_FLOAT = Pattern.compile("\\.[0-9]+([eE][-+]?[0-9]+)?");
    private static final Map<String, Object> SPECIAL_SCALARS = specialScalars();

    private YamlScalars() {
    }

    /** yaml.v2's {@code resolve} for a plain scalar: YAML 1.1 booleans, nulls, Go-syntax integers and floats. */
    static Object resolvePlain(String in) {
        if (in.isEmpty()) {
            return null;
        }
        char first = in.charAt(0);
        boolean digitOrSign = first == '+' || first == '-' || (first >= '0' && first <= '9');
        if (!digitOrSign && first != '.' && "yYnNtTfFoO~".indexOf(first) < 0) {
            return in;
        }
        if (SPECIAL_SCALARS.containsKey(in)) {
            return SPECIAL_SCALARS.get(in);
        }
        if (first == '.') {
            return DOT_FLOAT.matches(in) ? finiteDoubleOr(in, in) : in;
        }
        if (!digitOrSign) {
            return in;
        }
        // A timestamp (2001-12-14) would stay text in an interface{}, which is what falls out below anyway.
        String plain = in.replace("_", "");
        BigInteger signed = parseGoInteger(plain, true);
        if (signed != null && signed.compareTo(INT64_MIN) >= 0 && signed.compareTo(INT64_MAX) <= 0) {
            return signed.longValueExact();
        }
        BigInteger unsigned = parseGoInteger(plain, false);
        if (unsigned != null && unsigned.compareTo(UINT64_MAX) <= 0) {
            return unsigned;
        }
        if (YAML_FLOAT.matches(plain)) {
            Object number = finiteDoubleOr(plain, null);
            if (number != null) {
                return number;
            }
        }
        return unsigned != null ? new BigNumber(plain) : in;
    }

    private static Object finiteDoubleOr(String text, Object otherwise) {
        double value = Double.parseDouble(text);
        return Double.isInfinite(value) ? otherwise : (Object) value;
    }

    /**
     * Go's {@code strconv.ParseInt(s, 0, 64)} (signed) or {@code ParseUint(s, 0, 64)} syntax: optional sign
     * (signed only), then {@code 0x}/{@code 0o}/{@code 0b}/{@code 0} prefixes. Returns null on a syntax error
     * and the unbounded value otherwise; the caller checks the range.
     */
    private static BigInteger parseGoInteger(String s, boolean signed) {
        if (s.isEmpty()) {
            return null;
        }
        boolean negative = false;
        if (signed && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            negative = s.charAt(0) == '-';
            s = s.substring(1);
            if (s.isEmpty()) {
                return null;
            }
        }
        int base = 10;
        if (s.charAt(0) == '0') {
            char marker = s.length() >= 3 ? Character.toLowerCase(s.charAt(1)) : 0;
            base = switch (marker) {
                case 'b' -> 2;
                case 'o' -> 8;
                case 'x' -> 16;
                default -> 8;
            };
            s = s.substring(marker == 'b' || marker == 'o' || marker == 'x' ? 2 : 1);
            if (s.isEmpty()) {
                return BigInteger.ZERO;
            }
        }
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), base) < 0 || s.charAt(i) > 0x7f) {
                return null;
            }
        }
        BigInteger value = new BigInteger(s, base);
        return negative ? value.negate() : value;
    }

    private static Map<String, Object> specialScalars() {
        Map<String, Object> map = new HashMap<>();
        for (String s : List.of("y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON")) {
            map.put(s, Boolean.TRUE);
        }
        for (String s : List.of("n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF")) {
            map.put(s, Boolean.FALSE);
        }
        for (String s : List.of("~", "null", "Null", "NULL")) {
            map.put(s, null);
        }
        for (String s : List.of(".nan", ".NaN", ".NAN")) {
            map.put(s, Double.NaN);
        }
        for (String s : List.of(".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF")) {
            map.put(s, Double.POSITIVE_INFINITY);
        }
        for (String s : List.of("-.inf", "-.Inf", "-.INF")) {
            map.put(s, Double.NEGATIVE_INFINITY);
        }
        return Collections.unmodifiableMap(map);
    }
}
