package io.xpu4j.api;

/** A marker recorded on a {@link Stream}; completes when all work before it on that stream has. */
public interface Event {
    /** Blocks until the event has completed. */
    void synchronize();

    /** Whether the work before this event has completed, without blocking. */
    boolean isDone();
}
