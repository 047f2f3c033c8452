// The requests and responses of the issuer-host protocol (docs/HOST-PROTOCOL.md "Payload", and the payment
// operations of docs/PAYMENT.md §9.1) as values, and their BER-TLV encoding. Decoding is strict about required
// fields, fields that do not belong to the operation, sizes and alphabets, and ignores unknown tags.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/wire/payment.h"

namespace sscard::wire {

enum class Operation : std::uint8_t {
  kQuery = 0x01,
  kActivate = 0x02,
  kReportLoss = 0x03,
  kCancelLoss = 0x04,
  kCertify = 0x05,
  kAuthorise = 0x06,    // PAYMENT.md §9.1
  kReverse = 0x07,
  kSettleQuote = 0x08,
  kSettle = 0x09,
  kConfirm = 0x0A,
  kTotals = 0x0B,
  kEcashLoad = 0x0C,  // CONTACTLESS.md §7: authorise plus the e-cash load
  kEcashClear = 0x0D,    // CONTACTLESS.md §7: a TC cleared against the e-cash account
  kTransitBatch = 0x0E,  // a validator's rides, to its acquirer (the province host)
  kDenyList = 0x0F,      // the lost cards of both provinces
};
// "query", "activate", "report-loss", "cancel-loss", "certify", "authorise", "reverse", "settle-quote",
// "settle", "confirm", "totals", "ecash-load", "ecash-clear", "transit-batch", "deny-list".
std::string_view operation_name(Operation op);
bool changes_state(Operation op);  // everything but kQuery, kSettleQuote, kTotals, kTransitBatch, kDenyList
bool is_payment(Operation op);     // kAuthorise .. kTotals, and the contactless operations from kEcashLoad

enum class ResultCode : std::uint8_t {
  kOk = 0x00,
  kUnknownCard = 0x01,
  kUnknownRegion = 0x02,
  kCardNotActiveForChange = 0x03,
  kInvalidState = 0x04,
  kIssuerUnavailable = 0x05,
  kKeyConflict = 0x06,
  kNotEligible = 0x07,
  kQuoteChanged = 0x08,  // settle only (PAYMENT.md §9.1)
};
std::string_view result_name(ResultCode r);  // "ok", "unknown_card", ... as in HOST-PROTOCOL.md

enum class CardState : std::uint8_t {
  kNotActivated = 0x00,
  kActive = 0x01,
  kLossReported = 0x02,
  kBlocked = 0x03,
};
std::string_view card_state_name(CardState s);  // "not_activated", "active", "loss_reported", "blocked"

enum class PensionStatus : std::uint8_t {
  kNotRetired = 0x00,
  kReceiving = 0x01,
  kSuspended = 0x02,
};
std::string_view pension_status_name(PensionStatus s);  // "not_retired", "receiving", "suspended"

enum class ContributionKind : std::uint8_t { kPension = 0x01, kMedical = 0x02 };
std::string_view contribution_kind_name(ContributionKind k);  // "pension", "medical"

using IdempotencyKey = std::array<std::uint8_t, 16>;

// Province codes as they appear in DF04 / DF22 / DF23.
inline constexpr std::string_view kChongqing = "500000";
inline constexpr std::string_view kSichuan = "510000";
// The home issuer of a 6-digit card region: "500000" for 50xxxx, "510000" for 51xxxx, nullopt otherwise.
std::optional<std::string> home_province(std::string_view region);

// One ride of a transit batch (0E, FF4C): the validator's ride number (its idempotency key with the terminal
// id, transit_ride_key), what the card answered, and the FF40 value of the clearing or the deferred authorise.
enum class RideKind : std::uint8_t { kOffline = 0x01, kDeferred = 0x02 };  // DF4E: TC / ARQC
struct Ride {
  std::uint64_t number = 0;  // DF4D
  RideKind kind = RideKind::kOffline;
  Bytes icc_data;            // FF40
  friend bool operator==(const Ride&, const Ride&) = default;
};
// The home issuer's answer to one ride (FF5A, in the order of the request's rides).
struct RideAnswer {
  std::uint64_t number = 0;   // DF4D
  ResultCode result = ResultCode::kOk;  // DF21 of the home issuer's answer
  std::string home_issuer;    // DF22, empty when unknown
  std::string response_code;  // DF50, empty when absent
  bool duplicate = false;     // DF2B
  friend bool operator==(const RideAnswer&, const RideAnswer&) = default;
};
inline constexpr std::size_t kMaxRides = 100;  // rides in one 0E request
// A deny-list entry (DF5B, 16 bytes each): deny_digest() of the card's PAN.
using DenyDigest = std::array<std::uint8_t, 16>;
inline constexpr std::size_t kMaxDenyDigests = 3000;

// The idempotency key of a ride, the same on every upload: "TR" ‖ the 12 terminal digits as 6 BCD bytes ‖ the
// ride number (8 bytes, big-endian). Only 0E rides use keys beginning "TR" with that layout.
IdempotencyKey transit_ride_key(std::string_view terminal, std::uint64_t ride_number);

// Which fields an operation carries (PAYMENT.md §9.1 for 06-0B): DF01-DF05 and DF09 always; DF06-DF08 for
// 01-05, 08 and 09, optional for 06, 07 and 0A, never for 0B; the payment fields as the table of §9.1 says. A
// query, a settlement quote (08) and a settlement (09) may carry DF0B and DF0C (both) instead of DF06-DF08
// (docs/ESSC.md); a settlement made with them carries no FF40 or DF41, whatever its card share (DF48).
// A field outside its operation's set is kInvalidArgument to encode and kMalformed to decode.
struct Request {
  Operation operation = Operation::kQuery;
  IdempotencyKey key{};
  std::string terminal;          // DF03, 12 ASCII digits
  std::string serving_province;  // DF04, 6 digits
  std::string card_region;       // DF05, 6 digits (0B: the issuer asked, 500000 or 510000)
  std::string ssn;               // DF06, 18 characters (empty: absent)
  std::string card_number;       // DF07, 9 characters (empty: absent)
  Bytes card_id;                 // DF08, 16 bytes (卡识别码) (empty: absent)
  std::string date;              // DF09, YYYYMMDD
  std::string residence;         // DF0A, 6 digits; certify only (empty otherwise)
  // The electronic social-security card (docs/ESSC.md "Online check"): the code's card reference and nonce,
  // together, in place of DF06-DF08; in 01, 08 and 09 only. The card region (DF05) is the code's.
  std::optional<std::array<std::uint8_t, 16>> essc_reference;  // DF0B
  std::optional<std::array<std::uint8_t, 8>> essc_nonce;        // DF0C
  // Payment (PAYMENT.md §9.1).
  std::optional<Bytes> icc_data;                   // FF40 value: 06, 0A; 07 optional; 09 when card_fen > 0
  std::optional<PinBlock> pin_block;               // DF41: 06 optional; 09 optional with FF40
  std::optional<IdempotencyKey> original_key;      // DF42: 07, 0A
  std::optional<ReversalReason> reversal_reason;   // DF43: 07
  std::optional<std::uint64_t> bill_total_fen;     // DF44: 08, 09
  std::optional<SettleCategory> category;          // DF45: 08, 09
  std::optional<std::uint64_t> insured_fen;        // DF46: 09
  std::optional<std::uint64_t> medical_fen;        // DF47: 09
  std::optional<std::uint64_t> card_fen;           // DF48: 09
  std::string business_date;                       // DF4A, YYYYMMDD: 0B (empty otherwise)
  std::optional<Totals> kiosk_totals;              // FF4B: 0B
  std::vector<Ride> rides;                         // FF4C: 0E (1..kMaxRides)

  friend bool operator==(const Request&, const Request&) = default;
};

struct Contribution {
  std::string period;  // YYYYMM
  ContributionKind kind = ContributionKind::kPension;
  std::uint64_t amount_fen = 0;

  friend bool operator==(const Contribution&, const Contribution&) = default;
};

struct Response {
  ResultCode result = ResultCode::kOk;
  std::string home_issuer;  // DF22, empty when unknown
  std::string served_by;    // DF23
  // Holder data: present in ok query answers; card_state also in state-change answers.
  std::optional<std::string> name;
  std::optional<CardState> card_state;
  std::optional<PensionStatus> pension_status;
  std::optional<std::uint64_t> pension_monthly_fen;
  std::optional<std::uint64_t> medical_balance_fen;
  std::vector<Contribution> contributions;  // newest first, at most 12
  std::optional<std::string> last_certification;  // YYYYMMDD
  bool duplicate = false;                         // DF2B
  // The holder's identity, in the ok answer to a query made with an electronic card only (docs/ESSC.md "Online
  // check"): the kiosk read no card, so the home issuer says who the code stands for, never the full SSN.
  std::optional<std::string> ssn_masked;  // DF2F, mask_ssn() of the SSN
  std::optional<char> sex;                // DF30, GB/T 2261.1: '1' male, '2' female
  std::optional<std::string> birth_date;  // DF31, YYYYMMDD
  // Payment (PAYMENT.md §9.1).
  std::string response_code;                                   // DF50, 2 ASCII letters or digits; empty: absent
  std::optional<IssuerAuthentication> issuer_authentication;   // DF51, ARPC || ARC
  std::optional<Bytes> scripts;                                // DF52, one or more encoded 72 templates
  std::optional<ReversalStatus> reversal_status;               // DF53
  std::optional<std::uint64_t> insured_fen;                    // DF54
  std::optional<std::uint64_t> medical_share_fen;              // DF55
  std::optional<std::uint64_t> card_share_fen;                 // DF56
  std::optional<Totals> issuer_totals;                         // FF58
  std::optional<TotalsComparison> totals_comparison;           // DF59
  std::vector<RideAnswer> rides;                               // FF5A: 0E answers
  std::optional<std::vector<DenyDigest>> deny_list;            // DF5B: 0F answers

  friend bool operator==(const Response&, const Response&) = default;
};

inline constexpr std::size_t kMaxContributions = 12;

// The SSN as an electronic card's answer carries it (DF2F): the first two and the last two characters, the
// fourteen between as '*' ("51**************1X"). The birth date travels on its own (DF31), so the mask hides
// the registration region and the sequence, which with it would give the whole number. An SSN that is not 18
// characters gives "".
std::string mask_ssn(std::string_view ssn);
// A DF2F value: 18 characters, the first two digits, then fourteen '*', then two digits or 'X' last.
bool valid_masked_ssn(std::string_view masked);

// Appends the TLV payload to `out`. kInvalidArgument if a field breaks its size rule (nothing appended).
Status encode(const Request& request, Bytes& out);
Status encode(const Response& response, Bytes& out);

// kMalformed / kTruncated for bad TLV, a missing required field or a field of the wrong size or alphabet.
Result<Request> decode_request(ByteSpan payload);
Result<Response> decode_response(ByteSpan payload);

}  // namespace sscard::wire
