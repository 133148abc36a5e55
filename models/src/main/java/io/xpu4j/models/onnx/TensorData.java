package io.xpu4j.models.onnx;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A TensorProto's contents: its ONNX element type, dims, and the elements as little-endian bytes
 * in that type's raw layout. For raw_data that is a slice of the (mapped) file; typed fields
 * (float_data, int64_data, ...) are converted to the same layout when parsed.
 */
record TensorData(String name, int type, long[] dims, long numel, MemorySegment data) {
    String describe() {
        return (name.isEmpty() ? "tensor" : "tensor '" + name + "'") + " " + OnnxTypes.name(type) + Arrays.toString(dims);
    }
}
