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
 * A cache hit, called from a coroutine that is already running ({@link CoroutineDriver}): what
 * the suspend call itself costs, with no coroutine started per call.
 *
 * <ul>
 *   <li>{@code facadeFetchToken}: {@code session.fetchToken()}, the facade: its peek into the
 *       core's cache ({@code TokenPeek}: one JNA call), the result as a
 *       {@code ClerkResult.Success(TokenResource)}.
 *   <li>{@code baselineFetchToken}: the same call in a pure-Kotlin SDK
 *       ({@link PureKotlinTokenCache}: a {@code ConcurrentHashMap} lookup and an expiry check).
 *   <li>{@code asyncWithoutPeek}: the generated {@code requestToken(options)} suspend function
 *       alone, a hit in the core's cache reached through UniFFI's async machinery: the call is
 *       spawned on the core's Tokio runtime, the coroutine suspends, a runtime thread calls back
 *       through JNA, the coroutine resumes on the calling thread and polls the result.
 *   <li>{@code tokenPeek}: the facade's peek alone, no coroutine: one JNA call with plain
 *       arguments that returns the token's stamp; the {@code TokenResource} made for that stamp
 *       is reused.
 *   <li>{@code generatedCachedToken}: the generated {@code cachedToken(options)} alone, what the
 *       facade called before: clone the object handle, allocate a buffer for the options, the
 *       call, free the returned buffer (4 native calls through JNA).
 * </ul>
 *
 * <p>The facade, the baseline and the peeks also run in {@code AverageTime} mode:
 * {@code SampleTime} reads the clock around every sampled call, which adds some 20-30 ns to each
 * sample (most of the baseline's); the average over a whole iteration does not.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class FetchTokenBenchmark {
    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.AverageTime})
    public Object facadeFetchToken(TokenState state) {
        return state.fixture.facadeFetchToken();
    }

    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.AverageTime})
    public Object baselineFetchToken(TokenState state) {
        return state.fixture.baselineFetchToken();
    }

    @Benchmark
    public Object asyncWithoutPeek(TokenState state) {
        return state.fixture.asyncWithoutPeek();
    }

    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.AverageTime})
    public Object tokenPeek(TokenState state) {
        return state.fixture.tokenPeek();
    }

    @Benchmark
    @BenchmarkMode({Mode.SampleTime, Mode.AverageTime})
    public Object generatedCachedToken(TokenState state) {
        return state.fixture.generatedCachedToken();
    }
}
