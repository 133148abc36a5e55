package io.xpu4j.conformance;

import io.xpu4j.api.DType;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Value and shape generators for test inputs. */
interface Gen {
    double next(SplittableRandom r);

    static Gen uniform(double lo, double hi) {
        return r -> lo + (hi - lo) * r.nextDouble();
    }

    /** Whole numbers in [lo, hi]. */
    static Gen ints(long lo, long hi) {
        return r -> lo + r.nextLong(hi - lo + 1);
    }

    static Gen bools() {
        return r -> r.nextBoolean() ? 1 : 0;
    }

    /** One of {@code values}, so that ties and equal pairs happen often. */
    static Gen pick(double... values) {
        return r -> values[r.nextInt(values.length)];
    }

    /** |x| uniform in [lo, hi] with a random sign: a divisor kept away from zero. */
    static Gen magnitude(double lo, double hi) {
        return r -> (r.nextBoolean() ? 1 : -1) * (lo + (hi - lo) * r.nextDouble());
    }

    /** Nonzero whole numbers with |x| in [1, hi]. */
    static Gen nonZeroInts(long hi) {
        return r -> (r.nextBoolean() ? 1 : -1) * (1 + r.nextLong(hi));
    }

    /** Moderate values every dtype can hold: floats in [-4, 4], integers well inside their range. */
    static Gen forDType(DType t) {
        return switch (t) {
            case F32, F16, BF16, F8_E4M3, F8_E5M2 -> uniform(-4, 4);
            case I8 -> ints(-100, 100);
            case I32 -> ints(-1_000_000, 1_000_000);
            case I64 -> ints(-1_000_000_000_000L, 1_000_000_000_000L);
            case BOOL -> bools();
        };
    }

    /** A random shape with rank in [minRank, maxRank] and at most {@code maxNumel} elements. */
    static long[] shape(SplittableRandom r, int minRank, int maxRank, long maxNumel) {
        // sizes that hit vector tails (17, 33) and size 1 as well as round numbers
        long[] dims = {1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 31, 33};
        while (true) {
            int rank = minRank + r.nextInt(maxRank - minRank + 1);
            long[] s = new long[rank];
            long n = 1;
            for (int i = 0; i < rank; i++) {
                s[i] = dims[r.nextInt(dims.length)];
                n *= s[i];
            }
            if (n <= maxNumel) {
                return s;
            }
        }
    }

    static String str(long[] shape) {
        return Arrays.toString(shape);
    }
}
