package dev.octosts.webhook;

import dev.octosts.ledger.Migrations;
import dev.octosts.testing.MutableClock;
import dev.octosts.testing.TestDatabase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Two service processes on one database, as two replicas behind one webhook URL. */
class DeliveryMemoryTest {
    private static final byte[] BODY = "{\"after\":\"c0ffee\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OTHER_BODY = "{\"after\":\"decaf\"}".getBytes(StandardCharsets.UTF_8);

    private final MutableClock clock = MutableClock.atSystemTime();
    private PGSimpleDataSource runtime;
    private DeliveryMemory replicaA;
    private DeliveryMemory replicaB;

    @BeforeEach
    void database() {
        String owner = TestDatabase.shared().createDatabase();
        Migrations.migrate(owner);
        runtime = new PGSimpleDataSource();
        runtime.setURL(TestDatabase.createRuntimeLogin(owner));
        replicaA = new DeliveryMemory(runtime, clock);
        replicaB = new DeliveryMemory(runtime, clock);
    }

    @Test
    void aDeliveryIsClaimedOnceWhicheverReplicaSeesIt() {
        assertThat(replicaA.claim("d1", BODY)).isTrue();
        assertThat(replicaB.claim("d1", BODY)).as("the same delivery at the other replica").isFalse();
        assertThat(replicaB.claim("d2", BODY)).as("the same signed body under another id").isFalse();
        assertThat(replicaB.claim("d1", OTHER_BODY)).as("a known id with another body").isFalse();
        assertThat(replicaB.claim("d3", OTHER_BODY)).isTrue();
    }

    @Test
    void aRefusedClaimLeavesNothingBehind() throws SQLException {
        assertThat(replicaA.claim("d1", BODY)).isTrue();
        assertThat(replicaB.claim("d1", OTHER_BODY)).isFalse();

        // OTHER_BODY was not kept by the refused claim: under a new id it is a new delivery.
        assertThat(rows()).isEqualTo(2);
        assertThat(replicaB.claim("d2", OTHER_BODY)).isTrue();
    }

    @Test
    void aReleasedDeliveryMayBeDeliveredAgain() {
        assertThat(replicaA.claim("d1", BODY)).isTrue();
        replicaA.release("d1", BODY);

        assertThat(replicaB.claim("d1", BODY)).isTrue();
    }

    @Test
    void aDeliveryWithoutAnIdIsKnownByItsBody() throws SQLException {
        assertThat(replicaA.claim(null, BODY)).isTrue();
        assertThat(replicaB.claim("", BODY)).isFalse();
        assertThat(rows()).isEqualTo(1);
    }

    @Test
    void claimsOlderThanTheRetentionArePruned() throws SQLException {
        assertThat(replicaA.claim("d1", BODY)).isTrue();
        clock.advance(DeliveryMemory.RETENTION.plus(Duration.ofHours(2)));

        assertThat(replicaA.claim("d2", OTHER_BODY)).isTrue();

        assertThat(rows()).as("d1's two claims pruned, d2's two kept").isEqualTo(2);
        assertThat(replicaB.claim("d1", BODY)).isTrue();
    }

    @Test
    void withoutTheDatabaseNothingIsClaimed() {
        PGSimpleDataSource unreachable = new PGSimpleDataSource();
        unreachable.setURL("jdbc:postgresql://127.0.0.1:1/none?connectTimeout=1");
        DeliveryMemory memory = new DeliveryMemory(unreachable, clock);

        assertThatThrownBy(() -> memory.claim("d1", BODY)).isInstanceOf(DeliveryMemory.Unavailable.class)
                .hasMessageStartingWith("webhook delivery memory unavailable");
    }

    private long rows() throws SQLException {
        try (Connection connection = runtime.getConnection(); Statement sql = connection.createStatement();
             ResultSet count = sql.executeQuery("SELECT count(*) FROM webhook_delivery")) {
            count.next();
            return count.getLong(1);
        }
    }
}
