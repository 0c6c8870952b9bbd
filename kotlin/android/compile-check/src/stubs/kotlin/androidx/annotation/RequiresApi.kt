package androidx.annotation

/**
 * Compile-time stand-in for androidx.annotation.RequiresApi (same parameters), which the
 * Android-flavoured bindings use. The Android library depends on the real one; this class is
 * left out of the compile check's classes.jar.
 */
@Retention(AnnotationRetention.BINARY)
@Target(
    AnnotationTarget.CLASS,
    AnnotationTarget.FUNCTION,
    AnnotationTarget.CONSTRUCTOR,
    AnnotationTarget.FIELD,
    AnnotationTarget.PROPERTY_GETTER,
    AnnotationTarget.PROPERTY_SETTER,
)
annotation class RequiresApi(val value: Int = 1, val api: Int = 1)
