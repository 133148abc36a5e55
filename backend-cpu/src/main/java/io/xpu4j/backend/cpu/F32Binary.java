package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Fast path of the float32 binary ops: straight from the input segments to the output segment
 * when each input is either contiguous or one value broadcast everywhere (a scalar operand).
 * Handles whole vectors only; the caller finishes the last {@code n % LANES} elements.
 *
 * <p>One loop per op and operand form, each in its own method and calling no vector-typed
 * helper of ours, for the reasons given in {@link FloatLoops}.
 */
final class F32Binary {
    private static final VectorSpecies<Float> F = FloatLoops.F;
    private static final int LANES = FloatLoops.LANES;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private F32Binary() {
    }

    /** Both inputs contiguous; byte offsets; {@code n} a multiple of LANES. */
    static void vv(ElementwiseKernels.Binary op, MemorySegment a, long ao, MemorySegment b, long bo,
                   MemorySegment o, long oo, int n) {
        switch (op) {
            case ADD -> addVV(a, ao, b, bo, o, oo, n);
            case SUB -> subVV(a, ao, b, bo, o, oo, n);
            case MUL -> mulVV(a, ao, b, bo, o, oo, n);
            case DIV -> divVV(a, ao, b, bo, o, oo, n);
            case MAXIMUM -> maxVV(a, ao, b, bo, o, oo, n);
            case MINIMUM -> minVV(a, ao, b, bo, o, oo, n);
            default -> throw new IllegalArgumentException(op.toString());
        }
    }

    /** a contiguous, b the scalar {@code s} (or, when {@code swapped}, a = s and b contiguous). */
    static void vs(ElementwiseKernels.Binary op, MemorySegment a, long ao, float s, boolean swapped,
                   MemorySegment o, long oo, int n) {
        FloatVector v = FloatVector.broadcast(F, s);
        switch (op) {
            case ADD -> addVS(a, ao, v, o, oo, n);
            case MUL -> mulVS(a, ao, v, o, oo, n);
            case MAXIMUM -> maxVS(a, ao, v, o, oo, n);
            case MINIMUM -> minVS(a, ao, v, o, oo, n);
            case SUB -> {
                if (swapped) {
                    subSV(a, ao, v, o, oo, n);
                } else {
                    subVS(a, ao, v, o, oo, n);
                }
            }
            case DIV -> {
                if (swapped) {
                    divSV(a, ao, v, o, oo, n);
                } else {
                    divVS(a, ao, v, o, oo, n);
                }
            }
            default -> throw new IllegalArgumentException(op.toString());
        }
    }

    private static void addVV(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).add(FloatVector.fromMemorySegment(F, b, bo + k, NATIVE)).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void subVV(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).sub(FloatVector.fromMemorySegment(F, b, bo + k, NATIVE)).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void mulVV(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).mul(FloatVector.fromMemorySegment(F, b, bo + k, NATIVE)).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void divVV(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).div(FloatVector.fromMemorySegment(F, b, bo + k, NATIVE)).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void maxVV(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).max(FloatVector.fromMemorySegment(F, b, bo + k, NATIVE)).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void minVV(MemorySegment a, long ao, MemorySegment b, long bo, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).min(FloatVector.fromMemorySegment(F, b, bo + k, NATIVE)).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void addVS(MemorySegment a, long ao, FloatVector s, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).add(s).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void mulVS(MemorySegment a, long ao, FloatVector s, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).mul(s).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void maxVS(MemorySegment a, long ao, FloatVector s, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).max(s).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void minVS(MemorySegment a, long ao, FloatVector s, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).min(s).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void subVS(MemorySegment a, long ao, FloatVector s, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).sub(s).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void subSV(MemorySegment b, long bo, FloatVector s, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            s.sub(FloatVector.fromMemorySegment(F, b, bo + k, NATIVE)).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    // Division by the scalar stays a division: multiplying by 1/s would round twice.
    private static void divVS(MemorySegment a, long ao, FloatVector s, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            FloatVector.fromMemorySegment(F, a, ao + k, NATIVE).div(s).intoMemorySegment(o, oo + k, NATIVE);
        }
    }

    private static void divSV(MemorySegment b, long bo, FloatVector s, MemorySegment o, long oo, int n) {
        for (int i = 0; i < n; i += LANES) {
            long k = (long) i * 4;
            s.div(FloatVector.fromMemorySegment(F, b, bo + k, NATIVE)).intoMemorySegment(o, oo + k, NATIVE);
        }
    }
}
