# Shared by scripts/build-xcframework, scripts/build-aar, scripts/generate-bindings --android
# and scripts/test-packaging: the layout of the shipped XCFramework and AAR, written once so
# the host stand-in checks run the same code as the real builds.
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# What the apps ship: the `mobile` profile of the root Cargo.toml (small, panics unwind, not
# stripped so bindings can be generated from it), with the bindings' default features, which
# are what ships: no server-side Backend API client and no test hooks. Stated explicitly so a
# default feature added later cannot slip into the apps unnoticed.
MOBILE_PROFILE="${CLERK_MOBILE_PROFILE:-mobile}"
MOBILE_FEATURES=(--no-default-features)

# The crates the `reqwest` feature links (HTTP, TLS, crypto, Android's JNI verifier): the apps'
# libraries send requests through the platform's stack and must hold none of them.
NETWORK_STACK_CRATES=(reqwest hyper rustls webpki ring rustls_platform_verifier jni)
# The ones a host build with `reqwest` must show: the check's positive control.
NETWORK_STACK_CONTROL=(reqwest hyper rustls webpki ring)

# crates_in LIBRARY CRATE...: the CRATEs with code in an unstripped library, one per line, found
# by symbol: a Rust symbol names its crate as <length><name> after `_` or `N`, in the legacy
# (`_ZN7reqwest...`) and the v0 (`_R...Cs<hash>_7reqwest...`) manglings alike; ring's C and
# assembly functions are `ring_core_*`.
crates_in() {
  local library="$1" symbols crate
  shift
  symbols="$(nm -a "$library" 2>/dev/null)" || die "nm cannot read $library (apt-get install binutils)"
  for crate in "$@"; do
    if grep -qE "[_N]${#crate}${crate}([^a-z_]|\$)" <<<"$symbols" \
      || { [ "$crate" = ring ] && grep -q 'ring_core_' <<<"$symbols"; }; then
      echo "$crate"
    fi
  done
}

# markers_in LIBRARY MARKER...: the MARKERs found in an unstripped library, one per line.
markers_in() {
  local library="$1" marker
  shift
  for marker in "$@"; do
    if grep -qaF "$marker" "$library"; then echo "$marker"; fi
  done
}

# Names that only the test hooks (`testing` features of clerk-core and clerk-bindings) and the
# test kit put into a library's symbols and strings; the shipped library must have none.
TEST_HOOK_MARKERS=(test_hooks ManualClock RequestClock clerkkit_testing FakeClerk)

# test_hook_markers_in LIBRARY: the test-hook markers found in an unstripped library.
test_hook_markers_in() { markers_in "$1" "${TEST_HOOK_MARKERS[@]}"; }

# The shipped libraries carry a standard library compiled from source with them, for size
# (docs/performance.md): without std's `backtrace` feature (the symbolizer behind
# RUST_BACKTRACE output, which no app process sets: about 190 KB) and with its
# `optimize_for_size` code paths (30 KB). `-Z build-std` is unstable, so these builds, and
# only these, run with RUSTC_BOOTSTRAP=1 on the same stable compiler the tests use (as the
# Linux kernel builds its Rust code), with the std source of that exact release (rustup's
# rust-src component). Panics still unwind (`panic_unwind`) so the bindings turn them into
# errors. It also means no `rustup target add` for the iOS and Android targets: std is built
# for them from that source.
MOBILE_BUILD_STD=(-Z build-std=std,panic_unwind -Z build-std-features=panic-unwind,optimize_for_size)

# rust_src: the std source of the active toolchain, added with rustup when missing; prints
# nothing and fails when it cannot be had.
rust_src() {
  local src
  src="$(rustc --print sysroot)/lib/rustlib/src/rust/library"
  if [ ! -f "$src/Cargo.lock" ] && have rustup; then
    say "adding rustup's rust-src component (the shipped libraries build std from source)" >&2
    rustup component add rust-src >&2 || return 1
  fi
  [ -f "$src/Cargo.lock" ]
}

# mobile_cargo ARGS...: cargo for the shipped libraries: ARGS, then the build-std flags, with
# source paths remapped so that panic locations name `tokio-1.x/src/...`, `/rustc/library/...`
# and `core/src/...` instead of folders of the machine that built them (shorter, too: 16 KB).
# The remaps are worked out on the first call of a script and reused.
MOBILE_RUSTFLAGS=""
mobile_cargo() {
  if [ -z "$MOBILE_RUSTFLAGS" ]; then
    local flags=() d
    # The registry folders are named by the index; on a machine that never fetched a crate
    # they do not exist yet, and the remap below would miss them.
    (cd "$ROOT" && cargo fetch --quiet) || die "cargo fetch failed"
    for d in "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/; do
      [ -d "$d" ] && flags+=("--remap-path-prefix=$d=")
    done
    flags+=("--remap-path-prefix=$(rustc --print sysroot)/lib/rustlib/src/rust/=/rustc/" "--remap-path-prefix=$ROOT/=")
    # The unit separator is how CARGO_ENCODED_RUSTFLAGS keeps paths with spaces whole.
    MOBILE_RUSTFLAGS="$(IFS=$'\x1f'; echo "${flags[*]}")"
  fi
  RUSTC_BOOTSTRAP=1 CARGO_ENCODED_RUSTFLAGS="$MOBILE_RUSTFLAGS" cargo "$@" "${MOBILE_BUILD_STD[@]}"
}

# build_mobile_library TARGET CRATE_TYPE: the shipped library for TARGET as CRATE_TYPE
# (staticlib for the XCFramework, cdylib for the AAR), in target/TARGET/$MOBILE_PROFILE/. The one
# command every packaging script and CI's cross-compilation (scripts/cross-compile) build with.
build_mobile_library() {
  local target="$1" crate_type="$2"
  mobile_cargo rustc -p clerk-bindings --lib --crate-type "$crate_type" --target "$target" \
    --profile "$MOBILE_PROFILE" "${MOBILE_FEATURES[@]}" --quiet
}

# Every target an app ships: iOS devices and simulators, and the Android ABIs below.
MOBILE_TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
  aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)

# iOS: one device slice, and one simulator slice merged from two architectures with lipo.
FFI_MODULE="ClerkKitFFI"
# The generated Swift, a target of its own that the ClerkKit facade imports internally.
SWIFT_BINDINGS_MODULE="ClerkKitBindings"
IOS_DEVICE_TARGET="aarch64-apple-ios"
IOS_SIMULATOR_TARGETS=(aarch64-apple-ios-sim x86_64-apple-ios)
# Slice folders as `xcodebuild -create-xcframework` names them.
IOS_DEVICE_SLICE="ios-arm64"
IOS_SIMULATOR_SLICE="ios-arm64_x86_64-simulator"
# System frameworks declared in the module map, so Swift links them automatically. The shipped
# library (no reqwest) needs none of them today; they stay for a library built with the
# `reqwest` feature, whose certificate verifier uses Security.framework.
IOS_LINK_FRAMEWORKS=(Security CoreFoundation)

# Android: the ABIs in the AAR and the lowest API level (kotlin/android/build.gradle.kts
# declares the same minSdk).
ANDROID_ABIS=(arm64-v8a armeabi-v7a x86_64)
ANDROID_MIN_SDK=24
ANDROID_GROUP="com.clerk"
ANDROID_ARTIFACT="clerk-kit-android"

android_triple() {
  case "$1" in
    arm64-v8a) echo "aarch64-linux-android" ;;
    armeabi-v7a) echo "armv7-linux-androideabi" ;;
    x86_64) echo "x86_64-linux-android" ;;
    *) die "unknown Android ABI '$1'" ;;
  esac
}

xcframework_zip_name() { echo "$FFI_MODULE-$1.xcframework.zip"; }

# Missing tools are collected and reported together, one `error:` line each, before anything
# is built.
MISSING=()
missing() { MISSING+=("$1"); }
fail_if_missing() {
  [ "${#MISSING[@]}" -eq 0 ] && return 0
  local line
  for line in "${MISSING[@]}"; do printf 'error: %s\n' "$line" >&2; done
  exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# The workspace's own uniffi-bindgen (the alias `cargo uniffi-bindgen`), built once and then run
# directly: `cargo run` would wait for the build lock on every call. It runs in the workspace
# root, where it finds bindings/uniffi.toml through cargo metadata.
UNIFFI_BINDGEN=""
uniffi_bindgen() {
  if [ -z "$UNIFFI_BINDGEN" ]; then
    (cd "$ROOT" && cargo build --quiet -p uniffi-bindgen) || die "cannot build uniffi-bindgen"
    UNIFFI_BINDGEN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/uniffi-bindgen"
  fi
  (cd "$ROOT" && "$UNIFFI_BINDGEN" "$@")
}

# pom_property NAME: a property of kotlin/pom.xml (the Kotlin, coroutines and JNA versions).
pom_property() {
  local value
  value="$(sed -n "s:^ *<$1>\([^<]*\)</$1>.*:\1:p" "$ROOT/kotlin/pom.xml" | head -n 1)"
  [ -n "$value" ] || die "no <$1> in kotlin/pom.xml"
  echo "$value"
}

# generate_swift_bindings LIBRARY OUT: ClerkKitBindings.swift, ClerkKitFFI.h, ClerkKitFFI.modulemap.
generate_swift_bindings() {
  local library="$1" out="$2"
  rm -rf "$out" && mkdir -p "$out"
  uniffi_bindgen generate --library "$library" --language swift --out-dir "$out" --no-format >/dev/null
  local f
  for f in "$SWIFT_BINDINGS_MODULE.swift" "$FFI_MODULE.h" "$FFI_MODULE.modulemap"; do
    [ -s "$out/$f" ] || die "Swift bindings generation produced no $out/$f"
  done
}

# generate_kotlin_android_bindings LIBRARY OUT: the Kotlin bindings with bindings/uniffi-android.toml
# merged over bindings/uniffi.toml, in OUT/com/clerk/api/ffi/clerkkit.kt.
generate_kotlin_android_bindings() {
  local library="$1" out="$2"
  local raw="$out.raw"
  rm -rf "$raw" && mkdir -p "$out"
  uniffi_bindgen generate --library "$library" --language kotlin \
    --config "$ROOT/bindings/uniffi-android.toml" --out-dir "$raw" --no-format >/dev/null
  rm -rf "$out/com" && mv "$raw/com" "$out/com" && rm -rf "$raw"
  local file="$out/com/clerk/api/ffi/clerkkit.kt"
  [ -s "$file" ] || die "Kotlin bindings generation produced no $file"
  grep -q 'android.system.SystemCleaner' "$file" \
    || die "$file is not the Android flavour (bindings/uniffi-android.toml was not applied)"
}

# layout_ffi_headers SWIFT_BINDINGS HEADERS: the `-headers` folder of every XCFramework slice.
# The header and module map sit in a folder named after the module: Xcode copies the headers of
# every static-library XCFramework into one include folder, where two top-level
# module.modulemap files would clash; clang finds the module map in the named subfolder.
layout_ffi_headers() {
  local bindings="$1" headers="$2"
  local dir="$headers/$FFI_MODULE"
  rm -rf "$headers" && mkdir -p "$dir"
  cp "$bindings/$FFI_MODULE.h" "$dir/$FFI_MODULE.h"
  # uniffi's module map, with link declarations added before its closing brace.
  local links="" fw
  for fw in "${IOS_LINK_FRAMEWORKS[@]}"; do
    links+="    link framework \"$fw\""$'\n'
  done
  awk -v links="$links" '
    { lines[NR] = $0 }
    $0 ~ /^}[ \t]*$/ { close_at = NR }
    END {
      if (!close_at) exit 1
      for (i = 1; i <= NR; i++) {
        if (i == close_at) printf "%s", links
        print lines[i]
      }
    }' "$bindings/$FFI_MODULE.modulemap" >"$dir/module.modulemap" \
    || die "unexpected module map from uniffi: $bindings/$FFI_MODULE.modulemap"
  grep -q "^module $FFI_MODULE {" "$dir/module.modulemap" \
    || die "the module map does not declare module $FFI_MODULE"
}

# The SwiftPM checksum of a binary target archive: the SHA-256 of the zip, as printed by
# `swift package compute-checksum`.
swiftpm_checksum() {
  local zip="$1" sum
  [ -f "$zip" ] || die "no such archive: $zip"
  if have sha256sum; then
    sum="$(sha256sum "$zip" | cut -d' ' -f1)"
  elif have shasum; then
    sum="$(shasum -a 256 "$zip" | cut -d' ' -f1)"
  else
    die "sha256sum or shasum is required to compute the SwiftPM checksum"
  fi
  echo "$sum"
}

# update_package_manifest PACKAGE_SWIFT URL CHECKSUM: sets releaseFFIURL and releaseFFIChecksum,
# the two lines of the marked release block of swift/Package.swift, and nothing else.
update_package_manifest() {
  local manifest="$1" url="$2" checksum="$3"
  [ -f "$manifest" ] || die "no such file: $manifest"
  case "$url" in
    https://*.zip) ;;
    *) die "the binary target URL must be https:// and end in .zip (SwiftPM requires both): '$url'" ;;
  esac
  case "$url" in *'"'* | *'\'* | *' '*) die "the binary target URL contains a quote, backslash or space: '$url'" ;; esac
  [[ "$checksum" =~ ^[0-9a-f]{64}$ ]] || die "the checksum must be 64 lowercase hex digits: '$checksum'"
  local n
  for n in releaseFFIURL releaseFFIChecksum; do
    [ "$(grep -c "^let $n = \".*\"\$" "$manifest")" = 1 ] \
      || die "$manifest must contain exactly one line 'let $n = \"...\"' (the marked release block)"
  done
  local tmp="$manifest.tmp.$$"
  awk -v url="$url" -v sum="$checksum" '
    /^let releaseFFIURL = ".*"$/ { print "let releaseFFIURL = \"" url "\""; next }
    /^let releaseFFIChecksum = ".*"$/ { print "let releaseFFIChecksum = \"" sum "\""; next }
    { print }' "$manifest" >"$tmp" && mv "$tmp" "$manifest"
}

# Problems found by the verify_* functions, one line each on stderr; they return 1 if any.
report_problems() {
  local what="$1"; shift
  [ "$#" -eq 0 ] && return 0
  local p
  for p in "$@"; do printf '%s: %s\n' "$what" "$p" >&2; done
  return 1
}

# verify_xcframework XCFRAMEWORK [stand-in]: both slices hold libclerkkit.a and
# Headers/ClerkKitFFI/{ClerkKitFFI.h,module.modulemap}; the module map declares the module, its
# header and the system frameworks; every FFI function the header declares, and the cache peek
# that swift/Sources/ClerkKitPeek declares, is defined in the slice's library (a header generated from another build of the library fails here). A real
# XCFramework also has xcodebuild's Info.plist and, with lipo at hand, both simulator
# architectures.
verify_xcframework() {
  local xcf="$1" standin="${2:-}"
  local problems=() slice dir header modulemap lib fw declared defined absent
  [ -d "$xcf" ] || { report_problems "$xcf" "not a directory"; return 1; }
  have nm || { report_problems "$xcf" "nm not found (binutils or Xcode): cannot list the library's symbols"; return 1; }
  [ -n "$standin" ] || [ -f "$xcf/Info.plist" ] || problems+=("no Info.plist (written by xcodebuild -create-xcframework)")
  for slice in "$IOS_DEVICE_SLICE" "$IOS_SIMULATOR_SLICE"; do
    dir="$xcf/$slice"
    header="$dir/Headers/$FFI_MODULE/$FFI_MODULE.h"
    modulemap="$dir/Headers/$FFI_MODULE/module.modulemap"
    lib="$dir/libclerkkit.a"
    [ -s "$header" ] || { problems+=("$slice: no Headers/$FFI_MODULE/$FFI_MODULE.h"); continue; }
    [ -s "$modulemap" ] || { problems+=("$slice: no Headers/$FFI_MODULE/module.modulemap"); continue; }
    [ -s "$lib" ] || { problems+=("$slice: no libclerkkit.a"); continue; }
    [ ! -e "$dir/Headers/module.modulemap" ] \
      || problems+=("$slice: Headers/module.modulemap at the top level clashes with other XCFrameworks' module maps")
    grep -q "^module $FFI_MODULE {" "$modulemap" || problems+=("$slice: the module map does not declare module $FFI_MODULE")
    grep -q "header \"$FFI_MODULE.h\"" "$modulemap" || problems+=("$slice: the module map does not name $FFI_MODULE.h")
    for fw in "${IOS_LINK_FRAMEWORKS[@]}"; do
      grep -q "link framework \"$fw\"" "$modulemap" || problems+=("$slice: the module map does not link $fw.framework")
    done
    declared="$(grep -oE '\b(uniffi|ffi)_clerkkit_[a-z0-9_]+\(' "$header" | tr -d '(' | sort -u)"
    # Mach-O symbols carry a leading underscore; ELF ones (the host stand-in) do not.
    defined="$(nm -g "$lib" 2>/dev/null | awk '$2 == "T" { print $3 }' | sed 's/^_//' | sort -u)"
    if [ -z "$declared" ]; then
      problems+=("$slice: the header declares no FFI functions")
    else
      absent="$(comm -23 <(echo "$declared") <(echo "$defined") | head -n 5 | tr '\n' ' ')"
      [ -z "$absent" ] || problems+=("$slice: declared in the header, not defined in libclerkkit.a: $absent")
    fi
    # The cache peek the Swift facade calls is declared by the package's ClerkKitPeek target.
    declared="$(grep -oE '\bclerkkit_[a-z0-9_]+\(' "$ROOT/swift/Sources/ClerkKitPeek/include/ClerkKitPeek.h" | tr -d '(' | sort -u)"
    absent="$(comm -23 <(echo "$declared") <(echo "$defined") | tr '\n' ' ')"
    [ -n "$declared" ] && [ -z "$absent" ] || problems+=("$slice: the cache peek is not defined in libclerkkit.a: ${absent:-ClerkKitPeek.h declares nothing}")
  done
  if [ -d "$xcf/$IOS_DEVICE_SLICE/Headers" ] && [ -d "$xcf/$IOS_SIMULATOR_SLICE/Headers" ]; then
    diff -r "$xcf/$IOS_DEVICE_SLICE/Headers" "$xcf/$IOS_SIMULATOR_SLICE/Headers" >/dev/null \
      || problems+=("the device and simulator slices carry different headers")
  fi
  if [ -z "$standin" ] && have lipo && [ -f "$xcf/$IOS_SIMULATOR_SLICE/libclerkkit.a" ]; then
    local archs
    archs="$(lipo -archs "$xcf/$IOS_SIMULATOR_SLICE/libclerkkit.a" 2>/dev/null || true)"
    [[ " $archs " == *" arm64 "* && " $archs " == *" x86_64 "* ]] \
      || problems+=("$IOS_SIMULATOR_SLICE: libclerkkit.a holds '$archs', expected arm64 and x86_64")
  fi
  report_problems "$xcf" ${problems[@]+"${problems[@]}"}
}

# The AAR's AndroidManifest.xml as the Android Gradle Plugin writes it: the module's manifest
# with the package (the namespace) and the minSdk.
aar_manifest() {
  sed -e "s|^<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">|<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\"\\n    package=\"com.clerk.api\">\\n\\n    <uses-sdk android:minSdkVersion=\"$ANDROID_MIN_SDK\" />|" \
    "$ROOT/kotlin/android/src/main/AndroidManifest.xml"
}

# assemble_aar STAGE AAR CLASSES_JAR JNILIBS: an AAR with the layout the Android Gradle Plugin
# gives a library (used by the host stand-in; the shipped AAR comes from Gradle).
assemble_aar() {
  local stage="$1" aar="$2" classes="$3" jnilibs="$4" abi
  need zip "apt-get install zip"
  rm -rf "$stage" && mkdir -p "$stage/META-INF/com/android/build/gradle"
  aar_manifest >"$stage/AndroidManifest.xml"
  cp "$classes" "$stage/classes.jar"
  cp "$ROOT/kotlin/android/consumer-rules.pro" "$stage/proguard.txt"
  : >"$stage/R.txt"
  printf '%s\n' aarFormatVersion=1.0 aarMetadataVersion=1.0 minCompileSdk=1 minCompileSdkExtension=0 \
    minAndroidGradlePluginVersion=1.0.0 coreLibraryDesugaringEnabled=false \
    >"$stage/META-INF/com/android/build/gradle/aar-metadata.properties"
  for abi in "${ANDROID_ABIS[@]}"; do
    [ -f "$jnilibs/$abi/libclerkkit.so" ] || die "no $jnilibs/$abi/libclerkkit.so"
    mkdir -p "$stage/jni/$abi"
    cp "$jnilibs/$abi/libclerkkit.so" "$stage/jni/$abi/libclerkkit.so"
  done
  rm -f "$aar"
  (cd "$stage" && zip -q -r -X "$aar" .)
}

# The folder JNA looks for a library in among the class path's resources on this host
# (com.sun.jna.Platform.RESOURCE_PREFIX), where the Kotlin test kit's jar carries the test library.
jna_resource_prefix() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) die "no JNA resource prefix known for $(uname -s)" ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x86-64 ;;
    aarch64 | arm64) arch=aarch64 ;;
    *) die "no JNA resource prefix known for $(uname -m)" ;;
  esac
  echo "$os-$arch"
}

# verify_kotlin_jars MAIN_JAR TESTS_JAR TEST_LIBRARY: the JVM library com.clerk:clerk-kit is the
# product alone: the facade (com.clerk.api), the OkHttp interceptor and the generated bindings
# (com.clerk.api.ffi), no test kit and no native library. Its test kit (the `tests` test-jar) is
# the kit alone: FakeClerk (com.clerk.api.testing), its generated bindings
# (com.clerk.api.testing.ffi) and TEST_LIBRARY as the JNA resource <prefix>/libclerkkit.*,
# exporting both namespaces, and nothing of the project's own tests.
verify_kotlin_jars() {
  local main="$1" tests="$2" test_library="$3"
  local problems=() entries cls prefix library unexpected tmp symbols
  need unzip "apt-get install unzip"
  prefix="$(jna_resource_prefix)"
  library="$prefix/$(basename "$test_library")"
  if entries="$(unzip -Z1 "$main" 2>/dev/null)"; then
    for cls in Clerk Session ClerkException DeviceTokenStore FetchTokenKt TokenPeek OkHttpTransport okhttp/ClerkAuthInterceptor \
      ffi/ClerkCore ffi/Session ffi/UniffiLib; do
      grep -qx "com/clerk/api/$cls.class" <<<"$entries" || problems+=("$(basename "$main"): no com/clerk/api/$cls.class")
    done
    ! grep -q '^com/clerk/api/testing/' <<<"$entries" || problems+=("$(basename "$main"): holds the test kit (com/clerk/api/testing)")
    unexpected="$(grep -E '\.(so|dylib|dll)$|^com/clerk/api/(support|example|demo)/|Test(Kt)?(\$.*)?\.class$' <<<"$entries" | head -n 5 | tr '\n' ' ' || true)"
    [ -z "$unexpected" ] || problems+=("$(basename "$main"): holds what is not the product: $unexpected")
  else
    problems+=("$main: not a jar")
  fi
  if entries="$(unzip -Z1 "$tests" 2>/dev/null)"; then
    for cls in testing/FakeClerk testing/FakeRoute testing/ffi/FakeClerk testing/ffi/UniffiLib; do
      grep -qx "com/clerk/api/$cls.class" <<<"$entries" || problems+=("$(basename "$tests"): no com/clerk/api/$cls.class")
    done
    grep -qx "$library" <<<"$entries" || problems+=("$(basename "$tests"): no $library (the test library for this host)")
    unexpected="$(grep -v '/$' <<<"$entries" | grep -vE '^META-INF/' | grep -vxF "$library" \
      | grep -v '^com/clerk/api/testing/' | head -n 5 | tr '\n' ' ' || true)"
    [ -z "$unexpected" ] || problems+=("$(basename "$tests"): holds what is not the test kit: $unexpected")
    tmp="$(mktemp -d)"
    if (cd "$tmp" && unzip -q "$tests" "$library" 2>/dev/null); then
      cmp -s "$tmp/$library" "$test_library" || problems+=("$(basename "$tests"): $library is not $test_library")
      if have nm; then
        symbols="$(nm -D --defined-only "$tmp/$library" 2>/dev/null | awk '{ print $3 }')"
        for cls in ffi_clerkkit_uniffi_contract_version ffi_clerkkit_testing_uniffi_contract_version clerkkit_peek_token; do
          grep -qx "$cls" <<<"$symbols" || problems+=("$(basename "$tests"): $library does not export $cls")
        done
      fi
    fi
    rm -rf "$tmp"
  else
    problems+=("$tests: not a jar")
  fi
  report_problems "Kotlin jars" ${problems[@]+"${problems[@]}"}
}

# verify_aar AAR VERSION [stand-in]: the entries an app build needs (manifest, classes.jar with
# the facade, ClerkAndroid and the Android-flavoured bindings in com.clerk.api.ffi, nothing of
# the test kit, jni/<abi>/libclerkkit.so for every ABI, proguard.txt keeping JNA and the
# bindings), the FFI symbols and the version (which the SDK reports) in every library, and no
# JNI entry point in them (nothing on the Kotlin side calls one: JNA binds the FFI functions).
verify_aar() {
  local aar="$1" version="$2" standin="${3:-}"
  local problems=() entries tmp abi entry cls
  [ -f "$aar" ] || { report_problems "$aar" "no such file"; return 1; }
  need unzip "apt-get install unzip"
  entries="$(unzip -Z1 "$aar")" || { report_problems "$aar" "not a zip archive"; return 1; }
  for entry in AndroidManifest.xml classes.jar proguard.txt R.txt; do
    grep -qx "$entry" <<<"$entries" || problems+=("no $entry")
  done
  for abi in "${ANDROID_ABIS[@]}"; do
    grep -qx "jni/$abi/libclerkkit.so" <<<"$entries" || problems+=("no jni/$abi/libclerkkit.so")
  done
  local extra
  extra="$(grep '^jni/.*\.so$' <<<"$entries" | grep -vxE "jni/($(IFS='|'; echo "${ANDROID_ABIS[*]}"))/libclerkkit\.so" || true)"
  [ -z "$extra" ] || problems+=("unexpected native libraries: $(tr '\n' ' ' <<<"$extra")")

  tmp="$(mktemp -d)"
  (cd "$tmp" && unzip -q "$aar" AndroidManifest.xml classes.jar proguard.txt 'jni/*' 2>/dev/null) || true
  if [ -f "$tmp/AndroidManifest.xml" ]; then
    grep -q 'package="com.clerk.api"' "$tmp/AndroidManifest.xml" || problems+=("AndroidManifest.xml: package is not com.clerk.api")
    grep -q "android:minSdkVersion=\"$ANDROID_MIN_SDK\"" "$tmp/AndroidManifest.xml" || problems+=("AndroidManifest.xml: minSdkVersion is not $ANDROID_MIN_SDK")
    grep -q 'android.permission.INTERNET' "$tmp/AndroidManifest.xml" || problems+=("AndroidManifest.xml: no INTERNET permission")
  fi
  if [ -f "$tmp/classes.jar" ]; then
    local classes
    classes="$(unzip -Z1 "$tmp/classes.jar")"
    # The facade, ClerkAndroid, and generated classes (objects, records, the library, the
    # Android cleaner).
    for cls in Clerk ClerkResult FetchTokenKt TokenResource Session ClerkException DeviceTokenStore OkHttpTransport \
      android/ClerkAndroid ffi/ClerkCore ffi/Session ffi/TokenResource ffi/ClerkException \
      ffi/UniffiLib ffi/AndroidSystemCleaner; do
      grep -qx "com/clerk/api/$cls.class" <<<"$classes" || problems+=("classes.jar: no com/clerk/api/$cls.class")
    done
    ! grep -q '^androidx/' <<<"$classes" || problems+=("classes.jar: holds androidx classes (the compile-time stand-in leaked)")
    ! grep -qx 'com/clerk/api/ffi/JavaLangRefCleaner.class' <<<"$classes" \
      || problems+=("classes.jar: holds the JVM bindings (JavaLangRefCleaner), not the Android flavour")
    ! grep -q '^com/clerk/api/testing/' <<<"$classes" || problems+=("classes.jar: holds the test kit (com/clerk/api/testing)")
  fi
  if [ -f "$tmp/proguard.txt" ]; then
    for rule in '-keep class com.sun.jna.\*\* { \*; }' '-keep class com.clerk.api.\*\* { \*; }'; do
      grep -q -- "$rule" "$tmp/proguard.txt" || problems+=("proguard.txt: no rule matching '$rule'")
    done
  fi
  if have nm; then
    for abi in "${ANDROID_ABIS[@]}"; do
      local so="$tmp/jni/$abi/libclerkkit.so" symbols
      [ -f "$so" ] || continue
      [ "$(head -c 4 "$so" | od -An -c | tr -d ' ')" = '177ELF' ] || { problems+=("jni/$abi/libclerkkit.so is not an ELF file"); continue; }
      symbols="$(nm -D --defined-only "$so" 2>/dev/null | awk '{ print $3 }')"
      grep -qx 'ffi_clerkkit_uniffi_contract_version' <<<"$symbols" \
        || problems+=("jni/$abi/libclerkkit.so does not export the UniFFI functions")
      # The Kotlin facade's one-call cache peek (bindings/src/peek.rs), bound by JNA by name.
      grep -qx 'clerkkit_peek_token' <<<"$symbols" \
        || problems+=("jni/$abi/libclerkkit.so does not export clerkkit_peek_token")
      ! grep -q '^Java_' <<<"$symbols" \
        || problems+=("jni/$abi/libclerkkit.so exports JNI functions: $(grep '^Java_' <<<"$symbols" | head -n 3 | tr '\n' ' ')")
      # The SDK's version (sdkVersion(), sent with every request) is the library's own.
      grep -qaF "$version" "$so" || problems+=("jni/$abi/libclerkkit.so does not carry version $version")
    done
  fi
  rm -rf "$tmp"
  report_problems "$aar" ${problems[@]+"${problems[@]}"}
}
