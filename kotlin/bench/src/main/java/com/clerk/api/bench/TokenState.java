package com.clerk.api.bench;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One {@link TokenFixture} per fork (JMH runs every benchmark in its own JVM): the test kit's
 * fake Clerk, whose clock stands still, Clerk configured against it, a session signed in and its
 * token cached. The
 * teardown fails the run if any measured call was not a cache hit.
 */
@State(Scope.Benchmark)
public class TokenState {
    TokenFixture fixture;

    @Setup(Level.Trial)
    public void start() {
        fixture = TokenFixture.Companion.start();
    }

    @TearDown(Level.Trial)
    public void stop() {
        fixture.close();
    }
}
