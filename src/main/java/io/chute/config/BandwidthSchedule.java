package io.chute.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;

import java.math.BigInteger;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The upload bandwidth cap as a daily timetable in local time, built from {@code chute.upload.bandwidth} and
 * {@code chute.upload.bandwidth-schedule} (modelled on rclone's {@code --bwlimit} timetable). A constant cap is a
 * timetable of one entry at 00:00. Immutable and safe to share between threads.
 * <p>
 * A rate is {@code off} (no cap; also {@code false}, which is what YAML makes of an unquoted {@code off}) or a byte
 * count per second written as a Quarkus {@code MemorySize}: digits with an optional suffix B, K, M, G or T
 * (case-insensitive, powers of 1024: {@code 512K} = 524,288 bytes/s), from 1K to 1T. A timetable is space-separated
 * {@code HH:MM,rate} entries in any order; the rate in force is that of the latest entry at or before the time of
 * day, and before the day's first entry the day's last entry still applies (it wraps around midnight).
 */
public final class BandwidthSchedule {

    /** The rate meaning "no cap". */
    public static final long UNLIMITED = 0;
    /** Smallest cap accepted: below it a single request would outlast any sane timeout. */
    public static final long MIN_BYTES_PER_SECOND = 1024;
    /** Largest cap accepted (1 TiB/s); anything larger is no cap and most likely a typo. */
    public static final long MAX_BYTES_PER_SECOND = 1L << 40;

    private static final Pattern TIME = Pattern.compile("(\\d{2}):(\\d{2})");

    /** From the entry's time of day on, {@code bytesPerSecond} is the cap ({@link #UNLIMITED} for none). */
    public record Slot(LocalTime start, long bytesPerSecond) {
    }

    private final List<Slot> slots; // sorted by start, distinct starts, never empty

    private BandwidthSchedule(List<Slot> slots) {
        this.slots = List.copyOf(slots);
    }

    /** The same cap all day ({@link #UNLIMITED} for none). */
    public static BandwidthSchedule constant(long bytesPerSecond) {
        return new BandwidthSchedule(List.of(new Slot(LocalTime.MIDNIGHT, bytesPerSecond)));
    }

    /**
     * The timetable of a validated {@code chute.upload}: the schedule when one is set, else the constant
     * bandwidth. Throws {@link IllegalArgumentException} naming every problem when the settings are invalid.
     */
    public static BandwidthSchedule from(ChuteConfig.Upload upload) {
        List<String> problems = new ArrayList<>();
        BandwidthSchedule schedule = parse(upload.bandwidth(), upload.bandwidthSchedule(),
                (property, message) -> problems.add(property + ": " + message));
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        return schedule;
    }

    /**
     * Parses both properties, reporting each problem as (property path, message); returns null when there is
     * any. A non-blank timetable overrides the constant bandwidth.
     */
    static BandwidthSchedule parse(String bandwidth, Optional<String> timetable, BiConsumer<String, String> error) {
        int[] count = {0};
        BiConsumer<String, String> counting = (property, message) -> {
            count[0]++;
            error.accept(property, message);
        };
        long constant = rate(bandwidth, "chute.upload.bandwidth", "", counting);
        List<Slot> slots = timetable.filter(t -> !t.isBlank()).map(t -> slots(t, counting)).orElse(List.of());
        if (count[0] > 0) {
            return null;
        }
        return slots.isEmpty() ? constant(constant) : new BandwidthSchedule(slots);
    }

    private static List<Slot> slots(String timetable, BiConsumer<String, String> error) {
        String at = "chute.upload.bandwidth-schedule";
        List<Slot> slots = new ArrayList<>();
        Set<LocalTime> seen = new HashSet<>();
        for (String entry : timetable.trim().split("\\s+")) {
            String which = "entry '" + entry + "': ";
            int comma = entry.indexOf(',');
            if (comma < 0) {
                error.accept(at, which + "not HH:MM,rate (e.g. 08:00,10M or 19:00,off)");
                continue;
            }
            LocalTime start = time(entry.substring(0, comma));
            if (start == null) {
                error.accept(at, which + "bad time '" + entry.substring(0, comma) + "' (want HH:MM from 00:00 to 23:59)");
            } else if (!seen.add(start)) {
                error.accept(at, which + "duplicate time " + start + " (each time may appear once)");
            }
            long rate = rate(entry.substring(comma + 1), at, which, error);
            if (start != null && rate >= 0) {
                slots.add(new Slot(start, rate));
            }
        }
        slots.sort(Comparator.comparing(Slot::start));
        return slots;
    }

    private static LocalTime time(String text) {
        Matcher m = TIME.matcher(text);
        if (!m.matches()) {
            return null;
        }
        int hour = Integer.parseInt(m.group(1));
        int minute = Integer.parseInt(m.group(2));
        return hour > 23 || minute > 59 ? null : LocalTime.of(hour, minute);
    }

    /** Bytes per second of {@code text}, {@link #UNLIMITED} for off, or -1 after reporting a problem. */
    private static long rate(String text, String at, String which, BiConsumer<String, String> error) {
        String value = text.trim();
        String lower = value.toLowerCase(Locale.ROOT);
        if (lower.equals("off") || lower.equals("false")) { // YAML reads an unquoted off as the boolean false
            return UNLIMITED;
        }
        MemorySize size;
        try {
            size = value.isEmpty() ? null : new MemorySizeConverter().convert(value);
        } catch (IllegalArgumentException e) {
            size = null;
        }
        if (size == null) {
            error.accept(at, which + "bad rate '" + value + "' (want off, or bytes per second like 512K, 10M, 1G)");
            return -1;
        }
        BigInteger bytes = size.asBigInteger();
        if (bytes.compareTo(BigInteger.valueOf(MIN_BYTES_PER_SECOND)) < 0) {
            error.accept(at, which + "rate '" + value + "' is below the minimum of 1K (1024 bytes) per second;"
                    + " use off for no cap");
            return -1;
        }
        if (bytes.compareTo(BigInteger.valueOf(MAX_BYTES_PER_SECOND)) > 0) {
            error.accept(at, which + "rate '" + value + "' is above the maximum of 1T per second; use off for no cap");
            return -1;
        }
        return bytes.longValueExact();
    }

    /** The cap in force at this local time of day, {@link #UNLIMITED} for none. */
    public long bytesPerSecondAt(LocalTime time) {
        Slot inForce = slots.get(slots.size() - 1); // before the first entry, yesterday's last one still applies
        for (Slot slot : slots) {
            if (slot.start().isAfter(time)) {
                break;
            }
            inForce = slot;
        }
        return inForce.bytesPerSecond();
    }

    /** Whether the cap is off at every time of day (then nothing needs to be throttled at all). */
    public boolean alwaysUnlimited() {
        return slots.stream().allMatch(s -> s.bytesPerSecond() == UNLIMITED);
    }

    public List<Slot> slots() {
        return slots;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        for (Slot slot : slots) {
            s.append(s.length() == 0 ? "" : " ").append(slot.start()).append(',')
                    .append(slot.bytesPerSecond() == UNLIMITED ? "off" : slot.bytesPerSecond() + "B");
        }
        return s.toString();
    }
}
