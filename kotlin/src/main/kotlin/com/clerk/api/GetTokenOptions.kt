package com.clerk.api

import com.clerk.api.ffi.GetTokenOptions as NativeGetTokenOptions
import kotlin.time.Duration
import kotlin.time.DurationUnit

/**
 * Options of [fetchToken]; the defaults match the other Clerk SDKs.
 *
 * @property template a JWT template name from the Clerk Dashboard; `null` for the session token.
 * @property expirationBuffer seconds: a cached token expiring within them is refreshed first.
 *   At most 60.
 * @property skipCache always fetch a new token (it then replaces the cached one).
 * @property organizationId the organization the token is for; `""` for the personal account,
 *   `null` for the session's active one. Session tokens only: template tokens are minted for the
 *   session's active organization, so a [template] with an organization fails with a
 *   configuration error.
 * @property deadline how long this call may wait on the network, every attempt and retry wait
 *   included; `null` for the one given to [Clerk.configure] (`callDeadlineSeconds`, 10 by
 *   default). Past it the call fails with [ErrorType.TIMEOUT] while the shared request goes on,
 *   so its token still lands in the cache for the next call. A cached token is served whatever
 *   the deadline.
 */
data class GetTokenOptions(
    val template: String? = null,
    val expirationBuffer: Long = 10,
    val skipCache: Boolean = false,
    val organizationId: String? = null,
    val deadline: Duration? = null,
)

/** The name the Clerk Android SDK documents for [GetTokenOptions]. */
typealias SessionGetTokenOptions = GetTokenOptions

internal fun GetTokenOptions.toNative() = NativeGetTokenOptions(
    template = template,
    expirationBuffer = expirationBuffer.toDouble(),
    skipCache = skipCache,
    organizationId = organizationId,
    deadlineSeconds = deadline?.toDouble(DurationUnit.SECONDS),
)
