# Gives the scripts a Swift toolchain: `swift_available` tells whether one is at hand without
# setting anything up (the demo), `swift_require` makes sure there is one (the test stage), and
# `swift_in DIR ARGS...` runs `swift ARGS...` in DIR with it.
#
# A `swift` on the PATH (a Mac, a Linux machine with a Swift toolchain) is used as it is.
# Otherwise, as root on Debian or Ubuntu, Swift comes from Debian 13 (trixie), which ships
# Swift 6.0.3 as the package `swiftlang`: a minimal trixie root is made once with debootstrap
# and kept outside the checkout ($CLERK_SWIFT_ROOT, default /var/cache/clerk-kit/swift-trixie),
# so later runs on the same machine reuse it. Each call runs in a mount namespace of its own
# (unshare) that mounts /proc (swift finds its own libraries through it) and /dev, and binds
# the checkout's parent folder at its own path inside the root; the mounts end with the call,
# whether its tests passed or not, and concurrent calls never see each other's.
# Requires common.sh.

SWIFT_ROOT="${CLERK_SWIFT_ROOT:-/var/cache/clerk-kit/swift-trixie}"
SWIFT_SUITE=trixie
SWIFT_MIRROR="${CLERK_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SWIFT_MODE=""         # host | root, once resolved

# usr/bin/swift is an absolute link, meaningful only inside the root.
_swift_root_ready() { [ -f "$SWIFT_ROOT/.clerk-kit-ready" ] && [ -x "$SWIFT_ROOT/usr/libexec/swift/bin/swift" ]; }

# swift_available: 0 when a toolchain can be used right now (no set-up, no download).
swift_available() {
  if command -v swift >/dev/null 2>&1; then SWIFT_MODE=host; return 0; fi
  if _swift_root_ready && [ "$(id -u)" = 0 ]; then SWIFT_MODE=root; return 0; fi
  return 1
}

swift_how_to_get() {
  echo "Swift is needed: on a Mac install Xcode 16+; on Linux put a Swift 6.0+ toolchain on the PATH, or run scripts/test as root on Debian/Ubuntu (it sets up Swift 6.0.3 from Debian 13 in $SWIFT_ROOT)"
}

# swift_require: a toolchain, setting up the cached trixie root if needed; fails early, naming
# what is missing, where that cannot be done.
swift_require() {
  swift_available && return 0
  [ "$(id -u)" = 0 ] || die "no swift on the PATH, and setting one up needs root. $(swift_how_to_get)"
  command -v apt-get >/dev/null 2>&1 || die "no swift on the PATH and no apt-get. $(swift_how_to_get)"
  command -v chroot >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1 \
    || die "no swift on the PATH, and chroot/unshare are missing. $(swift_how_to_get)"
  _swift_make_root
  SWIFT_MODE=root
}

_swift_make_root() {
  local parent lock
  parent="$(dirname "$SWIFT_ROOT")"
  mkdir -p "$parent"
  lock="$parent/.$(basename "$SWIFT_ROOT").lock"
  exec 8>"$lock"
  flock 8
  if _swift_root_ready; then flock -u 8; return 0; fi
  say "Setting up Swift 6.0.3 once: a minimal Debian 13 (trixie) root with its swiftlang package in $SWIFT_ROOT (about 2.6 GB on disk, about 600 MB downloaded from $SWIFT_MIRROR, a few minutes); later runs reuse it"
  apt_install debootstrap debian-archive-keyring
  local work="$SWIFT_ROOT.partial"
  rm -rf --one-file-system "$work"
  debootstrap --variant=minbase --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
    "$SWIFT_SUITE" "$work" "$SWIFT_MIRROR" >"$parent/debootstrap.log" 2>&1 \
    || { tail -n 20 "$parent/debootstrap.log" >&2; die "debootstrap of Debian $SWIFT_SUITE failed (log: $parent/debootstrap.log)"; }
  cp /etc/resolv.conf "$work/etc/resolv.conf" 2>/dev/null || true
  _swift_chroot "$work" "" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends swiftlang libc6-dev ca-certificates && apt-get clean' \
    >>"$parent/debootstrap.log" 2>&1 \
    || { tail -n 20 "$parent/debootstrap.log" >&2; die "installing swiftlang in the $SWIFT_SUITE root failed (log: $parent/debootstrap.log)"; }
  touch "$work/.clerk-kit-ready"
  rm -rf --one-file-system "$SWIFT_ROOT"   # an unfinished root from an older layout, if any
  mv "$work" "$SWIFT_ROOT"
  flock -u 8
  say "Swift is ready in $SWIFT_ROOT"
}

# _swift_chroot ROOT BIND COMMAND...: COMMAND inside ROOT, in a private mount namespace with
# /proc, /dev and (when BIND is set) the folder BIND at its own path.
_swift_chroot() {
  local root="$1" bind="$2"; shift 2
  [ -z "$bind" ] || mkdir -p "$root$bind"
  unshare --mount --propagation private /bin/sh -c '
    root="$1"; bind="$2"; shift 2
    mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev" || exit 125
    [ -z "$bind" ] || mount --bind "$bind" "$root$bind" || exit 125
    exec chroot "$root" "$@"' sh "$root" "$bind" "$@"
}

# swift_in DIR ARGS...: `swift ARGS...` run in DIR, with the caller's CLERK*/SWIFT* variables.
swift_in() {
  local dir="$1"; shift
  [ -n "$SWIFT_MODE" ] || swift_require
  if [ "$SWIFT_MODE" = host ]; then
    (cd "$dir" && swift "$@")
    return
  fi
  [ "$(dirname "$ROOT")" != / ] || die "the Swift root binds the checkout's parent folder; clone the repository below a folder, not at /"
  local env=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TMPDIR=/tmp)
  local v
  while IFS= read -r v; do env+=("$v"); done < <(env | grep -E '^(CLERK|CLERKKIT|SWIFT)[A-Z_]*=' || true)
  # The checkout's parent: paths (the library, the emulator) mean the same inside and out, and
  # ../shared, which the scenario tests read, is there too.
  _swift_chroot "$SWIFT_ROOT" "$(dirname "$ROOT")" \
    /usr/bin/env -i "${env[@]}" /bin/sh -c 'cd "$1" && shift && exec swift "$@"' sh "$dir" "$@"
}
