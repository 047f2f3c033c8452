#include "sscard/host/client.h"

#include <algorithm>
#include <thread>

#include "sscard/core/test_point.h"

namespace sscard::host {

namespace {

HostError make_error(HostError::Kind kind, Status status) {
  HostError e;
  e.kind = kind;
  e.status = status;
  return e;
}

bool is_digits(std::string_view s, std::size_t n) {
  return s.size() == n && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string_view host_id_of(std::string_view province) {
  if (province == wire::kChongqing) return wire::kChongqingHostId;
  if (province == wire::kSichuan) return wire::kSichuanHostId;
  return {};
}

std::string_view host_error_kind_name(HostError::Kind kind) {
  switch (kind) {
    case HostError::Kind::kLocal: return "local";
    case HostError::Kind::kUnreachable: return "unreachable";
    case HostError::Kind::kRefused: return "refused";
    case HostError::Kind::kBadAnswer: return "bad_answer";
  }
  return "unknown";
}

std::string describe(const HostError& error) {
  switch (error.kind) {
    case HostError::Kind::kLocal:
      return "request not sent (" + std::string(error.status.name()) + ")";
    case HostError::Kind::kUnreachable:
      if (error.issuer_unavailable) return "the card's issuer did not answer in time; outcome unknown";
      return "host unreachable (" + std::string(error.status.name()) + "); outcome unknown";
    case HostError::Kind::kRefused:
      return "host refused the request: " +
             (error.refusal ? std::string(wire::refusal_name(*error.refusal)) : std::string("unknown reason"));
    case HostError::Kind::kBadAnswer:
      return "host answer rejected (" + std::string(error.status.name()) + "); outcome unknown";
  }
  return "unknown host error";
}

HostClient::HostClient(crypto::Crypto& crypto, KioskIdentity identity, wire::Channel& channel, RetryPolicy policy)
    : crypto_(crypto), identity_(std::move(identity)), channel_(channel), policy_(policy) {}

Result<wire::Response, HostError> HostClient::send(const wire::Request& request) {
  const std::string_view host_id = host_id_of(identity_.province);
  if (host_id.empty() || !is_digits(identity_.terminal, 12)) {
    return make_error(HostError::Kind::kLocal, Error::kInvalidArgument);
  }
  Bytes payload;
  // The encoded request may carry the enciphered PIN block (DF41) and the PAN: wiped on every way out.
  struct Wipe {
    Bytes& bytes;
    ~Wipe() { secure_wipe(bytes); }
  } wipe_payload{payload};
  if (Status s = wire::encode(request, payload); !s.ok()) return make_error(HostError::Kind::kLocal, s);

  const int attempts = std::max(policy_.attempts, 1);
  HostError error = make_error(HostError::Kind::kUnreachable, Error::kTimeout);
  for (int i = 0; i < attempts; ++i) {
    if (i > 0 && policy_.backoff.count() > 0) std::this_thread::sleep_for(policy_.backoff);
    wire::Response answer;
    const Attempt a = attempt(payload, host_id, answer, error);
    if (a == Attempt::kAnswer) return answer;
    if (a == Attempt::kStop) break;
  }
  return error;
}

// One frame out, one message in. On kRetry / kStop, `error` says why (frames_sent is kept up to date).
HostClient::Attempt HostClient::attempt(ByteSpan payload, std::string_view host_id, wire::Response& answer,
                                        HostError& error) {
  wire::FrameHeader header;
  header.kind = wire::FrameKind::kRequest;
  header.sender = identity_.terminal;
  header.nonce = wire::fresh_nonce(crypto_);
  header.timestamp_ms = wire::now_ms();
  const int sent_before = error.frames_sent;
  auto fail = [&](HostError::Kind kind, Status status) {
    error = make_error(kind, status);
    error.frames_sent = sent_before + 1;
  };

  auto message = wire::seal(crypto_, header, payload, identity_.key);
  if (!message.ok()) {
    error = make_error(HostError::Kind::kLocal, message.status());
    error.frames_sent = sent_before;
    return Attempt::kStop;
  }
  test_point::pass("client-send");
  auto reply = channel_.exchange(*message, policy_.timeout);
  secure_wipe(*message);  // the sealed copy of the request
  if (reply.ok()) test_point::pass("client-receive");
  if (!reply.ok()) {
    const Error code = reply.status().code();
    if (code == Error::kTimeout || code == Error::kIo) {
      fail(HostError::Kind::kUnreachable, reply.status());
      return Attempt::kRetry;
    }
    if (code == Error::kMalformed || code == Error::kTruncated) {
      fail(HostError::Kind::kBadAnswer, reply.status());
    } else {
      fail(HostError::Kind::kUnreachable, reply.status());
    }
    return Attempt::kStop;
  }

  // LEN (4 bytes, big-endian) must announce exactly the frame that follows.
  const Bytes& m = *reply;
  if (m.size() < 4) {
    fail(HostError::Kind::kBadAnswer, Error::kTruncated);
    return Attempt::kStop;
  }
  const std::size_t len = (std::size_t{m[0]} << 24) | (std::size_t{m[1]} << 16) | (std::size_t{m[2]} << 8) | m[3];
  if (len != m.size() - 4) {
    fail(HostError::Kind::kBadAnswer, Error::kMalformed);
    return Attempt::kStop;
  }
  const ByteSpan frame = ByteSpan(m).subspan(4);
  auto peeked = wire::peek_header(frame);
  if (!peeked.ok()) {
    fail(HostError::Kind::kBadAnswer, peeked.status());
    return Attempt::kStop;
  }
  if (peeked->kind == wire::FrameKind::kRefusal) {
    // Unauthenticated by design (HOST-PROTOCOL.md "Refusals"): report it, never resend.
    auto reason = wire::refusal_reason(frame);
    if (!reason.ok()) {
      fail(HostError::Kind::kBadAnswer, reason.status());
      return Attempt::kStop;
    }
    fail(HostError::Kind::kRefused, Error::kSecurity);
    error.refusal = *reason;
    return Attempt::kStop;
  }
  if (peeked->kind != wire::FrameKind::kResponse) {
    fail(HostError::Kind::kBadAnswer, Error::kMalformed);
    return Attempt::kStop;
  }

  auto opened = wire::open(crypto_, frame, identity_.key);
  if (!opened.ok()) {
    fail(HostError::Kind::kBadAnswer, opened.status());
    return Attempt::kStop;
  }
  if (opened->header.sender != host_id || opened->header.request_nonce != header.nonce) {
    fail(HostError::Kind::kBadAnswer, Error::kSecurity);
    return Attempt::kStop;
  }
  auto response = wire::decode_response(opened->payload);
  if (!response.ok()) {
    fail(HostError::Kind::kBadAnswer, response.status());
    return Attempt::kStop;
  }
  if (response->result == wire::ResultCode::kIssuerUnavailable) {
    fail(HostError::Kind::kUnreachable, Error::kTimeout);
    error.issuer_unavailable = true;
    return Attempt::kRetry;
  }
  answer = std::move(response).value();
  return Attempt::kAnswer;
}

Result<wire::IdempotencyKey> new_idempotency_key(crypto::Crypto& crypto) {
  wire::IdempotencyKey key{};
  if (!crypto.random(key).ok()) return Error::kInternal;
  return key;
}

}  // namespace sscard::host
