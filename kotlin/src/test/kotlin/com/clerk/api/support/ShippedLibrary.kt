package com.clerk.api.support

import org.junit.jupiter.api.Tag

/**
 * Tests that need neither the test kit nor a server, so they also run on the shipped library
 * (which has no test kit): scripts/test-kotlin runs only these when CLERK_TEST_LIB_DIR names
 * another library than the test library, as scripts/check-size does with the stripped one.
 */
@Target(AnnotationTarget.CLASS, AnnotationTarget.FUNCTION)
@Retention(AnnotationRetention.RUNTIME)
@Tag(ShippedLibrary.TAG)
annotation class ShippedLibrary {
    companion object {
        const val TAG = "shipped-library"
    }
}
