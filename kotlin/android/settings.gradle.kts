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
    // Everything the library depends on is on these two, as for the apps that use it.
    repositories {
        google()
        mavenCentral()
    }
}

rootProject.name = "clerk-kit-android"
