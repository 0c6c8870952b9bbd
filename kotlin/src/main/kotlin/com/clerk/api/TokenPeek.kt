package com.clerk.api

import com.sun.jna.Native
import java.nio.charset.CharacterCodingException

/**
 * A look into the core's token cache that costs one JNA call, for [fetchToken] and
 * [authorizationHeader].
 *
 * The generated `Session.cachedToken` makes four JNA calls, each with JNA `Structure`s for the
 * call status and the buffers (10-16 KB allocated, some 25 µs per cache hit on a JVM). [peek]
 * calls `clerkkit_peek_token` (bindings/src/peek.rs) with numbers and byte arrays only. The core
 * decides on every call exactly as for `cachedToken` (session still active, the server's clock,
 * the expiration buffer, skipCache) and answers with a stamp that names the token. The token
 * itself is copied across only for a stamp not seen before; the [TokenResource] made for a
 * stamp is reused, since a stamp always names the same token.
 *
 * One per [Session] object, holding a reference of its own on the Rust session (taken through
 * [UniffiInternals], the one place that touches uniffi's internals) that is released once that
 * object is unreachable.
 */
internal class TokenPeek private constructor(private val handle: Long) {
    private class Peeked(val stamp: Long, val token: TokenResource)

    /** The tokens handed out lately, newest first; replaced whole, never changed in place. */
    @Volatile
    private var recent: Array<Peeked> = emptyArray()

    /** The cached token fresh for [options], or null when the cache has none. */
    fun peek(options: GetTokenOptions): TokenResource? {
        if (options.skipCache) return null
        val template = options.template?.let { utf8(it) ?: return null }
        val organizationId = options.organizationId?.let { utf8(it) ?: return null }
        val stamp = PeekLibrary.clerkkit_peek_token(
            handle,
            template,
            template?.size ?: -1,
            organizationId,
            organizationId?.size ?: -1,
            options.expirationBuffer.toDouble(),
            0,
        )
        if (stamp == 0L) return null
        for (peeked in recent) {
            if (peeked.stamp == stamp) return peeked.token
        }
        return copy(stamp)
    }

    /**
     * The token named by [stamp], copied from the core: its length first, then its text (once
     * per token, so two calls cost nothing worth saving). Null if the core forgot the stamp.
     */
    private fun copy(stamp: Long): TokenResource? {
        val times = LongArray(2)
        val length = PeekLibrary.clerkkit_peeked_token(handle, stamp, null, 0, times)
        if (length < 0) return null
        val jwt = ByteArray(length)
        if (PeekLibrary.clerkkit_peeked_token(handle, stamp, jwt, length, times) != length) return null
        val token = TokenResource(jwt.decodeToString(0, length), times[0], times[1])
        synchronized(this) {
            recent = (listOf(Peeked(stamp, token)) + recent).take(REMEMBERED).toTypedArray()
        }
        return token
    }

    companion object {
        /** As many as the core remembers per session (bindings/src/peek.rs). */
        private const val REMEMBERED = 8

        /** False once the library turned out not to have the peek; the generated calls remain. */
        @Volatile
        private var available = true

        /** The peek for [session]; null when it cannot be used (the caller uses `cachedToken`). */
        fun of(session: Session): TokenPeek? {
            if (UniffiInternals.isDestroyed(session.native)) return null
            return session.peek ?: create(session)
        }

        private fun create(session: Session): TokenPeek? {
            if (!available || !bound()) return null
            val handle = UniffiInternals.cloneHandle(session.native) ?: return null // destroyed meanwhile
            val peek = TokenPeek(handle)
            UniffiInternals.freeSessionWhenUnreachable(session, handle)
            // Two threads may both get here: each peek frees its own reference.
            session.peek = peek
            return peek
        }

        /** Whether this library exports the peek; false (and never asked again) if it does not. */
        internal fun bound(): Boolean = try {
            PeekLibrary.ensureRegistered()
            true
        } catch (e: LinkageError) {
            available = false
            false
        }

        /** Strict UTF-8, as the generated bindings encode: null when [text] cannot be encoded. */
        private fun utf8(text: String): ByteArray? = try {
            text.encodeToByteArray(throwOnInvalidSequence = true)
        } catch (e: CharacterCodingException) {
            null
        }
    }
}

/** `clerkkit_peek_token` and `clerkkit_peeked_token`, bound by JNA direct mapping. */
@Suppress("FunctionName")
private object PeekLibrary {
    init {
        Native.register(PeekLibrary::class.java, UniffiInternals.libraryName)
    }

    fun ensureRegistered() = Unit

    external fun clerkkit_peek_token(
        session: Long,
        template: ByteArray?,
        templateLength: Int,
        organizationId: ByteArray?,
        organizationIdLength: Int,
        expirationBuffer: Double,
        skipCache: Byte,
    ): Long

    external fun clerkkit_peeked_token(session: Long, stamp: Long, jwt: ByteArray?, capacity: Int, times: LongArray): Int
}
