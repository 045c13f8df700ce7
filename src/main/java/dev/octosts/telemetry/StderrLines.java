package dev.octosts.telemetry;

import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.logging.ErrorManager;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * The log handler for standard error. A record is formatted on the thread that logs it and handed to one
 * writer thread, which writes what has queued up in one write and one flush. Every exchange logs a line, and
 * a handler that writes under a lock (as {@link java.util.logging.ConsoleHandler} does) makes concurrent
 * exchanges queue for the lock and pay a system call each.
 *
 * <p>Nothing is dropped: when {@value #QUEUED_LINES} lines wait, a logging thread waits for room. {@link #close()}
 * (which the JDK's log manager calls at exit) writes whatever is still queued, before any line logged after it.
 */
final class StderrLines extends Handler {
    static final int QUEUED_LINES = 8192;
    private static final int LINES_PER_WRITE = 512;

    private final BlockingQueue<String> queued = new ArrayBlockingQueue<>(QUEUED_LINES);
    private final Writer out;
    private final Thread writer;
    private volatile boolean closed;

    StderrLines(PrintStream stream, Formatter formatter) {
        this.out = new OutputStreamWriter(stream, StandardCharsets.UTF_8);
        setFormatter(formatter);
        this.writer = Thread.ofPlatform().daemon().name("octosts-log-writer").start(this::writeQueued);
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        String line;
        try {
            line = getFormatter().format(record);
        } catch (RuntimeException e) {
            reportError(null, e, ErrorManager.FORMAT_FAILURE);
            return;
        }
        if (closed) {
            writeLeft(line);
            return;
        }
        try {
            queued.put(line);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            write(List.of(line));
            return;
        }
        if (closed) {
            // close() may have written what was left just before this line went in: nobody else will.
            writeLeft(null);
        }
    }

    private void writeQueued() {
        List<String> lines = new ArrayList<>(LINES_PER_WRITE);
        while (!closed) {
            try {
                lines.add(queued.take());
            } catch (InterruptedException e) {
                return;
            }
            queued.drainTo(lines, LINES_PER_WRITE - 1);
            write(lines);
            lines.clear();
        }
    }

    /** Lines are flushed as the writer writes them; {@link #close()} writes those still queued. */
    @Override
    public void flush() {
        write(List.of());
    }

    private synchronized void write(List<String> lines) {
        try {
            for (String line : lines) {
                out.write(line);
            }
            out.flush();
        } catch (IOException e) {
            reportError(null, e, ErrorManager.WRITE_FAILURE);
        }
    }

    /**
     * Stops the writer and then writes what it left; standard error itself stays open, and lines logged from
     * now on are written at once.
     */
    @Override
    public void close() {
        closed = true;
        writer.interrupt();
        writeLeft(null);
    }

    /** Once the writer has stopped, writes the lines it left and then {@code line} (if any), in that order. */
    private void writeLeft(String line) {
        boolean interrupted = false;
        while (writer.isAlive()) {
            try {
                writer.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        synchronized (this) {
            List<String> left = new ArrayList<>();
            queued.drainTo(left);
            if (line != null) {
                left.add(line);
            }
            write(left);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
