// A province host for kiosk tests, reached through a FunctionChannel: it really opens the kiosk's frames
// (MAC under the kiosk's link key, replay guard) and seals its answers with wire::seal, so the client's checks
// run on real MACs. A script of actions decides, frame by frame, whether the host answers, stays silent,
// refuses, or answers wrongly; the issuer behind it applies each idempotency key once and stores its answer.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/wire/channel.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/wire.h"

namespace sscard::host::testing {

enum class Action {
  kAnswer,             // apply (once per key) and answer
  kTimeout,            // the frame is lost before the host: nothing applied, the channel times out
  kIo,                 // the connection breaks before the host: nothing applied
  kApplyThenTimeout,   // applied, but the answer is lost
  kIssuerUnavailable,  // the host answers issuer_unavailable: nothing applied
  kRefuseStale,        // a refusal frame (reason stale): nothing applied
  kForgeMac,           // applied; the answer is sealed under another key
  kWrongNonce,         // applied; the answer names another request nonce
  kWrongSender,        // applied; the answer is sealed (with the right key) by another host id
};

// The test key of a kiosk (not derived: the host only needs to share it).
inline wire::LinkKey test_link_key(std::uint8_t seed = 0x5A) {
  wire::LinkKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed + 7 * i);
  return k;
}

class FakeHost {
 public:
  FakeHost(crypto::Crypto& crypto, std::string province, std::string kiosk, wire::LinkKey key)
      : crypto_(crypto), province_(std::move(province)), kiosk_(std::move(kiosk)), key_(key) {}

  // Frames are handled with these actions in order; once they run out, every frame is answered.
  void script(std::initializer_list<Action> actions) { script_.insert(script_.end(), actions); }

  // The issuer's card states by card number; cards not listed are active.
  std::map<std::string, wire::CardState> card_states;

  // Every request the host opened (also those it then dropped), with the nonce of its frame.
  std::vector<wire::Request> seen;
  std::vector<wire::Nonce> nonces;
  // Applications of a state change (or query answers computed) per idempotency key.
  std::map<wire::IdempotencyKey, int> applied;
  int frames = 0;  // messages the channel carried, including refused ones

  wire::FunctionChannel channel() {
    return wire::FunctionChannel([this](ByteSpan message) { return handle(message); });
  }

  std::string host_id() const { return province_ == std::string(wire::kChongqing) ? std::string(wire::kChongqingHostId)
                                                                            : std::string(wire::kSichuanHostId); }

  Result<Bytes> handle(ByteSpan message) {
    ++frames;
    if (message.size() < 4) return Error::kIo;
    const ByteSpan frame = message.subspan(4);
    auto header = wire::peek_header(frame);
    if (!header.ok()) return wire::refusal(host_id(), wire::Nonce{}, wire::RefusalReason::kMalformed, wire::now_ms());
    if (header->sender != kiosk_) return wire::refusal(host_id(), header->nonce, wire::RefusalReason::kUnknownSender, wire::now_ms());
    auto opened = wire::open(crypto_, frame, key_);
    if (!opened.ok()) return wire::refusal(host_id(), header->nonce, wire::RefusalReason::kBadMac, wire::now_ms());
    if (auto why = guard_.check(opened->header, wire::now_ms())) return wire::refusal(host_id(), header->nonce, *why, wire::now_ms());
    auto request = wire::decode_request(opened->payload);
    if (!request.ok()) return wire::refusal(host_id(), header->nonce, wire::RefusalReason::kMalformed, wire::now_ms());
    seen.push_back(*request);
    nonces.push_back(opened->header.nonce);

    const Action action = next_action();
    switch (action) {
      case Action::kTimeout: return Error::kTimeout;
      case Action::kIo: return Error::kIo;
      case Action::kRefuseStale: return wire::refusal(host_id(), header->nonce, wire::RefusalReason::kStale, wire::now_ms());
      case Action::kIssuerUnavailable: {
        wire::Response r;
        r.result = wire::ResultCode::kIssuerUnavailable;
        r.served_by = request->serving_province;
        return answer(r, opened->header.nonce, key_, host_id());
      }
      default: break;
    }
    const wire::Response r = apply(*request);
    switch (action) {
      case Action::kApplyThenTimeout: return Error::kTimeout;
      case Action::kForgeMac: return answer(r, opened->header.nonce, test_link_key(0x11), host_id());
      case Action::kWrongNonce: {
        wire::Nonce other = opened->header.nonce;
        other[0] ^= 0xFF;
        return answer(r, other, key_, host_id());
      }
      case Action::kWrongSender:
        return answer(r, opened->header.nonce, key_,
                      province_ == std::string(wire::kChongqing) ? std::string(wire::kSichuanHostId)
                                                           : std::string(wire::kChongqingHostId));
      default: return answer(r, opened->header.nonce, key_, host_id());
    }
  }

 private:
  Action next_action() {
    if (script_.empty()) return Action::kAnswer;
    const Action a = script_.front();
    script_.pop_front();
    return a;
  }

  // The home issuer: each key applied once; a known key gets its stored answer marked duplicate.
  wire::Response apply(const wire::Request& q) {
    auto stored = answers_.find(q.key);
    if (stored != answers_.end()) {
      if (!(stored->second.first == q)) {
        wire::Response conflict = base(q);
        conflict.result = wire::ResultCode::kKeyConflict;
        return conflict;
      }
      wire::Response again = stored->second.second;
      again.duplicate = true;
      return again;
    }
    ++applied[q.key];
    wire::Response r = base(q);
    wire::CardState& state = card_states.try_emplace(q.card_number, wire::CardState::kActive).first->second;
    switch (q.operation) {
      case wire::Operation::kQuery:
        r.name = "张明远";
        r.card_state = state;
        r.pension_status = wire::PensionStatus::kNotRetired;
        r.pension_monthly_fen = 0;
        r.medical_balance_fen = 123456;
        r.contributions = {{"202410", wire::ContributionKind::kPension, 51200}};
        break;
      case wire::Operation::kActivate:
        if (state != wire::CardState::kNotActivated) r.result = wire::ResultCode::kInvalidState;
        else state = wire::CardState::kActive;
        r.card_state = state;
        break;
      case wire::Operation::kReportLoss:
        if (state != wire::CardState::kActive) r.result = wire::ResultCode::kCardNotActiveForChange;
        else state = wire::CardState::kLossReported;
        r.card_state = state;
        break;
      case wire::Operation::kCancelLoss:
        if (state != wire::CardState::kLossReported) r.result = wire::ResultCode::kInvalidState;
        else state = wire::CardState::kActive;
        r.card_state = state;
        break;
      case wire::Operation::kCertify:
        r.card_state = state;
        r.last_certification = q.date;
        break;
      default:
        // Payments are the simulated issuers' (tests/unit/sim_host); this fake does not decide them.
        r.result = wire::ResultCode::kInvalidState;
        break;
    }
    if (wire::changes_state(q.operation)) answers_[q.key] = {q, r};
    return r;
  }

  wire::Response base(const wire::Request& q) const {
    wire::Response r;
    r.home_issuer = wire::home_province(q.card_region).value_or("");
    r.served_by = q.serving_province;
    return r;
  }

  Result<Bytes> answer(const wire::Response& r, const wire::Nonce& request_nonce, const wire::LinkKey& key, const std::string& sender) {
    Bytes payload;
    if (!wire::encode(r, payload).ok()) return Error::kInternal;
    wire::FrameHeader h;
    h.kind = wire::FrameKind::kResponse;
    h.sender = sender;
    h.nonce = wire::fresh_nonce(crypto_);
    h.timestamp_ms = wire::now_ms();
    h.request_nonce = request_nonce;
    return wire::seal(crypto_, h, payload, key);
  }

  crypto::Crypto& crypto_;
  std::string province_;
  std::string kiosk_;
  wire::LinkKey key_;
  wire::ReplayGuard guard_{wire::now_ms() - 1000};
  std::deque<Action> script_;
  std::map<wire::IdempotencyKey, std::pair<wire::Request, wire::Response>> answers_;
};

}  // namespace sscard::host::testing
