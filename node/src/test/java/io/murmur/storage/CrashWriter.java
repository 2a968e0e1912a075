package io.murmur.storage;

import io.murmur.version.Dot;
import io.murmur.version.VectorClock;
import io.murmur.version.Version;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link RocksDbStorageTest}: writes key {@code i} with value
 * {@code i}, in order, forever, and prints {@code ack i} once each write has returned
 * (with {@code update}) or once {@link RocksDbStorage#sync} has returned after it (with
 * {@code deferred}: {@code updateDeferred}, the way a node stores a write). The
 * test kills it mid-stream and checks that every acknowledged write is on disk. It exits
 * by itself if its parent goes away (its stdin closes).
 */
public final class CrashWriter {
    private CrashWriter() {
    }

    static byte[] key(int i) {
        return ("crash-key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(int i) {
        return ("crash-value-" + i).getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        SyncMode mode = SyncMode.valueOf(args[1]);
        boolean deferred = args[2].equals("deferred");
        Thread watchdog = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // Wait for end of stream: the parent is gone.
                }
            } catch (IOException e) {
                // Same as end of stream.
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();

        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        RocksDbStorage storage = RocksDbStorage.open(dir, StorageOptions.defaults().withSyncMode(mode)
                .withSyncIntervalMillis(60_000));
        out.println("open");
        for (int i = 0; i < Integer.MAX_VALUE; i++) {
            Version v = Version.value(new Dot("writer", 1), VectorClock.EMPTY, value(i), i);
            if (deferred) {
                storage.updateDeferred(key(i), r -> r.add(v));
                storage.sync();
            } else {
                storage.update(key(i), r -> r.add(v));
            }
            out.println("ack " + i);
        }
    }
}
