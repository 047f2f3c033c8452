// StatusWord: the card's SW1 SW2, with the one table of what each means (ISO/IEC 7816-4 section 5.6,
// PBOC / JR/T 0025 additions, and the social-security card's own usage).
#pragma once

#include <cstdint>
#include <string_view>

namespace sscard {

class StatusWord {
 public:
  constexpr StatusWord() = default;
  constexpr explicit StatusWord(std::uint16_t value) : value_(value) {}
  constexpr StatusWord(std::uint8_t sw1, std::uint8_t sw2)
      : value_(static_cast<std::uint16_t>((sw1 << 8) | sw2)) {}

  constexpr std::uint16_t value() const { return value_; }
  constexpr std::uint8_t sw1() const { return static_cast<std::uint8_t>(value_ >> 8); }
  constexpr std::uint8_t sw2() const { return static_cast<std::uint8_t>(value_ & 0xFF); }

  constexpr bool is_success() const { return value_ == 0x9000; }
  // 61xx: xx more bytes are waiting for GET RESPONSE (xx = 00 means 256 or more).
  constexpr bool is_bytes_available() const { return sw1() == 0x61; }
  // 6Cxx: wrong Le; resend the same command with Le = xx (00 means 256).
  constexpr bool is_wrong_le() const { return sw1() == 0x6C; }
  // 63Cx: verification failed, x tries left.
  constexpr bool is_tries_left() const { return sw1() == 0x63 && (sw2() & 0xF0) == 0xC0; }
  constexpr int tries_left() const { return is_tries_left() ? (sw2() & 0x0F) : -1; }

  friend constexpr bool operator==(StatusWord a, StatusWord b) { return a.value_ == b.value_; }

 private:
  std::uint16_t value_ = 0;
};

namespace sw {
inline constexpr StatusWord kSuccess{0x9000};
inline constexpr StatusWord kFileInvalidated{0x6283};        // selected file deactivated (blocked app)
// Warning, state changed, no information given; EXTERNAL AUTHENTICATE's answer to a wrong cryptogram
// (docs/SECURITY.md "External authentication").
inline constexpr StatusWord kStateChangedNoInfo{0x6300};
inline constexpr StatusWord kMemoryFailure{0x6581};
inline constexpr StatusWord kWrongLength{0x6700};
inline constexpr StatusWord kSecurityNotSatisfied{0x6982};
inline constexpr StatusWord kAuthMethodBlocked{0x6983};       // PIN or key blocked
inline constexpr StatusWord kReferenceDataInvalidated{0x6984};
inline constexpr StatusWord kConditionsNotSatisfied{0x6985};
inline constexpr StatusWord kCommandNotAllowed{0x6986};       // e.g. no current EF
inline constexpr StatusWord kIncorrectMac{0x6988};            // secure-messaging data object incorrect
inline constexpr StatusWord kWrongData{0x6A80};
inline constexpr StatusWord kFunctionNotSupported{0x6A81};
inline constexpr StatusWord kFileNotFound{0x6A82};
inline constexpr StatusWord kRecordNotFound{0x6A83};
inline constexpr StatusWord kNotEnoughMemory{0x6A84};
inline constexpr StatusWord kIncorrectP1P2{0x6A86};
inline constexpr StatusWord kReferencedDataNotFound{0x6A88};
inline constexpr StatusWord kWrongP1P2{0x6B00};
inline constexpr StatusWord kInsNotSupported{0x6D00};
inline constexpr StatusWord kClaNotSupported{0x6E00};
inline constexpr StatusWord kNoPreciseDiagnosis{0x6F00};
// PBOC additions (JR/T 0025 as quoted in public code, docs/DECISIONS.md D29).
inline constexpr StatusWord kPbocMacInvalid{0x9302};
inline constexpr StatusWord kApplicationBlocked{0x9303};      // PBOC: application permanently blocked
inline constexpr StatusWord kInsufficientBalance{0x9401};
inline constexpr StatusWord kKeyIndexNotSupported{0x9403};
inline constexpr StatusWord kMacUnavailable{0x9406};          // PBOC: required MAC unavailable
}  // namespace sw

// What a status word means, in English, from the single table in status_word.cpp.
// Families (61xx, 6Cxx, 63Cx) are described generically. Unknown words give "unknown status word".
std::string_view describe(StatusWord sw);

}  // namespace sscard
