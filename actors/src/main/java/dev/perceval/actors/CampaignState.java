package dev.perceval.actors;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The coordinator's state, rebuilt from events: every campaign with its status, progress and
 * latest metrics, plus the order in which queued campaigns run. Immutable; {@link #apply}
 * returns the next state.
 */
public record CampaignState(Map<String, Campaign> campaigns, List<String> order, long submitted)
    implements CborSerializable {

  public enum Status { QUEUED, RUNNING, PAUSED, COMPLETED, FAILED, CANCELLED }

  public record Campaign(String id, String spec, Status status, long step, Map<String, Double> metrics,
      String checkpoint, String error) implements CborSerializable {
    Campaign with(Status s) {
      return new Campaign(id, spec, s, step, metrics, checkpoint, error);
    }

    @JsonIgnore
    public boolean finished() {
      return status == Status.COMPLETED || status == Status.FAILED || status == Status.CANCELLED;
    }
  }

  public static CampaignState empty() {
    return new CampaignState(Map.of(), List.of(), 0);
  }

  public CampaignState apply(CampaignEvents.Event e) {
    Map<String, Campaign> next = new LinkedHashMap<>(campaigns);
    List<String> nextOrder = new ArrayList<>(order);
    long count = submitted;
    Campaign c = campaigns.get(e.id());
    if (e instanceof CampaignEvents.Submitted s) {
      next.put(s.id(), new Campaign(s.id(), s.spec(), Status.QUEUED, 0, Map.of(), null, null));
      nextOrder.add(s.id());
      count++;
    } else if (e instanceof CampaignEvents.Started) {
      next.put(c.id(), c.with(Status.RUNNING));
    } else if (e instanceof CampaignEvents.StepCompleted s) {
      Map<String, Double> merged = new LinkedHashMap<>(c.metrics());
      merged.putAll(s.metrics());
      String checkpoint = s.checkpoint() != null ? s.checkpoint() : c.checkpoint();
      next.put(c.id(), new Campaign(c.id(), c.spec(), c.status(), s.step(), merged, checkpoint, null));
    } else if (e instanceof CampaignEvents.Paused) {
      next.put(c.id(), c.with(Status.PAUSED));
    } else if (e instanceof CampaignEvents.Resumed) {
      next.put(c.id(), new Campaign(c.id(), c.spec(), Status.QUEUED, c.step(), c.metrics(), c.checkpoint(), null));
    } else if (e instanceof CampaignEvents.Completed) {
      next.put(c.id(), c.with(Status.COMPLETED));
    } else if (e instanceof CampaignEvents.Failed f) {
      next.put(c.id(), new Campaign(c.id(), c.spec(), Status.FAILED, c.step(), c.metrics(), c.checkpoint(), f.reason()));
    } else if (e instanceof CampaignEvents.Cancelled) {
      next.put(c.id(), c.with(Status.CANCELLED));
    }
    return new CampaignState(next, nextOrder, count);
  }

  /** The campaign that should run now: one already running, else the oldest queued. */
  public Campaign next() {
    for (String id : order) {
      if (campaigns.get(id).status() == Status.RUNNING) {
        return campaigns.get(id);
      }
    }
    for (String id : order) {
      if (campaigns.get(id).status() == Status.QUEUED) {
        return campaigns.get(id);
      }
    }
    return null;
  }
}
