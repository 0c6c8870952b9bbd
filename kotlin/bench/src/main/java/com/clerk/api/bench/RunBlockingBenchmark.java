package com.clerk.api.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The facade and the baseline of {@link FetchTokenBenchmark}, each call wrapped in its own
 * {@code runBlocking { }}: the form a blocking caller uses. Every call then also pays for a new
 * coroutine, its job and the thread's event loop, which for the baseline is most of the time
 * measured.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RunBlockingBenchmark {
    @Benchmark
    public Object facadeFetchToken(TokenState state) {
        return state.fixture.facadeFetchTokenRunBlocking();
    }

    @Benchmark
    public Object baselineFetchToken(TokenState state) {
        return state.fixture.baselineFetchTokenRunBlocking();
    }
}
