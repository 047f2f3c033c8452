// What the commands that talk to the issuer host share (sscard query, activate, ..., recover, pay): the kiosk's
// host link opened from its configuration (TCP, or the simulated issuers in this process), the journal's
// leftovers finished first, and the way amounts and provinces are printed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

#include "sscard/config/kiosk_config.h"
#include "sscard/crypto/crypto.h"
#include "sscard/host/client.h"
#include "sscard/host/journal.h"
#include "sscard/wire/channel.h"
#include "terminal.h"
#if SSCARD_WITH_SIMULATOR
#include "sscard/app/host_world.h"
#endif

namespace sscard::app {

// The kiosk's link to its host: the client, the channel under it, and (simulated issuers) the world.
struct HostLink {
#if SSCARD_WITH_SIMULATOR
  std::unique_ptr<HostWorld> world;
#endif
  std::shared_ptr<wire::Channel> channel;
  std::unique_ptr<crypto::Crypto> crypto;
  std::unique_ptr<host::HostClient> client;
  std::unique_ptr<host::Journal> journal;
  std::filesystem::path journal_file;
};

// The host link of `kiosk`, with the command line's overrides; its journal opened (the folder created).
Result<std::unique_ptr<HostLink>, SetupFailure> open_host_link(const config::KioskConfig& kiosk,
                                                              const HostOverrides& overrides);

// What recover_pending() left pending in the journal, by what the kiosk can do about it.
struct PendingSummary {
  // Sent, no final answer (host::Recovery::Kind::kUnreachable): a later run resends them.
  int unanswered = 0;
  // The host refused the frame, its answer failed the kiosk's checks, or the journal failed for the entry:
  // a later run resends them once the cause (link key, clock, disk) is fixed.
  int not_accepted = 0;
  // Held at the card step (kAwaitingCard: a run cut off around CHANGE PIN): never sent by any run, because
  // the card may not have done its part; an operator decides (docs/RELIABILITY.md "Held activations").
  // Only activations have a card step today.
  int held = 0;

  int still_pending() const { return unanswered + not_accepted + held; }
};

// Finishes what an earlier run left in the journal and writes one line per entry to `to` (a held entry's line
// says so). Returns what is still pending; kIo (or the journal's error) when the journal cannot be read.
Result<PendingSummary> recover_pending(HostLink& link, std::ostream& to, bool say_nothing_pending);

// Fen as yuan with two decimals, exactly ("1234.56"; DECISIONS.md H12).
std::string yuan(std::uint64_t fen);

// "Chongqing" / "Sichuan" for a province code.
std::string province_name(std::string_view code);

}  // namespace sscard::app
