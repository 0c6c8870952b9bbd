// The Android library com.clerk:clerk-kit-android (see build.gradle.kts). A build of its own,
// run by scripts/build-aar: `gradle -p kotlin/android assembleRelease publish`.

pluginManagement {
    val androidGradlePluginVersion: String by settings
    val kotlinVersion: String by settings
    repositories {
        google()
        mavenCentral()
        gradlePluginPortal()
    }
    plugins {
        id("com.android.library") version androidGradlePluginVersion
        id("org.jetbrains.kotlin.android") version kotlinVersion
    }
}

dependencyResolutionManagement {
    repositoriesMode.set(RepositoriesMode.FAIL_ON_PROJECT_REPOS)
    repositories {
        google()
        mavenCentral()
        // rustls-platform-verifier's Android component (group `rustls`) is published by the
        // rustls project as a Maven repository on GitHub, not on Maven Central. Apps that use
        // this library add the same repository (docs/packaging.md).
        maven {
            url = uri("https://github.com/rustls/rustls-platform-verifier/raw/maven-archive/android-release-support/maven/")
            content { includeGroup("rustls") }
        }
    }
}

rootProject.name = "clerk-kit-android"
