// A contactless purchase at a kiosk (docs/CONTACTLESS.md §3, §8): the qPBOC kernel runs the tap; an ARQC goes
// online as an `authorise` through the same arming, reversal and confirmation as a contact payment (no GAC2:
// after an approval the ARQC is confirmed as the final cryptogram); an offline TC goes to the home issuer at
// once as an `ecash_clear` (0D), journaled so that recover() resends it. A tap that may have completed on the
// card without its answer is kept in the kiosk's journal (table torn_taps) for 120 s, so that the next tap
// never charges it twice.
#pragma once

#include <cstdint>
#include <optional>

#include "sscard/flows/payment.h"
#include "sscard/host/journal.h"
#include "sscard/pboc/qpboc.h"

namespace sscard::flows {

// The kiosk's journal as the kernel's torn-tap store (CONTACTLESS.md §3.3): one tap, durable, forgotten after
// 120 s. The tap is kept as private-class TLVs; a row that does not decode is forgotten.
class JournalTornTapStore : public pboc::TornTapStore {
 public:
  JournalTornTapStore(host::Journal& journal, Clock clock = {}) : journal_(journal), clock_(std::move(clock)) {}

  std::optional<pboc::TornTap> torn() override;
  Status keep(const pboc::TornTap& tap) override;
  Status forget() override;

  static constexpr std::uint64_t kKeepMs = 120'000;

 private:
  host::Journal& journal_;
  Clock clock_;
};

// The TLV form of a kept tap, and back (nullopt for anything that does not decode).
Result<Bytes> encode_torn_tap(const pboc::TornTap& tap);
std::optional<pboc::TornTap> decode_torn_tap(ByteSpan encoded);

struct ContactlessOutcome {
  PaymentOutcome payment;                  // the tap, the online answer, the reversal or confirmation
  FollowUp clearing = FollowUp::kNone;     // the ecash_clear of an offline TC
  std::optional<wire::Response> clearing_answer;
};

// One tap of `amount_fen` on the powered contactless card. `pinpad` may be null (no online PIN then).
ContactlessOutcome pay_contactless(const PaymentKiosk& kiosk, const pboc::ContactlessConfig& contactless,
                                   transport::Transport& card, hal::PinPad* pinpad, std::uint64_t amount_fen);

}  // namespace sscard::flows
