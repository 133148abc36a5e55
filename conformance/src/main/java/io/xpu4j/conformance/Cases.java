package io.xpu4j.conformance;

import io.xpu4j.api.DType;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Collects the cases of every op family, in the order the suite reports them. */
final class Cases {
    static final Set<DType> FLOAT = EnumSet.of(DType.F32, DType.F16, DType.BF16);
    static final Set<DType> NUMERIC = EnumSet.of(DType.F32, DType.F16, DType.BF16, DType.I8, DType.I32, DType.I64);
    static final Set<DType> REDUCIBLE = EnumSet.of(DType.F32, DType.F16, DType.BF16, DType.I32, DType.I64);
    static final Set<DType> ALL = EnumSet.allOf(DType.class);

    private final List<Case> list = new ArrayList<>();

    /** The seed of a variant: from op, dtype and variant label, never from the shapes. */
    static long seed(String op, Object dtype, String variant) {
        return Case.seedOf(op, String.valueOf(dtype), variant);
    }

    /** Adds a case named "{dtype} {variant} {detail}". */
    void add(String op, Object dtype, String variant, String detail, Case.Body body) {
        String name = dtype + " " + variant + (detail.isEmpty() ? "" : " " + detail);
        list.add(new Case(op, name, seed(op, dtype, variant), body));
    }

    static List<Case> all() {
        Cases c = new Cases();
        CreationCases.addAll(c);
        CastCases.addAll(c);
        ElementwiseCases.addAll(c);
        ReduceCases.addAll(c);
        LinalgCases.addAll(c);
        NnCases.addAll(c);
        return c.list;
    }
}
