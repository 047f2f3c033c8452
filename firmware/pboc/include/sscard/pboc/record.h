// The readable record of one transaction: what each step did, the TVR and TSI, the data the host link needs
// afterwards (confirmation, reversal), and why it ended as it did. No PIN, key or full PAN is printed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/status.h"
#include "sscard/core/status_word.h"
#include "sscard/pboc/online.h"
#include "sscard/pboc/tvr.h"

namespace sscard::pboc {

enum class Outcome : std::uint8_t { kApproved, kDeclined, kFailed };

enum class Step : std::uint8_t {
  kSelection,
  kInitiation,
  kReadRecords,
  kOfflineDataAuthentication,
  kProcessingRestrictions,
  kCardholderVerification,
  kTerminalRiskManagement,
  kTerminalActionAnalysis,
  kFirstGenerateAc,
  kOnline,
  kIssuerAuthentication,
  kSecondGenerateAc,
  kScripts,
  kCompletion,
};

// Why the transaction ended the way it did.
enum class Reason : std::uint8_t {
  kNone,
  kNoApplication,          // no candidate: outcome failed
  kApplicationBlocked,     // every matching application answered 62 83: outcome declined
  kCardCommunication,      // the transport failed (card removed, reader gone, timeout): `status` says which
  kUnexpectedStatus,       // the card answered a status word the step cannot go on with: `last_sw`
  kMalformedCardData,      // a TLV, record, AFL, DOL or GAC answer broke its rules: nothing more was sent
  kMissingCardData,        // 5A, 5F24, 8C or 8D absent (TVR ICC data missing)
  kConditionsNotSatisfied, // GPO 69 85
  kDeclinedOffline,        // the card answered AAC at GAC1
  kApprovedOffline,        // the card answered TC at GAC1
  kApprovedOnline,         // online approval and TC at GAC2
  kDeclinedByIssuer,       // the issuer's response code was not an approval
  kDeclinedByCard,         // the card answered AAC at GAC2 (after an online approval: reverse it)
  kUnableToGoOnline,       // no issuer decision: AAC Z3 (online-only) or the default action
  kCdaFailed,              // the card's CDA signature did not verify
  kUseContactInterface,    // contactless: over the contactless limit, or the card asked for contact
  kFddaFailed,             // contactless: the fDDA signature or the certificates did not verify
  kTornTapCompleted,       // contactless: this tap completed an earlier torn tap; nothing new was charged
  kDeferredAuthorisation,  // contactless: an ARQC (fDDA verified) kept in icc_data for a later authorisation
  kInternal,               // the kernel itself failed (a buffer, the RNG)
};

enum class OdaMethod : std::uint8_t { kNone, kSda, kDda, kCda, kSm2Sda, kSm2Dda, kFdda, kSm2Fdda };
enum class CardInterface : std::uint8_t { kContact, kContactless };
enum class OdaResult : std::uint8_t { kNotPerformed, kSucceeded, kFailed };
enum class Cvm : std::uint8_t { kNone, kOfflinePin, kOfflineEncipheredPin, kOnlinePin, kNoCvmRequired, kFailed };
enum class Cryptogram : std::uint8_t { kNone, kAac, kTc, kArqc };
enum class DataSet : std::uint8_t { kRsa, kSm };

// One step as it ran.
struct StepRecord {
  Step step;
  bool ok;                // false: the step failed or found a failure (the TVR says which)
  std::string_view note;  // a short fixed sentence
};

// A GENERATE AC answer.
struct GacAnswer {
  std::uint8_t cid = 0;                     // 9F27
  std::uint16_t atc = 0;                    // 9F36
  std::array<std::uint8_t, 8> cryptogram{};  // 9F26 (under CDA: the one in the signed data)
  Bytes issuer_application_data;            // 9F10
  Cryptogram type() const;
};

struct TransactionRecord {
  Outcome outcome = Outcome::kFailed;
  Reason reason = Reason::kNone;
  Step failed_step = Step::kCompletion;  // the step that ended the transaction when outcome is kFailed
  Status status{};                        // the transport or kernel error behind kCardCommunication/kInternal
  StatusWord last_sw{};                   // the card's status word behind kUnexpectedStatus

  std::vector<StepRecord> steps;

  Bytes aid;
  std::string application_label;
  DataSet data_set = DataSet::kRsa;
  std::array<std::uint8_t, 2> aip{};
  std::string pan;  // digits (the record keeps it for the host link; describe() masks it)
  std::uint8_t pan_sequence_number = 0;
  std::uint16_t atc = 0;  // from the GAC answer (0 without GAC)

  OdaMethod oda_method = OdaMethod::kNone;
  OdaResult oda_result = OdaResult::kNotPerformed;
  Cvm cvm = Cvm::kNone;
  std::array<std::uint8_t, 3> cvm_results{};  // 9F34
  std::uint8_t pin_tries_left = 0xFF;         // from the last VERIFY answer 63 Cx (FF: not known)

  std::optional<GacAnswer> first_gac;
  std::optional<GacAnswer> second_gac;
  Cryptogram final_cryptogram = Cryptogram::kNone;

  bool online_attempted = false;
  bool online = false;  // an issuer decision came back
  std::optional<OnlineFailure> online_failure;
  std::array<char, 2> response_code{};  // the issuer's DF50 (valid when `online`)
  std::array<char, 2> arc_sent{};        // 8A in CDOL2
  bool issuer_authentication_performed = false;
  bool issuer_authentication_ok = false;
  // The FF40 value sent online (the host link also needs it for the reversal and confirmation).
  Bytes icc_data;

  Bytes script_results;  // 9F5B: 5 bytes per script ([6] A.5)

  Tvr tvr;
  Tsi tsi;
  std::size_t apdus = 0;  // APDUs exchanged with the card
  // Contactless (docs/CONTACTLESS.md §3): the interface, after how many APDUs the card was free to leave,
  // the e-cash balance the card reported (9F5D, or the IDD of 9F10), and whether the cryptogram was an
  // ARQC kept for deferred authorisation (a transit validator).
  CardInterface card_interface = CardInterface::kContact;
  std::size_t apdus_until_card_may_leave = 0;
  std::optional<std::uint64_t> ecash_balance_fen;
  bool deferred_authorisation = false;

  // The issuer approved but the card did not (AAC at GAC2, or a card error after an approved answer):
  // the host link reverses with reason 02 / 03 (PAYMENT.md §10).
  bool approved_online_but_not_completed = false;
};

std::string_view outcome_name(Outcome outcome);  // "approved", "declined", "failed"
std::string_view step_name(Step step);
std::string_view reason_text(Reason reason);      // one sentence
std::string_view oda_name(OdaMethod method, OdaResult result);  // "cda", "sm2-dda", "fdda", "sm2-fdda", "none", "failed"
std::string_view interface_name(CardInterface i);  // "contact", "contactless"
std::string_view cvm_name(Cvm cvm);               // "offline-pin", ... (§12)
std::string_view cryptogram_name(Cryptogram c);   // "TC", "AAC", "ARQC", "none"

// A multi-line readable account: outcome, steps, TVR and TSI by name, masked PAN (first 6, last 4).
std::string describe(const TransactionRecord& record);

// "620051*********2011".
std::string mask_pan(std::string_view pan);

}  // namespace sscard::pboc
