// The card services a kiosk runs for a holder (docs/HOST-PROTOCOL.md operations), each as explicit steps:
// read the card's identity (with the PSAM when there is one), the card step the service needs (PIN change or
// verification), then the request to the province host — through the journal for state changes.
//
//   service       card step                         issuer request
//   query         none                              query (not journaled)
//   activate      CHANGE PIN away from 123456       query (is the card waiting for activation?), then
//                                                   activate, journaled at Step::kCard before CHANGE PIN
//   report_loss   none (identity only, no PIN)      report loss
//   cancel_loss   VERIFY PIN                        cancel loss report
//   certify       VERIFY PIN                        certify, residence = the kiosk's region
//
// Nothing is sent to the host when the card step fails. No function logs; PINs stay inside ssc's buffers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/crypto/crypto.h"
#include "sscard/essc/code.h"
#include "sscard/hal/pinpad.h"
#include "sscard/host/client.h"
#include "sscard/host/journal.h"
#include "sscard/wire/messages.h"
#include "sscard/psam/psam.h"
#include "sscard/ssc/fault.h"
#include "sscard/ssc/identity.h"
#include "sscard/transport/transport.h"

namespace sscard::flows {

// Where "today" comes from (DF09). Empty: the system clock.
using Clock = std::function<std::chrono::system_clock::time_point()>;

// The kiosk: its host client (which knows the terminal number, province and link key), its journal, its
// location and its crypto backend (PSAM-mode reads, idempotency keys).
struct Kiosk {
  std::string region;  // the kiosk's 6-digit location, e.g. "500152": the residence of a certification
  host::HostClient& client;
  host::Journal& journal;
  crypto::Crypto& crypto;
  Clock clock{};
};

// The holder's card, powered (its ATR as power_up() returned it), and the kiosk's optional devices.
struct CardAccess {
  transport::Transport& card;
  ByteSpan atr;
  psam::Psam* psam = nullptr;      // a powered PSAM: PSAM-mode read (3rd-generation cards need it for SSN/name)
  hal::PinPad* pinpad = nullptr;   // activate, cancel_loss and certify need one
};

struct ServiceOutcome {
  enum class Kind : std::uint8_t {
    kDone,             // the issuer answered ok (`response`)
    kRefusedByIssuer,  // the issuer answered with another result (`response->result`)
    kCardFault,        // the card, PSAM or keypad step failed (`fault`); nothing was sent to the host
    kHostUnreachable,  // no final answer (`host_error`); a journaled request stays pending for recover()
    kHostRefused,      // the host refused the frame (`host_error->refusal`); journaled requests stay pending
    kBadAnswer,        // an answer failed its checks (`host_error`); journaled requests stay pending
    kKioskError,       // a local failure: the journal, no randomness, a request that does not encode (`status`)
  };
  Kind kind = Kind::kKioskError;
  wire::Operation operation = wire::Operation::kQuery;
  ssc::Identity identity;                  // as far as it was read
  std::optional<wire::IdempotencyKey> key;  // once the request was built
  bool journaled = false;                   // the request is in the journal (done or pending)
  std::optional<wire::Response> response;
  ssc::Fault fault;
  std::optional<host::HostError> host_error;
  Status status{};
  std::string message;  // one line for the holder's screen and the log; no PIN, key or SSN

  bool ok() const { return kind == Kind::kDone; }
  // A query answer that says the card is reported lost (the kiosk shows it; it does not block the card).
  bool card_reported_lost() const {
    return response && response->card_state == wire::CardState::kLossReported;
  }
};

// "done", "refused_by_issuer", "card_fault", "host_unreachable", "host_refused", "bad_answer", "kiosk_error".
std::string_view outcome_kind_name(ServiceOutcome::Kind kind);

ServiceOutcome query(const Kiosk& kiosk, const CardAccess& access);
// A query first: a card its home issuer does not hold as not_activated is refused (kRefusedByIssuer, the
// query's answer in `response`) and its PIN left alone; no answer means nothing is changed either (DECISIONS.md
// H4). Then CHANGE PIN (current PIN, new PIN twice; the card and the terminal refuse 123456 as the new PIN),
// then the activate request. The journal entry is written at Step::kCard before CHANGE PIN and moved to Step::kIssuer
// when the card has changed the PIN, so recover() completes the issuer side after a power cut between the two.
// A definite card refusal (wrong PIN, keypad errors, new PIN 123456) fails the entry; a card pulled during the
// command leaves it at Step::kCard (recover() reports it as awaiting the card and sends nothing).
ServiceOutcome activate(const Kiosk& kiosk, const CardAccess& access);
ServiceOutcome report_loss(const Kiosk& kiosk, const CardAccess& access);
ServiceOutcome cancel_loss(const Kiosk& kiosk, const CardAccess& access);
ServiceOutcome certify(const Kiosk& kiosk, const CardAccess& access);

// A query for the holder of an electronic-card code (docs/ESSC.md): no card is read. The kiosk has already
// taken the code (essc::check_code, then its replay store); the request names the code's card reference, nonce
// and card region instead of the card's SSN, number and 卡识别码, and the home issuer answers only while the card
// is active (otherwise kRefusedByIssuer, the card's state in `response`). `identity.region` is the code's.
ServiceOutcome query_code(const Kiosk& kiosk, const essc::Code& code);
// Step 1 of every service, for flows that build on it (settle): the identity, PSAM-mode when `access` has a
// PSAM; a card that withholds the SSN is a kNoPsam fault.
Result<ssc::Identity, ssc::Fault> read_service_identity(const Kiosk& kiosk, const CardAccess& access);

// The kiosk's date YYYYMMDD for `now`, in China Standard Time (UTC+8, no daylight saving): the kiosks and
// issuers of this protocol are all in that zone, so the date does not depend on the machine's TZ setting.
std::string kiosk_date(std::chrono::system_clock::time_point now);

}  // namespace sscard::flows
