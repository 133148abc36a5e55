package io.xpu4j.backend.cuda;

import java.lang.foreign.FunctionDescriptor;

/**
 * One C function as bound: the name its header declares, the symbol the library exports (the
 * header maps some names to versioned ones, e.g. {@code cuMemAlloc} to {@code cuMemAlloc_v2}),
 * and its descriptor.
 */
record NativeFunction(String cName, String symbol, FunctionDescriptor descriptor) {
}
