package io.chute.multipart;

import java.util.Optional;

/**
 * Where the files and parts limits of one S3 connection start and how far they may grow. The ceilings come from
 * what the process can afford, not from a guess of what the endpoint takes: requests in flight never exceed
 * the connection pool ({@code maxConnections}), and parts in flight never need more than the byte budget holds
 * ({@code bytesInFlight ÷ partSize}; the budget itself still bounds the bytes). The adaptive limits then find
 * the endpoint's and the path's share within them. An explicit {@code workers} / {@code partsInFlight} is a
 * ceiling (when adaptive) or the fixed number (when not); both are capped at the pool size, since a request
 * beyond it would only wait for a connection.
 *
 * @param filesInitial files in flight at start
 * @param filesMax     ceiling of files in flight
 * @param partsInitial parts in flight at start
 * @param partsMax     ceiling of parts in flight
 */
public record FlowLimits(int filesInitial, int filesMax, int partsInitial, int partsMax) {

    /** Where both limits start: enough to fill a LAN at once; on a long path slow start doubles from here. */
    public static final int START = 8;

    /** The limits of a connection of {@code maxConnections} pooled connections. */
    public static FlowLimits of(Optional<Integer> workers, Optional<Integer> partsInFlight, boolean adaptive,
                                int maxConnections, long bytesInFlight, long partSizeInBytes) {
        int pool = Math.max(1, maxConnections);
        long byBudget = bytesInFlight / Math.max(PartPlan.MIN_PART_BYTES, partSizeInBytes);
        int partsAuto = (int) Math.max(1, Math.min(byBudget, Math.max(1, pool / 2)));
        int partsMax = Math.min(pool, partsInFlight.orElse(partsAuto));
        int filesMax = Math.min(pool, workers.orElse(Math.max(1, pool - partsMax)));
        if (!adaptive) {
            int files = Math.min(pool, workers.orElse(START));
            int parts = Math.min(pool, partsInFlight.orElse(START));
            return new FlowLimits(files, files, parts, parts);
        }
        return new FlowLimits(Math.min(START, filesMax), filesMax, Math.min(START, partsMax), partsMax);
    }
}
