#include "sscard/transport/transport.h"

#include <algorithm>

namespace sscard::transport {
namespace {

constexpr std::uint8_t kInsGetResponse = 0xC0;

// ISO/IEC 7816-4 5.3.4: in 61xx and 6Cxx, xx = 00 stands for 256.
std::size_t length_from_sw2(std::uint8_t sw2) { return sw2 == 0 ? apdu::kMaxShortNe : sw2; }

// Copies `source` into `copy` (shortened to its capacity) with the secret bytes set to 00.
TracedBytes blank_secrets(ByteSpan source, const SecretRanges& secrets, MutableByteSpan copy) {
  TracedBytes out;
  out.full_size = source.size();
  const std::size_t n = std::min(source.size(), copy.size());
  for (std::size_t i = 0; i < n; ++i) copy[i] = secrets.contains(i) ? 0x00 : source[i];
  out.bytes = copy.first(n);
  out.secrets = secrets;
  return out;
}

}  // namespace

Result<apdu::Response> Transport::transmit(const apdu::Command& cmd, MutableByteSpan response_buffer) {
  auto response = transmit_and_follow(cmd, response_buffer);
  // The encoded command may carry a PIN (VERIFY, CHANGE PIN): no copy of it outlives the call.
  secure_wipe(command_buffer_);
  secure_wipe(trace_command_);
  return response;
}

Result<apdu::Response> Transport::transmit_and_follow(const apdu::Command& cmd, MutableByteSpan response_buffer) {
  if (cmd.encoded_size() > command_buffer_.size()) {
    // An argument error must win over the size check (an Nc over 65535 is the caller's mistake).
    if (cmd.data.size() > apdu::kMaxExtendedNc || cmd.ne > apdu::kMaxExtendedNe) return Error::kInvalidArgument;
    return Error::kUnsupported;
  }
  SSCARD_TRY_ASSIGN(std::size_t command_size, cmd.encode(command_buffer_));
  if (response_buffer.size() < 2) return Error::kBufferTooSmall;
  ++command_count_;

  // GET RESPONSE (ISO/IEC 7816-4 7.6.1): CLA 00, P1 P2 00 00, Le = the xx of 61xx.
  std::array<std::uint8_t, 5> get_response = {0x00, kInsGetResponse, 0x00, 0x00, 0x00};

  ExchangeKind kind = ExchangeKind::kCommand;
  ByteSpan wire(command_buffer_.data(), command_size);
  std::size_t data_size = 0;
  std::size_t get_responses = 0;
  bool resent = false;
  while (true) {
    const ByteSpan original(command_buffer_.data(), command_size);
    SSCARD_TRY_ASSIGN(std::size_t received,
                      exchange(kind, wire, original, response_buffer, data_size));
    if (received < 2) return Error::kMalformed;
    const std::size_t piece = received - 2;
    const StatusWord sw(response_buffer[data_size + piece], response_buffer[data_size + piece + 1]);

    if (sw.is_wrong_le() && !resent) {
      // ISO/IEC 7816-3 10.3.4 / 7816-4 5.3.4: resend the same command with Le = xx, once. Whatever data came
      // with 6Cxx is not part of the answer.
      resent = true;
      if (kind == ExchangeKind::kGetResponse) {
        get_response[4] = sw.sw2();
      } else {
        apdu::Command again = cmd;
        again.ne = length_from_sw2(sw.sw2());
        if (response_buffer.size() - data_size < again.ne + 2) return Error::kBufferTooSmall;
        SSCARD_TRY_ASSIGN(command_size, again.encode(command_buffer_));
        wire = ByteSpan(command_buffer_.data(), command_size);
        kind = ExchangeKind::kResend;
      }
      continue;
    }

    data_size += piece;
    if (sw.is_bytes_available()) {
      // ISO/IEC 7816-4 5.3.4: 61xx, xx more bytes are waiting. A card that keeps answering 61xx would hold
      // the terminal forever; the round count is bounded.
      if (++get_responses > kMaxGetResponses) return Error::kMalformed;
      if (response_buffer.size() - data_size < length_from_sw2(sw.sw2()) + 2) return Error::kBufferTooSmall;
      get_response[4] = sw.sw2();
      wire = get_response;
      kind = ExchangeKind::kGetResponse;
      continue;
    }

    last_sw_ = sw;
    return apdu::Response{ByteSpan(response_buffer.data(), data_size), sw};
  }
}

Result<std::size_t> Transport::exchange(ExchangeKind kind, ByteSpan command, ByteSpan original,
                                        MutableByteSpan buffer, std::size_t data_before) {
  ++apdu_count_;
  Result<std::size_t> received = slot_.transmit(command, buffer.subspan(data_before));
  if (sink_ != nullptr) {
    trace(kind, command, original, buffer, data_before, received.ok() ? *received : 0, received.status());
  }
  return received;
}

void Transport::trace(ExchangeKind kind, ByteSpan command, ByteSpan original, ByteSpan buffer,
                      std::size_t data_before, std::size_t received, Status status) {
  const Redactor& redactor = redactor_ != nullptr ? *redactor_ : default_redactor();
  TraceRecord record;
  record.sequence = apdu_count_;
  record.kind = kind;
  record.status = status;

  SecretRanges command_secrets;
  redactor.command_secrets(command, command_secrets);
  record.command = blank_secrets(command, command_secrets, trace_command_);

  if (status.ok() && received <= buffer.size() - data_before) {
    // The redactor judges the response data received so far as a whole (a PAN may straddle two GET
    // RESPONSE pieces); this piece's share of its verdict applies. The status word is never secret.
    const std::size_t piece = received >= 2 ? received - 2 : 0;
    SecretRanges all;
    redactor.response_secrets(original, buffer.first(data_before + piece), all);
    record.response =
        blank_secrets(buffer.subspan(data_before, received), all.window(data_before, piece), trace_response_);
  }
  sink_->on_exchange(record);
}

}  // namespace sscard::transport
