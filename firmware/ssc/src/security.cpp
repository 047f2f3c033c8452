#include "sscard/ssc/security.h"

#include <algorithm>

#include "sscard/core/atr.h"
#include "sscard/ssc/commands.h"
#include "sscard/ssc/pin.h"
#include "sscard/ssc/ssse.h"

namespace sscard::ssc {
namespace {

using Buffer = std::array<std::uint8_t, apdu::kMaxShortResponseSize>;

constexpr std::uint8_t kTagCardId = 0x01;
constexpr std::uint8_t kTagSpecVersion = 0x03;
constexpr std::size_t kCardIdRecordNe = 2 + 16;
constexpr std::size_t kSpecVersionRecordNe = 2 + 4;

// SECURITY.md "Keys": the city factor's suffix "sx".
constexpr std::uint8_t kFactorSuffix[2] = {0x73, 0x78};

constexpr std::size_t kChallengeSize = 8;
constexpr std::size_t kMacChallengeSize = 4;
constexpr std::uint8_t kSm4ExternalAuthTrailer = 0x01;

// CARD.md "The standard terminal interface": the terminal number without a PSAM.
constexpr std::string_view kNoPsamTerminalNumber = "000000000000";

Fault card_fault(Status s) {
  if (s == Error::kCardStatus) return Fault::make(Failure::kCardStatus, s);
  return Fault::card(s);
}

// A Status from the PSAM's side: an absent or silent PSAM is -2201, bad bytes or words are the PSAM's.
Fault psam_fault(Status s, const psam::Psam& psam) {
  switch (s.code()) {
    case Error::kNoCard:
    case Error::kCardRemoved:
    case Error::kReaderUnavailable:
    case Error::kTimeout:
      return Fault::make(Failure::kNoPsam, s);
    default:
      return Fault::make(Failure::kPsamStatus, s, psam.last_status_word());
  }
}

Fault diversify_fault(Status s, const psam::Psam& psam, psam::KeyClass key, const CardContext& context) {
  if (s != Error::kNotFound) return psam_fault(s, psam);
  Fault f = Fault::make(Failure::kPsamLacksKey, s, psam.last_status_word());
  if (key == psam::KeyClass::kIrk) f.failure = Failure::kPsamLacksIssuerKeys;
  if (key == psam::KeyClass::kRkssse) f.failure = Failure::kPsamLacksReadKey;
  if (context.identity.region) f.issuer = context.identity.region->province();
  f.key = key;
  return f;
}

Fault select_environment(psam::Psam& psam, std::uint8_t algorithm_id) {
  const Status s = psam.select_environment(algorithm_id);
  if (s.ok()) return Fault::none();
  if (s == Error::kUnsupported) {
    return Fault::make(Failure::kAlgorithmUnsupported, s, psam.last_status_word());
  }
  return psam_fault(s, psam);
}

// Reads one record of EF05 by identifier into the identity (open_card's two free records).
Fault read_head_record(transport::Transport& card, std::uint8_t tag, std::size_t ne, Identity& identity) {
  Buffer buffer{};
  auto record = card.transmit(read_record_by_tag(tag, kSfiEf05, ne), buffer);
  if (!record.ok()) return card_fault(record.status());
  if (!record->sw.is_success()) return Fault::card_status(record->sw);
  if (!decode_record(tag, record->data, identity).ok()) {
    return Fault::make(Failure::kNotSocialSecurityCard, Error::kMalformed);
  }
  return Fault::none();
}

// INTERNAL AUTHENTICATE on the card with PF || D; R into `answer`.
Fault card_internal_authenticate(transport::Transport& card, ByteSpan factor_and_data,
                                 std::span<std::uint8_t, 8> answer) {
  Buffer buffer{};
  auto response = card.transmit(internal_authenticate(factor_and_data), buffer);
  if (!response.ok()) return card_fault(response.status());
  Fault f = Fault::none();
  if (!response->sw.is_success()) {
    f = Fault::card_status(response->sw);
  } else if (response->data.size() != answer.size()) {
    f = Fault::make(Failure::kInternalAuthFailed, Error::kMalformed);
  } else {
    std::copy(response->data.begin(), response->data.end(), answer.begin());
  }
  secure_wipe(buffer);
  return f;
}

Fault get_challenge_into(transport::Transport& card, MutableByteSpan challenge) {
  Buffer buffer{};
  auto response = card.transmit(get_challenge(challenge.size()), buffer);
  if (!response.ok()) return card_fault(response.status());
  if (!response->sw.is_success()) return Fault::card_status(response->sw);
  if (response->data.size() != challenge.size()) {
    return Fault::make(Failure::kCardStatus, Error::kMalformed, response->sw);
  }
  std::copy(response->data.begin(), response->data.end(), challenge.begin());
  return Fault::none();
}

// EXTERNAL AUTHENTICATE with cryptogram A for challenge C (CARD.md: the SM4 form ends with 01).
Fault card_external_authenticate(transport::Transport& card, std::uint8_t algorithm_id, std::uint8_t key_id,
                                 ByteSpan cryptogram, ByteSpan challenge) {
  std::array<std::uint8_t, 2 * kChallengeSize + 1> data{};
  std::copy(cryptogram.begin(), cryptogram.end(), data.begin());
  std::copy(challenge.begin(), challenge.end(), data.begin() + kChallengeSize);
  std::size_t length = 2 * kChallengeSize;
  if (algorithm_id == psam::kAlgorithmSm4) data[length++] = kSm4ExternalAuthTrailer;
  Buffer buffer{};
  auto response = card.transmit(external_authenticate(key_id, ByteSpan(data.data(), length)), buffer);
  secure_wipe(data);
  if (!response.ok()) return card_fault(response.status());
  const StatusWord sw = response->sw;
  if (sw.is_success()) return Fault::none();
  // SECURITY.md: 6300 wrong cryptogram, 6985 challenge mismatch, 6A88 no such key on the card.
  if (sw == sw::kStateChangedNoInfo || sw == sw::kConditionsNotSatisfied || sw == sw::kReferencedDataNotFound) {
    return Fault::make(Failure::kExternalAuthRefused, Status{}, sw);
  }
  return Fault::card_status(sw);
}

// The MAC-protected command `header` with `data` (without MAC), keyed by `key` (SECURITY.md "MACs").
Fault send_with_mac(transport::Transport& card, psam::Psam& psam, const CardContext& context,
                    psam::KeyClass key, MacCommand header, ByteSpan data) {
  if (data.size() + kMacSize > apdu::kMaxShortNc) return Fault::make(Failure::kInternal, Error::kInvalidArgument);
  Fault f = select_environment(psam, context.identity.algorithm_id);
  if (!f.ok()) return f;

  std::array<std::uint8_t, kMacChallengeSize> challenge{};
  f = get_challenge_into(card, challenge);
  if (!f.ok()) return f;

  Status s = psam.diversify(key, context.city, context.card);
  if (!s.ok()) return diversify_fault(s, psam, key, context);

  // The message: CLA INS P1 P2 Lc (Lc counting the MAC), then the data without the MAC.
  std::array<std::uint8_t, 5 + apdu::kMaxShortNc> message{};
  message[0] = header.cla;
  message[1] = header.ins;
  message[2] = header.p1;
  message[3] = header.p2;
  message[4] = static_cast<std::uint8_t>(data.size() + kMacSize);
  std::copy(data.begin(), data.end(), message.begin() + 5);
  std::array<std::uint8_t, kMacSize> mac{};
  s = psam.mac(challenge, ByteSpan(message.data(), 5 + data.size()), mac);
  secure_wipe(message);
  if (!s.ok()) return psam_fault(s, psam);

  std::array<std::uint8_t, apdu::kMaxShortNc> command_data{};
  std::copy(data.begin(), data.end(), command_data.begin());
  std::copy(mac.begin(), mac.end(), command_data.begin() + static_cast<std::ptrdiff_t>(data.size()));
  Buffer buffer{};
  auto response = card.transmit(mac_command(header, ByteSpan(command_data.data(), data.size() + kMacSize)), buffer);
  secure_wipe(command_data);
  if (!response.ok()) return card_fault(response.status());
  if (!response->sw.is_success()) return Fault::card_status(response->sw);
  return Fault::none();
}

bool parse_hex8(std::string_view text, std::span<std::uint8_t, 8> out) {
  if (text.size() != 16) return false;
  auto n = from_hex(text, out);
  return n.ok() && *n == 8;
}

}  // namespace

Factor city_factor(const RegionCode& region) {
  Factor f{};
  const std::string_view digits = region.digits();
  std::copy(digits.begin(), digits.end(), f.begin());
  f[6] = kFactorSuffix[0];
  f[7] = kFactorSuffix[1];
  return f;
}

Result<Factor> card_factor(ByteSpan atr) {
  auto parsed = atr::parse(atr);
  if (!parsed.ok() || parsed->historical.size() < psam::kFactorSize) return Error::kMalformed;
  Factor f{};
  const ByteSpan last = parsed->historical.last(psam::kFactorSize);
  std::copy(last.begin(), last.end(), f.begin());
  return f;
}

std::string province_of(std::string_view region) {
  if (region.size() < 2) return std::string(region);
  return std::string(region.substr(0, 2)) + "0000";
}

Result<CardContext, Fault> open_card(transport::Transport& card, ByteSpan atr) {
  CardContext context;
  auto factor = card_factor(atr);
  if (!factor.ok()) return Fault::make(Failure::kNotSocialSecurityCard, factor.status());
  context.card = *factor;
  auto historical = AtrHistorical::from(atr::parse(atr)->historical);
  if (!historical.ok()) return Fault::make(Failure::kNotSocialSecurityCard, Error::kMalformed);
  context.identity.atr_historical = *historical;

  Buffer buffer{};
  auto selected = select_ssse(card, buffer);
  if (!selected.ok()) return select_fault(selected.status(), card.last_status_word());
  // Every secured flow but APPLICATION UNBLOCK needs the application's records (D30).
  if (selected->blocked) return Fault::card_status(sw::kFileInvalidated);
  context.identity.algorithm_id = selected->algorithm_id;

  Fault f = read_head_record(card, kTagCardId, kCardIdRecordNe, context.identity);
  if (!f.ok()) return f;
  f = read_head_record(card, kTagSpecVersion, kSpecVersionRecordNe, context.identity);
  if (!f.ok()) return f;
  if (!context.identity.region) return Fault::make(Failure::kNotSocialSecurityCard, Error::kMalformed);
  context.city = city_factor(*context.identity.region);
  return context;
}

Fault internal_authentication(transport::Transport& card, psam::Psam& psam, const CardContext& context,
                              crypto::Crypto& crypto) {
  // PF || D: 16 unpredictable bytes (SECURITY.md "Secrets": never a counter).
  std::array<std::uint8_t, 2 * psam::kFactorSize> factor_and_data{};
  if (!crypto.random(factor_and_data).ok()) return Fault::make(Failure::kInternal, Error::kInternal);
  const ByteSpan process_factor = ByteSpan(factor_and_data).first(psam::kFactorSize);
  const ByteSpan data = ByteSpan(factor_and_data).last(psam::kFactorSize);

  std::array<std::uint8_t, 8> card_answer{};
  Fault f = card_internal_authenticate(card, factor_and_data, card_answer);
  if (!f.ok()) return f;

  const Status s = psam.diversify(psam::KeyClass::kIrk, context.city, context.card, process_factor);
  if (!s.ok()) return diversify_fault(s, psam, psam::KeyClass::kIrk, context);
  std::array<std::uint8_t, 8> expected{};
  const Status e = psam.encrypt(data, expected);
  if (!e.ok()) return psam_fault(e, psam);

  const bool genuine = constant_time_equal(card_answer, expected);
  secure_wipe(card_answer);
  secure_wipe(expected);
  if (!genuine) return Fault::of(Failure::kInternalAuthFailed);
  return Fault::none();
}

Fault external_authentication(transport::Transport& card, psam::Psam& psam, const CardContext& context,
                              psam::KeyClass key) {
  std::array<std::uint8_t, kChallengeSize> challenge{};
  Fault f = get_challenge_into(card, challenge);
  if (!f.ok()) return f;
  const Status s = psam.diversify(key, context.city, context.card);
  if (!s.ok()) return diversify_fault(s, psam, key, context);
  std::array<std::uint8_t, 8> cryptogram{};
  const Status e = psam.encrypt(challenge, cryptogram);
  if (!e.ok()) return psam_fault(e, psam);
  f = card_external_authenticate(card, context.identity.algorithm_id, psam::key_usage(key).p2, cryptogram, challenge);
  secure_wipe(cryptogram);
  return f;
}

Result<AuthenticatedIdentity, Fault> read_identity_with_psam(transport::Transport& card, ByteSpan atr, psam::Psam& psam,
                                                       crypto::Crypto& crypto) {
  auto opened = open_card(card, atr);
  if (!opened.ok()) return opened.error();
  CardContext& context = *opened;

  if (!psam.numbers_read()) {
    const Status s = psam.read_numbers();
    if (!s.ok()) return psam_fault(s, psam);
  }
  Fault f = select_environment(psam, context.identity.algorithm_id);
  if (!f.ok()) return f;

  f = internal_authentication(card, psam, context, crypto);
  if (!f.ok()) return f;
  if (context.identity.generation == Generation::kThird) {
    f = external_authentication(card, psam, context, psam::KeyClass::kRkssse);
    if (!f.ok()) return f;
  }

  const Status s = read_identity_records(card, context.identity, true);
  if (!s.ok()) {
    Fault rf = card_fault(s);
    if (s == Error::kCardStatus || s == Error::kSecurity) rf.sw = card.last_status_word();
    if (s == Error::kSecurity) rf.failure = Failure::kCardStatus;
    return rf;
  }
  return AuthenticatedIdentity{std::move(context.identity), psam.terminal_number(), psam.device_number()};
}

Fault application_block(transport::Transport& card, psam::Psam& psam, const CardContext& context, bool permanent) {
  return send_with_mac(card, psam, context, psam::KeyClass::kStk,
                       permanent ? kApplicationBlockPermanent : kApplicationBlockTemporary, {});
}

Fault application_unblock(transport::Transport& card, ByteSpan atr, const RegionCode& region, psam::Psam& psam) {
  CardContext context;
  auto factor = card_factor(atr);
  if (!factor.ok()) return Fault::make(Failure::kNotSocialSecurityCard, factor.status());
  context.card = *factor;
  context.city = city_factor(region);
  context.identity.region = region;

  // SECURITY.md: a blocked SSSE answers SELECT with 6283 and its FCI, an unblocked one with 9000; both may
  // be unblocked.
  Buffer buffer{};
  auto selected = select_ssse(card, buffer);
  if (!selected.ok()) return select_fault(selected.status(), card.last_status_word());
  context.identity.algorithm_id = selected->algorithm_id;
  return send_with_mac(card, psam, context, psam::KeyClass::kStk, kApplicationUnblock, {});
}

Fault pin_unblock(transport::Transport& card, psam::Psam& psam, const CardContext& context) {
  return send_with_mac(card, psam, context, psam::KeyClass::kPuk, kPinUnblock, {});
}

Fault pin_reload(transport::Transport& card, psam::Psam& psam, const CardContext& context, hal::PinPad& pinpad) {
  hal::PinBuffer pin;
  Fault f = read_new_pin(pinpad, pin);
  if (!f.ok()) return f;
  std::array<std::uint8_t, kMaxPinFieldSize> packed{};
  auto n = pack_pin(pin.digits(), packed);
  pin.clear();
  if (!n.ok()) return Fault::of(Failure::kPinEntryInvalid);
  f = send_with_mac(card, psam, context, psam::KeyClass::kPrk, kPinReload, ByteSpan(packed.data(), *n));
  secure_wipe(packed);
  return f;
}

void HsmSession::clear() {
  secure_wipe(card_answer_);
  secure_wipe(challenge_);
  active_ = false;
  context_ = CardContext{};
  device_number_.clear();
}

Result<std::string, Fault> hsm_step1(transport::Transport& card, ByteSpan atr, crypto::Crypto& crypto,
                               std::string_view device_number, HsmSession& session) {
  session.clear();
  auto opened = open_card(card, atr);
  if (!opened.ok()) return opened.error();
  if (opened->identity.generation != Generation::kThird) return Fault::of(Failure::kHsmNotNeeded);

  std::array<std::uint8_t, 2 * psam::kFactorSize> factor_and_data{};
  if (!crypto.random(factor_and_data).ok()) return Fault::make(Failure::kInternal, Error::kInternal);
  Fault f = card_internal_authenticate(card, factor_and_data, session.card_answer_);
  if (!f.ok()) return f;
  f = get_challenge_into(card, session.challenge_);
  if (!f.ok()) return f;

  const Identity& id = opened->identity;
  const std::uint8_t algorithm[1] = {id.algorithm_id};
  const ByteSpan pf_and_d(factor_and_data);
  std::string line;
  for (const std::string& field :
       {id.region ? id.region->to_string() : std::string(), to_hex(id.atr_historical.span()), to_hex(algorithm),
        to_hex(id.card_id), to_hex(pf_and_d.first(8)), to_hex(pf_and_d.last(8)), to_hex(opened->card),
        to_hex(session.challenge_), std::string(device_number)}) {
    line += field;
    line += '|';
  }
  session.context_ = std::move(*opened);
  session.device_number_ = std::string(device_number);
  session.active_ = true;
  return line;
}

Result<AuthenticatedIdentity, Fault> hsm_step2(transport::Transport& card, HsmSession& session, std::string_view host_answer) {
  if (!session.active()) return Fault::of(Failure::kHsmBadInput);
  // "R'|A|": two fields of 16 hex digits, each followed by '|' (the trailing one may be missing).
  const std::size_t bar = host_answer.find('|');
  std::array<std::uint8_t, 8> expected{};
  std::array<std::uint8_t, 8> cryptogram{};
  std::string_view rest = bar == std::string_view::npos ? std::string_view() : host_answer.substr(bar + 1);
  if (!rest.empty() && rest.back() == '|') rest.remove_suffix(1);
  if (bar == std::string_view::npos || !parse_hex8(host_answer.substr(0, bar), expected) ||
      !parse_hex8(rest, cryptogram)) {
    session.clear();
    return Fault::of(Failure::kHsmBadInput);
  }
  const bool genuine = constant_time_equal(expected, session.card_answer_);
  secure_wipe(expected);
  if (!genuine) {
    session.clear();
    return Fault::of(Failure::kHsmMismatch);
  }
  CardContext context = std::move(session.context_);
  std::array<std::uint8_t, kChallengeSize> challenge = session.challenge_;
  std::string device_number = std::move(session.device_number_);
  session.clear();

  Fault f = card_external_authenticate(card, context.identity.algorithm_id,
                                       psam::key_usage(psam::KeyClass::kRkssse).p2, cryptogram, challenge);
  secure_wipe(cryptogram);
  if (!f.ok()) return f;
  const Status s = read_identity_records(card, context.identity, true);
  if (!s.ok()) {
    Fault rf = card_fault(s);
    if (s == Error::kCardStatus || s == Error::kSecurity) {
      rf.failure = Failure::kCardStatus;
      rf.sw = card.last_status_word();
    }
    return rf;
  }
  return AuthenticatedIdentity{std::move(context.identity), std::string(kNoPsamTerminalNumber),
                               std::move(device_number)};
}

}  // namespace sscard::ssc
