package dev.octosts.telemetry;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

/** Lines handed to the writer thread: none lost, none reordered within a thread, and written at close. */
class StderrLinesTest {
    private static final Formatter MESSAGE_PER_LINE = new Formatter() {
        @Override
        public String format(LogRecord record) {
            return record.getMessage() + "\n";
        }
    };

    @Test
    void everyLineOfManyThreadsIsWrittenOnceInEachThreadsOrderEvenWhenTheQueueIsFull() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StderrLines handler = new StderrLines(new PrintStream(bytes, true, StandardCharsets.UTF_8), MESSAGE_PER_LINE);
        int threads = 8;
        int perThread = StderrLines.QUEUED_LINES; // together eight times what the queue holds
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> logging = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                logging.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        handler.publish(new LogRecord(Level.INFO, thread + " " + i + " ü"));
                    }
                }));
            }
            for (Future<?> each : logging) {
                each.get();
            }
        }
        handler.close();

        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines).hasSize(threads * perThread);
        int[] next = new int[threads];
        for (String line : lines) {
            String[] parts = line.split(" ");
            int thread = Integer.parseInt(parts[0]);
            assertThat(Integer.parseInt(parts[1])).as("line of thread %d", thread).isEqualTo(next[thread]);
            assertThat(parts[2]).isEqualTo("ü");
            next[thread]++;
        }
        assertThat(next).containsOnly(perThread);
    }

    @Test
    void aLineLoggedAfterCloseIsWrittenAtOnce() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StderrLines handler = new StderrLines(new PrintStream(bytes, true, StandardCharsets.UTF_8), MESSAGE_PER_LINE);
        handler.publish(new LogRecord(Level.INFO, "before close"));
        handler.close();
        handler.publish(new LogRecord(Level.WARNING, "after close"));

        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("before close\nafter close\n");
    }
}
