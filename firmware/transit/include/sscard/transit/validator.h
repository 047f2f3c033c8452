// The transit validator (CONTACTLESS.md §5): a tap charged by qPBOC as a deferred-authorisation, offline-capable
// terminal, each ride written to the ride log before the gate opens; the upload of the rides not yet
// acknowledged to the acquirer, each marked with its answer in one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/crypto/crypto.h"
#include "sscard/host/client.h"
#include "sscard/pboc/ca_keys.h"
#include "sscard/pboc/qpboc.h"
#include "sscard/pboc/record.h"
#include "sscard/transit/ride_log.h"
#include "sscard/transit/validator_config.h"
#include "sscard/transport/transport.h"

namespace sscard::transit {

// The kernel's terminal data of a validator: terminal type 25 (unattended, offline with online capability),
// 9F1C the last 8 digits of the terminal id, the operator as 9F4E, DF69 as configured.
pboc::TerminalConfig validator_terminal(const ValidatorConfig& config);
// Offline-capable (TTQ 1.4 clear), deferred authorisation (TTQ 3.8), no CVM and no online cryptogram required
// at a fare (limits far above any fare).
pboc::ContactlessConfig validator_contactless();

struct TapOutcome {
  std::uint64_t ride_number = 0;
  NewRide ride;
  bool gate_opens = false;
  pboc::TransactionRecord record;
};

// What a tap's record becomes in the ride log (no I/O): TC → offline ride charged from e-cash; ARQC kept with
// fDDA verified → deferred ride; anything else → refused with the kernel's reason. A card whose PAN digest is
// in the deny list is refused; if the card had already debited its e-cash (a TC: the PAN is first known in
// the GPO answer), the ride is still logged as offline so that the money the card paid is cleared.
NewRide classify(const pboc::TransactionRecord& record, std::uint64_t fare_fen, std::string_view date,
                 const std::optional<wire::DenyDigest>& digest, bool denied);

// One tap: the kernel with the ride log as its torn-tap store, the deny list checked, the ride written. The
// gate opens only when the ride is in the log (the error is the log's).
Result<TapOutcome> tap(const ValidatorConfig& config, RideLog& log, transport::Transport& card, crypto::Crypto& crypto,
                       const pboc::CaKeyTable& ca_keys, const pboc::TransactionRequest& request, std::string_view date);

struct UploadSummary {
  std::size_t sent = 0, cleared = 0, declined = 0, left_pending = 0, denied_cards = 0;
  std::optional<host::HostError> error;  // the batch that could not be sent (its rides stay pending)
};

// Sends every pending ride, oldest first, in batches of at most wire::kMaxRides, each ride under its own key
// (terminal id, ride number). Each answer is stored with its mark in one transaction: 00 → cleared; another
// response code, unknown_card or unknown_region → declined (a declined deferred ride puts its card on the deny
// list); issuer_unavailable or key_conflict → left pending. `checkpoint` (may be empty) is called at
// "before-send", "after-answer" and "after-mark" (after each ride's mark) for the crash tests.
UploadSummary upload(RideLog& log, host::HostClient& client, std::string_view date,
                     const std::function<void(std::string_view)>& checkpoint);

}  // namespace sscard::transit
