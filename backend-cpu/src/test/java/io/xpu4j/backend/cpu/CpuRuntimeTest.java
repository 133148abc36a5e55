package io.xpu4j.backend.cpu;

import io.xpu4j.api.Config;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A fresh CPU runtime for every test method, with a {@link Scope} that owns the tensors the test
 * makes. After the test the scope is closed and the allocator must hold no live bytes, so every
 * kernel test also checks that nothing leaked; then the runtime is closed.
 */
abstract class CpuRuntimeTest {
    protected Runtime rt;
    protected Ops ops;
    protected Scope scope;

    @BeforeEach
    void openRuntime() {
        rt = Runtime.create(Config.defaults());
        ops = rt.ops();
        scope = rt.scope();
    }

    @AfterEach
    void closeRuntime() {
        scope.close();
        assertEquals(0, rt.device().allocator().stats().liveBytes(), "bytes still live after the test");
        rt.close();
    }
}
