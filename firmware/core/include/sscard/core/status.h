// Status: the outcome of an operation that returns no value.
//
// Errors are values (no exceptions in firmware/ and hal/). Each code is chosen by what the caller should do
// next: fix its own call, ask for another card, retry, or give up.
#pragma once

#include <cstdint>
#include <string_view>

namespace sscard {

enum class Error : std::uint8_t {
  kOk = 0,
  kInvalidArgument,    // the caller's request is wrong (bad length, bad parameter); nothing was sent
  kBufferTooSmall,     // the caller's output span cannot hold the result; nothing was written past it
  kMalformed,          // bytes from outside (card, host, file) break their encoding rules
  kTruncated,          // bytes from outside end before an element they announce
  kNotFound,           // the requested item does not exist (file, record, tag, reader)
  kNoCard,             // no card in the slot: ask for one
  kCardRemoved,        // the card went away mid-exchange: the command may or may not have run
  kReaderUnavailable,  // the reader or its service is gone
  kTimeout,            // no answer in time: the request may or may not have been applied
  kCardStatus,         // the card answered with a status word the caller did not expect
  kUnsupported,        // the card or the request uses a feature this build does not implement
  kSecurity,           // the operation needs a security state (PSAM, PIN, key) that is not there
  kIo,                 // local storage or OS failure
  kInternal,           // a broken invariant in this program
};

// A short stable name, e.g. "card_removed"; used in logs and CLI messages.
std::string_view error_name(Error e);

class [[nodiscard]] Status {
 public:
  constexpr Status() = default;
  constexpr Status(Error code) : code_(code) {}  // NOLINT(google-explicit-constructor): `return Error::k...;`

  static constexpr Status ok_status() { return Status(); }
  static constexpr Status internal() { return Status(Error::kInternal); }

  constexpr bool ok() const { return code_ == Error::kOk; }
  constexpr Error code() const { return code_; }
  std::string_view name() const { return error_name(code_); }

  friend constexpr bool operator==(Status a, Status b) { return a.code_ == b.code_; }
  friend constexpr bool operator==(Status a, Error b) { return a.code_ == b; }

 private:
  Error code_ = Error::kOk;
};

inline constexpr Status kOk{};

}  // namespace sscard
