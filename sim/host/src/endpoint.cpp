#include "endpoint.h"

#include <algorithm>
#include <utility>

#include "sscard/core/test_point.h"

namespace sscard::sim::host::detail {
namespace {


constexpr std::size_t kLenSize = 4;
constexpr std::size_t kNonceAt = 16;  // in the frame, after LEN

std::uint32_t read_len(ByteSpan message) {
  return (std::uint32_t{message[0]} << 24) | (std::uint32_t{message[1]} << 16) | (std::uint32_t{message[2]} << 8) |
         std::uint32_t{message[3]};
}

// The frame of a whole message when LEN agrees with the bytes that came; nullopt otherwise.
std::optional<ByteSpan> frame_of(ByteSpan message) {
  if (message.size() < kLenSize) return std::nullopt;
  const std::uint32_t len = read_len(message);
  if (len < 20 || len > wire::kMaxFrameSize || len != message.size() - kLenSize) return std::nullopt;
  return message.subspan(kLenSize);
}

// The nonce field of a frame as far as it is there, for the refusal's "request nonce".
wire::Nonce nonce_of(ByteSpan frame) {
  wire::Nonce n{};
  if (frame.size() >= kNonceAt + n.size()) std::copy_n(frame.begin() + kNonceAt, n.size(), n.begin());
  return n;
}

}  // namespace

Endpoint::Endpoint(std::shared_ptr<crypto::Crypto> crypto, const MasterKey& master, std::string id)
    : crypto_(std::move(crypto)), master_(master), id_(std::move(id)) {}

Endpoint::~Endpoint() { secure_wipe(master_); }

std::optional<wire::LinkKey> Endpoint::link_key(std::string_view id) {
  if (!crypto_) return std::nullopt;
  std::lock_guard lock(crypto_mutex_);
  auto key = wire::derive_link_key(*crypto_, master_, id);
  if (!key.ok()) return std::nullopt;
  return *key;
}

std::variant<Incoming, Bytes> Endpoint::open_request(ByteSpan message,
                                                     const std::function<bool(std::string_view)>& allowed) {
  const std::optional<ByteSpan> frame = frame_of(message);
  const wire::Nonce their_nonce = frame ? nonce_of(*frame) : wire::Nonce{};
  auto refuse_with = [&](wire::RefusalReason reason) -> Bytes {
    return wire::refusal(id_, their_nonce, reason, wire::now_ms());
  };
  if (!frame) return refuse_with(wire::RefusalReason::kMalformed);
  auto header = wire::peek_header(*frame);
  if (!header.ok()) {
    return refuse_with(header.status() == Error::kUnsupported ? wire::RefusalReason::kVersion
                                                              : wire::RefusalReason::kMalformed);
  }
  if (header->kind != wire::FrameKind::kRequest) return refuse_with(wire::RefusalReason::kMalformed);
  if (!allowed(header->sender)) return refuse_with(wire::RefusalReason::kUnknownSender);

  Incoming in;
  auto key = link_key(header->sender);
  if (!key) return refuse_with(wire::RefusalReason::kUnknownSender);
  in.key = *key;
  secure_wipe(*key);
  {
    std::lock_guard lock(crypto_mutex_);
    auto opened = wire::open(*crypto_, *frame, in.key);
    if (!opened.ok()) {
      return refuse_with(opened.status() == Error::kSecurity ? wire::RefusalReason::kBadMac
                                                             : wire::RefusalReason::kMalformed);
    }
    in.frame = std::move(*opened);
  }
  // After the MAC: an unauthenticated frame never enters the replay memory.
  if (auto reason = guard_.check(in.frame.header, wire::now_ms())) return refuse_with(*reason);
  return in;
}

Bytes Endpoint::refuse(const Incoming& request, wire::RefusalReason reason) {
  return wire::refusal(id_, request.frame.header.nonce, reason, wire::now_ms());
}

Bytes Endpoint::answer(const Incoming& request, ByteSpan payload) {
  if (!crypto_) return {};
  std::lock_guard lock(crypto_mutex_);
  wire::FrameHeader h;
  h.kind = wire::FrameKind::kResponse;
  h.sender = id_;
  h.nonce = wire::fresh_nonce(*crypto_);
  h.timestamp_ms = wire::now_ms();
  h.request_nonce = request.frame.header.nonce;
  auto sealed = wire::seal(*crypto_, h, payload, request.key);
  return sealed.ok() ? std::move(*sealed) : Bytes();
}

std::optional<Bytes> Endpoint::forward(wire::Channel& next, ByteSpan payload, std::string_view answerer,
                                       std::chrono::milliseconds timeout) {
  auto key = link_key(id_);
  if (!key) return std::nullopt;
  struct Wipe {
    wire::LinkKey& k;
    ~Wipe() { secure_wipe(k); }
  } wipe{*key};

  wire::FrameHeader h;
  h.kind = wire::FrameKind::kRequest;
  h.sender = id_;
  h.timestamp_ms = wire::now_ms();
  Result<Bytes> sealed = Error::kInternal;
  {
    std::lock_guard lock(crypto_mutex_);
    h.nonce = wire::fresh_nonce(*crypto_);
    sealed = wire::seal(*crypto_, h, payload, *key);
  }
  if (!sealed.ok()) return std::nullopt;

  // No lock is held while the next hop works: it may take up to `timeout`.
  test_point::pass("forward-send");
  auto reply = next.exchange(*sealed, timeout);
  if (!reply.ok()) return std::nullopt;
  test_point::pass("forward-receive");
  const std::optional<ByteSpan> frame = frame_of(*reply);
  if (!frame) return std::nullopt;
  std::lock_guard lock(crypto_mutex_);
  // A refusal carries no valid MAC, so it fails here too: the next hop did nothing.
  auto opened = wire::open(*crypto_, *frame, *key);
  if (!opened.ok()) return std::nullopt;
  const wire::FrameHeader& got = opened->header;
  if (got.kind != wire::FrameKind::kResponse || got.sender != answerer || got.request_nonce != h.nonce) {
    return std::nullopt;
  }
  // Only a payload that decodes is passed on; the caller relays the bytes (unknown tags included).
  if (!wire::decode_response(opened->payload).ok()) return std::nullopt;
  return std::move(opened->payload);
}

Bytes result_payload(wire::ResultCode result, std::string_view home_issuer, std::string_view served_by) {
  wire::Response r;
  r.result = result;
  r.home_issuer = std::string(home_issuer);
  r.served_by = std::string(served_by);
  Bytes out;
  if (!wire::encode(r, out).ok()) out.clear();
  return out;
}

}  // namespace sscard::sim::host::detail
