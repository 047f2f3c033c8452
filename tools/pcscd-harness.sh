#!/usr/bin/env bash
# An own pcscd for tests and CI, with the vpcd virtual reader (vsmartcard-vpcd) listening for simulated
# cards (sscard-sim vicc). No systemd needed.
#
#   tools/pcscd-harness.sh start [LOGFILE]  starts `pcscd --foreground --debug --apdu` logging to LOGFILE
#                                           (default ${TMPDIR:-/tmp}/sscard-pcscd.log), waits until its
#                                           socket and the vpcd port listen, prints its PID
#   tools/pcscd-harness.sh stop PID         SIGTERM, then waits until the PID is gone (SIGKILL after 10 s)
#
# pcscd's socket (/run/pcscd/pcscd.comm) and the vpcd port are machine-wide, so one harness pcscd runs at
# a time: `start` takes an exclusive flock on $SSCARD_PCSCD_LOCK (default /tmp/sscard-pcscd.lock) and the
# pcscd it starts inherits the lock, which is released when that pcscd exits. The C++ test fixture
# (tests/pcsc) takes the same lock. Environment:
#   SSCARD_VPCD_PORT      the vpcd port to wait for (default 35963, from /etc/reader.conf.d/vpcd)
#   SSCARD_PCSCD_LOCK     the lock file
#   SSCARD_PCSCD_WAIT     seconds to wait for the lock (default 120)
#   SSCARD_PCSCD_DEBUG    1 (default): --debug --apdu; 0: no debug log (for benchmarks: logging every APDU
#                         costs several hundred microseconds per exchange)
set -euo pipefail

readonly SOCKET=/run/pcscd/pcscd.comm
readonly PIDFILE=/run/pcscd/pcscd.pid
readonly PORT=${SSCARD_VPCD_PORT:-35963}
readonly LOCK=${SSCARD_PCSCD_LOCK:-/tmp/sscard-pcscd.lock}
readonly LOCK_WAIT=${SSCARD_PCSCD_WAIT:-120}
readonly DEBUG=${SSCARD_PCSCD_DEBUG:-1}

die() { echo "pcscd-harness: $*" >&2; exit 1; }

find_pcscd() {
  local candidate
  for candidate in "$(command -v pcscd 2>/dev/null || true)" /usr/sbin/pcscd /usr/local/sbin/pcscd; do
    if [[ -n $candidate && -x $candidate ]]; then echo "$candidate"; return 0; fi
  done
  return 1
}

# True while PID exists and is not a zombie (an unreaped pcscd has already closed everything).
alive() {
  local state
  [[ -r /proc/$1/stat ]] || return 1
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z ]]
}

# True if something listens on TCP port $1 (IPv4 or IPv6); reads /proc so that no tool is needed.
listening() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v port=":$hex" 'FNR > 1 && $4 == "0A" && substr($2, length($2) - 4) == port { found = 1 }
                       END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

wait_gone() {
  local pid=$1 deadline=$((SECONDS + $2))
  while alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.01
  done
}

start() {
  local log=${1:-${TMPDIR:-/tmp}/sscard-pcscd.log} pcscd pid deadline old
  pcscd=$(find_pcscd) || die "pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)"

  exec 9>>"$LOCK"
  flock -w "$LOCK_WAIT" 9 || die "another harness pcscd holds $LOCK for more than ${LOCK_WAIT} s"

  # A pcscd that is still shutting down (or one started outside this harness) owns the socket.
  if [[ -r $PIDFILE ]]; then
    old=$(tr -d '\0\n' <"$PIDFILE")
    if [[ -n $old ]] && alive "$old"; then
      wait_gone "$old" 5 || die "a pcscd not started by this harness is running (PID $old)"
    fi
  fi
  listening "$PORT" && die "TCP port $PORT is already in use"

  # fd 9 (the lock) stays open in pcscd on purpose; stdout/stderr go to the log so that callers using
  # $(...) do not wait for pcscd to exit.
  local -a flags=(--foreground)
  [[ $DEBUG == 0 ]] || flags+=(--debug --apdu)
  "$pcscd" "${flags[@]}" </dev/null >"$log" 2>&1 &
  pid=$!
  exec 9>&-

  deadline=$((SECONDS + 10))
  until [[ -S $SOCKET ]] && listening "$PORT"; do
    if ! alive "$pid"; then
      tail -n 20 "$log" >&2 || true
      die "pcscd exited during start-up (log: $log)"
    fi
    if ((SECONDS >= deadline)); then
      kill -TERM "$pid" 2>/dev/null || true
      die "pcscd did not open $SOCKET and port $PORT within 10 s (log: $log)"
    fi
    sleep 0.01
  done
  echo "$pid"
}

stop() {
  local pid=${1:?usage: $0 stop PID}
  [[ $pid =~ ^[0-9]+$ ]] || die "not a PID: $pid"
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  if ! wait_gone "$pid" 10; then
    kill -KILL "$pid" 2>/dev/null || true
    wait_gone "$pid" 5 || die "pcscd $pid does not go away"
  fi
}

case ${1:-} in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) echo "usage: $0 start [LOGFILE] | stop PID" >&2; exit 2 ;;
esac
