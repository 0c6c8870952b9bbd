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
 * A token refresh end to end, against the test kit's fake Clerk on loopback ({@link RefreshFixture}):
 *
 * <ul>
 *   <li>{@code facadeSkipCache}: {@code session.fetchToken(GetTokenOptions(skipCache = true))},
 *       through the engine and the facade's {@code OkHttpTransport};
 *   <li>{@code directOkHttp}: the same POST sent with OkHttp alone ({@code execute()}), on the
 *       same client;
 *   <li>{@code directOkHttpEnqueued}: the same with {@code enqueue()}, the caller waiting for the
 *       answer from OkHttp's thread: the transport's thread hops without the engine or JNA.
 * </ul>
 *
 * <p>The fake signs each token (RS256), as Clerk does; both pay that alike.
 */
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class RefreshBenchmark {
    @Benchmark
    public Object facadeSkipCache(RefreshState state) {
        return state.fixture.facadeSkipCache();
    }

    @Benchmark
    public Object directOkHttp(RefreshState state) {
        return state.fixture.directOkHttp();
    }

    @Benchmark
    public Object directOkHttpEnqueued(RefreshState state) {
        return state.fixture.directOkHttpEnqueued();
    }
}
