package io.xpu4j.models.onnx;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

/** ONNX TensorProto.DataType codes and how they map to xpu4j dtypes. */
final class OnnxTypes {
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int UINT16 = 4;
    static final int INT16 = 5;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int STRING = 8;
    static final int BOOL = 9;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;
    static final int UINT32 = 12;
    static final int UINT64 = 13;
    static final int BFLOAT16 = 16;
    static final int FLOAT8E4M3FN = 17;
    static final int FLOAT8E5M2 = 19;

    private OnnxTypes() {
    }

    static String name(int t) {
        return switch (t) {
            case 0 -> "UNDEFINED";
            case FLOAT -> "FLOAT";
            case UINT8 -> "UINT8";
            case INT8 -> "INT8";
            case UINT16 -> "UINT16";
            case INT16 -> "INT16";
            case INT32 -> "INT32";
            case INT64 -> "INT64";
            case STRING -> "STRING";
            case BOOL -> "BOOL";
            case FLOAT16 -> "FLOAT16";
            case DOUBLE -> "DOUBLE";
            case UINT32 -> "UINT32";
            case UINT64 -> "UINT64";
            case 14 -> "COMPLEX64";
            case 15 -> "COMPLEX128";
            case BFLOAT16 -> "BFLOAT16";
            case FLOAT8E4M3FN -> "FLOAT8E4M3FN";
            case 18 -> "FLOAT8E4M3FNUZ";
            case FLOAT8E5M2 -> "FLOAT8E5M2";
            case 20 -> "FLOAT8E5M2FNUZ";
            default -> "type " + t;
        };
    }

    /** Bytes per element in raw_data, or 0 for types whose data cannot be held here. */
    static int byteSize(int t) {
        return switch (t) {
            case FLOAT, INT32, UINT32 -> 4;
            case UINT8, INT8, BOOL, FLOAT8E4M3FN, FLOAT8E5M2 -> 1;
            case UINT16, INT16, FLOAT16, BFLOAT16 -> 2;
            case INT64, DOUBLE, UINT64 -> 8;
            default -> 0;
        };
    }

    static boolean isFloat(int t) {
        return t == FLOAT || t == FLOAT16 || t == DOUBLE || t == BFLOAT16 || t == FLOAT8E4M3FN || t == FLOAT8E5M2;
    }

    /** The xpu4j dtype a tensor of ONNX type {@code t} lives in on a device, or null when there is none. */
    static DType dtypeOrNull(int t) {
        return switch (t) {
            case FLOAT -> DType.F32;
            case FLOAT16 -> DType.F16;
            case BFLOAT16 -> DType.BF16;
            case FLOAT8E4M3FN -> DType.F8_E4M3;
            case FLOAT8E5M2 -> DType.F8_E5M2;
            case INT8 -> DType.I8;
            case INT32 -> DType.I32;
            case INT64 -> DType.I64;
            case BOOL -> DType.BOOL;
            default -> null;
        };
    }

    static DType dtype(int t, String what) {
        DType d = dtypeOrNull(t);
        if (d == null) {
            throw new XpuException(ErrorCode.DTYPE_MISMATCH, what + " has ONNX type " + name(t)
                    + ", which xpu4j tensors cannot hold; supported: FLOAT, FLOAT16, BFLOAT16, FLOAT8E4M3FN, "
                    + "FLOAT8E5M2, INT8, INT32, INT64, BOOL");
        }
        return d;
    }

    static int of(DType d) {
        return switch (d) {
            case F32 -> FLOAT;
            case F16 -> FLOAT16;
            case BF16 -> BFLOAT16;
            case F8_E4M3 -> FLOAT8E4M3FN;
            case F8_E5M2 -> FLOAT8E5M2;
            case I8 -> INT8;
            case I32 -> INT32;
            case I64 -> INT64;
            case BOOL -> BOOL;
        };
    }
}
