package io.xpu4j.models.onnx;

import java.util.List;

/** One AttributeProto; only the fields its type uses are set. */
record Attr(String name, int type, float f, long i, String s, TensorData t, float[] floats, long[] ints,
            List<String> strings) {
    static final int FLOAT = 1;
    static final int INT = 2;
    static final int STRING = 3;
    static final int TENSOR = 4;
    static final int GRAPH = 5;
    static final int FLOATS = 6;
    static final int INTS = 7;
    static final int STRINGS = 8;

    static String typeName(int type) {
        return switch (type) {
            case FLOAT -> "FLOAT";
            case INT -> "INT";
            case STRING -> "STRING";
            case TENSOR -> "TENSOR";
            case GRAPH -> "GRAPH";
            case FLOATS -> "FLOATS";
            case INTS -> "INTS";
            case STRINGS -> "STRINGS";
            case 9 -> "TENSORS";
            case 10 -> "GRAPHS";
            case 11 -> "SPARSE_TENSOR";
            case 12 -> "SPARSE_TENSORS";
            case 13 -> "TYPE_PROTO";
            case 14 -> "TYPE_PROTOS";
            default -> "UNDEFINED";
        };
    }
}
