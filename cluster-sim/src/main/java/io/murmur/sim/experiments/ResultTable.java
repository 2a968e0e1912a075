package io.murmur.sim.experiments;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Rows of already formatted cells under named columns: printed aligned for people, written
 * as CSV for tools. Cells hold no commas, quotes or line breaks (checked), so the CSV needs
 * no quoting.
 */
public final class ResultTable {
    private final String title;
    private final List<String> columns;
    private final List<List<String>> rows = new ArrayList<>();

    public ResultTable(String title, List<String> columns) {
        this.title = title;
        this.columns = List.copyOf(columns);
        columns.forEach(ResultTable::requirePlain);
    }

    /** Adds a row; one cell per column. */
    public ResultTable add(Object... cells) {
        if (cells.length != columns.size()) {
            throw new IllegalArgumentException("expected " + columns.size() + " cells, got " + cells.length);
        }
        List<String> row = new ArrayList<>(cells.length);
        for (Object c : cells) {
            String s = String.valueOf(c);
            requirePlain(s);
            row.add(s);
        }
        rows.add(List.copyOf(row));
        return this;
    }

    public String title() {
        return title;
    }

    public List<String> columns() {
        return columns;
    }

    public List<List<String>> rows() {
        return List.copyOf(rows);
    }

    /** The title, then the columns right-aligned to their widest cell. */
    public void print(PrintStream out) {
        int[] width = new int[columns.size()];
        for (int c = 0; c < width.length; c++) {
            width[c] = columns.get(c).length();
            for (List<String> row : rows) {
                width[c] = Math.max(width[c], row.get(c).length());
            }
        }
        out.println(title);
        out.println(line(columns, width));
        StringBuilder rule = new StringBuilder();
        for (int c = 0; c < width.length; c++) {
            rule.append(c == 0 ? "" : "  ").append("-".repeat(width[c]));
        }
        out.println(rule);
        for (List<String> row : rows) {
            out.println(line(row, width));
        }
        out.println();
    }

    public void writeCsv(Path file) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", columns)).append('\n');
        for (List<String> row : rows) {
            sb.append(String.join(",", row)).append('\n');
        }
        Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    }

    private static String line(List<String> cells, int[] width) {
        StringBuilder sb = new StringBuilder();
        for (int c = 0; c < width.length; c++) {
            String cell = cells.get(c);
            sb.append(c == 0 ? "" : "  ").append(" ".repeat(width[c] - cell.length())).append(cell);
        }
        return sb.toString();
    }

    private static void requirePlain(String cell) {
        for (int i = 0; i < cell.length(); i++) {
            char ch = cell.charAt(i);
            if (ch == ',' || ch == '"' || ch == '\n' || ch == '\r') {
                throw new IllegalArgumentException("table cell needs CSV quoting: " + cell);
            }
        }
    }

    /** A number with {@code decimals} places, or empty for NaN. */
    static String num(double value, int decimals) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    /** A rate for people: 5.12M, 35.1k, 812. */
    static String rate(double perSecond) {
        if (Double.isNaN(perSecond)) {
            return "";
        }
        if (perSecond >= 1e6) {
            return String.format(Locale.ROOT, "%.2fM", perSecond / 1e6);
        }
        if (perSecond >= 1e3) {
            return String.format(Locale.ROOT, "%.1fk", perSecond / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }
}
