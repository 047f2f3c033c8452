#!/usr/bin/env bash
# Unpacks a cross target's libraries (pcsc-lite, OpenSSL, Mbed TLS, SQLite, GoogleTest, and the C++ runtime the
# test programs load under qemu: libstdc++6, libgcc-s1) from Debian's .deb files into build/sysroot/<triplet>,
# without installing them as multiarch packages.
#
#   tools/target-sysroot.sh armhf
#
# Why: multiarch packages must match the host's versions exactly. When a mirror's index for the target
# architecture lags the host's security updates (as bookworm-security's armhf index did), the -dev packages
# cannot be installed side by side; unpacked .debs have no such constraint. The toolchain file uses this
# folder when it exists (toolchains/arm-linux-gnueabihf.cmake).
set -euo pipefail

arch=${1:?usage: tools/target-sysroot.sh armhf|arm64}
case "$arch" in
  armhf) triplet=arm-linux-gnueabihf ;;
  arm64) triplet=aarch64-linux-gnu ;;
  *) echo "unknown architecture '$arch'" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
sysroot="$root/build/sysroot/$triplet"
packages=(libpcsclite-dev libpcsclite1 libmbedtls-dev libmbedcrypto7 libmbedtls14 libmbedx509-1
          libsqlite3-dev libsqlite3-0 libssl-dev libssl3 libgtest-dev libgmock-dev
          libstdc++6 libgcc-s1)

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
work=$(mktemp -d)
chmod 755 "$work"  # apt's download user must be able to write there
added=0
cleanup() {
  rm -rf "$work"
  # Leave dpkg as it was: a foreign architecture whose index fails would make every later `apt-get update`
  # fail too.
  if [ "$added" -eq 1 ]; then
    "${sudo[@]}" dpkg --remove-architecture "$arch" || true
    "${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  "${sudo[@]}" dpkg --add-architecture "$arch"
  added=1
fi
# A partial failure of the index download is what this script works around: carry on if the main suite's
# index for the architecture arrived (apt-get download below fails otherwise).
"${sudo[@]}" apt-get update -qq >/dev/null 2>&1 || true

(cd "$work" && apt-get download -qq "${packages[@]/%/:$arch}" "libc6:$arch")
rm -rf "$sysroot"
mkdir -p "$sysroot"
for deb in "$work"/*.deb; do
  case "$(basename "$deb")" in
    # Only glibc's character-set converters (GBK): the C library itself is the cross compiler's.
    libc6_*) dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$sysroot" "./usr/lib/$triplet/gconv" ;;
    *) dpkg-deb -x "$deb" "$sysroot" ;;
  esac
done
# Some packages (libgcc-s1) still ship /lib/<triplet>: merge it into usr/lib/<triplet>, the one folder the
# toolchain file and tools/emulate put on the library path (as a usrmerged system has it).
if [ -d "$sysroot/lib/$triplet" ]; then
  cp -a "$sysroot/lib/$triplet/." "$sysroot/usr/lib/$triplet/"
  rm -rf "$sysroot/lib"
  ln -s usr/lib "$sysroot/lib"
fi
for lib in libstdc++.so.6 libgcc_s.so.1; do
  [ -e "$sysroot/usr/lib/$triplet/$lib" ] || { echo "$sysroot: $lib was not unpacked" >&2; exit 1; }
done
echo "$sysroot: $(ls "$work" | wc -l) packages unpacked"
