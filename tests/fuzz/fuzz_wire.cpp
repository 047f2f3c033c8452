// The issuer-host protocol at the trust boundary (bytes from the network): frame header, MAC check and the
// request and response payload decoders. The input is a frame as the receiver holds it after LEN.
//
// Checked besides memory safety:
// - open() succeeds only on what peek_header() accepts, and returns that header and the frame's payload;
// - a frame whose header peeks is re-sealed under the test key, and open() accepts that frame and returns the
//   same header and payload; if the input itself opened, the re-sealed frame is byte-identical to it;
// - whatever decodes (a request or a response, from the whole input or from a frame's payload) encodes again,
//   and that encoding decodes to the same value.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

#include "fuzz_wire.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/wire.h"

namespace {

using sscard::Bytes;
using sscard::ByteSpan;
namespace wire = sscard::wire;

sscard::crypto::Crypto& crypto() {
  static const std::unique_ptr<sscard::crypto::Crypto> instance = sscard::crypto::make_default_crypto();
  if (!instance) __builtin_trap();
  return *instance;
}

bool same_header(const wire::FrameHeader& a, const wire::FrameHeader& b) {
  return a.kind == b.kind && a.sender == b.sender && a.nonce == b.nonce && a.timestamp_ms == b.timestamp_ms &&
         a.request_nonce == b.request_nonce;
}

bool same_bytes(ByteSpan a, ByteSpan b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0);
}

void decode_payload(ByteSpan payload) {
  if (auto request = wire::decode_request(payload); request.ok()) {
    Bytes again;
    if (!wire::encode(*request, again).ok()) __builtin_trap();
    auto back = wire::decode_request(again);
    if (!back.ok() || !(*back == *request)) __builtin_trap();
  }
  if (auto response = wire::decode_response(payload); response.ok()) {
    Bytes again;
    if (!wire::encode(*response, again).ok()) __builtin_trap();
    auto back = wire::decode_response(again);
    if (!back.ok() || !(*back == *response)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan frame(data, size);
  decode_payload(frame);
  (void)wire::refusal_reason(frame);

  auto header = wire::peek_header(frame);
  auto opened = wire::open(crypto(), frame, sscard::fuzz::kWireFuzzKey);
  if (opened.ok() && (!header.ok() || !same_header(opened->header, *header))) __builtin_trap();
  if (!header.ok()) return 0;

  const ByteSpan payload = frame.subspan(wire::kFrameHeaderSize, size - wire::kMinFrameSize);
  if (opened.ok() && !same_bytes(opened->payload, payload)) __builtin_trap();
  decode_payload(payload);
  if (header->kind == wire::FrameKind::kRefusal) return 0;

  auto sealed = wire::seal(crypto(), *header, payload, sscard::fuzz::kWireFuzzKey);
  if (!sealed.ok() || sealed->size() != 4 + size) __builtin_trap();
  const ByteSpan resealed = ByteSpan(*sealed).subspan(4);
  auto reopened = wire::open(crypto(), resealed, sscard::fuzz::kWireFuzzKey);
  if (!reopened.ok() || !same_header(reopened->header, *header) || !same_bytes(reopened->payload, payload)) {
    __builtin_trap();
  }
  if (opened.ok() && !same_bytes(resealed, frame)) __builtin_trap();
  return 0;
}
