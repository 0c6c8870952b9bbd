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

cargo_profile_flag() {
  if [ "$PROFILE" = "debug" ]; then echo ""; else echo "--profile $PROFILE"; fi
}

host_library() {
  case "$(uname -s)" in
    Darwin) echo "$LIB_DIR/libclerkkit.dylib" ;;
    *) echo "$LIB_DIR/libclerkkit.so" ;;
  esac
}
