package com.clerk.api

import com.clerk.api.support.ShippedLibrary
import org.junit.jupiter.api.Test
import java.io.File
import java.lang.reflect.Method
import java.lang.reflect.Modifier
import kotlin.test.assertEquals
import kotlin.test.fail

/**
 * The cache peek reaches past the public API of uniffi's generated Kotlin (UniffiInternals.kt,
 * written against [UniffiInternals.UNIFFI_VERSION]). These checks fail loudly, naming that
 * version, when the generated code no longer provides exactly what it uses: after a uniffi
 * upgrade, or bindings regenerated under classes compiled against older ones.
 */
@ShippedLibrary
class UniffiInternalsTest {
    private fun broken(what: String): Nothing = fail(
        "the Kotlin facade's cache peek (kotlin/src/main/kotlin/com/clerk/api/UniffiInternals.kt) uses " +
            "the Kotlin that uniffi ${UniffiInternals.UNIFFI_VERSION} generates, and $what. Check " +
            "UniffiInternals.kt against the generated bindings (build/bindings/kotlin/com/clerk/api/ffi/clerkkit.kt), " +
            "then update UNIFFI_VERSION.",
    )

    private fun generated(name: String): Class<*> = try {
        // Not initialised: nothing here loads the native library.
        Class.forName("com.clerk.api.ffi.$name", false, javaClass.classLoader)
    } catch (e: ClassNotFoundException) {
        broken("the generated bindings no longer have com.clerk.api.ffi.$name")
    }

    /** A method declared by [owner] (any visibility), by name or, ending in `$`, by the prefix of a mangled name. */
    private fun method(owner: Class<*>, name: String, returns: Class<*>, vararg parameters: Class<*>): Method {
        val found = owner.declaredMethods.firstOrNull { m ->
            (if (name.endsWith("$")) m.name.startsWith(name) else m.name == name) &&
                m.returnType == returns && m.parameterTypes.contentEquals(parameters)
        }
        return found ?: broken(
            "${owner.name} no longer declares $name(${parameters.joinToString { it.simpleName }}): ${returns.simpleName}",
        )
    }

    @Test
    fun `Cargo lock pins the uniffi the facade was written against`() {
        val lock = File(System.getProperty("clerk.test.cargo.lock") ?: "../Cargo.lock")
        val pinned = Regex("""\[\[package]]\nname = "uniffi"\nversion = "([^"]+)"""").find(lock.readText())
            ?.groupValues?.get(1) ?: fail("no uniffi package in $lock")
        if (pinned != UniffiInternals.UNIFFI_VERSION) broken("Cargo.lock now pins uniffi $pinned")
    }

    @Test
    fun `the generated members the peek uses are there, with the signatures it was compiled against`() {
        val session = generated("Session")
        val lib = generated("UniffiLib")
        val cleaner = generated("UniffiCleaner")
        val cleanable = generated("UniffiCleaner\$Cleanable")
        val status = generated("UniffiRustCallStatus")
        // Session.callWithHandle, which UniffiInternals.cloneHandle inlines: its call counter,
        // the handle clone, and the cleaner it runs when the counter reaches zero.
        method(session, "access\$getCallCounter\$p", java.util.concurrent.atomic.AtomicLong::class.java, session)
        method(session, "access\$getCleanable", cleanable, session)
        method(session, "uniffiCloneHandle", Long::class.javaPrimitiveType!!)
        method(session, "getUniffiIsDestroyed", Boolean::class.javaPrimitiveType!!)
        method(cleanable, "clean", Void.TYPE)
        // Freeing the peek's own reference on the bindings' cleaner.
        method(lib, "getCLEANER$", cleaner)
        method(cleaner, "register", cleanable, Any::class.java, Runnable::class.java)
        val free = method(lib, "uniffi_clerkkit_fn_free_session", Void.TYPE, Long::class.javaPrimitiveType!!, status)
        if (!Modifier.isNative(free.modifiers)) broken("UniffiLib.uniffi_clerkkit_fn_free_session is no longer a native function")
        try {
            status.getDeclaredConstructor()
        } catch (e: NoSuchMethodException) {
            broken("UniffiRustCallStatus has no constructor without arguments")
        }
    }

    @Test
    fun `the peek loads the library the generated bindings load`() {
        val find = method(generated("ClerkkitKt"), "findLibraryName", String::class.java, String::class.java)
            .apply { isAccessible = true }
        val property = "uniffi.component.clerkkit.libraryOverride"
        val before = System.getProperty(property)
        try {
            for (override in listOf(null, "/elsewhere/libclerkkit-test.so")) {
                if (override == null) System.clearProperty(property) else System.setProperty(property, override)
                val expected = find.invoke(null, "clerkkit")
                if (expected != UniffiInternals.libraryName) {
                    broken("the generated bindings load \"$expected\" where the peek loads \"${UniffiInternals.libraryName}\"")
                }
            }
        } finally {
            if (before == null) System.clearProperty(property) else System.setProperty(property, before)
        }
        assertEquals("clerkkit", UniffiInternals.libraryName)
    }
}
