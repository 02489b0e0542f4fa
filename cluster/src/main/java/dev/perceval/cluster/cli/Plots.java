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
}
