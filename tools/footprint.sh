#!/usr/bin/env bash
# Measures the kiosk binary's footprint (docs/FOOTPRINT.md): the stripped size of `sscard` per architecture,
# crypto backend and build kind, and the peak resident memory of a full PSAM-mode identity read.
#
#   tools/footprint.sh        (after `tools/dev cross`; builds the board presets it needs)
#
# The board binaries read through PC/SC, so the read is measured with the simulated card and PSAM behind this
# machine's pcscd (sscard-sim vicc, two vpcd slots), the ARM binaries under qemu-user. qemu's own memory is part
# of what `time -v` sees there; the same binary's `sscard version` is measured as the baseline.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

# The emulator words for an architecture (none for the host).
emulator_for() {
  case "$1" in
    x86_64) emulator=() ;;
    aarch64) emulator=(tools/emulate aarch64-linux-gnu) ;;
    armhf) emulator=(tools/emulate arm-linux-gnueabihf) ;;
  esac
}
peak_kib() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
strip_for() {
  case "$1" in x86_64) echo strip ;; aarch64) echo aarch64-linux-gnu-strip ;; armhf) echo arm-linux-gnueabihf-strip ;; esac
}

declare -a rows=(
  # preset                 arch     backend          kind
  "aarch64-board           aarch64  mbedtls-static   board"
  "aarch64-board-openssl   aarch64  openssl          board"
  "armhf-board             armhf    mbedtls-static   board"
  "aarch64                 aarch64  mbedtls-static   full"
  "default                 x86_64   openssl          full"
)

for row in "${rows[@]}"; do
  read -r preset _ _ _ <<<"$row"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)" --target sscard >/dev/null
done

pcscd_pid=$(SSCARD_PCSCD_DEBUG=0 tools/pcscd-harness.sh start)
vicc_card=; vicc_psam=
cleanup() {
  [ -n "$vicc_card" ] && kill "$vicc_card" 2>/dev/null || true
  [ -n "$vicc_psam" ] && kill "$vicc_psam" 2>/dev/null || true
  tools/pcscd-harness.sh stop "$pcscd_pid" >/dev/null
}
trap cleanup EXIT
build/default/sim/app/sscard-sim vicc --card cards/sc-suining-gen3.json 2>/dev/null & vicc_card=$!
build/default/sim/app/sscard-sim vicc --psam cards/psam/cq-kiosk.json --port 35964 2>/dev/null & vicc_psam=$!
sleep 1.5  # vpcd takes a card at its 400 ms poll

echo "| build | arch | crypto | stripped sscard | needs (shared libraries) | PSAM-mode read via pcscd: peak RSS | same program, \`sscard version\` |"
echo "|---|---|---|---|---|---|---|"
for row in "${rows[@]}"; do
  read -r preset arch backend kind <<<"$row"
  bin="build/$preset/firmware/app/sscard"
  stripped=$(mktemp)
  cp "$bin" "$stripped"
  "$(strip_for "$arch")" "$stripped"
  size=$(stat -c %s "$stripped")
  needs=$(readelf -d "$stripped" | awk '/NEEDED/ {gsub(/[\[\]]/, "", $5); printf "%s ", $5}')
  rm -f "$stripped"
  read_args=(read --reader-name "Virtual PCD 00 00" --psam-reader "Virtual PCD 00 01" --format json)
  emulator_for "$arch"
  "${emulator[@]}" "$bin" "${read_args[@]}" >/dev/null  # must succeed before it is measured
  read_kib=$(peak_kib "${emulator[@]}" "$bin" "${read_args[@]}")
  base_kib=$(peak_kib "${emulator[@]}" "$bin" version)
  printf '| %s (%s) | %s | %s | %s bytes (%.2f MiB) | %s | %s KiB | %s KiB |\n' "$preset" "$kind" "$arch" "$backend" \
    "$size" "$(awk -v s="$size" 'BEGIN {print s / 1048576}')" "$needs" "$read_kib" "$base_kib"
done
