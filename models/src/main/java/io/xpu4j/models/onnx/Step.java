package io.xpu4j.models.onnx;

import java.util.List;

/**
 * One unit of execution: an ONNX node with its values numbered, or a fused group of nodes (a
 * decomposed LayerNorm, GELU or attention) that runs as one runtime op. A fused step keeps the
 * steps it replaced and runs them instead when a condition it needs does not hold at run time
 * (an unexpected rank, say), so fusion never changes what a model computes.
 */
final class Step {
    static final int NONE = -1;

    final Node node;
    final String op;
    final int[] in;
    final int[] out;
    /** For fused steps: the steps replaced, in order; empty otherwise. */
    final List<Step> parts;
    /** For fused steps: the values only the replaced steps use, released after the step. */
    final int[] internal;
    /** For fused steps: the pattern's constants (epsilon, attention scale, ...). */
    final double param;

    Step(Node node, String op, int[] in, int[] out) {
        this(node, op, in, out, List.of(), new int[0], 0);
    }

    Step(Node node, String op, int[] in, int[] out, List<Step> parts, int[] internal, double param) {
        this.node = node;
        this.op = op;
        this.in = in;
        this.out = out;
        this.parts = parts;
        this.internal = internal;
        this.param = param;
    }

    boolean fused() {
        return !parts.isEmpty();
    }

    /** Input {@code i}'s value id, or {@link #NONE} when absent. */
    int input(int i) {
        return i < in.length ? in[i] : NONE;
    }

    @Override
    public String toString() {
        return fused() ? op + " (fused from " + parts.size() + " nodes ending at " + node.describe() + ")" : node.describe();
    }
}
