package dev.octosts.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.octosts.exchange.IssuedGrants;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The ledger's grants by token SHA-256, for revocation: the {@code allow} record that issued the token and
 * whether a {@code revoke} record with reason {@code revoked} followed it. One probe of the index
 * {@code ledger_record_token_sha256} (token SHA-256 and reason, V7) per monthly partition for exactly those two
 * reasons: a token has one grant and GitHub confirms its revocation once, so the rows read stay a few
 * (at most {@value #MAX_ROWS}) however often anyone sends the same token and leaves other records under it.
 */
public final class LedgerGrants implements IssuedGrants {
    static final int MAX_ROWS = 8;
    private static final int QUERY_TIMEOUT_SECONDS = 5;
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Both conditions on the index's columns, so that no other record with the token's hash is read: a grant
     * ({@code issued}, or {@code record_reduced} when the database refused it whole and it was stored reduced)
     * and a revocation GitHub confirmed ({@code revoked}).
     */
    static final String SELECT = """
            SELECT decision, chain_id, seq, canonical FROM ledger_record
            WHERE token_sha256 = ? AND reason IN ('issued', 'revoked', 'record_reduced')
              AND (decision = 'allow' OR decision = 'revoke' AND reason = 'revoked')
            ORDER BY recorded_at LIMIT\s""" + MAX_ROWS;

    private final DataSource database;

    public LedgerGrants(DataSource database) {
        this.database = database;
    }

    @Override
    public Optional<Grant> find(String tokenSha256) throws LookupException {
        JsonNode grant = null;
        UUID chainId = null;
        long seq = 0;
        boolean revoked = false;
        try (Connection connection = database.getConnection();
             PreparedStatement select = connection.prepareStatement(SELECT)) {
            select.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
            select.setString(1, tokenSha256);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    if (!"allow".equals(rows.getString(1))) {
                        revoked = true;
                    } else if (grant == null) {
                        chainId = rows.getObject(2, UUID.class);
                        seq = rows.getLong(3);
                        grant = JSON.readTree(rows.getString(4));
                    }
                }
            }
        } catch (SQLException | IOException e) {
            throw new LookupException(e.getClass().getSimpleName() + ": " + LedgerText.sanitize(e.getMessage()), e);
        }
        if (grant == null) {
            return Optional.empty();
        }
        return Optional.of(new Grant(chainId, seq, grant.path("scope").asText(""), grant.path("identity").asText(""),
                expiresAt(grant), revoked));
    }

    /** The issued token's expiry; a grant without a readable one counts as expired (nothing left to revoke). */
    private static Instant expiresAt(JsonNode grant) {
        try {
            String text = grant.path("issued").path("expires_at").textValue();
            return text == null ? Instant.EPOCH : Instant.parse(text);
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
