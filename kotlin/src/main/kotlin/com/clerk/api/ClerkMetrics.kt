package com.clerk.api

import com.clerk.api.ffi.MetricsSnapshot
import com.clerk.api.ffi.RequestMetric as NativeRequestMetric
import com.clerk.api.ffi.RequestOutcome as NativeRequestOutcome
import com.clerk.api.ffi.RequestRoute as NativeRequestRoute
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * The engine's counters since [Clerk.configure], for your own telemetry: read [Clerk.metrics]
 * whenever you report. They hold no token, device token or secret.
 *
 * @property cacheHits token calls answered from the cache without waiting.
 * @property cacheMisses token calls that needed the network.
 * @property joinedCallers of [cacheMisses], the calls that joined a request already under way.
 * @property requests HTTP attempts sent, retries included (attempts that found no network
 *   sent nothing and are not counted).
 * @property retries of [requests], the retries.
 * @property failed4xx attempts answered with a 4xx status.
 * @property failed5xx attempts answered with a 5xx status.
 * @property failedNetwork attempts that got no answer (connection failed or broke).
 * @property failedTimeout attempts with no answer within the request timeout.
 * @property failedOffline calls that failed at once because the device had no network.
 * @property staleServed still-valid tokens served because their refresh failed.
 * @property backgroundRefreshes background refreshes that landed a new token.
 * @property lastRefreshLead how long before the old token expired the last background refresh
 *   landed; `null` before the first.
 * @property minRefreshLead the shortest such lead so far; `null` before the first.
 */
data class ClerkMetrics(
    val cacheHits: Long,
    val cacheMisses: Long,
    val joinedCallers: Long,
    val requests: Long,
    val retries: Long,
    val failed4xx: Long,
    val failed5xx: Long,
    val failedNetwork: Long,
    val failedTimeout: Long,
    val failedOffline: Long,
    val staleServed: Long,
    val backgroundRefreshes: Long,
    val lastRefreshLead: Duration?,
    val minRefreshLead: Duration?,
) {
    companion object {
        /** All zero: what [Clerk.metrics] reads before [Clerk.configure]. */
        val NONE = ClerkMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, null)
    }
}

/** Which Clerk Frontend API call an HTTP attempt made. */
enum class RequestRoute {
    /** `GET /v1/client`: [Clerk.load]. */
    CLIENT,

    /** A session token: [fetchToken] and background refresh. */
    SESSION_TOKEN,

    /** A JWT template token: [fetchToken] with a template. */
    TEMPLATE_TOKEN,

    /** [Clerk.signInWithTicket]. */
    SIGN_IN,

    /** [Clerk.signOut] and [Session.signOut]. */
    SIGN_OUT,
}

/** How an HTTP attempt ended. */
sealed interface RequestOutcome {
    /** An HTTP answer with this [code], error statuses included. */
    data class Status(val code: Int) : RequestOutcome

    /** No answer: the connection failed or broke. */
    data object Network : RequestOutcome

    /** No answer within the request timeout. */
    data object Timeout : RequestOutcome

    /** The device had no network: nothing was sent. */
    data object Offline : RequestOutcome
}

/**
 * One HTTP attempt the engine made, from [Clerk.requestMetrics]. It names the route, never the
 * URL, and holds no token, device token or secret.
 *
 * @property attempt 1 for a call's first attempt, 2 for its first retry, and so on.
 * @property duration from sending the request to the end of its answer (or its failure).
 * @property responseBytes body bytes read; 0 without an answer.
 */
data class RequestMetric(
    val route: RequestRoute,
    val attempt: Int,
    val outcome: RequestOutcome,
    val duration: Duration,
    val responseBytes: Long,
)

internal fun MetricsSnapshot.toClerkMetrics() = ClerkMetrics(
    cacheHits = cacheHits.toLong(),
    cacheMisses = cacheMisses.toLong(),
    joinedCallers = joinedCallers.toLong(),
    requests = requests.toLong(),
    retries = retries.toLong(),
    failed4xx = failed4xx.toLong(),
    failed5xx = failed5xx.toLong(),
    failedNetwork = failedNetwork.toLong(),
    failedTimeout = failedTimeout.toLong(),
    failedOffline = failedOffline.toLong(),
    staleServed = staleServed.toLong(),
    backgroundRefreshes = backgroundRefreshes.toLong(),
    lastRefreshLead = lastRefreshLeadMs?.milliseconds,
    minRefreshLead = minRefreshLeadMs?.milliseconds,
)

internal fun NativeRequestMetric.toRequestMetric() = RequestMetric(
    route = when (route) {
        NativeRequestRoute.CLIENT -> RequestRoute.CLIENT
        NativeRequestRoute.SESSION_TOKEN -> RequestRoute.SESSION_TOKEN
        NativeRequestRoute.TEMPLATE_TOKEN -> RequestRoute.TEMPLATE_TOKEN
        NativeRequestRoute.SIGN_IN -> RequestRoute.SIGN_IN
        NativeRequestRoute.SIGN_OUT -> RequestRoute.SIGN_OUT
    },
    attempt = attempt.toInt(),
    outcome = when (val outcome = outcome) {
        is NativeRequestOutcome.Status -> RequestOutcome.Status(outcome.code.toInt())
        NativeRequestOutcome.Network -> RequestOutcome.Network
        NativeRequestOutcome.Timeout -> RequestOutcome.Timeout
        NativeRequestOutcome.Offline -> RequestOutcome.Offline
    },
    duration = durationSeconds.seconds,
    responseBytes = responseBytes.toLong(),
)
