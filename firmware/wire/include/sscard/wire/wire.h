// Frames of the issuer-host protocol (docs/HOST-PROTOCOL.md "Frame"): sealing with the SM4 link MAC,
// opening with MAC check, replay window and refusals. One hop = one link key.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"

namespace sscard::wire {

inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kFrameHeaderSize = 44;
inline constexpr std::size_t kMacSize = 16;
inline constexpr std::size_t kMinFrameSize = kFrameHeaderSize + kMacSize;  // LEN lower bound is 20 on the wire,
                                                                           // but no valid frame is shorter
inline constexpr std::size_t kMaxFrameSize = 65536;
inline constexpr std::size_t kLinkKeySize = 16;

// Ids of the simulated world's hosts and hub (12 ASCII digits).
inline constexpr std::string_view kChongqingHostId = "500000000000";
inline constexpr std::string_view kSichuanHostId = "510000000000";
inline constexpr std::string_view kHubId = "999999000000";

enum class FrameKind : std::uint8_t { kRequest = 0x01, kResponse = 0x02, kRefusal = 0x03 };

enum class RefusalReason : std::uint8_t {
  kMalformed = 0x01,
  kVersion = 0x02,
  kUnknownSender = 0x03,
  kBadMac = 0x04,
  kStale = 0x05,
  kReplay = 0x06,
};
std::string_view refusal_name(RefusalReason r);  // "malformed", "version", "unknown_sender", "bad_mac", ...

using Nonce = std::array<std::uint8_t, 8>;
using LinkKey = std::array<std::uint8_t, kLinkKeySize>;

// A frame's fields, without LEN and MAC.
struct FrameHeader {
  FrameKind kind = FrameKind::kRequest;
  std::string sender;  // 12 ASCII digits
  Nonce nonce{};
  std::uint64_t timestamp_ms = 0;
  Nonce request_nonce{};  // responses: the nonce of the request answered; zeros otherwise
};

// A frame that passed open(): its header and a copy of its payload.
struct OpenedFrame {
  FrameHeader header;
  Bytes payload;
};

// link_key(id) = SM4 diversify(master, the 12 ASCII digits of id) (HOST-PROTOCOL.md "Link keys").
Result<LinkKey> derive_link_key(crypto::Crypto& crypto, ByteSpan master_key, std::string_view id);

// Builds the whole wire message: LEN (4 bytes) + frame + MAC. header.nonce and timestamp are used as given
// (callers fill them with fresh_nonce() and the clock). kInvalidArgument: sender not 12 digits, payload too big
// (over kMaxFrameSize - kMinFrameSize), kind kRefusal (use refusal()), a request with a non-zero request_nonce.
Result<Bytes> seal(crypto::Crypto& crypto, const FrameHeader& header, ByteSpan payload, const LinkKey& key);

// A refusal message (LEN + frame + 16 zero bytes) from `sender` answering `request_nonce`. Its nonce is zero: a
// refusal is neither authenticated nor replay-checked. A `sender` that is not 12 digits is sent as 000000000000.
Bytes refusal(std::string_view sender, const Nonce& request_nonce, RefusalReason reason, std::uint64_t now_ms);

// Parses the header of a frame (the bytes after LEN) without checking the MAC: to learn the sender and pick
// its key. kMalformed / kTruncated for bad magic, kind, sender or lengths, or a request whose request-nonce field
// is not zero; kUnsupported for another version. A prefix of a valid frame is always kTruncated.
Result<FrameHeader> peek_header(ByteSpan frame);

// Checks the MAC of `frame` (the bytes after LEN) under `key` in constant time and returns header + payload.
// kSecurity for a wrong MAC; the decode errors of peek_header otherwise.
Result<OpenedFrame> open(crypto::Crypto& crypto, ByteSpan frame, const LinkKey& key);

// For a refusal frame: its reason (kMalformed if the frame is not a well-formed refusal).
Result<RefusalReason> refusal_reason(ByteSpan frame);

// Random bytes from `crypto`; should its generator fail, a value unique within this process (a nonce needs to
// be fresh, not secret).
Nonce fresh_nonce(crypto::Crypto& crypto);
std::uint64_t now_ms();  // system clock, milliseconds since the epoch

// The receiver's replay rule (HOST-PROTOCOL.md "Replay protection"). Thread-safe.
class ReplayGuard {
 public:
  static constexpr std::uint64_t kWindowMs = 300'000;
  static constexpr std::uint64_t kStartSlackMs = 5'000;

  explicit ReplayGuard(std::uint64_t start_ms = now_ms()) : start_ms_(start_ms) {}

  // nullopt: accept (and remember the pair); otherwise the reason to refuse.
  std::optional<RefusalReason> check(const FrameHeader& header, std::uint64_t now);

  // How many (sender, nonce) pairs are remembered now (bounded by the window; for tests and monitoring).
  std::size_t remembered();

 private:
  using Seen = std::map<std::pair<std::string, Nonce>, std::uint64_t>;
  void prune(std::uint64_t now);

  std::mutex mutex_;
  std::uint64_t start_ms_;
  Seen seen_;  // -> timestamp; pruned past the window
  std::multimap<std::uint64_t, Seen::iterator> by_time_;  // timestamp -> entry of seen_, oldest first
};

}  // namespace sscard::wire
