package io.xpu4j.api;

import java.util.List;

/** What a {@link Kernel} receives: the op, its device, inputs, preallocated outputs and attributes. */
public record KernelCall(String op, Device device, List<Tensor> inputs, List<Tensor> outputs, OpAttrs attrs) {
    public Tensor input(int i) {
        return inputs.get(i);
    }

    public Tensor output(int i) {
        return outputs.get(i);
    }

    public Tensor output() {
        return outputs.get(0);
    }
}
