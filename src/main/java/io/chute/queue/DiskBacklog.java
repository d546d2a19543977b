package io.chute.queue;

import io.chute.config.DropRule;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * The rules that have files Chute saw but chose not to hold in memory: the drop folder itself is the queue
 * beyond the in-memory bounds. Memory for waiting files is bounded by configuration (the stability gate's
 * {@code max-tracked-files}, the queue's capacity, and as many again on the retry timer), whatever the backlog;
 * a file left on disk is found again by a rescan of its rule, which the pipeline starts as soon as there is
 * room again (and the periodic rescan would find it anyway). Nothing is lost: a file on disk is never
 * forgotten, only not yet examined.
 */
public final class DiskBacklog {

    private final Map<String, DropRule> spilled = new ConcurrentHashMap<>();

    /** Some of {@code rule}'s files were left on disk; the rule needs a rescan when there is room. */
    public void spilled(DropRule rule) {
        spilled.putIfAbsent(rule.name(), rule);
    }

    /** Whether {@code rule} has files left on disk that no rescan has offered again yet. */
    public boolean hasBacklog(String rule) {
        return spilled.containsKey(rule);
    }

    /**
     * Removes and returns the rules to rescan now: those with files on disk that {@code canRescan} accepts (a
     * paused rule waits, since its files would only be left on disk again).
     */
    public List<DropRule> takeRescannable(Predicate<DropRule> canRescan) {
        List<DropRule> due = new ArrayList<>();
        for (DropRule rule : List.copyOf(spilled.values())) {
            if (canRescan.test(rule) && spilled.remove(rule.name(), rule)) {
                due.add(rule);
            }
        }
        return due;
    }
}
