package dev.octosts.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Reads the service's environment variables, each failure a {@link ConfigException} naming its variable. */
record EnvironmentReader(Map<String, String> env) {
    private static final java.util.regex.Pattern IPV4 =
            java.util.regex.Pattern.compile("((25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");


    static String quoted(String value) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return "\"" + shown + "\"";
    }

    /** A PEM certificate chain and its key; both null for plain HTTP. */
    record TlsFiles(Path cert, Path key) {
    }

    String optional(String name, String fallback) {
        String value = env.get(name);
        return value == null || value.isBlank() ? fallback : value.strip();
    }

    String required(String name) {
        String value = optional(name, null);
        if (value == null) {
            throw new ConfigException(name, "is required");
        }
        return value;
    }

    List<String> list(String name) {
        String value = optional(name, null);
        if (value == null) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    int port(String name, int fallback) {
        String value = optional(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(value);
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(name, "must be a port number from 0 to 65535 (got " + quoted(value) + ")");
    }

    /** A listening address: an IPv4 or IPv6 literal of this machine, or {@code localhost} (no DNS look-up). */
    String ipAddress(String name, String fallback) {
        String value = optional(name, fallback);
        if (value.equals("localhost") || IPV4.matcher(value).matches() || value.contains(":")) {
            try {
                // Literals only: for these forms getByName parses and never asks DNS.
                java.net.InetAddress.getByName(value);
                return value;
            } catch (java.net.UnknownHostException e) {
                // reported below
            }
        }
        throw new ConfigException(name, "must be an IP address such as 0.0.0.0, 127.0.0.1 or :: (got " + quoted(value) + ")");
    }

    String jdbcUrl(String name, String value) {
        if (!value.startsWith("jdbc:postgresql:")) {
            throw new ConfigException(name, "must be a PostgreSQL JDBC URL starting with jdbc:postgresql:");
        }
        return value;
    }

    boolean bool(String name, boolean fallback) {
        String value = optional(name, null);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new ConfigException(name, "must be true or false (got " + quoted(value) + ")");
        };
    }

    int positiveInt(String name, int fallback) {
        return (int) wholeNumber(name, fallback, 1, Integer.MAX_VALUE, "a positive whole number");
    }

    int boundedInt(String name, int fallback, int min, int max) {
        return (int) wholeNumber(name, fallback, min, max, "a whole number from " + min + " to " + max);
    }

    /** Requests per second: a whole number, 0 (no limit) up to a million. */
    long rate(String name, long fallback) {
        return wholeNumber(name, fallback, 0, 1_000_000, "requests per second, 0 (off) to 1000000");
    }

    /** A whole number from {@code min} to {@code max}; anything else stops start-up saying it must be {@code expected}. */
    private long wholeNumber(String name, long fallback, long min, long max, String expected) {
        String value = optional(name, null);
        if (value == null) {
            return fallback;
        }
        try {
            long number = Long.parseLong(value);
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ConfigException(name, "must be " + expected + " (got " + quoted(value) + ")");
    }

    List<AddressRange> addressRanges(String name) {
        List<AddressRange> ranges = new ArrayList<>();
        for (String entry : list(name)) {
            try {
                ranges.add(AddressRange.parse(entry));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(name, "must be IP addresses or CIDR ranges (got " + quoted(entry) + ")");
            }
        }
        return List.copyOf(ranges);
    }

    /** A PEM certificate chain and key: both set or neither. */
    TlsFiles tlsFiles(String certName, String keyName) {
        Path cert = readableFile(certName);
        Path key = readableFile(keyName);
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null ? certName : keyName,
                    "must be set together with " + (cert == null ? keyName : certName));
        }
        return new TlsFiles(cert, key);
    }

    Path readableFile(String name) {
        String value = optional(name, null);
        if (value == null) {
            return null;
        }
        Path path = Path.of(value);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigException(name, "file " + value + " does not exist or cannot be read");
        }
        return path;
    }

    Path writableDirectory(String name) {
        String value = optional(name, null);
        if (value == null) {
            return null;
        }
        Path path = Path.of(value);
        if (!Files.isDirectory(path) || !Files.isWritable(path)) {
            throw new ConfigException(name, "directory " + value + " does not exist or cannot be written");
        }
        return path;
    }

    List<Settings.App> apps() {
        List<String> ids = list("GITHUB_APP_IDS");
        String idVariable = "GITHUB_APP_IDS";
        if (ids.isEmpty() && optional("GITHUB_APP_ID", null) != null) {
            ids = list("GITHUB_APP_ID");
            idVariable = "GITHUB_APP_ID";
        }
        if (ids.isEmpty()) {
            throw new ConfigException("GITHUB_APP_IDS", "is required (comma-separated GitHub App IDs)");
        }
        List<Long> appIds = new ArrayList<>();
        for (String id : ids) {
            try {
                long appId = Long.parseLong(id);
                if (appId > 0 && !appIds.contains(appId)) {
                    appIds.add(appId);
                    continue;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new ConfigException(idVariable, "each App ID must be a distinct positive number (got " + quoted(id) + ")");
        }
        List<AppKeySource> keys = keys(appIds.size());
        List<Settings.App> apps = new ArrayList<>();
        for (int i = 0; i < appIds.size(); i++) {
            apps.add(new Settings.App(appIds.get(i), keys.get(i)));
        }
        return List.copyOf(apps);
    }

    private List<AppKeySource> keys(int count) {
        List<String> aliases = list("GITHUB_APP_KEY_ALIAS");
        if (!aliases.isEmpty()) {
            if (!list("APP_SECRET_CERTIFICATE_FILE").isEmpty() || !list("APP_SECRET_CERTIFICATE_ENV_VAR").isEmpty()) {
                throw new ConfigException("GITHUB_APP_KEY_ALIAS", "set either GITHUB_APP_KEY_ALIAS (keys on the PKCS#11 token) "
                        + "or APP_SECRET_CERTIFICATE_FILE / APP_SECRET_CERTIFICATE_ENV_VAR (PEM keys), not both");
            }
            if (aliases.size() != count) {
                throw new ConfigException("GITHUB_APP_KEY_ALIAS", "names " + aliases.size() + " key(s) for " + count
                        + " App ID(s); give one per App, in the order of GITHUB_APP_IDS");
            }
            return aliases.stream().<AppKeySource>map(AppKeySource.Pkcs11Alias::new).toList();
        }
        List<String> files = list("APP_SECRET_CERTIFICATE_FILE");
        List<String> variables = list("APP_SECRET_CERTIFICATE_ENV_VAR");
        if (files.isEmpty() == variables.isEmpty()) {
            throw new ConfigException("APP_SECRET_CERTIFICATE_FILE",
                    "set exactly one of APP_SECRET_CERTIFICATE_FILE or APP_SECRET_CERTIFICATE_ENV_VAR");
        }
        String variable = files.isEmpty() ? "APP_SECRET_CERTIFICATE_ENV_VAR" : "APP_SECRET_CERTIFICATE_FILE";
        List<String> entries = files.isEmpty() ? variables : files;
        if (entries.size() != count) {
            throw new ConfigException(variable, "names " + entries.size() + " key(s) for " + count
                    + " App ID(s); give one per App, in the order of GITHUB_APP_IDS");
        }
        List<AppKeySource> keys = new ArrayList<>();
        for (String entry : entries) {
            if (files.isEmpty()) {
                String pem = env.get(entry);
                if (pem == null || pem.isBlank()) {
                    throw new ConfigException(variable, "names variable " + entry + ", which is not set");
                }
                keys.add(new AppKeySource.PemEnvironmentVariable(entry, pem));
            } else {
                Path path = Path.of(entry);
                if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
                    throw new ConfigException(variable, "file " + entry + " does not exist or cannot be read");
                }
                keys.add(new AppKeySource.PemFile(path));
            }
        }
        return keys;
    }

    Map<String, List<Long>> pools(List<Settings.App> apps) {
        List<Long> allIds = apps.stream().map(Settings.App::appId).toList();
        String file = optional("APP_CONFIG_FILE", null);
        if (file == null) {
            return Map.of("*", allIds);
        }
        String text;
        try {
            text = Files.readString(Path.of(file));
        } catch (IOException | RuntimeException e) {
            throw new ConfigException("APP_CONFIG_FILE", "file " + file + " cannot be read");
        }
        Object root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setAllowDuplicateKeys(false);
            options.setMaxAliasesForCollections(10);
            root = new Yaml(new SafeConstructor(options)).load(text);
        } catch (RuntimeException e) {
            throw new ConfigException("APP_CONFIG_FILE", "is not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (!(root instanceof Map<?, ?> top) || !(top.get("pools") instanceof Map<?, ?> declared)
                || top.size() != 1) {
            throw new ConfigException("APP_CONFIG_FILE", "must hold one key, pools: a map of org name (or \"*\") to a list of Settings.App IDs");
        }
        Map<String, List<Long>> pools = new LinkedHashMap<>();
        for (Map.Entry<?, ?> pool : declared.entrySet()) {
            String org = String.valueOf(pool.getKey()).toLowerCase(Locale.ROOT);
            if (!(pool.getValue() instanceof List<?> members) || members.isEmpty()) {
                throw new ConfigException("APP_CONFIG_FILE", "pool " + org + " must list at least one Settings.App ID");
            }
            List<Long> ids = new ArrayList<>();
            for (Object member : members) {
                if (!(member instanceof Number number) || !allIds.contains(number.longValue())) {
                    throw new ConfigException("APP_CONFIG_FILE", "pool " + org + " names " + member
                            + ", which is not one of GITHUB_APP_IDS");
                }
                ids.add(number.longValue());
            }
            if (pools.put(org, List.copyOf(ids)) != null) {
                throw new ConfigException("APP_CONFIG_FILE", "pool " + org + " is declared twice");
            }
        }
        return Map.copyOf(pools);
    }

    URI githubBaseUrl() {
        String value = optional("GITHUB_BASE_URL", Settings.DEFAULT_GITHUB_BASE_URL);
        URI uri = httpsUrl(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
        if (uri != null) {
            return uri;
        }
        throw new ConfigException("GITHUB_BASE_URL", "must be an https URL such as https://github.example.com/api/v3 "
                + "(http only on localhost) (got " + quoted(value) + ")");
    }

    /**
     * {@code value} as an https URL (http only on loopback, for local set-ups) without user info, query or
     * fragment; null when it is not one.
     */
    static URI httpsUrl(String value) {
        try {
            URI uri = new URI(value);
            String host = uri.getHost();
            boolean loopback = host != null && (host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]"));
            if (host != null && uri.getUserInfo() == null && uri.getQuery() == null && uri.getFragment() == null
                    && ("https".equals(uri.getScheme()) || ("http".equals(uri.getScheme()) && loopback))) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // not a URL: null, as for any other refusal
        }
        return null;
    }

    /**
     * Comma-separated patterns, where a comma inside {@code {m,n}} or a {@code [...]} class, or escaped as
     * {@code \,}, belongs to the pattern: {@code https://[a-z]{1,20}\.example\.com} is one pattern.
     */
    static List<String> patterns(String value) {
        List<String> patterns = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int braces = 0;
        boolean inClass = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                current.append(c).append(value.charAt(++i));
                continue;
            }
            if (c == ',' && braces == 0 && !inClass) {
                patterns.add(current.toString());
                current.setLength(0);
                continue;
            }
            if (inClass) {
                inClass = c != ']';
            } else if (c == '[') {
                inClass = true;
            } else if (c == '{') {
                braces++;
            } else if (c == '}' && braces > 0) {
                braces--;
            }
            current.append(c);
        }
        patterns.add(current.toString());
        return patterns.stream().map(String::strip).filter(p -> !p.isEmpty()).toList();
    }
}
