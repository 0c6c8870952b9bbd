package com.clerk.api

/** How this SDK names itself to the Clerk API; the version comes from the build. */
internal object SdkInfo {
    const val NAME = "clerk-kit-kotlin"

    val version: String by lazy {
        SdkInfo::class.java.getResourceAsStream("clerk-kit.properties")
            ?.use { stream -> java.util.Properties().apply { load(stream) }.getProperty("version") }
            ?.takeUnless { it.isBlank() || it.startsWith("\${") }
            ?: "0.0.0"
    }
}
