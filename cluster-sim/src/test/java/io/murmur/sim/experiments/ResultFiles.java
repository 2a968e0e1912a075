package io.murmur.sim.experiments;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Checks on what an experiment writes. */
final class ResultFiles {
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    private ResultFiles() {
    }

    /** The CSV's rows below its header, each split into cells; checks every row has the header's width. */
    static List<String[]> csvRows(Path file, List<String> header) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertThat(lines).as(file.toString()).isNotEmpty();
        assertThat(lines.get(0)).isEqualTo(String.join(",", header));
        List<String[]> rows = lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1)).toList();
        for (String[] row : rows) {
            assertThat(row).as("%s row %s", file, Arrays.toString(row)).hasSize(header.size());
        }
        return rows;
    }

    static double number(String cell) {
        return Double.parseDouble(cell);
    }

    static void assertPng(Path file) throws IOException {
        assertThat(file).exists();
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes.length).as(file.toString()).isGreaterThan(1000);
        assertThat(Arrays.copyOf(bytes, PNG_MAGIC.length)).as(file.toString()).isEqualTo(PNG_MAGIC);
    }
}
