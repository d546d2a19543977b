package io.chute.daemon;

import io.chute.config.ChuteConfig;
import io.chute.config.ConfigRefusal;
import io.chute.config.DropRule;
import io.chute.config.InvalidConfigurationException;
import io.chute.observability.DaemonView;
import io.chute.observability.RuleChecks;
import io.chute.observability.StatusBoard;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.config.SmallRyeConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The daemon's lifecycle: validates the configuration, builds the {@link Stages} in data-flow order, runs the
 * {@link StartupChecks}, starts the threads, and at shutdown stops them in reverse flow order (discovery, the
 * stability tick, the workers within the grace period, the retry timer, then the engine), so nothing upstream
 * feeds a stage that has already stopped. Started only in daemon mode ({@code chute.daemon=true}).
 */
@ApplicationScoped
public class Pipeline implements DaemonView {

    private static final Logger LOG = Logger.getLogger(Pipeline.class);

    @Inject
    ChuteConfig config;
    @Inject
    MeterRegistry registry;

    private volatile Stages stages;
    private ScheduledExecutorService ticker;
    private ExecutorService rescanner;
    private Thread watcherThread;
    private volatile long lastTickNanos = System.nanoTime();

    void onStart(@Observes StartupEvent event) throws IOException {
        List<String> errors = ConfigRefusal.errors(ConfigProvider.getConfig().unwrap(SmallRyeConfig.class), config);
        if (!errors.isEmpty()) {
            throw new InvalidConfigurationException(errors);
        }
        if (config.daemon()) {
            start();
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        stop();
    }

    synchronized void start() throws IOException {
        Stages s = new Stages(config, registry, Clock.systemUTC());
        new StartupChecks(s).run();
        rescanner = Executors.newSingleThreadExecutor(ChuteThreads.named("chute-rescan-", s.fatal));
        ticker = Executors.newSingleThreadScheduledExecutor(ChuteThreads.named("chute-stability-", s.fatal));
        s.pool.start();
        new StabilityTicker(ticker, config.watch().stabilityTick(), () -> tick(s), s.gate, Clock.systemUTC(),
                turn -> ChuteThreads.guarded("stability tick", turn, s.fatal)).start();
        s.watcher.start();
        watcherThread = ChuteThreads.named("chute-watcher", s.fatal).newThread(s.watcher);
        watcherThread.setName("chute-watcher");
        watcherThread.start();
        stages = s;
        LOG.infof("Chute started: %d rule(s) %s, files/parts in flight per connection %s (%s), %d bytes in flight,"
                + " bandwidth %s, state dir %s", s.rules.size(),
                s.rules.stream().map(r -> r.name() + "=" + r.folder() + "->s3://" + r.bucket() + "/" + r.prefix()).toList(),
                s.engine.lanes().stream().map(l -> l.flow().files().limit() + "/" + l.flow().parts().limit()
                        + " of at most " + l.flow().files().max() + "/" + l.flow().parts().max()).toList(),
                config.upload().adaptive() ? "adaptive" : "fixed", config.upload().bytesInFlight().asLongValue(),
                s.engine.bandwidth(), s.engine.stateDir());
    }

    /**
     * One stability tick, then a rescan of rules with files left on disk once the gate and the queue are under
     * half full, so a backlog drains at upload speed (a paused rule waits: its files would only spill again).
     */
    private void tick(Stages s) {
        lastTickNanos = System.nanoTime();
        s.gate.tick();
        if (s.gate.hasRoom() && s.queue.hasRoom()) {
            for (DropRule rule : s.backlog.takeRescannable(r -> s.ruleHealth.pausedFor(r.name()).isEmpty())) {
                LOG.debugf("rule=%s rescanning for files left on disk while Chute's queues were full", rule.name());
                rescanner.execute(() -> s.watcher.rescan(rule));
            }
        }
    }

    synchronized void stop() {
        Stages s = stages;
        if (s == null) {
            return;
        }
        stages = null;
        LOG.info("Chute stopping: intake closed, letting in-flight parts finish");
        watcherThread.interrupt();
        closeQuietly(s.watcher);
        rescanner.shutdownNow();
        ticker.shutdownNow();
        s.engine.lanes().forEach(lane -> lane.objects().stopStartingParts());
        try {
            s.pool.stop(config.shutdown().grace());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        s.retryTimer.close();
        s.engine.close();
        LOG.info("Chute stopped; unfinished uploads resume from their checkpoints on the next start");
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debugf("closing %s: %s", closeable, e);
        }
    }

    /** The running stages, for the schedules; empty when the daemon is not running. */
    Optional<Stages> stages() {
        return Optional.ofNullable(stages);
    }

    @Override
    public boolean isStarted() {
        return stages != null;
    }

    @Override
    public List<DropRule> rules() {
        return stages().map(s -> s.rules).orElse(List.of());
    }

    /** How each rule discovers files (events or polling, and why). */
    public Map<String, String> discoveryModes() {
        return stages().map(s -> s.watcher.modes()).orElse(Map.of());
    }

    @Override
    public Optional<StatusBoard> status() {
        return stages().map(s -> s.status);
    }

    @Override
    public Optional<RuleChecks> ruleChecks() {
        return stages().map(s -> s.ruleChecks);
    }

    @Override
    public Duration watcherSilence() {
        return stages().map(s -> Duration.ofNanos(System.nanoTime() - s.watcher.lastLoopNanos())).orElse(Duration.ZERO);
    }

    @Override
    public Duration tickSilence() {
        return Duration.ofNanos(System.nanoTime() - lastTickNanos);
    }

    @Override
    public boolean threadsAlive() {
        return stages().map(s -> watcherThread.isAlive() && s.pool.allWorkersAlive()).orElse(false);
    }
}
