package dev.perceval.policy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CampaignTimingsTest {
  @Test
  void meansLeaveOutTheFirstStepAndAccuracyIsTheLastEvaluation(@TempDir Path run) throws Exception {
    Files.writeString(run.resolve("metrics.csv"), """
        step,reward,timing_s/gen,timing_s/verify,timing_s/adv,timing_s/update,timing_s/sync,timing_s/step
        1,0.1,50.0,10.0,1.0,20.0,9.0,90.0
        2,0.2,1.0,0.25,0.0,0.25,0.5,2.0
        3,0.3,1.0,0.25,0.5,0.75,1.5,4.0
        """);
    Files.writeString(run.resolve("eval.csv"), """
        step,eval/format,eval/accuracy
        0,0.9,0.25
        3,1.0,0.5
        """);
    assertEquals(new CampaignTimings(3.0, 1.0, 0.25, 0.25, 0.5, 1.0, 0.5), CampaignTimings.read(run));
  }

  @Test
  void theMeanOfTwoRunsAveragesEveryFigure() {
    CampaignTimings a = new CampaignTimings(2.0, 1.0, 0.5, 0.0, 0.25, 0.25, 0.5);
    CampaignTimings b = new CampaignTimings(4.0, 3.0, 0.5, 1.0, 0.75, 0.25, 0.25);
    assertEquals(new CampaignTimings(3.0, 2.0, 0.5, 0.5, 0.5, 0.25, 0.375), CampaignTimings.mean(a, b));
  }
}
