package dev.octosts.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.function.IntFunction;
import picocli.CommandLine.Option;

/**
 * The token whose claims {@code policy explain} checks, as its options give it: {@code --token JWT} (or
 * {@code -} for standard input), whose payload is decoded but whose signature is NOT verified, or
 * {@code --claims FILE}, the claims as a JSON object. Errors never repeat the token.
 */
final class TokenClaims {
    private static final int MAX_TOKEN_CHARS = 64 * 1024;
    private static final long MAX_CLAIMS_BYTES = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--token", paramLabel = "JWT",
            description = "An OIDC token (JWT), or - to read it from standard input (keeps it out of the process list);"
                    + " its payload is read, its signature NOT verified.")
    String token;

    @Option(names = "--claims", paramLabel = "FILE", description = "The token's claims as a JSON object.")
    Path claimsFile;

    /** Refuses neither or both of {@code --token} and {@code --claims}. */
    void requireOne() {
        if ((token == null) == (claimsFile == null)) {
            throw new PolicyCommand.UsageException("give exactly one of --token JWT or --claims FILE");
        }
    }

    /** The claims; {@code input} reads at most so many characters of standard input, null when there are more. */
    Map<String, Object> claims(IntFunction<String> input) {
        return token != null ? claimsOfToken(tokenText(input)) : claimsOfFile(claimsFile);
    }

    /** Where the claims came from, as {@code policy explain} says it. */
    String origin() {
        return token != null ? "from --token (signature not verified)" : "from " + claimsFile;
    }

    private String tokenText(IntFunction<String> input) {
        if (!token.equals("-")) {
            return token;
        }
        String read = input.apply(MAX_TOKEN_CHARS);
        if (read == null) {
            throw new PolicyCommand.UsageException("--token is too long to be a JWT");
        }
        return read;
    }

    /** The payload of a JWS compact JWT, decoded but not verified. Errors never repeat the token. */
    static Map<String, Object> claimsOfToken(String token) {
        String compact = token.strip();
        if (compact.startsWith("Bearer ")) {
            compact = compact.substring("Bearer ".length()).strip();
        }
        if (compact.length() > MAX_TOKEN_CHARS) {
            throw new PolicyCommand.UsageException("--token is too long to be a JWT");
        }
        String[] parts = compact.split("\\.", -1);
        if (parts.length != 3) {
            throw new PolicyCommand.UsageException("--token is not a JWT (want three base64url parts separated by dots)");
        }
        byte[] payload;
        try {
            payload = Base64.getUrlDecoder().decode(stripPadding(parts[1]));
        } catch (IllegalArgumentException e) {
            throw new PolicyCommand.UsageException("--token payload is not base64url");
        }
        return claimsObject(new String(payload, StandardCharsets.UTF_8), "--token payload");
    }

    private static String stripPadding(String part) {
        int end = part.length();
        while (end > 0 && part.charAt(end - 1) == '=') {
            end--;
        }
        return part.substring(0, end);
    }

    private static Map<String, Object> claimsOfFile(Path file) {
        String json = PolicyCommand.readUtf8(file, MAX_CLAIMS_BYTES);
        if (json == null) {
            throw new PolicyCommand.UsageException(file + " is too large for token claims (max " + MAX_CLAIMS_BYTES + " bytes)");
        }
        return claimsObject(json, file.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> claimsObject(String json, String what) {
        try {
            Object value = JSON.readValue(json, Object.class);
            if (!(value instanceof Map<?, ?> map)) {
                throw new PolicyCommand.UsageException(what + " is not a JSON object");
            }
            return (Map<String, Object>) map;
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the input; say where, not what.
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new PolicyCommand.UsageException(what + " is not valid JSON" + where);
        }
    }
}
