package io.murmur.sim.experiments;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.internal.series.MarkerSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Line charts written as PNG with XChart, without a display. */
public final class Charts {
    static final int WIDTH_PX = 960;
    static final int HEIGHT_PX = 600;

    private Charts() {
    }

    /** How a line is drawn: solid with markers, dashed with markers, or a dashed reference line. */
    public enum Style {
        SOLID, DASHED, REFERENCE
    }

    /** One line: its name, x and y values, style, and colour (null: the chart's next colour). */
    public record Line(String name, double[] x, double[] y, Style style, Color color) {
        public Line {
            if (x.length != y.length) {
                throw new IllegalArgumentException(name + ": " + x.length + " x values but " + y.length + " y values");
            }
        }

        public static Line of(String name, double[] x, double[] y) {
            return new Line(name, x, y, Style.SOLID, null);
        }

        public static Line reference(String name, double[] x, double[] y) {
            return new Line(name, x, y, Style.REFERENCE, null);
        }

        public Line withStyle(Style value) {
            return new Line(name, x, y, value, color);
        }

        public Line withColor(Color value) {
            return new Line(name, x, y, style, value);
        }
    }

    /** Distinct colours for lines that belong together (e.g. one router at 1 and 2 threads). */
    static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf),
    };

    /**
     * A chart's axes. With {@code xLabels} the x values are positions 0, 1, 2, ... drawn as
     * evenly spaced categories with those labels (for uneven steps such as 0, 2, 4, 8, ...).
     */
    public record Axes(String xTitle, String yTitle, boolean logX, boolean logY, String[] xLabels) {
        public static Axes linear(String xTitle, String yTitle) {
            return new Axes(xTitle, yTitle, false, false, null);
        }

        public Axes withLogX() {
            return new Axes(xTitle, yTitle, true, logY, xLabels);
        }

        public Axes withLogY() {
            return new Axes(xTitle, yTitle, logX, true, xLabels);
        }

        public Axes withXLabels(String[] labels) {
            return new Axes(xTitle, yTitle, logX, logY, labels.clone());
        }
    }

    /** Writes the lines as a PNG file at {@code file}. */
    public static void writePng(Path file, String title, Axes axes, List<Line> lines) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Line> drawable = new ArrayList<>();
        for (Line line : lines) {
            if (!line.name().isEmpty() && hasPoint(line, axes)) {
                drawable.add(line);
            }
        }
        if (drawable.isEmpty()) {
            throw new IllegalArgumentException("nothing to draw in " + title);
        }
        AxesChartStyler styler;
        Chart<?, ?> chart;
        if (axes.xLabels() == null) {
            XYChart xy = new XYChartBuilder().width(WIDTH_PX).height(HEIGHT_PX).title(title)
                    .xAxisTitle(axes.xTitle()).yAxisTitle(axes.yTitle()).build();
            for (Line line : drawable) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (int i = 0; i < line.x().length; i++) {
                    if (drawablePoint(line.x()[i], line.y()[i], axes)) {
                        xs.add(line.x()[i]);
                        ys.add(line.y()[i]);
                    }
                }
                XYSeries s = xy.addSeries(line.name(), xs, ys);
                style(s, line);
            }
            styler = xy.getStyler();
            chart = xy;
        } else {
            // Uneven steps (0, 2, 4, 8, ...) as evenly spaced categories, x values as positions.
            CategoryChart cat = new CategoryChartBuilder().width(WIDTH_PX).height(HEIGHT_PX).title(title)
                    .xAxisTitle(axes.xTitle()).yAxisTitle(axes.yTitle()).build();
            cat.getStyler().setDefaultSeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Line);
            cat.getStyler().setOverlapped(true);
            cat.getStyler().setXAxisMaxLabelCount(Math.max(2, axes.xLabels().length));
            for (Line line : drawable) {
                List<String> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (int i = 0; i < line.x().length; i++) {
                    int at = (int) line.x()[i];
                    if (at != line.x()[i] || at < 0 || at >= axes.xLabels().length) {
                        throw new IllegalArgumentException(line.name() + ": x " + line.x()[i]
                                + " is not a label position");
                    }
                    xs.add(axes.xLabels()[at]);
                    ys.add(drawablePoint(line.x()[i], line.y()[i], axes) ? line.y()[i] : null);
                }
                CategorySeries s = cat.addSeries(line.name(), xs, ys);
                style(s, line);
            }
            styler = cat.getStyler();
            chart = cat;
        }
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setXAxisLogarithmic(axes.logX());
        styler.setYAxisLogarithmic(axes.logY());
        // Every 1-2-3-...-9 label of a log axis is readable within two decades, crowded beyond.
        styler.setXAxisLogarithmicDecadeOnly(decades(drawable, axes, true) > 2);
        styler.setYAxisLogarithmicDecadeOnly(decades(drawable, axes, false) > 2);
        styler.setMarkerSize(6);
        styler.setPlotGridLinesVisible(true);
        styler.setYAxisDecimalPattern("#,##0.###");
        try (OutputStream out = Files.newOutputStream(file)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static void style(MarkerSeries s, Line line) {
        if (line.color() != null) {
            s.setLineColor(line.color());
            s.setMarkerColor(line.color());
        }
        if (line.style() != Style.SOLID) {
            s.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {6f, 4f}, 0f));
        }
        if (line.style() == Style.REFERENCE) {
            s.setMarker(SeriesMarkers.NONE);
            if (line.color() == null) {
                s.setLineColor(Color.GRAY);
            }
        }
    }

    /** How many decades the drawn x (or y) values span. */
    private static double decades(List<Line> lines, Axes axes, boolean x) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Line line : lines) {
            for (int i = 0; i < line.x().length; i++) {
                if (drawablePoint(line.x()[i], line.y()[i], axes)) {
                    double v = x ? line.x()[i] : line.y()[i];
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        return lo > 0 ? Math.log10(hi / lo) : 0;
    }

    private static boolean hasPoint(Line line, Axes axes) {
        for (int i = 0; i < line.x().length; i++) {
            if (drawablePoint(line.x()[i], line.y()[i], axes)) {
                return true;
            }
        }
        return false;
    }

    private static boolean drawablePoint(double x, double y, Axes axes) {
        return Double.isFinite(x) && Double.isFinite(y) && (!axes.logX() || x > 0) && (!axes.logY() || y > 0);
    }
}
