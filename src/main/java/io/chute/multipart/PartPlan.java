package io.chute.multipart;

/**
 * How a file is cut into multipart parts: uniform parts of whole MiB, at least 5 MiB and at most 5 GiB each,
 * the last part possibly smaller, never more than {@code maxParts} parts. Pure arithmetic, no I/O.
 */
public record PartPlan(long fileSizeInBytes, long partSizeInBytes, int partCount) {

    public static final long MIB = 1024L * 1024;
    public static final long MIN_PART_BYTES = 5 * MIB;
    public static final long MAX_PART_BYTES = 5 * 1024 * MIB;
    /** Default part size when none is configured; large enough to amortise per-request cost. */
    public static final long DEFAULT_PART_BYTES = 16 * MIB;

    /**
     * Plans a file. A configured part size is honoured when it keeps the part count within {@code maxParts};
     * otherwise (and when none is configured) the smallest whole-MiB size that fits is used, never below the
     * default. Throws {@link IllegalArgumentException} when the file cannot fit even with 5 GiB parts.
     */
    public static PartPlan of(long fileSizeInBytes, long configuredPartSizeInBytes, int maxParts) {
        if (fileSizeInBytes < 0 || maxParts < 1) {
            throw new IllegalArgumentException("size " + fileSizeInBytes + ", maxParts " + maxParts);
        }
        long wanted = configuredPartSizeInBytes > 0 ? configuredPartSizeInBytes : DEFAULT_PART_BYTES;
        long needed = roundUpToMib(ceilDiv(fileSizeInBytes, maxParts));
        long partSize = Math.max(Math.max(wanted, needed), MIN_PART_BYTES);
        if (partSize > MAX_PART_BYTES) {
            throw new IllegalArgumentException("a file of " + fileSizeInBytes + " bytes needs parts of " + partSize
                    + " bytes to fit in " + maxParts + " parts, above the 5 GiB limit");
        }
        int count = fileSizeInBytes == 0 ? 1 : (int) ceilDiv(fileSizeInBytes, partSize);
        return new PartPlan(fileSizeInBytes, partSize, count);
    }

    /** Whether a configured size had to be raised to respect the part-count cap. */
    public boolean raisedFrom(long configuredPartSizeInBytes) {
        return configuredPartSizeInBytes > 0 && partSizeInBytes > configuredPartSizeInBytes;
    }

    /** Byte offset of the 1-based part number. */
    public long offsetOf(int partNumber) {
        return (partNumber - 1) * partSizeInBytes;
    }

    /** Length in bytes of the 1-based part number. */
    public long lengthOf(int partNumber) {
        return Math.min(partSizeInBytes, fileSizeInBytes - offsetOf(partNumber));
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static long roundUpToMib(long bytes) {
        return ceilDiv(bytes, MIB) * MIB;
    }
}
