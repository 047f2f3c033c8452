#include "sscard/wire/wire.h"

#include <algorithm>
#include <atomic>
#include <chrono>

#include "sscard/core/tlv.h"
#include "sscard/crypto/diversify.h"
#include "sscard/crypto/mac.h"

namespace sscard::wire {
namespace {

// HOST-PROTOCOL.md "Frame": offsets inside the frame (the bytes after LEN).
constexpr std::size_t kLenSize = 4;
constexpr std::size_t kSenderAt = 4;
constexpr std::size_t kSenderSize = 12;
constexpr std::size_t kNonceAt = 16;
constexpr std::size_t kTimestampAt = 24;
constexpr std::size_t kRequestNonceAt = 32;
constexpr std::size_t kPayloadLengthAt = 40;
constexpr std::uint8_t kMagic0 = 0x53;  // 'S'
constexpr std::uint8_t kMagic1 = 0x48;  // 'H'
constexpr tlv::Tag kTagRefusalReason = 0xDF7F;

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool valid_id(std::string_view id) { return id.size() == kSenderSize && all_digits(id); }

void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void put_u64(Bytes& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

std::uint64_t get_be(ByteSpan b) {
  std::uint64_t v = 0;
  for (std::uint8_t x : b) v = (v << 8) | x;
  return v;
}

bool is_zero(const Nonce& n) {
  return std::all_of(n.begin(), n.end(), [](std::uint8_t b) { return b == 0; });
}

// LEN || header || payload, with room reserved for the MAC.
Bytes frame_without_mac(const FrameHeader& h, ByteSpan payload) {
  Bytes out;
  const std::size_t frame_size = kFrameHeaderSize + payload.size() + kMacSize;
  out.reserve(kLenSize + frame_size);
  put_u32(out, static_cast<std::uint32_t>(frame_size));
  out.push_back(kMagic0);
  out.push_back(kMagic1);
  out.push_back(kProtocolVersion);
  out.push_back(static_cast<std::uint8_t>(h.kind));
  out.insert(out.end(), h.sender.begin(), h.sender.end());
  out.insert(out.end(), h.nonce.begin(), h.nonce.end());
  put_u64(out, h.timestamp_ms);
  out.insert(out.end(), h.request_nonce.begin(), h.request_nonce.end());
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// The link MAC over LEN || frame without its MAC (HOST-PROTOCOL.md "MAC").
Status link_mac(crypto::Crypto& crypto, const LinkKey& key, ByteSpan len_and_body,
                std::array<std::uint8_t, kMacSize>& mac) {
  auto r = crypto::sm4_mac(crypto, key, ByteSpan{}, len_and_body, mac);
  if (!r.ok()) return r.status();
  return *r == kMacSize ? Status(kOk) : Status(Error::kInternal);
}

}  // namespace

std::string_view refusal_name(RefusalReason r) {
  switch (r) {
    case RefusalReason::kMalformed: return "malformed";
    case RefusalReason::kVersion: return "version";
    case RefusalReason::kUnknownSender: return "unknown_sender";
    case RefusalReason::kBadMac: return "bad_mac";
    case RefusalReason::kStale: return "stale";
    case RefusalReason::kReplay: return "replay";
  }
  return "unknown";
}

Result<LinkKey> derive_link_key(crypto::Crypto& crypto, ByteSpan master_key, std::string_view id) {
  if (!valid_id(id) || master_key.size() != kLinkKeySize) return Error::kInvalidArgument;
  // HOST-PROTOCOL.md "Link keys": the 12 digits as 6 packed BCD bytes, then FF FF; diversify() encrypts
  // F || (F xor FF..FF) under SM4.
  std::array<std::uint8_t, 8> factor{};
  for (std::size_t i = 0; i < 6; ++i) {
    factor[i] = static_cast<std::uint8_t>(((id[2 * i] - '0') << 4) | (id[2 * i + 1] - '0'));
  }
  factor[6] = 0xFF;
  factor[7] = 0xFF;
  LinkKey key{};
  auto r = crypto::diversify(crypto, crypto::Cipher::kSm4, master_key, factor, key);
  if (!r.ok()) return r.status();
  return key;
}

Result<Bytes> seal(crypto::Crypto& crypto, const FrameHeader& header, ByteSpan payload, const LinkKey& key) {
  if (!valid_id(header.sender)) return Error::kInvalidArgument;
  if (header.kind != FrameKind::kRequest && header.kind != FrameKind::kResponse) return Error::kInvalidArgument;
  if (header.kind == FrameKind::kRequest && !is_zero(header.request_nonce)) return Error::kInvalidArgument;
  if (payload.size() > kMaxFrameSize - kMinFrameSize) return Error::kInvalidArgument;
  Bytes out = frame_without_mac(header, payload);
  std::array<std::uint8_t, kMacSize> mac{};
  SSCARD_TRY(link_mac(crypto, key, out, mac));
  out.insert(out.end(), mac.begin(), mac.end());
  return out;
}

Bytes refusal(std::string_view sender, const Nonce& request_nonce, RefusalReason reason, std::uint64_t now) {
  FrameHeader h;
  h.kind = FrameKind::kRefusal;
  // The sender field must hold 12 digits whatever the caller passed; a refusal is unauthenticated anyway.
  h.sender = valid_id(sender) ? std::string(sender) : std::string(kSenderSize, '0');
  h.timestamp_ms = now;
  h.request_nonce = request_nonce;
  const std::array<std::uint8_t, 4> payload = {0xDF, 0x7F, 0x01, static_cast<std::uint8_t>(reason)};
  Bytes out = frame_without_mac(h, payload);
  out.insert(out.end(), kMacSize, 0x00);
  return out;
}

Result<FrameHeader> peek_header(ByteSpan frame) {
  if (frame.size() > kMaxFrameSize) return Error::kMalformed;
  // Every field is checked as far as the bytes go, so a prefix of a good frame is always kTruncated.
  if (frame.size() > 0 && frame[0] != kMagic0) return Error::kMalformed;
  if (frame.size() > 1 && frame[1] != kMagic1) return Error::kMalformed;
  if (frame.size() > 2 && frame[2] != kProtocolVersion) return Error::kUnsupported;
  if (frame.size() > 3 && (frame[3] < 0x01 || frame[3] > 0x03)) return Error::kMalformed;
  for (std::size_t i = kSenderAt; i < std::min(frame.size(), kSenderAt + kSenderSize); ++i) {
    if (frame[i] < '0' || frame[i] > '9') return Error::kMalformed;
  }
  if (frame.size() < kFrameHeaderSize) return Error::kTruncated;

  FrameHeader h;
  h.kind = static_cast<FrameKind>(frame[3]);
  h.sender.assign(frame.begin() + kSenderAt, frame.begin() + kSenderAt + kSenderSize);
  std::copy_n(frame.begin() + kNonceAt, h.nonce.size(), h.nonce.begin());
  h.timestamp_ms = get_be(frame.subspan(kTimestampAt, 8));
  std::copy_n(frame.begin() + kRequestNonceAt, h.request_nonce.size(), h.request_nonce.begin());
  if (h.kind == FrameKind::kRequest && !is_zero(h.request_nonce)) return Error::kMalformed;

  const std::uint64_t n = get_be(frame.subspan(kPayloadLengthAt, 4));
  const std::uint64_t total = kMinFrameSize + n;
  if (total > kMaxFrameSize) return Error::kMalformed;
  if (total > frame.size()) return Error::kTruncated;
  if (total < frame.size()) return Error::kMalformed;
  return h;
}

Result<OpenedFrame> open(crypto::Crypto& crypto, ByteSpan frame, const LinkKey& key) {
  SSCARD_TRY_ASSIGN(FrameHeader header, peek_header(frame));
  const ByteSpan body = frame.first(frame.size() - kMacSize);
  Bytes macced;
  macced.reserve(kLenSize + body.size());
  put_u32(macced, static_cast<std::uint32_t>(frame.size()));
  macced.insert(macced.end(), body.begin(), body.end());
  std::array<std::uint8_t, kMacSize> mac{};
  SSCARD_TRY(link_mac(crypto, key, macced, mac));
  if (!constant_time_equal(mac, frame.last(kMacSize))) return Error::kSecurity;
  OpenedFrame out;
  out.header = std::move(header);
  const ByteSpan payload = body.subspan(kFrameHeaderSize);
  out.payload.assign(payload.begin(), payload.end());
  return out;
}

Result<RefusalReason> refusal_reason(ByteSpan frame) {
  auto h = peek_header(frame);
  if (!h.ok() || h->kind != FrameKind::kRefusal) return Error::kMalformed;
  ByteSpan payload = frame.subspan(kFrameHeaderSize, frame.size() - kMinFrameSize);
  std::optional<std::uint8_t> reason;
  while (!payload.empty()) {
    auto e = tlv::decode(payload);
    if (!e.ok()) return Error::kMalformed;
    payload = payload.subspan(e->encoded.size());
    if (e->tag != kTagRefusalReason) continue;
    if (reason || e->value.size() != 1) return Error::kMalformed;
    reason = e->value[0];
  }
  if (!reason || *reason < 0x01 || *reason > 0x06) return Error::kMalformed;
  return static_cast<RefusalReason>(*reason);
}

Nonce fresh_nonce(crypto::Crypto& crypto) {
  Nonce n{};
  if (crypto.random(n).ok()) return n;
  // Without the backend's generator, fall back to a value unique within this process: the nonce only has to
  // be fresh for replay protection, it is no secret.
  static std::atomic<std::uint64_t> counter{0};
  const std::uint64_t v =
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) ^
      (counter.fetch_add(1) << 48);
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return n;
}

std::uint64_t now_ms() {
  const auto since = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(since).count());
}

}  // namespace sscard::wire
