package dev.octosts.exchange;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;

import java.lang.System.Logger.Level;
import java.time.Instant;

/**
 * Writes each exchange record as one JSON log line. It is durable only as far as the log is; the
 * PostgreSQL ledger replaces it where records must survive.
 */
public final class LogRecorder implements ExchangeRecorder {
    private static final System.Logger LOG = System.getLogger("dev.octosts.exchange.audit");
    private final ObjectMapper json = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance));

    @Override
    public void append(ExchangeRecord record) throws RecordingException {
        try {
            LOG.log(record.decision() == Decision.ALLOW ? Level.INFO : Level.WARNING, json.writeValueAsString(record));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new RecordingException("exchange record could not be serialised", e);
        }
    }
}
