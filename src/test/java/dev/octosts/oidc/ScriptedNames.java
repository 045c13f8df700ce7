package dev.octosts.oidc;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The JVM's name resolver in the tests (registered in {@code META-INF/services}): names a test has
 * scripted get the scripted answers, one answer per lookup in turn (the last one repeats); every other
 * name goes to the JDK's own resolver, so nothing else changes. Scripted names end in {@code .test}
 * (RFC 6761), which no real DNS answers. The production code resolves through {@link InetAddress} as
 * usual, so a test sees exactly the lookups the code makes; the JDK's 30 s address cache sits in
 * front, as in production, so each test scripts its own names.
 */
public final class ScriptedNames extends InetAddressResolverProvider {
    private static final Map<String, Script> SCRIPTS = new ConcurrentHashMap<>();

    private record Script(List<List<InetAddress>> answers, AtomicInteger lookups) {
    }

    /** From now on, lookup number i of {@code host} (any letter case) answers {@code answers[i]}. */
    @SafeVarargs
    static void script(String host, List<InetAddress>... answers) {
        String name = host.toLowerCase(Locale.ROOT);
        if (!name.endsWith(".test")) {
            throw new IllegalArgumentException("scripted names end in .test: " + host);
        }
        SCRIPTS.put(name, new Script(List.of(answers), new AtomicInteger()));
    }

    /** How often the JVM asked for {@code host} (any letter case) since it was scripted. */
    static int lookups(String host) {
        return SCRIPTS.get(host.toLowerCase(Locale.ROOT)).lookups().get();
    }

    @Override
    public InetAddressResolver get(Configuration configuration) {
        InetAddressResolver builtin = configuration.builtinResolver();
        return new InetAddressResolver() {
            @Override
            public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
                Script script = SCRIPTS.get(host.toLowerCase(Locale.ROOT));
                if (script == null) {
                    return builtin.lookupByName(host, policy);
                }
                int lookup = script.lookups().getAndIncrement();
                return script.answers().get(Math.min(lookup, script.answers().size() - 1)).stream();
            }

            @Override
            public String lookupByAddress(byte[] address) throws UnknownHostException {
                return builtin.lookupByAddress(address);
            }
        };
    }

    @Override
    public String name() {
        return "scripted .test names";
    }
}
