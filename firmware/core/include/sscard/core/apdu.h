// Command and response APDUs (ISO/IEC 7816-3 section 12.1, ISO/IEC 7816-4 section 5.1): cases 1-4, short and
// extended length, parsed into non-owning views and built into caller-provided buffers.
#pragma once

#include <cstddef>
#include <cstdint>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/core/status_word.h"

namespace sscard::apdu {

inline constexpr std::size_t kMaxShortNc = 255;
inline constexpr std::size_t kMaxShortNe = 256;        // Le = 00
inline constexpr std::size_t kMaxExtendedNc = 65535;
inline constexpr std::size_t kMaxExtendedNe = 65536;   // Le = 00 00
inline constexpr std::size_t kMaxCommandSize = 4 + 3 + kMaxExtendedNc + 2;
inline constexpr std::size_t kMaxResponseSize = kMaxExtendedNe + 2;
inline constexpr std::size_t kMaxShortResponseSize = kMaxShortNe + 2;

enum class Case : std::uint8_t {
  k1 = 1,  // no data, no response data
  k2 = 2,  // response data expected (Le)
  k3 = 3,  // command data (Lc + data)
  k4 = 4,  // both
};

// A command APDU. `data` is a view: it must outlive the Command. `ne` is the number of response bytes
// expected (Ne): 0 = none; up to 256 in short form (256 is encoded as Le = 00), up to 65536 in extended form.
struct Command {
  std::uint8_t cla = 0;
  std::uint8_t ins = 0;
  std::uint8_t p1 = 0;
  std::uint8_t p2 = 0;
  ByteSpan data{};
  std::size_t ne = 0;
  bool force_extended = false;  // extended encoding even when short would do

  Case apdu_case() const;
  bool is_extended() const;       // how encode() will write it
  std::size_t encoded_size() const;

  // Writes the APDU into `out`; returns its length.
  // kInvalidArgument: Nc > 65535 or Ne > 65536; kBufferTooSmall: `out` is too short (nothing usable written).
  Result<std::size_t> encode(MutableByteSpan out) const;

  // Convenience for tests and tools: the encoding as a new vector (empty on invalid arguments).
  Bytes to_bytes() const;
};

// Parses a command APDU. The returned Command's `data` points into `raw`.
// Errors: kTruncated (fewer than 4 bytes), kMalformed (Lc/Le inconsistent with the length, Lc = 0 in a
// short case 3/4, extended Lc of 0, mixed short/extended fields).
Result<Command> parse_command(ByteSpan raw);

// A response APDU view: data and the trailing status word.
struct Response {
  ByteSpan data{};
  StatusWord sw{};
};

// kTruncated if `raw` has fewer than 2 bytes. `data` points into `raw`.
Result<Response> parse_response(ByteSpan raw);

// Writes data || SW1 SW2 into `out`; returns the length. kBufferTooSmall if it does not fit.
Result<std::size_t> encode_response(ByteSpan data, StatusWord sw, MutableByteSpan out);

}  // namespace sscard::apdu
