package dev.perceval.policy.train;

import dev.perceval.policy.text.Tokenizer;
import dev.perceval.policy.world.Task;
import java.util.List;

/** Tasks turned into model inputs: images, prompts and (where known) gold responses. */
public record Batch(List<Task> tasks, float[][] images, int[][] prompts, int[][] responses) {

  public static Batch of(List<Task> tasks, Tokenizer tok) {
    float[][] images = new float[tasks.size()][];
    int[][] prompts = new int[tasks.size()][];
    int[][] responses = new int[tasks.size()][];
    for (int i = 0; i < tasks.size(); i++) {
      Task t = tasks.get(i);
      images[i] = t.image();
      prompts[i] = tok.prompt(t.question());
      responses[i] = t.goldResponse() == null ? null : tok.encode(t.goldResponse());
    }
    return new Batch(tasks, images, prompts, responses);
  }

  public int size() {
    return tasks.size();
  }
}
