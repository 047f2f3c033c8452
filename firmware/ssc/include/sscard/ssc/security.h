// The terminal's side of docs/SECURITY.md: key factors, internal and external authentication with a PSAM,
// the identity read with a PSAM ("PSAM mode"), the MAC-protected commands (APPLICATION BLOCK / UNBLOCK,
// PIN UNBLOCK, PIN RELOAD) and HSM mode (Step1 / Step2, no PSAM in the terminal).
//
// Every function here sends commands to a powered card through `card` (and to a powered PSAM through
// `psam`) and reports a Fault (fault.h) rather than a Status, so that a caller can tell "the PSAM lacks
// RKSSSE" from "the card is not genuine". No function logs; PINs and cryptograms stay in wiped buffers.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/crypto/crypto.h"
#include "sscard/hal/pinpad.h"
#include "sscard/psam/psam.h"
#include "sscard/ssc/fault.h"
#include "sscard/ssc/identity.h"
#include "sscard/transport/transport.h"

namespace sscard::ssc {

using Factor = std::array<std::uint8_t, psam::kFactorSize>;

// SECURITY.md "Keys": city factor = ASCII(6-digit region code) || 73 78.
Factor city_factor(const RegionCode& region);
// Card factor = the last 8 historical bytes of the ATR (DECISIONS.md S2, S4). kMalformed: the ATR does not
// parse or has fewer than 8 historical bytes.
Result<Factor> card_factor(ByteSpan atr);
// "510000" for any region "51xxxx": the province whose keys the PSAM picks (RegionCode::province() for a
// code read from a card); the text as given when it is shorter than 2 characters.
std::string province_of(std::string_view region);

// What the secured flows learn before any key work: SSSE selected, its algorithm identifier, EF05 records
// 01 (卡识别码, hence the region) and 03 (spec version, hence the generation), both free to read (D4).
struct CardContext {
  Identity identity;  // region, card_id, spec_version, generation, algorithm_id, atr_historical
  Factor city{};
  Factor card{};
};

// select_ssse(), READ RECORD EF05 01 and 03, and the two factors. Faults: kNotSocialSecurityCard (6A82 from
// SELECT, a malformed FCI or record, an ATR without 8 historical bytes); kCardStatus (another status word,
// 6283 for a blocked application included: D30); kCard (transport errors).
Result<CardContext, Fault> open_card(transport::Transport& card, ByteSpan atr);

// SECURITY.md "Internal authentication": draws PF and D from `crypto`, asks the card for R and the PSAM
// for R', compares them in constant time. The PSAM's environment must be selected.
// Faults: kInternalAuthFailed (R != R', or R not 8 bytes); kPsamLacksIssuerKeys (6A88 to DIVERSIFY: no IRK
// for the province); kCardStatus / kPsamStatus; kCard / kNoPsam (transport); kInternal (no randomness).
Fault internal_authentication(transport::Transport& card, psam::Psam& psam, const CardContext& context,
                              crypto::Crypto& crypto);

// SECURITY.md "External authentication" with `key` (RKSSSE, EAK04...): GET CHALLENGE 8, the PSAM's
// cryptogram, EXTERNAL AUTHENTICATE in the form of the card's algorithm. Faults: kPsamLacksReadKey (no
// RKSSSE) or kPsamLacksKey (another class) for a 6A88 from DIVERSIFY; kExternalAuthRefused (the card
// answered 6300, 6985 or 6A88 to EXTERNAL AUTHENTICATE); kCardStatus / kPsamStatus; kCard / kNoPsam.
Fault external_authentication(transport::Transport& card, psam::Psam& psam, const CardContext& context,
                              psam::KeyClass key);

// The identity with the terminal's numbers (iReadCardBas fields 10 and 11).
struct AuthenticatedIdentity {
  Identity identity;
  std::string terminal_number;
  std::string device_number;
};

// SECURITY.md "The identity read with a PSAM": open_card(); the PSAM's EF16 / EF15 (unless already read)
// and the environment of the card's algorithm; internal authentication; on a 3rd-generation card external
// authentication with RKSSSE; then every other record of EF05 / EF06.
// Faults: kAlgorithmUnsupported (-2202); kInternalAuthFailed and kPsamLacksIssuerKeys (-21);
// kPsamLacksReadKey (-2203); kNoPsam (-2201: the PSAM slot is empty or the PSAM does not answer);
// kPsamStatus (a PSAM status word, or malformed EF15/EF16); those of open_card(); and read_identity()'s
// errors as kCard / kCardStatus.
Result<AuthenticatedIdentity, Fault> read_identity_with_psam(transport::Transport& card, ByteSpan atr, psam::Psam& psam,
                                                       crypto::Crypto& crypto);

// ---- MAC-protected commands (SECURITY.md "MACs"): the card's 4-byte challenge, the PSAM's MAC with the
// key class of the command, the command. The card must have SSSE selected (open_card()), except for
// application_unblock. Faults: kPsamLacksKey (no such key for the province); kAlgorithmUnsupported;
// kCardStatus (6988 wrong MAC, 6985 no challenge, ...); kPsamStatus; kCard / kNoPsam. ----

Fault application_block(transport::Transport& card, psam::Psam& psam, const CardContext& context, bool permanent);
// select_ssse() (6283 expected: the application is blocked and its records cannot be read, so the region
// comes from the caller, e.g. an earlier read), then APPLICATION UNBLOCK.
Fault application_unblock(transport::Transport& card, ByteSpan atr, const RegionCode& region, psam::Psam& psam);
// PIN UNBLOCK (PUK): the try counter back to its limit, PIN unchanged.
Fault pin_unblock(transport::Transport& card, psam::Psam& psam, const CardContext& context);
// PIN RELOAD (PRK): a new PIN from the keypad, entered twice. Faults also: kNewPinIsInitial (123456),
// kPinEntryMismatch, the keypad's (kPinPadNotConnected, kPinEntryCancelled, kPinEntryTimeout,
// kPinEntryInvalid). Nothing is sent to the card before both entries are accepted.
Fault pin_reload(transport::Transport& card, psam::Psam& psam, const CardContext& context, hal::PinPad& pinpad);

// ---- HSM mode (SECURITY.md "HSM mode") ----

// What Step2 needs from Step1; the card stays powered between them. Wipes R on destruction.
class HsmSession {
 public:
  HsmSession() = default;
  ~HsmSession() { clear(); }
  HsmSession(const HsmSession&) = delete;
  HsmSession& operator=(const HsmSession&) = delete;

  bool active() const { return active_; }
  void clear();

 private:
  friend Result<std::string, Fault> hsm_step1(transport::Transport&, ByteSpan, crypto::Crypto&, std::string_view,
                                        HsmSession&);
  friend Result<AuthenticatedIdentity, Fault> hsm_step2(transport::Transport&, HsmSession&, std::string_view);

  bool active_ = false;
  CardContext context_{};
  std::array<std::uint8_t, 8> card_answer_{};  // R
  std::array<std::uint8_t, 8> challenge_{};    // C
  std::string device_number_;
};

// Step1: open_card(); -2204 (kHsmNotNeeded) on a 1st/2nd-generation card; otherwise INTERNAL AUTHENTICATE
// with fresh PF and D (R kept in `session`), GET CHALLENGE 8 (C kept), and the line
// region|historical|alg|card id|PF|D|card factor|C|device number|  (hex upper case, alg 2 hex digits).
// Faults: those of open_card(); kHsmNotNeeded; kCardStatus / kCard; kInternal (no randomness).
Result<std::string, Fault> hsm_step1(transport::Transport& card, ByteSpan atr, crypto::Crypto& crypto,
                               std::string_view device_number, HsmSession& session);

// Step2 with the host's "R'|A|": kHsmBadInput (not two fields of 16 hex digits, or no active Step1);
// kHsmMismatch (R' != R, constant-time compare); then EXTERNAL AUTHENTICATE with A (key 0A) —
// kExternalAuthRefused when the card refuses it — and the rest of the identity. The terminal number is
// 000000000000 (no PSAM), the device number Step1's. The session ends either way.
Result<AuthenticatedIdentity, Fault> hsm_step2(transport::Transport& card, HsmSession& session, std::string_view host_answer);

}  // namespace sscard::ssc
