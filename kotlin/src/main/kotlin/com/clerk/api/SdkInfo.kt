package com.clerk.api

import com.clerk.api.ffi.sdkVersion

/** How this SDK names itself to the Clerk API. */
internal object SdkInfo {
    const val NAME = "clerk-kit-kotlin"

    /** The workspace version, which the native library carries and sends with [NAME]. */
    val version: String by lazy { sdkVersion() }
}
