// The Android library (AAR) com.clerk:clerk-kit-android:
//   classes.jar   the Kotlin facade (../src/main/kotlin, with the OkHttp transport the core's
//                 requests go through) and its OkHttp interceptor (../src/okhttp/kotlin),
//                 shared with the JVM build in ../pom.xml; ClerkAndroid
//                 (src/main/kotlin); the Android-flavoured UniFFI bindings (com.clerk.api.ffi).
//                 Not the test kit (../src/testkit/kotlin), which is the JVM build's test-jar.
//   jni/<abi>/    libclerkkit.so for arm64-v8a, armeabi-v7a and x86_64
//   proguard.txt  consumer-rules.pro
// scripts/build-aar builds the Rust libraries with cargo-ndk and the bindings from them, then
// runs this build; it does not build any Rust itself. Properties (-P):
//   clerkVersion        the version (default: [workspace.package] version of the root Cargo.toml)
//   clerk.bindingsDir   generated Kotlin (default: ../../build/bindings/kotlin-android)
//   clerk.jniLibsDir    <abi>/libclerkkit.so folders (default: ../../build/android/jniLibs)
//   clerk.publishDir    Maven repository folder for `publish` (default: ../../build/android/maven)

import org.jetbrains.kotlin.gradle.dsl.JvmTarget

plugins {
    id("com.android.library")
    id("org.jetbrains.kotlin.android")
    `maven-publish`
}

val repoRoot: File = rootDir.resolve("../..").canonicalFile

/** `[workspace.package] version` of the root Cargo.toml: the one version of everything shipped. */
fun workspaceVersion(): String {
    var section = ""
    for (line in repoRoot.resolve("Cargo.toml").readLines()) {
        val text = line.trim()
        if (text.startsWith("[")) {
            section = text
        } else if (section == "[workspace.package]" && text.startsWith("version")) {
            return text.substringAfter('"').substringBefore('"')
        }
    }
    error("no [workspace.package] version in ${repoRoot.resolve("Cargo.toml")}")
}

fun pathProperty(name: String, default: String): File =
    file(providers.gradleProperty(name).getOrElse(default))

group = "com.clerk"
version = providers.gradleProperty("clerkVersion").getOrElse(workspaceVersion())

val bindingsDir = pathProperty("clerk.bindingsDir", "$repoRoot/build/bindings/kotlin-android")
val jniLibsDir = pathProperty("clerk.jniLibsDir", "$repoRoot/build/android/jniLibs")
val publishDir = pathProperty("clerk.publishDir", "$repoRoot/build/android/maven")

check(bindingsDir.resolve("com/clerk/api/ffi/clerkkit.kt").isFile) {
    "The Android Kotlin bindings are missing ($bindingsDir/com/clerk/api/ffi/clerkkit.kt): " +
        "run scripts/build-aar from the repository root."
}

val kotlinxCoroutinesVersion: String by project
val jnaVersion: String by project
val okhttpVersion: String by project
val androidxAnnotationVersion: String by project

android {
    namespace = "com.clerk.api"
    compileSdk = 35

    defaultConfig {
        // Also ANDROID_MIN_SDK in scripts/lib/packaging.sh (cargo-ndk's --platform).
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }

    sourceSets {
        getByName("main") {
            java.srcDirs("src/main/kotlin", "../src/main/kotlin", "../src/okhttp/kotlin", bindingsDir)
            jniLibs.srcDirs(jniLibsDir)
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }

    packaging {
        jniLibs {
            // cargo-ndk strips the libraries already; this build needs no NDK.
            keepDebugSymbols += "**/libclerkkit.so"
        }
    }

    publishing {
        singleVariant("release") {
            withSourcesJar()
        }
    }
}

kotlin {
    compilerOptions {
        jvmTarget.set(JvmTarget.JVM_17)
    }
}

dependencies {
    // JNA with its Android native dispatch libraries (the `aar` artifact, not the desktop jar).
    // `api`: the generated classes take and return JNA types.
    api("net.java.dev.jna:jna:$jnaVersion@aar")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-core:$kotlinxCoroutinesVersion")
    // The HTTP stack the core's requests go through (OkHttpTransport), so they follow the
    // platform's proxy, Network Security Config and user CAs. `api`: Clerk.configure takes an
    // OkHttpClient and ClerkAuthInterceptor is an OkHttp interceptor.
    api("com.squareup.okhttp3:okhttp:$okhttpVersion")
    // @RequiresApi in the generated Android cleaner.
    implementation("androidx.annotation:annotation:$androidxAnnotationVersion")
}

publishing {
    publications {
        register<MavenPublication>("release") {
            groupId = "com.clerk"
            artifactId = "clerk-kit-android"
            afterEvaluate {
                from(components["release"])
            }
            pom {
                name.set("ClerkKit for Android")
                description.set(
                    "Kotlin facade and Rust core that fetch and cache Clerk session tokens, for Android.",
                )
                licenses {
                    license {
                        name.set("MIT")
                    }
                }
            }
        }
    }
    repositories {
        maven {
            name = "release"
            url = uri(publishDir)
        }
    }
}
