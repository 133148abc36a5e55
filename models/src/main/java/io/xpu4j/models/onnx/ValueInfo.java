package io.xpu4j.models.onnx;

import java.util.List;

/**
 * A graph input or output: name, ONNX element type (0 when not given) and dims; a dim is a
 * {@code Long} size, a {@code String} symbol such as "batch_size", or null when unknown. {@code dims}
 * is null when the rank is not given.
 */
record ValueInfo(String name, int elemType, List<Object> dims) {
    String describeShape() {
        if (dims == null) {
            return "(any rank)";
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(dims.get(i) == null ? "?" : dims.get(i));
        }
        return sb.append(']').toString();
    }
}
