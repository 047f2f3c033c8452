// The payment additions of the issuer-host protocol (docs/PAYMENT.md §9.1): the values carried by the
// operations authorise, reverse, settle_quote, settle, confirm and totals, and the ICC data (FF40) they send.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/core/tlv.h"

namespace sscard::wire {

// DF43: why a kiosk reverses (PAYMENT.md §9.1).
enum class ReversalReason : std::uint8_t {
  kNoAnswer = 0x01,      // no authenticated answer
  kCardDeclined = 0x02,  // the card declined after the issuer approved
  kCardError = 0x03,     // card removed or card error after GAC1
  kRestart = 0x04,       // the terminal restarted with the reversal armed
};

// DF53: what a reversal did at the home issuer (PAYMENT.md §10 "host").
enum class ReversalStatus : std::uint8_t {
  kReversed = 0x01,          // money returned
  kNothingToReverse = 0x02,  // the original was declined
  kUnknownOriginal = 0x03,   // never seen: tombstoned, a late original is answered 12
  kAlreadyReversed = 0x04,   // by another reversal key
};
std::string_view reversal_status_name(ReversalStatus s);  // "reversed", "nothing_to_reverse", ...

// DF45: the kind of bill of a medical settlement (PAYMENT.md §11).
enum class SettleCategory : std::uint8_t { kOutpatient = 0x01, kPharmacy = 0x02, kInpatient = 0x03 };

// DF59.
enum class TotalsComparison : std::uint8_t { kBalanced = 0x00, kOutOfBalance = 0x01 };

// The ISO 8583 response codes of PAYMENT.md §9.2 (DF50, two ASCII characters; the ARC of the card).
namespace rc {
inline constexpr std::string_view kApproved = "00";
inline constexpr std::string_view kCryptogramFailed = "05";  // DKI, CVN, algorithm or ARQC
inline constexpr std::string_view kInvalid = "12";           // inconsistent request, tombstoned key
inline constexpr std::string_view kUnknownPan = "14";
inline constexpr std::string_view kLostCard = "41";
inline constexpr std::string_view kInsufficientFunds = "51";
inline constexpr std::string_view kExpired = "54";
inline constexpr std::string_view kWrongPin = "55";
inline constexpr std::string_view kBlocked = "62";
inline constexpr std::string_view kExceedsLimit = "61";  // e-cash load over the balance limit (CONTACTLESS.md §7)
inline constexpr std::string_view kPinTriesExceeded = "75";
inline constexpr std::string_view kDuplicateAtc = "94";
}  // namespace rc

using PinBlock = std::array<std::uint8_t, 8>;                // DF41, 3DES-enciphered format 0 block
using IssuerAuthentication = std::array<std::uint8_t, 10>;   // DF51, ARPC || ARC

// The reconciliation counters of FF4B (the kiosk's) and FF58 (the issuer's), each 8 bytes on the wire.
struct Totals {
  std::uint64_t approved_count = 0;               // DF61
  std::uint64_t approved_fen = 0;                 // DF62
  std::uint64_t reversed_count = 0;               // DF63
  std::uint64_t reversed_fen = 0;                 // DF64
  std::uint64_t settled_count = 0;                // DF65
  std::uint64_t settled_medical_fen = 0;          // DF66
  std::uint64_t settled_card_fen = 0;             // DF67
  std::uint64_t settle_reversed_count = 0;        // DF68
  std::uint64_t settle_reversed_medical_fen = 0;  // DF6A
  std::uint64_t settle_reversed_card_fen = 0;     // DF6B

  friend bool operator==(const Totals&, const Totals&) = default;
};

// PAYMENT.md §10 "totals": approved minus reversed, pair by pair (count and fen of authorisations; count,
// medical and card fen of settlements). Counters that would go below zero never balance.
bool totals_balance(const Totals& kiosk, const Totals& issuer);

// The ICC data tags of FF40 (PAYMENT.md §9.1), in the order a kiosk sends them.
inline constexpr std::array<tlv::Tag, 22> kAuthoriseIccTags = {
    0x5A,   0x5F34, 0x5F24, 0x82,   0x84,   0x9F36, 0x9F26, 0x9F27, 0x9F10, 0x9F37, 0x95,
    0x9A,   0x9F21, 0x9C,   0x9F02, 0x9F03, 0x5F2A, 0x9F1A, 0x9F33, 0x9F34, 0x9F35, 0x9F09};
inline constexpr std::array<tlv::Tag, 4> kReversalIccTags = {0x5A, 0x5F34, 0x9F36, 0x9F02};  // [9F5B]
inline constexpr std::array<tlv::Tag, 7> kConfirmIccTags = {0x5A, 0x5F34, 0x9F36, 0x9F26,
                                                            0x9F27, 0x9F10, 0x95};  // [9F5B]
inline constexpr tlv::Tag kScriptResultsTag = 0x9F5B;

// The elements of an FF40 value: primitive EMV TLVs, no padding, each tag at most once. The spans point into
// the bytes parsed.
class IccData {
 public:
  // kMalformed / kTruncated: not a sequence of well-formed primitive elements, padding, or a repeated tag.
  static Result<IccData> parse(ByteSpan value);

  std::optional<ByteSpan> get(tlv::Tag tag) const;
  // True when every tag of `tags` is present.
  bool has_all(std::span<const tlv::Tag> tags) const;

 private:
  struct Item {
    tlv::Tag tag;
    ByteSpan value;
  };
  std::vector<Item> items_;
};

// An FF40 value from (tag, value) pairs, in the given order. kInvalidArgument: a constructed or invalid tag.
struct IccItem {
  tlv::Tag tag;
  Bytes value;
};
Result<Bytes> build_icc_data(std::span<const IccItem> items);

}  // namespace sscard::wire
