package com.clerk.api

// Everything in the facade that reaches past the public API of uniffi's generated Kotlin is
// in this file; nothing else imports these names. Written against the code uniffi 0.32.2
// generates (Cargo.lock pins it): after a uniffi upgrade, a compile error here or a failure
// of UniffiInternalsTest names what changed.
import com.clerk.api.ffi.UniffiLib
import com.clerk.api.ffi.UniffiRustCallStatus
import com.clerk.api.ffi.Session as NativeSession

/** The uniffi internals [TokenPeek] uses: a reference of its own on a Rust session, and the library's name. */
internal object UniffiInternals {
    /** The uniffi release whose generated Kotlin this file was written against. */
    const val UNIFFI_VERSION = "0.32.2"

    /** Whether [session]'s own reference was given back (`close()`): the generated calls then refuse it. */
    fun isDestroyed(session: NativeSession): Boolean = session.uniffiIsDestroyed

    /**
     * A new reference on the Rust session behind [session], as the generated methods take one
     * for each call (`callWithHandle`, which also keeps [session] from being freed meanwhile);
     * give it back with [freeSessionWhenUnreachable]. Null once [session] was destroyed.
     */
    fun cloneHandle(session: NativeSession): Long? = try {
        session.callWithHandle { it }
    } catch (e: IllegalStateException) {
        null
    }

    /** Gives [handle] back to the core once [owner] is unreachable, on the bindings' own cleaner. */
    fun freeSessionWhenUnreachable(owner: Any, handle: Long) {
        UniffiLib.CLEANER.register(owner, FreeSession(handle))
    }

    private class FreeSession(private val handle: Long) : Runnable {
        override fun run() {
            UniffiLib.uniffi_clerkkit_fn_free_session(handle, UniffiRustCallStatus())
        }
    }

    /** The library the generated bindings load, found the same way (their `findLibraryName`). */
    val libraryName: String
        get() = System.getProperty("uniffi.component.clerkkit.libraryOverride") ?: "clerkkit"
}
