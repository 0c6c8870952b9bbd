package com.clerk.api.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One {@link RefreshFixture} per fork: the test kit's fake Clerk, Clerk configured against it, a
 * session signed in, and the direct request copied from the facade's. The teardown fails the run
 * unless every call made exactly one request.
 */
@State(Scope.Benchmark)
public class RefreshState {
    RefreshFixture fixture;

    @Setup(Level.Trial)
    public void start() {
        fixture = RefreshFixture.Companion.start();
    }

    @TearDown(Level.Trial)
    public void stop() {
        fixture.close();
    }
}
