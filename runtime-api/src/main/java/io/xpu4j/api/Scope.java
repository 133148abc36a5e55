package io.xpu4j.api;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * An arena for tensors: every tensor created on this thread while the scope is open (and no
 * inner scope is) belongs to it, and closing the scope closes those that are still open.
 * Scopes nest. {@link #detach} takes a tensor out, so it outlives the scope.
 *
 * <pre>{@code
 * try (Scope scope = runtime.scope()) {
 *     Tensor y = ops.softmax(ops.matmul(x, w), -1);
 *     result = scope.detach(y);   // everything else made here is closed now
 * }
 * }</pre>
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Deque<Scope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    private final Thread owner = Thread.currentThread();
    private Set<Tensor> tensors = Collections.newSetFromMap(new IdentityHashMap<>());
    private boolean closed;

    Scope() {
        OPEN.get().push(this);
    }

    /** Called for every new tensor: joins the innermost open scope of this thread, if any. */
    static void adopt(Tensor t) {
        Scope s = OPEN.get().peek();
        if (s != null) {
            s.tensors.add(t);
            t.scope = s;
        }
    }

    /** Removes {@code t} from this scope so that closing the scope leaves it open. Returns {@code t}. */
    public Tensor detach(Tensor t) {
        checkOpen("detach a tensor");
        if (t.scope != this) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "detach: " + t.describe() + " does not belong to this scope");
        }
        tensors.remove(t);
        t.scope = null;
        return t;
    }

    /** Called when a tensor of this scope is closed explicitly, so the scope does not keep it. */
    void forget(Tensor t) {
        if (!closed) {
            tensors.remove(t);
        }
    }

    /** Number of tensors this scope will close. */
    public int size() {
        checkOpen("count its tensors");
        return tensors.size();
    }

    public boolean isClosed() {
        return closed;
    }

    private void checkOpen(String action) {
        if (closed) {
            throw new XpuException(ErrorCode.CLOSED, "cannot " + action + ": the scope is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT,
                    "a scope must be closed on the thread that opened it (" + owner.getName() + ")");
        }
        Deque<Scope> open = OPEN.get();
        if (open.peek() != this) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "scopes must be closed innermost first");
        }
        open.pop();
        closed = true;
        List<Tensor> owned = new ArrayList<>(tensors);
        tensors = Set.of();
        for (Tensor t : owned) {
            t.closedByScope = true;
            t.close();
        }
    }
}
