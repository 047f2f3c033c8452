// The "pcsc" card backend: the simulated card behind a real pcscd with the vpcd virtual reader, reached
// through the firmware's PC/SC HAL (hal::PcscReader on "Virtual PCD 00 00"). It registers itself with
// card_backends.h; programs link sscard_test_support_pcsc_all (whole archive) to get it.
//
// One test process owns one pcscd (tests/pcsc/pcscd_daemon.h, started at the first insert(), stopped at
// exit) and one vicc bridge thread that keeps a card in the virtual reader for the whole run.
//
// A fresh card per insert() without a removal: pcscd asks vpcd for card presence only every 400 ms and a
// card that is out for less than that goes unnoticed, so a pull and re-insert costs 0.5-0.9 s. Instead,
// insert() makes pcscd power the card down (SCardConnect, then SCardDisconnect with SCARD_UNPOWER_CARD)
// and swaps the card object behind the bridge while it is unpowered. The next SCardConnect powers the
// new card up, reads its ATR and negotiates its protocol again (pcsc-lite winscard.c, SCardConnect on a
// POWER_STATE_UNPOWERED card); tests/e2e/pcsc_backend_test.cpp checks this with the ATRs and protocols
// of different profiles. remove() is a real removal: the bridge closes its connection and insert()
// after it connects again, which pcscd notices within a poll period.
//
// Only one pcsc backend may be in use at a time in a process (they share the one virtual reader):
// insert() on a second live backend throws.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace sscard::test {

inline constexpr const char* kPcscBackendName = "pcsc";
// The vpcd reader of slot 0 (TCP port 35963), where the backend's card sits.
inline constexpr const char* kPcscVirtualReader = "Virtual PCD 00 00";

// Counters of the process-wide pcscd and bridge, for tests and timing reports.
struct PcscBackendStats {
  std::uint64_t daemon_starts = 0;  // 0 or 1
  std::uint64_t swaps = 0;          // cards exchanged while unpowered
  std::uint64_t reinsertions = 0;   // real removals followed by an insertion
  std::uint64_t bridge_connections = 0;
  // Starting pcscd (including the wait for the machine-wide lock), then from there to pcscd seeing the
  // first card.
  std::chrono::microseconds daemon_start_time{0};
  std::chrono::microseconds first_card_time{0};
};
PcscBackendStats pcsc_backend_stats();

}  // namespace sscard::test
