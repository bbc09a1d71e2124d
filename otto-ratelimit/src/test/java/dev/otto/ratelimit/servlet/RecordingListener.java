package dev.otto.ratelimit.servlet;

import dev.otto.ratelimit.RateLimitDecision;
import dev.otto.ratelimit.RateLimitListener;
import dev.otto.ratelimit.RateLimitPolicy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the decisions a filter reports. */
final class RecordingListener implements RateLimitListener {

  record Reported(String policy, boolean allowed, boolean shadow) {
  }

  final List<Reported> decisions = new CopyOnWriteArrayList<>();

  @Override
  public void onDecision(RateLimitPolicy policy, RateLimitDecision decision, boolean shadow) {
    decisions.add(new Reported(policy.name(), decision.allowed(), shadow));
  }
}
