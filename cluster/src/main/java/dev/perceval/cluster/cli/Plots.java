package dev.perceval.cluster.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** PNG line charts of training curves. */
final class Plots {
  private Plots() {}

  static void line(Path png, String title, String xLabel, String yLabel, String series, List<Double> ys)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    double[] x = new double[ys.size()];
    double[] y = new double[ys.size()];
    for (int i = 0; i < ys.size(); i++) {
      x[i] = i;
      y[i] = ys.get(i);
    }
    XYChart chart = new XYChartBuilder().width(800).height(500).title(title)
        .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
    chart.getStyler().setMarkerSize(0);
    chart.addSeries(series, x, y);
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** Several named series of (x, y) points on one chart; empty series are left out. */
  static void lines(Path png, String title, String xLabel, String yLabel, java.util.Map<String, List<double[]>> series)
      throws IOException {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(900).height(520).title(title)
        .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
    chart.getStyler().setMarkerSize(4);
    for (var e : series.entrySet()) {
      List<double[]> pts = e.getValue();
      if (pts.isEmpty()) {
        continue;
      }
      double[] x = new double[pts.size()];
      double[] y = new double[pts.size()];
      for (int i = 0; i < pts.size(); i++) {
        x[i] = pts.get(i)[0];
        y[i] = pts.get(i)[1];
      }
      chart.addSeries(e.getKey(), x, y);
    }
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
