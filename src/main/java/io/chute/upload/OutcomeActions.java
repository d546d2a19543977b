package io.chute.upload;

import io.chute.checkpoint.StateDirProbe;
import io.chute.checkpoint.StateDirUnavailableException;
import io.chute.lifecycle.FileLifecycle;
import io.chute.lifecycle.FileState;
import io.chute.stability.SourceFolder;
import io.chute.stability.StableFile;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;

/**
 * What the pool does after one attempt of one file, per outcome. Every method answers whether the file was
 * handed over (to the retry timer or back to the stability gate): if not, the pool forgets it.
 * <ul>
 * <li>completed / already done: post-action (receipt, delete or move), then DONE;</li>
 * <li>retry later: per-file failures back off ({@link Backoff}, full jitter) until {@code max-attempts}, then
 * quarantine; rule-wide failures pause the rule and state-dir failures pause every upload ({@link StateDirHealth}),
 * neither counting an attempt; an unreadable source is retried forever (the operator fixes permissions; moving
 * the file away would not help);</li>
 * <li>a post-action or quarantine that fails because the state dir cannot be written pauses the file with the
 * state dir instead of dropping it: a kept file whose receipt was not written is settled by HeadObject on its
 * next attempt, never uploaded a second time;</li>
 * <li>rejected: quarantine; source changed: back to the gate; gone or interrupted: nothing.</li>
 * </ul>
 */
final class OutcomeActions implements UploadOutcome.Handler<Boolean> {

    private static final Logger LOG = Logger.getLogger(OutcomeActions.class);

    private final StableFile file;
    private final UploaderPool pool;
    private final UploaderPool.Wiring wiring;
    private final FileLifecycle lifecycle;

    OutcomeActions(StableFile file, UploaderPool pool) {
        this.file = file;
        this.pool = pool;
        this.wiring = pool.wiring();
        this.lifecycle = wiring.lifecycle();
    }

    @Override
    public Boolean completed(UploadOutcome.Completed done) {
        if (LOG.isInfoEnabled()) { // once per file: concatenated, not String.format (a few % of a small file's CPU)
            LOG.info("rule=" + file.rule().name() + " path=" + file.path() + " bucket=" + done.proof().bucket()
                    + " key=" + done.proof().key() + " uploaded and verified (" + done.proof().verifiedBy() + ", "
                    + done.proof().sizeInBytes() + " bytes)" + (done.resumed() ? ", resumed" : ""));
        }
        wiring.ruleHealth().succeeded(file.rule().name());
        return postAction(() -> wiring.completion().uploaded(file, done.proof()));
    }

    @Override
    public Boolean alreadyDone(UploadOutcome.AlreadyDone alreadyDone) {
        return postAction(() -> wiring.completion().finish(file.rule(), file.path(), file.identity()));
    }

    /** The path no longer leads to the file found stable inside the folder: nothing is done to it. */
    @Override
    public Boolean kept(UploadOutcome.Kept kept) {
        keptUntouched(kept.reason(), kept.detail(), "not uploaded");
        return false;
    }

    private void keptUntouched(String reason, String detail, String what) {
        LOG.warnf("rule=%s path=%s reason=%s %s; the file is left untouched (not deleted, moved or quarantined): %s",
                file.rule().name(), file.path(), reason, what, detail);
        pool.settled(file.path());
        release();
        wiring.listener().kept(file, reason);
    }

    private void release() {
        wiring.uploader().apply(file.rule()).released(file);
    }

    @Override
    public Boolean retryLater(UploadOutcome.RetryLater retry) {
        if (retry.scope() == UploadOutcome.RetryLater.Scope.STATE_DIR) {
            return pauseForStateDir(retry);
        }
        if (retry.ruleWide()) {
            Duration delay = wiring.ruleHealth().failed(file.rule().name(), retry.reason(), retry.detail());
            LOG.errorf("rule=%s bucket=%s paused for %ds: %s (%s); path=%s will be retried", file.rule().name(),
                    file.rule().bucket(), delay.toSeconds(), retry.reason().tag(), retry.detail(), file.path());
            return hold(FileState.PAUSED, pausedReason(retry, delay), delay,
                    () -> wiring.listener().retrying(file, retry, delay));
        }
        int attempt = pool.failedAttempt(file.path());
        boolean countsTowardsQuarantine = retry.reason() != FailureReason.SOURCE_UNREADABLE;
        int maxAttempts = file.rule().maxAttempts().orElse(pool.settings().maxAttempts());
        if (countsTowardsQuarantine && attempt >= maxAttempts) {
            return quarantine(retry.reason().tag() + ": " + retry.detail());
        }
        Duration delay = pool.settings().backoff().delay(attempt);
        LOG.warnf("rule=%s path=%s bucket=%s attempt %d of %s failed: %s (%s); retrying in %ds", file.rule().name(),
                file.path(), file.rule().bucket(), attempt, countsTowardsQuarantine ? String.valueOf(maxAttempts)
                        : "unlimited", retry.reason().tag(), retry.detail(), delay.toSeconds());
        return hold(FileState.RETRY_WAIT, retry.reason().tag() + ": " + retry.detail() + "; attempt " + attempt
                + " failed; retry after " + lifecycle.now().plus(delay), delay,
                () -> wiring.listener().retrying(file, retry, delay));
    }

    @Override
    public Boolean rejected(UploadOutcome.Rejected rejected) {
        return quarantine(rejected.reason().tag() + ": " + rejected.detail());
    }

    @Override
    public Boolean sourceChanged(UploadOutcome.SourceChanged changed) {
        LOG.infof("rule=%s path=%s %s; waiting for it to be stable again", file.rule().name(), file.path(),
                changed.detail());
        pool.settled(file.path());
        wiring.backToGate().accept(file);
        return true;
    }

    @Override
    public Boolean sourceGone(UploadOutcome.SourceGone gone) {
        LOG.infof("rule=%s path=%s disappeared before its upload finished; nothing to do", file.rule().name(),
                file.path());
        pool.settled(file.path());
        release();
        return false;
    }

    @Override
    public Boolean interrupted(UploadOutcome.Interrupted interrupted) {
        return false; // shutdown: the checkpoint stays for the next start, the attempt count does not matter
    }

    /**
     * A paused rule's files wait for the pause to end without a request each: one failure pauses the rule, and
     * a queue of thousands does not turn into thousands of refused requests. No attempt is counted.
     */
    Boolean waitOutPause(RuleHealth.Pause pause) {
        RuleHealth.Failing failing = pause.failing();
        LOG.debugf("rule=%s path=%s waits %d ms for the rule's pause (%s)", file.rule().name(), file.path(),
                pause.remaining().toMillis(), failing.reason());
        UploadOutcome.RetryLater why = new UploadOutcome.RetryLater(FailureReason.ofTag(failing.reason()),
                failing.detail(), true);
        return hold(FileState.PAUSED, pausedReason(why, pause.remaining()), pause.remaining(),
                () -> wiring.listener().waitingForRule(file, why, pause.remaining()));
    }

    /** The state dir cannot be written: every upload waits for it; no attempt is counted. */
    private Boolean pauseForStateDir(UploadOutcome.RetryLater retry) {
        Duration delay = wiring.stateDir().failed(retry.detail());
        LOG.debugf("rule=%s path=%s waits %d ms for the state dir: %s", file.rule().name(), file.path(),
                delay.toMillis(), retry.detail());
        return hold(FileState.PAUSED, stateDirReason(retry.detail(), delay), delay,
                () -> wiring.listener().retrying(file, retry, delay));
    }

    /** Files wait out the state dir's pause without touching it or S3. */
    Boolean waitOutStateDir(StateDirHealth.Pause pause) {
        UploadOutcome.RetryLater why = new UploadOutcome.RetryLater(FailureReason.STATE_DIR_UNAVAILABLE,
                pause.down().detail(), UploadOutcome.RetryLater.Scope.STATE_DIR);
        return hold(FileState.PAUSED, stateDirReason(why.detail(), pause.remaining()), pause.remaining(),
                () -> wiring.listener().waitingForRule(file, why, pause.remaining()));
    }

    private String stateDirReason(String detail, Duration remaining) {
        return "state dir paused: " + FailureReason.STATE_DIR_UNAVAILABLE.tag() + ": " + detail + "; retry after "
                + lifecycle.now().plus(remaining);
    }

    private String pausedReason(UploadOutcome.RetryLater why, Duration remaining) {
        return "rule paused: " + why.reason().tag() + ": " + why.detail() + "; retry after "
                + lifecycle.now().plus(remaining);
    }

    /**
     * Moves the file to {@code state} and gives it to the retry timer; when the timer is full (or closed by
     * shutdown) the file is left on disk, its rule recorded in the backlog for a rescan, and it keeps its
     * attempt count.
     */
    private boolean hold(FileState state, String reason, Duration delay, Runnable notify) {
        lifecycle.move(file.path(), state, reason);
        notify.run();
        if (!wiring.retryTimer().hold(file, delay)) {
            wiring.backlog().spilled(file.rule());
            return false;
        }
        return true;
    }

    private interface Step {
        void run() throws Exception;
    }

    private boolean postAction(Step step) {
        lifecycle.move(file.path(), FileState.POST_ACTION);
        pool.settled(file.path());
        try {
            step.run();
            lifecycle.move(file.path(), FileState.DONE);
            if (file.rule().afterUpload() != io.chute.config.ChuteConfig.AfterUpload.KEEP) {
                release();
            }
        } catch (SourceFolder.RefusedException refused) {
            keptUntouched(refused.reason().tag(), refused.getMessage(), "uploaded, but its post-action was refused");
        } catch (StateDirUnavailableException e) {
            return pauseForStateDir(new UploadOutcome.RetryLater(FailureReason.STATE_DIR_UNAVAILABLE, e.getMessage(),
                    e.inStateDir() ? UploadOutcome.RetryLater.Scope.STATE_DIR : UploadOutcome.RetryLater.Scope.RULE));
        } catch (Exception e) {
            LOG.errorf("rule=%s path=%s post-upload step failed (%s); it is retried when the file is next seen",
                    file.rule().name(), file.path(), e.toString());
        }
        return false;
    }

    /**
     * Moves the file into quarantine; returns whether it was handed over instead (to wait for the state dir,
     * when the default quarantine folder under it cannot be written).
     */
    private boolean quarantine(String reason) {
        int tries = pool.attemptsOf(file.path());
        pool.settled(file.path());
        wiring.uploader().apply(file.rule()).abandon(file, "quarantined: " + reason);
        try {
            wiring.completion().quarantine(file.rule(), file.path(), file.identity(), reason, tries);
            lifecycle.move(file.path(), FileState.QUARANTINED, reason);
            release();
            wiring.listener().quarantined(file, reason);
        } catch (SourceFolder.RefusedException refused) {
            keptUntouched(refused.reason().tag(), refused.getMessage(), "not quarantined (" + reason + ")");
        } catch (Exception e) {
            Optional<StateDirUnavailableException> stateDir = stateDirFailed(e);
            if (stateDir.isPresent()) {
                return pauseForStateDir(new UploadOutcome.RetryLater(FailureReason.STATE_DIR_UNAVAILABLE,
                        stateDir.get().getMessage(), UploadOutcome.RetryLater.Scope.STATE_DIR));
            }
            LOG.errorf("rule=%s path=%s could not be quarantined (%s); it stays in place and is retried later",
                    file.rule().name(), file.path(), e.toString());
        }
        return false;
    }

    /**
     * Whether a failed quarantine into the default folder (under the state dir) failed for the state dir: the
     * file is still there and a probe write to the state dir fails too.
     */
    private Optional<StateDirUnavailableException> stateDirFailed(Exception e) {
        if (!(e instanceof IOException) || file.rule().quarantineDir().isPresent() || !Files.exists(file.path())) {
            return Optional.empty();
        }
        try {
            StateDirProbe.check(wiring.stateDir().stateDir());
            return Optional.empty();
        } catch (StateDirUnavailableException unwritable) {
            return Optional.of(unwritable);
        }
    }
}
