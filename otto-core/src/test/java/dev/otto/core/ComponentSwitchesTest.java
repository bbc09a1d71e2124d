package dev.otto.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class ComponentSwitchesTest {

  private final ComponentSwitches switches = ComponentSwitches.create();

  @Test
  void startsWithEveryComponentEnabledAndEnforcing() {
    assertThat(switches.all()).hasSize(Component.values().length);
    for (ComponentSwitch componentSwitch : switches.all()) {
      assertThat(componentSwitch.isEnabled()).isTrue();
      assertThat(componentSwitch.getAsBoolean()).isTrue();
      assertThat(componentSwitch.mode()).isEqualTo(Mode.ENFORCE);
      assertThat(componentSwitch.isShadow()).isFalse();
    }
  }

  @Test
  void listsTheSwitchesInComponentOrder() {
    assertThat(switches.all()).extracting(ComponentSwitch::component).containsExactly(Component.values());
  }

  @Test
  void returnsTheSameSwitchEveryTimeHoweverItIsLookedUp() {
    ComponentSwitch trace = switches.get(Component.TRACE);
    assertThat(switches.get(Component.TRACE)).isSameAs(trace);
    assertThat(switches.find("trace")).containsSame(trace);
    assertThat(switches.all().get(Component.TRACE.ordinal())).isSameAs(trace);
  }

  @Test
  void findsNothingForAnUnknownName() {
    assertThat(switches.find("Trace")).isEmpty();
    assertThat(switches.find("cache")).isEmpty();
  }

  @Test
  void keepsTheSwitchesOfSeparateInstancesApart() {
    ComponentSwitches other = ComponentSwitches.create();
    other.get(Component.HEALTH).setEnabled(false);

    assertThat(switches.get(Component.HEALTH).isEnabled()).isTrue();
  }

  @Test
  void doesNotLetTheListBeModified() {
    List<ComponentSwitch> all = switches.all();
    assertThatThrownBy(all::clear)
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void switchesOneComponentOffAndOnWithoutTouchingTheOthers() {
    ComponentSwitch rateLimit = switches.get(Component.RATELIMIT);

    rateLimit.setEnabled(false);
    assertThat(rateLimit.isEnabled()).isFalse();
    assertThat(rateLimit.getAsBoolean()).isFalse();
    assertThat(switches.get(Component.IDEMPOTENCY).isEnabled()).isTrue();

    rateLimit.setEnabled(true);
    assertThat(rateLimit.isEnabled()).isTrue();
  }

  @Test
  void theShadowSupplierFollowsTheMode() {
    ComponentSwitch idempotency = switches.get(Component.IDEMPOTENCY);
    BooleanSupplier shadow = idempotency.shadow();
    assertThat(shadow.getAsBoolean()).isFalse();

    idempotency.setMode(Mode.SHADOW);
    assertThat(idempotency.isShadow()).isTrue();
    assertThat(shadow.getAsBoolean()).isTrue();
    assertThat(idempotency.shadow()).isSameAs(shadow);

    idempotency.setMode(Mode.ENFORCE);
    assertThat(shadow.getAsBoolean()).isFalse();
  }

  @Test
  void theModeIsIndependentOfWhetherTheComponentIsEnabled() {
    ComponentSwitch rateLimit = switches.get(Component.RATELIMIT);
    rateLimit.setMode(Mode.SHADOW);
    rateLimit.setEnabled(false);

    assertThat(rateLimit.mode()).isEqualTo(Mode.SHADOW);
    rateLimit.setEnabled(true);
    assertThat(rateLimit.isShadow()).isTrue();
  }

  @Test
  void rejectsANullModeByName() {
    assertThatNullPointerException()
        .isThrownBy(() -> switches.get(Component.TRACE).setMode(null))
        .withMessageContaining("mode");
  }

  @Test
  void callsTheListenerOncePerActualChange() {
    List<String> seen = new ArrayList<>();
    switches.addListener(changed -> seen.add(changed.component().id() + " " + changed.isEnabled()
        + " " + changed.mode().id()));
    ComponentSwitch trace = switches.get(Component.TRACE);

    trace.setEnabled(true); // already enabled: no change
    trace.setEnabled(false);
    trace.setEnabled(false); // already disabled: no change
    trace.setMode(Mode.ENFORCE); // already enforcing: no change
    trace.setMode(Mode.SHADOW);
    trace.setMode(Mode.SHADOW);
    trace.setEnabled(true);

    assertThat(seen).containsExactly(
        "trace false enforce",
        "trace false shadow",
        "trace true shadow");
  }

  @Test
  void setsEnabledAndModeInOneStepWithOneNotification() {
    ComponentSwitch rateLimiting = switches.get(Component.RATELIMIT);
    rateLimiting.setEnabled(false);
    List<String> seen = new ArrayList<>();
    switches.addListener(changed -> seen.add(changed.isEnabled() + " " + changed.mode().id()));

    rateLimiting.set(true, Mode.SHADOW);
    rateLimiting.set(true, Mode.SHADOW); // no change
    rateLimiting.set(false, Mode.ENFORCE);

    assertThat(seen).containsExactly("true shadow", "false enforce");
    assertThatNullPointerException().isThrownBy(() -> rateLimiting.set(true, null));
  }

  @Test
  void callsEveryListenerInTheOrderTheyWereAdded() {
    List<String> seen = new ArrayList<>();
    switches.addListener(changed -> seen.add("first"));
    switches.addListener(changed -> seen.add("second"));

    switches.get(Component.HEALTH).setEnabled(false);

    assertThat(seen).containsExactly("first", "second");
  }

  @Test
  void aFailingListenerNeitherUndoesTheChangeNorSilencesTheOthers() {
    List<ComponentSwitch> seen = new ArrayList<>();
    switches.addListener(changed -> {
      throw new IllegalStateException("audit log is down");
    });
    switches.addListener(seen::add);
    ComponentSwitch problem = switches.get(Component.PROBLEM);

    problem.setEnabled(false);

    assertThat(problem.isEnabled()).isFalse();
    assertThat(seen).containsExactly(problem);
  }

  @Test
  void concurrentSettersToTheSameValueNotifyExactlyOnce() throws Exception {
    AtomicInteger changes = new AtomicInteger();
    switches.addListener(changed -> changes.incrementAndGet());
    ComponentSwitch rateLimit = switches.get(Component.RATELIMIT);
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(pool.submit(() -> {
          start.await();
          rateLimit.setEnabled(false);
          return null;
        }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    assertThat(changes).hasValue(1);
    assertThat(rateLimit.isEnabled()).isFalse();
  }

  @Test
  void concurrentTogglingNotifiesOnceForEveryRealChange() throws Exception {
    AtomicInteger changes = new AtomicInteger();
    switches.addListener(changed -> changes.incrementAndGet());
    ComponentSwitch rateLimit = switches.get(Component.RATELIMIT);
    int threads = 4;
    int flips = 2_000;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        boolean value = t % 2 == 0;
        futures.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < flips; i++) {
            rateLimit.setEnabled(value);
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    // Every notification stands for a real transition, so they alternate false, true, false, ...:
    // starting from enabled, an odd count means the switch ended disabled.
    assertThat(changes.get() % 2 == 1).isEqualTo(!rateLimit.isEnabled());
    assertThat(changes.get()).isLessThanOrEqualTo(threads * flips);
  }

  @Test
  void readersOnOtherThreadsSeeAChange() throws Exception {
    ComponentSwitch health = switches.get(Component.HEALTH);
    CountDownLatch sawEnabled = new CountDownLatch(1);
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> reads = reader.submit(() -> {
        int count = 0;
        while (health.getAsBoolean()) {
          sawEnabled.countDown();
          count++;
        }
        return count; // terminates only because the write below becomes visible
      });
      assertThat(sawEnabled.await(10, TimeUnit.SECONDS)).isTrue();

      health.setEnabled(false);

      assertThat(reads.get(10, TimeUnit.SECONDS)).isPositive();
    } finally {
      reader.shutdownNow();
    }
  }

  @Test
  void describesItselfForLogs() {
    ComponentSwitch idempotency = switches.get(Component.IDEMPOTENCY);
    idempotency.setMode(Mode.SHADOW);
    idempotency.setEnabled(false);

    assertThat(idempotency).hasToString("ComponentSwitch[idempotency, disabled, shadow]");
    assertThat(switches.toString()).contains("ComponentSwitch[ratelimit, enabled, enforce]");
  }
}
