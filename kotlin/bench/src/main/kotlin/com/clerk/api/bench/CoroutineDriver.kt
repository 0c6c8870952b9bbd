package com.clerk.api.bench

import kotlinx.coroutines.CoroutineDispatcher
import java.util.concurrent.LinkedBlockingQueue
import kotlin.coroutines.Continuation
import kotlin.coroutines.CoroutineContext
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.startCoroutineUninterceptedOrReturn

/**
 * Calls a suspend function the way a coroutine that is already running calls one: compiled code
 * passes its continuation and gets the result back at once unless the callee suspends. So a call
 * that completes without suspending costs exactly what the function costs, plus one call through
 * a function reference; nothing is allocated here per call (no coroutine, job or event loop, which
 * `runBlocking` creates every time).
 *
 * When the callee does suspend, its resumption is dispatched to this driver's own queue, which
 * the calling thread drains until the call completes: the calling thread parks until another
 * thread wakes it, as it would under `runBlocking` or any single-threaded dispatcher.
 *
 * One driver per thread; not reentrant.
 */
class CoroutineDriver {
    private val queue = LinkedBlockingQueue<Runnable>()

    private val dispatcher = object : CoroutineDispatcher() {
        override fun dispatch(context: CoroutineContext, block: Runnable) {
            queue.put(block)
        }
    }

    @Volatile
    private var outcome: Result<Any?>? = null

    private val completion = object : Continuation<Any?> {
        override val context: CoroutineContext = dispatcher

        override fun resumeWith(result: Result<Any?>) {
            outcome = result
        }
    }

    /** Calls [function] with [argument] and returns its result, running it to completion. */
    fun <A> call(function: suspend (A) -> Any?, argument: A): Any? {
        val direct = (function as suspend A.() -> Any?).startCoroutineUninterceptedOrReturn(argument, completion)
        if (direct !== COROUTINE_SUSPENDED) return direct
        while (true) {
            outcome?.let { done ->
                outcome = null
                return done.getOrThrow()
            }
            queue.take().run()
        }
    }
}
