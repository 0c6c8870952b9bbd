# Shared by the scripts in this folder: paths, logging, and tool checks that fail early.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="$ROOT/build"
# Debug builds for tests and the demo; CLERK_PROFILE=release for shipping sizes.
PROFILE="${CLERK_PROFILE:-debug}"
LIB_DIR="$ROOT/target/$PROFILE"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

need() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is required: $2"
}

# apt_install PACKAGE...: Debian packages a test stage needs, installed when missing where
# that is possible without asking (root with apt-get, as on CI); elsewhere a clear error.
apt_install() {
  local absent=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || absent+=("$p")
  done
  [ "${#absent[@]}" -eq 0 ] && return 0
  { command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; } \
    || die "missing Debian packages: apt-get install ${absent[*]}"
  say "installing ${absent[*]} (Debian packages)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${absent[@]}"; } >/dev/null \
    || die "cannot install ${absent[*]} with apt-get"
}

cargo_profile_flag() {
  if [ "$PROFILE" = "debug" ]; then echo ""; else echo "--profile $PROFILE"; fi
}

# host_library [DIR]: the shipped library's file for this host, in DIR (default: LIB_DIR).
host_library() {
  case "$(uname -s)" in
    Darwin) echo "${1:-$LIB_DIR}/libclerkkit.dylib" ;;
    *) echo "${1:-$LIB_DIR}/libclerkkit.so" ;;
  esac
}

# The test library (bindings/testing: the SDK plus the test kit's fake Clerk) as cargo builds it,
# and the folder where scripts/generate-bindings installs it as libclerkkit for the tests.
TESTKIT_LIB_DIR="$LIB_DIR/testkit"
testkit_built_library() {
  case "$(uname -s)" in
    Darwin) echo "$LIB_DIR/libclerkkit_testing.dylib" ;;
    *) echo "$LIB_DIR/libclerkkit_testing.so" ;;
  esac
}

# The one version of everything shipped: [workspace.package] version in the root Cargo.toml.
workspace_version() {
  local version
  version="$(awk '
    /^\[/ { section = $0; next }
    section == "[workspace.package]" && $1 == "version" {
      gsub(/^[^=]*=[ \t]*"|"[ \t]*$/, ""); print; exit
    }' "$ROOT/Cargo.toml")"
  [ -n "$version" ] || die "no [workspace.package] version in $ROOT/Cargo.toml"
  echo "$version"
}
