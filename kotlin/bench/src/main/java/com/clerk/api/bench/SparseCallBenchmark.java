package com.clerk.api.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The facade and the baseline of {@link FetchTokenBenchmark} called the way an app calls them:
 * now and then, not back to back. Before each call the thread parks for half a millisecond
 * (outside the measurement), so every call meets colder caches and the allocation rate is an
 * app's rather than a tight loop's. Shows whether the back-to-back numbers flatter or penalise
 * the FFI path.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SparseCallBenchmark {
    /** Parks the benchmark thread before every call; JMH does not time it. */
    @State(Scope.Thread)
    public static class Pause {
        @Setup(Level.Invocation)
        public void pause() {
            LockSupport.parkNanos(500_000);
        }
    }

    @Benchmark
    public Object facadeFetchToken(TokenState state, Pause pause) {
        return state.fixture.facadeFetchToken();
    }

    @Benchmark
    public Object baselineFetchToken(TokenState state, Pause pause) {
        return state.fixture.baselineFetchToken();
    }
}
