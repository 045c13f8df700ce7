package dev.octosts.cli;

import dev.octosts.config.AppKeySource;
import dev.octosts.config.ConfigException;
import dev.octosts.config.Settings;
import dev.octosts.exchange.ExchangeRecorder;
import dev.octosts.exchange.ExchangeService;
import dev.octosts.exchange.LogRecorder;
import dev.octosts.github.AppPool;
import dev.octosts.github.AppRouter;
import dev.octosts.github.GitHubApp;
import dev.octosts.github.GitHubClient;
import dev.octosts.github.PolicyFiles;
import dev.octosts.http.StsServer;
import dev.octosts.keys.PemKeys;
import dev.octosts.keys.SigningKey;
import dev.octosts.oidc.OidcSettings;
import dev.octosts.oidc.OidcVerifier;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;

import java.util.Map;

/** The service wired together from its settings: every part built once, by its constructor. */
public final class Application implements AutoCloseable {
    private static final Duration GITHUB_TIMEOUT = Duration.ofSeconds(10);

    private final Settings settings;
    private final OidcVerifier oidc;
    private final GitHubClient github;
    private final StsServer server;

    private Application(Settings settings, OidcVerifier oidc, GitHubClient github, StsServer server) {
        this.settings = settings;
        this.oidc = oidc;
        this.github = github;
        this.server = server;
    }

    /** Builds and starts the service; a bad key or setting throws {@link ConfigException}. */
    public static Application start(Settings settings, Clock clock) {
        return start(settings, clock, new LogRecorder());
    }

    public static Application start(Settings settings, Clock clock, ExchangeRecorder recorder) {
        Map<Long, GitHubApp> apps = new LinkedHashMap<>();
        for (Settings.App app : settings.apps()) {
            apps.put(app.appId(), new GitHubApp(app.appId(), loadKey(app.key())));
        }
        Map<String, AppPool> pools = new HashMap<>();
        settings.pools().forEach((org, ids) -> pools.put(org, new AppPool(org, ids.stream().map(apps::get).toList())));

        OidcSettings oidcSettings = new OidcSettings(settings.jwksOverrides(), settings.privateNetworkHosts(),
                OidcSettings.defaults().connectTimeout(), OidcSettings.defaults().readTimeout(), clock);
        OidcVerifier oidc = new OidcVerifier(oidcSettings);
        GitHubClient github = new GitHubClient(settings.githubBaseUrl(), GITHUB_TIMEOUT, clock);
        ExchangeService exchange = new ExchangeService(oidc, new AppRouter(pools), github,
                new PolicyFiles(github, clock), recorder, settings.domain(), settings.orgPolicyRepo(), clock);
        StsServer server = new StsServer(new StsServer.Listener(settings.bindAddress(), settings.port(),
                settings.tlsCertFile(), settings.tlsKeyFile()), exchange);
        return new Application(settings, oidc, github, server.start());
    }

    private static SigningKey loadKey(AppKeySource source) {
        try {
            return switch (source) {
                case AppKeySource.PemFile file -> PemKeys.fromFile(file.path());
                case AppKeySource.PemEnvironmentVariable variable ->
                        PemKeys.fromPem(variable.pem(), "PEM in environment variable " + variable.name());
            };
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source.variable(), e.getMessage());
        }
    }

    public Settings settings() {
        return settings;
    }

    public StsServer server() {
        return server;
    }


    @Override
    public void close() {
        server.close();
        oidc.close();
        github.close();
    }
}
