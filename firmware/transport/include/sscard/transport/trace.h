// APDU tracing with redaction: every exchange on the wire can be shown to a TraceSink, but only after a
// Redactor has marked the secret bytes (PINs, cryptograms, the middle of a PAN) and those bytes have been
// blanked. A sink never sees a secret, so no sink can leak one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/status.h"

namespace sscard::transport {

// A set of secret byte ranges within one command or response, with a fixed capacity (no heap). Adding more
// ranges than it holds marks everything secret: running out of room must never reveal anything.
class SecretRanges {
 public:
  static constexpr std::size_t kCapacity = 16;

  void add(std::size_t offset, std::size_t length);
  void mark_all() { all_ = true; }

  bool all() const { return all_; }
  bool empty() const { return !all_ && count_ == 0; }
  bool contains(std::size_t index) const;
  std::size_t count() const { return count_; }

  // The ranges that fall into [offset, offset + length), shifted to start at 0.
  SecretRanges window(std::size_t offset, std::size_t length) const;

 private:
  struct Range {
    std::size_t offset = 0;
    std::size_t length = 0;
  };
  std::array<Range, kCapacity> ranges_{};
  std::size_t count_ = 0;
  bool all_ = false;
};

// Decides which bytes of an exchange are secret.
class Redactor {
 public:
  virtual ~Redactor() = default;

  // Marks the secret bytes of an encoded command APDU.
  virtual void command_secrets(ByteSpan command, SecretRanges& secrets) const = 0;

  // Marks the secret bytes of the response data (status word excluded) that `command` produced. When the
  // response arrives in pieces (61xx / GET RESPONSE) this is called with the data received so far, which
  // may end inside an element: the redactor must then mask conservatively.
  virtual void response_secrets(ByteSpan command, ByteSpan response_data, SecretRanges& secrets) const = 0;
};

// The redaction every trace gets unless told otherwise:
//  - commands: the data field of VERIFY (INS 20), CHANGE PIN (5E), PIN UNBLOCK / RESET RETRY COUNTER (24
//    and ISO 7816-4's 2C), EXTERNAL AUTHENTICATE (82) and INTERNAL AUTHENTICATE (88); the 4-byte MAC ending
//    any other secure-messaging command (CLA b4 b3 set: the PBOC issuer scripts);
//  - responses: the data of INTERNAL AUTHENTICATE (the card's cryptogram) and the cryptogram of a format 1
//    GENERATE AC answer; in any BER-TLV response, the application cryptogram 9F26, a PAN in tag 5A, in an
//    SM2 ICC certificate 9F46 and in track-2 data (57, 9F6B) keep only their first 6 and last 4 digits
//    (bytes holding any other digit are masked), and track-2 discretionary data is masked whole;
//  - the holder's identity, unless built with Identity::kShown: the value (not the tag and length) of the
//    SSSE records EF05 07 (card number) and EF06 08, 09, 4E, 0A-0D (social security number, name, sex,
//    ethnic group, birthplace, birth date) in READ RECORD answers and UPDATE RECORD commands, and the PBOC
//    cardholder name 5F20, name extended 9F0B and ID number 9F61 in any BER-TLV response.
class DefaultRedactor final : public Redactor {
 public:
  enum class Identity : std::uint8_t { kMasked, kShown };

  constexpr explicit DefaultRedactor(Identity identity = Identity::kMasked) : identity_(identity) {}

  void command_secrets(ByteSpan command, SecretRanges& secrets) const override;
  void response_secrets(ByteSpan command, ByteSpan response_data, SecretRanges& secrets) const override;

 private:
  Identity identity_;
};

// Secrets and identity masked (Identity::kMasked): what every transport uses unless told otherwise.
const Redactor& default_redactor();
// Secrets masked, identity shown: for a trace whose user asked for the holder data in full.
const Redactor& identity_showing_redactor();

// One side of a traced exchange: a copy of at most kTraceCapacity bytes in which every secret byte is 00.
struct TracedBytes {
  static constexpr std::size_t kTraceCapacity = 272;

  ByteSpan bytes{};          // the (possibly shortened) copy, secrets blanked
  SecretRanges secrets{};    // which of `bytes` were blanked
  std::size_t full_size = 0; // the size on the wire; > bytes.size() when the copy was shortened

  bool is_secret(std::size_t index) const { return secrets.contains(index); }
};

enum class ExchangeKind : std::uint8_t {
  kCommand,      // the caller's command
  kResend,       // the command again with the Le the card asked for (6Cxx)
  kGetResponse,  // GET RESPONSE after 61xx
};

struct TraceRecord {
  std::size_t sequence = 0;  // the transport's APDU counter for this exchange (1 = first)
  ExchangeKind kind = ExchangeKind::kCommand;
  TracedBytes command{};
  TracedBytes response{};    // data + SW1 SW2; empty when `status` is an error
  Status status{};           // the slot's outcome (kCardRemoved, kNoCard...)
};

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void on_exchange(const TraceRecord& record) = 0;
};

// Writes two lines per exchange, "> 00 20 00 00 03 ** ** **" and "< 90 00" (secret bytes as **), or
// "! card_removed" when the slot failed. A copy shortened to the trace capacity ends with "..(N bytes)".
class TextTrace final : public TraceSink {
 public:
  // Receives each line without its end-of-line.
  using LineCallback = void (*)(void* context, std::string_view line);

  TextTrace(LineCallback callback, void* context) : callback_(callback), context_(context) {}
  // Writes each line followed by '\n' to `file` (not owned; must stay open).
  explicit TextTrace(std::FILE* file) : file_(file) {}

  void on_exchange(const TraceRecord& record) override;

 private:
  void emit(std::string_view line);

  LineCallback callback_ = nullptr;
  void* context_ = nullptr;
  std::FILE* file_ = nullptr;
};

}  // namespace sscard::transport
