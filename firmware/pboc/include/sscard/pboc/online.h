// The online step as the kernel sees it (PAYMENT.md §8.2 step 10, §9.1): one authorisation request to the
// card's issuer, through whatever host link the caller has (firmware/host for a kiosk, a fake in tests).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::pboc {

struct AuthorisationRequest {
  // The value of FF40: the card and terminal data elements of §9.1 as TLVs, in its order (`5A 5F34 5F24 82
  // 84 9F36 9F26 9F27 9F10 9F37 95 9A 9F21 9C 9F02 9F03 5F2A 9F1A 9F33 9F34 9F35 9F09`); the caller wraps it.
  ByteSpan icc_data;
  std::uint64_t amount_fen = 0;
  std::string_view pan;  // digits; never logged in full
  // DF41: the format 0 PIN block enciphered under the kiosk's PEK, when the CVM was online PIN.
  std::optional<std::array<std::uint8_t, 8>> enciphered_pin_block;
};

// An authenticated answer in which the issuer decided (DF21 = 00).
struct AuthorisationResponse {
  std::array<char, 2> response_code{};  // DF50, two ASCII characters = the ARC
  // DF51: ARPC || ARC (10 bytes); absent when the issuer could not verify the ARQC (e.g. code 05).
  std::optional<std::array<std::uint8_t, 10>> issuer_authentication_data;
  Bytes scripts;  // DF52: the encoded 71 / 72 templates, possibly empty
};

// Why no decision came back: for the kernel all of them mean "unable to go online" ([6] 7.9.3 step 4).
enum class OnlineFailure : std::uint8_t {
  kUnreachable,  // no connection to the host
  kTimeout,      // no answer in time (the host link has retried)
  kBadMac,       // an answer that did not authenticate
  kNoDecision,   // an authenticated answer without an issuer decision (DF21 other than 00)
};

std::string_view online_failure_name(OnlineFailure failure);

class OnlineAuthoriser {
 public:
  virtual ~OnlineAuthoriser() = default;
  // Sends the request and waits for the answer. Called at most once per transaction.
  virtual Result<AuthorisationResponse, OnlineFailure> authorise(const AuthorisationRequest& request) = 0;
};

}  // namespace sscard::pboc
