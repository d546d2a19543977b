package io.chute.multipart;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.List;

/**
 * Combines CRC32C values of consecutive byte ranges into the CRC32C of their concatenation, without reading
 * the bytes again: the full-object checksum of a multipart upload is folded from its part checksums. The
 * GF(2) matrix method of zlib's {@code crc32_combine}, with the Castagnoli polynomial; pure Java.
 */
public final class Crc32cCombine {

    private static final long POLY_REFLECTED = 0x82F63B78L;

    private Crc32cCombine() {
    }

    /** CRC32C of A followed by B, given crc(A), crc(B) and the length of B in bytes. */
    public static long combine(long crcA, long crcB, long lengthOfB) {
        if (lengthOfB <= 0) {
            return crcA;
        }
        long[] even = new long[32];
        long[] odd = new long[32];
        odd[0] = POLY_REFLECTED;
        long row = 1;
        for (int n = 1; n < 32; n++) {
            odd[n] = row;
            row <<= 1;
        }
        square(even, odd); // operator for two zero bits
        square(odd, even); // four zero bits
        long crc = crcA;
        long len = lengthOfB;
        do {
            square(even, odd);
            if ((len & 1) != 0) {
                crc = times(even, crc);
            }
            len >>= 1;
            if (len == 0) {
                break;
            }
            square(odd, even);
            if ((len & 1) != 0) {
                crc = times(odd, crc);
            }
            len >>= 1;
        } while (len != 0);
        return (crc ^ crcB) & 0xFFFFFFFFL;
    }

    /** Base64 CRC32C of a whole object from its parts' base64 CRC32C values and sizes, in part order. */
    public static String fullObjectCrc32c(List<CompletedPart> parts) {
        long crc = 0;
        boolean first = true;
        for (CompletedPart part : parts) {
            long partCrc = Integer.toUnsignedLong(ByteBuffer.wrap(Base64.getDecoder().decode(part.crc32c())).getInt());
            crc = first ? partCrc : combine(crc, partCrc, part.sizeInBytes());
            first = false;
        }
        return Base64.getEncoder().encodeToString(ByteBuffer.allocate(4).putInt((int) crc).array());
    }

    private static long times(long[] matrix, long vector) {
        long sum = 0;
        for (int i = 0; vector != 0; i++, vector >>>= 1) {
            if ((vector & 1) != 0) {
                sum ^= matrix[i];
            }
        }
        return sum;
    }

    private static void square(long[] square, long[] matrix) {
        for (int n = 0; n < 32; n++) {
            square[n] = times(matrix, matrix[n]);
        }
    }
}
