package dev.octosts.ledger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.octosts.keys.PemKeys;
import dev.octosts.keys.SigningKey;
import dev.octosts.testing.TestDatabase;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A migrated test database with ledger records written straight into it exactly as the ledger design
 * says (v1 documents with every key, RFC 8785 text, chained hashes, query columns copied from the
 * document), independent of the ledger writer. Records are inserted as the runtime role; tampering
 * runs as the superuser with triggers switched off for the session.
 */
public final class LedgerVerifierFixture {
    public static final String ISSUER = "https://token.actions.githubusercontent.com";
    public static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");
    /** The chains of {@link #twoChains}: A sorts before B, so a break in both is reported in A. */
    public static final UUID A = UUID.fromString("0a0a0a0a-0000-4000-8000-00000000000a");
    public static final UUID B = UUID.fromString("b0b0b0b0-0000-4000-8000-00000000000b");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INSERT_RECORD = """
            INSERT INTO ledger_record (chain_id, seq, prev_hash, hash, recorded_at, request_id, decision, grpc_code,
                                       reason, scope, identity, issuer, subject, token_sha256, canonical)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""";

    private final String superuserUrl;
    private final String runtimeUrl;
    private final Map<UUID, ChainHead> heads = new HashMap<>();

    private LedgerVerifierFixture(String superuserUrl, String runtimeUrl) {
        this.superuserUrl = superuserUrl;
        this.runtimeUrl = runtimeUrl;
    }

    /** A fresh database with the ledger schema and a runtime login. */
    public static LedgerVerifierFixture create() {
        TestDatabase database = TestDatabase.shared();
        String owner = database.createDatabase();
        Migrations.migrate(owner);
        return new LedgerVerifierFixture(owner, TestDatabase.createRuntimeLogin(owner));
    }

    /**
     * What one exchange looked like, enough to fill a v1 document.
     *
     * @param subject     the actor's sub; null for a request whose token was not verified
     * @param tokenSha256 the issued token's hash; null when nothing was issued
     */
    public record Exchange(Instant time, String requestId, String scope, String identity, String decision, String reason,
                           String subject, String tokenSha256) {

        public static Exchange allowed(Instant time, String requestId, String scope, String subject, String tokenSha256) {
            return new Exchange(time, requestId, scope, "ci", "allow", "ok", subject, tokenSha256);
        }

        public static Exchange denied(Instant time, String requestId, String scope, String subject, String reason) {
            return new Exchange(time, requestId, scope, "ci", "deny", reason, subject, null);
        }

        int grpcCode() {
            return switch (decision) {
                case "allow" -> 0;
                case "deny" -> 7;
                default -> 14;
            };
        }
    }

    /**
     * A ledger of two chains. A: 5 records from {@link #T0} on, one a second (seq 3 is a denial, seq 5 an
     * error without actor), checkpointed at 5; B: 3 records from T0 + 20 s, checkpointed at 3.
     */
    public static LedgerVerifierFixture twoChains(CheckpointSigner signer) {
        LedgerVerifierFixture ledger = create();
        ledger.newChain(A);
        ledger.newChain(B);
        ledger.append(A, List.of(
                allowed(T0, "acme/app", "repo:acme/app:ref:refs/heads/main"),
                allowed(T0.plusSeconds(1), "acme/app", "repo:acme/app:ref:refs/heads/main"),
                Exchange.denied(T0.plusSeconds(2), "req-a3", "acme/app", "repo:acme/app:ref:refs/heads/dev", "subject_mismatch"),
                allowed(T0.plusSeconds(3), "acme/lib", "repo:acme/lib:ref:refs/heads/main"),
                new Exchange(T0.plusSeconds(4), "req-a5", "acme/app", "ci", "error", "github_unavailable", null, null)));
        ledger.checkpoint(A, signer, T0.plusSeconds(10));
        ledger.append(B, List.of(allowed(T0.plusSeconds(20), "other/x", "repo:other/x:ref:refs/heads/main"),
                allowed(T0.plusSeconds(21), "other/x", "repo:other/x:ref:refs/heads/main"),
                allowed(T0.plusSeconds(22), "other/x", "repo:other/x:ref:refs/heads/main")));
        ledger.checkpoint(B, signer, T0.plusSeconds(30));
        return ledger;
    }

    /** An allowed exchange with a fresh request id and the hash of a token made from it. */
    public static Exchange allowed(Instant time, String scope, String subject) {
        String requestId = "req-" + UUID.randomUUID();
        return Exchange.allowed(time, requestId, scope, subject, LedgerQuery.tokenSha256("ghs_" + requestId));
    }

    public String superuserUrl() {
        return superuserUrl;
    }

    public String runtimeUrl() {
        return runtimeUrl;
    }

    public DataSource runtime() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(runtimeUrl);
        return dataSource;
    }

    /** Registers a new chain, as a writer does at start-up. */
    public UUID newChain() {
        return newChain(UUID.randomUUID());
    }

    public UUID newChain(UUID chain) {
        try (Connection connection = DriverManager.getConnection(runtimeUrl);
             PreparedStatement insert = connection.prepareStatement("INSERT INTO ledger_chain VALUES (?, now(), 'test-host', 42)")) {
            insert.setObject(1, chain);
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        heads.put(chain, ChainHead.empty(chain));
        return chain;
    }

    public ChainHead head(UUID chain) {
        return heads.get(chain);
    }

    public ChainHead append(UUID chain, Exchange exchange) {
        return append(chain, List.of(exchange), CanonicalJson::of);
    }

    public ChainHead append(UUID chain, List<Exchange> exchanges) {
        return append(chain, exchanges, CanonicalJson::of);
    }

    /**
     * Appends records in one transaction.
     *
     * @param render how a document becomes the stored (and hashed) text: canonical JSON unless a test
     *               plays a faulty writer
     */
    public synchronized ChainHead append(UUID chain, List<Exchange> exchanges, Function<ObjectNode, String> render) {
        ChainHead head = heads.get(chain);
        try (Connection connection = DriverManager.getConnection(runtimeUrl);
             PreparedStatement insert = connection.prepareStatement(INSERT_RECORD)) {
            connection.setAutoCommit(false);
            for (Exchange exchange : exchanges) {
                long seq = head.seq() + 1;
                String text = render.apply(document(chain, seq, exchange));
                String hash = LedgerVerifier.chainHash(head.hash(), text);
                insert.setObject(1, chain);
                insert.setLong(2, seq);
                insert.setString(3, head.hash());
                insert.setString(4, hash);
                insert.setObject(5, exchange.time().atOffset(ZoneOffset.UTC));
                insert.setString(6, exchange.requestId());
                insert.setString(7, exchange.decision());
                insert.setInt(8, exchange.grpcCode());
                insert.setString(9, exchange.reason());
                insert.setString(10, exchange.scope());
                insert.setString(11, exchange.identity());
                insert.setString(12, exchange.subject() == null ? null : ISSUER);
                insert.setString(13, exchange.subject());
                insert.setString(14, exchange.tokenSha256());
                insert.setString(15, text);
                insert.addBatch();
                head = new ChainHead(chain, seq, hash);
            }
            insert.executeBatch();
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        heads.put(chain, head);
        return head;
    }

    /** The version 1 document of ledger.md, every key present. */
    public static ObjectNode document(UUID chain, long seq, Exchange exchange) {
        ObjectNode document = JSON.createObjectNode();
        document.put("v", 1);
        document.put("chain_id", chain.toString());
        document.put("seq", seq);
        document.put("time", exchange.time().toString());
        document.put("request_id", exchange.requestId());
        document.putNull("trace_id");
        document.putNull("span_id");
        document.put("remote_address", "127.0.0.1");
        document.put("user_agent", "octo-sts-action/1.0");
        document.put("scope", exchange.scope());
        document.put("identity", exchange.identity());
        if (exchange.subject() == null) {
            document.putNull("actor");
        } else {
            ObjectNode actor = document.putObject("actor");
            actor.put("iss", ISSUER);
            actor.put("sub", exchange.subject());
            actor.putArray("aud").add("octo-sts.local");
            actor.putNull("jti");
            actor.putObject("claims").put("repository", exchange.scope()).put("ref", "refs/heads/main");
        }
        document.put("decision", exchange.decision());
        document.put("grpc_code", exchange.grpcCode());
        document.put("reason", exchange.reason());
        document.put("message", exchange.decision().equals("allow") ? "" : "refused: " + exchange.reason());
        document.putNull("detail");
        if (exchange.tokenSha256() == null) {
            document.putNull("policy");
            document.putNull("issued");
        } else {
            ObjectNode policy = document.putObject("policy");
            policy.put("owner", exchange.scope().split("/")[0]);
            policy.put("repo", exchange.scope().contains("/") ? exchange.scope().split("/")[1] : ".github");
            policy.put("path", ".github/chainguard/" + exchange.identity() + ".sts.yaml");
            policy.put("blob_sha", "3b18e512dba79e4c8300dd08aeb37f8e728b8dad");
            policy.put("sha256", "a".repeat(64));
            ObjectNode parsed = policy.putObject("parsed");
            parsed.put("issuer", ISSUER);
            parsed.put("issuer_pattern", "");
            parsed.put("subject", exchange.subject());
            parsed.put("subject_pattern", "");
            parsed.put("audience", "");
            parsed.put("audience_pattern", "");
            parsed.putObject("claim_pattern");
            parsed.putObject("permissions").put("contents", "read");
            parsed.putNull("repositories");
            ObjectNode issued = document.putObject("issued");
            issued.put("app_id", 1001);
            issued.put("installation_id", 2002);
            issued.putArray("repositories").add(exchange.scope());
            issued.putObject("permissions").put("contents", "read");
            issued.put("expires_at", exchange.time().plusSeconds(3600).toString());
            issued.put("token_sha256", exchange.tokenSha256());
        }
        document.putNull("issuer_allowlist");
        return document;
    }

    /** Signs the chain's current head and stores it as a checkpoint. */
    public void checkpoint(UUID chain, CheckpointSigner signer, Instant signedAt) {
        ChainHead head = heads.get(chain);
        insertCheckpoint(chain, head.seq(), head.hash(), signedAt, signer.keyId(),
                signer.sign(chain, head.seq(), head.hash(), signedAt));
    }

    public void insertCheckpoint(UUID chain, long seq, String hash, Instant signedAt, String keyId, String signature) {
        try (Connection connection = DriverManager.getConnection(runtimeUrl);
             PreparedStatement insert = connection.prepareStatement("INSERT INTO ledger_checkpoint VALUES (?, ?, ?, ?, ?, ?)")) {
            insert.setObject(1, chain);
            insert.setLong(2, seq);
            insert.setString(3, hash);
            insert.setObject(4, signedAt.atOffset(ZoneOffset.UTC));
            insert.setString(5, keyId);
            insert.setString(6, signature);
            insert.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs statements as the superuser with the append-only triggers off, as an attacker with superuser rights would. */
    public void tamper(String... statements) {
        try (Connection connection = DriverManager.getConnection(superuserUrl); Statement sql = connection.createStatement()) {
            sql.execute("SET session_replication_role = replica");
            for (String statement : statements) {
                sql.execute(statement);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Turns a denied record of {@code chain} into an allowed one by editing its stored text. */
    public static String flipDecision(UUID chain, long seq) {
        return "UPDATE ledger_record SET canonical = replace(canonical, '\"decision\":\"deny\"', '\"decision\":\"allow\"')"
                + " WHERE chain_id = '" + chain + "' AND seq = " + seq;
    }

    /** Deletes the records of {@code chain} from {@code first} to {@code last}. */
    public static String deleteRecords(UUID chain, long first, long last) {
        return "DELETE FROM ledger_record WHERE chain_id = '" + chain + "' AND seq BETWEEN " + first + " AND " + last;
    }

    /** Swaps the positions of two records of {@code chain}. */
    public static String[] swap(UUID chain, long first, long second) {
        String where = "WHERE chain_id = '" + chain + "' AND seq = ";
        return new String[] {
                "UPDATE ledger_record SET seq = 1000000 " + where + first,
                "UPDATE ledger_record SET seq = " + first + " " + where + second,
                "UPDATE ledger_record SET seq = " + second + " " + where + "1000000"};
    }

    public static final String TRUNCATE_RECORDS = "TRUNCATE ledger_record";

    public long count(String query) {
        try (Connection connection = DriverManager.getConnection(superuserUrl); Statement sql = connection.createStatement();
             ResultSet rows = sql.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new RSA 2048 ledger key, loaded through {@link PemKeys} from PKCS#8 PEM. */
    public static SigningKey rsaKey() {
        return PemKeys.fromPem(rsaPrivateKeyPem(), "test ledger key");
    }

    public static String rsaPrivateKeyPem() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            byte[] pkcs8 = generator.generateKeyPair().getPrivate().getEncoded();
            return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pkcs8)
                    + "\n-----END PRIVATE KEY-----\n";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
