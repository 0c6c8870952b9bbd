package com.clerk.api

import com.clerk.api.ffi.NetworkReason as NativeNetworkReason

/**
 * Why a [ClerkException.Network] happened. Both are [ErrorType.NETWORK]; [ClerkResult.Failure.networkReason]
 * tells them apart without a cast.
 */
enum class NetworkReason {
    /**
     * The device has no network: the platform said so (on Android, `ConnectivityManager`), or
     * the request failed for want of one. Nothing was sent and no retry was waited for; the call
     * failed at once. Worth a "you are offline" message rather than an error.
     */
    OFFLINE,

    /**
     * The device has a network, but the Clerk API could not be reached (DNS, connection, TLS,
     * an answer cut short), after the SDK's retries.
     */
    UNREACHABLE,
}

internal fun NativeNetworkReason.toNetworkReason(): NetworkReason = when (this) {
    NativeNetworkReason.OFFLINE -> NetworkReason.OFFLINE
    NativeNetworkReason.UNREACHABLE -> NetworkReason.UNREACHABLE
}

/**
 * The [NetworkReason] of an [ErrorType.NETWORK] failure, `null` for any other failure:
 *
 * ```kotlin
 * session.fetchToken().onFailure { failure ->
 *     if (failure.networkReason == NetworkReason.OFFLINE) showOfflineBanner()
 * }
 * ```
 */
val ClerkResult.Failure<*>.networkReason: NetworkReason?
    get() = (throwable as? ClerkException.Network)?.reason

/** Whether this failure is [NetworkReason.OFFLINE]: the device has no network and nothing was sent. */
val ClerkResult.Failure<*>.isOffline: Boolean
    get() = networkReason == NetworkReason.OFFLINE
