package io.chute.observability;

import io.chute.multipart.TransferListener;
import io.chute.stability.StableFile;
import io.chute.upload.UploadOutcome;
import io.chute.upload.UploaderPool;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Passes every engine and pool notification to each observer in order (metrics, then the status board). */
public final class Observers implements TransferListener, UploaderPool.Listener {

    private final List<? extends Object> observers;

    /** Each observer is a {@link TransferListener}, an {@link UploaderPool.Listener}, or both. */
    public Observers(Object... observers) {
        this.observers = List.of(observers);
    }

    private void transfer(java.util.function.Consumer<TransferListener> call) {
        for (Object o : observers) {
            if (o instanceof TransferListener l) {
                call.accept(l);
            }
        }
    }

    private void pool(java.util.function.Consumer<UploaderPool.Listener> call) {
        for (Object o : observers) {
            if (o instanceof UploaderPool.Listener l) {
                call.accept(l);
            }
        }
    }

    @Override
    public void bytesSent(Path file, long bytes) {
        transfer(l -> l.bytesSent(file, bytes));
    }

    @Override
    public void bytesResent(long bytes) {
        transfer(l -> l.bytesResent(bytes));
    }

    @Override
    public void partUploaded(Duration took) {
        transfer(l -> l.partUploaded(took));
    }

    @Override
    public void planned(Plan plan) {
        transfer(l -> l.planned(plan));
    }

    @Override
    public void verifying(Path file) {
        transfer(l -> l.verifying(file));
    }

    @Override
    public void started(StableFile file) {
        pool(l -> l.started(file));
    }

    @Override
    public void finished(StableFile file, UploadOutcome outcome, Duration took) {
        pool(l -> l.finished(file, outcome, took));
    }

    @Override
    public void quarantined(StableFile file, String reason) {
        pool(l -> l.quarantined(file, reason));
    }

    @Override
    public void kept(StableFile file, String reason) {
        pool(l -> l.kept(file, reason));
    }

    @Override
    public void retrying(StableFile file, UploadOutcome.RetryLater failure, Duration delay) {
        pool(l -> l.retrying(file, failure, delay));
    }

    @Override
    public void waitingForRule(StableFile file, UploadOutcome.RetryLater pause, Duration delay) {
        pool(l -> l.waitingForRule(file, pause, delay));
    }
}
