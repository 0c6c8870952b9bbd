//! Android only: the TLS verifier needs the JVM.
//!
//! reqwest verifies the Clerk API's certificates with rustls-platform-verifier, which on
//! Android asks the platform's trust manager over JNI (system and user CAs, network security
//! config, revocation). It needs the JVM and the application context before the first
//! request: `ClerkAndroid.initialize(context)` (kotlin/android) loads this library and calls
//! the function below once. The verifier keeps them for the life of the process.

use jni::EnvUnowned;
use jni::errors::ThrowRuntimeExAndDefault;
use jni::objects::{JClass, JObject};

/// `private external fun nativeInit(context: Context)` of `com.clerk.api.android.ClerkAndroid`
/// (a `@JvmStatic` function of a Kotlin object). Errors and panics become a Java
/// `RuntimeException` in `initialize`; nothing unwinds into the JVM.
#[unsafe(no_mangle)]
pub extern "system" fn Java_com_clerk_api_android_ClerkAndroid_nativeInit<'caller>(
    mut env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    context: JObject<'caller>,
) {
    env.with_env(|env| rustls_platform_verifier::android::init_with_env(env, context))
        .resolve::<ThrowRuntimeExAndDefault>();
}
