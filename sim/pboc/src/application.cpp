// The ADF's dispatch, GET PROCESSING OPTIONS, READ RECORD, GET DATA and GET CHALLENGE (PAYMENT.md §4.4, §5.1).
#include "application.h"

#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/diversify.h"
#include "sscard/sim/pboc/card_cryptogram.h"

namespace sscard::sim::pboc {

crypto::Cipher cipher_of(DataSet set) { return set == DataSet::kSm ? crypto::Cipher::kSm4 : crypto::Cipher::kTdes; }

Result<Bytes> session_key_of(crypto::Crypto& crypto, DataSet set, ByteSpan udk, std::uint16_t atc) {
  Bytes key(crypto::kDiversifiedKeySize);
  SSCARD_TRY(crypto::session_key(crypto, cipher_of(set), udk, atc, key));
  return key;
}

Result<std::array<std::uint8_t, 8>> card_cryptogram(crypto::Crypto& crypto, DataSet set, ByteSpan ac_udk,
                                                    ByteSpan terminal_data, std::uint16_t atc, ByteSpan cvr) {
  if (terminal_data.size() != kCdol1DataSize || cvr.size() != 4) return Error::kInvalidArgument;
  // CVN 01 input (JR/T 0025.5 D.1, D.2, E.1): terminal data ‖ AIP ‖ ATC ‖ CVR with its length byte.
  Bytes input(terminal_data.begin(), terminal_data.end());
  const auto a = aip(set);
  input.insert(input.end(), a.begin(), a.end());
  input.push_back(static_cast<std::uint8_t>(atc >> 8));
  input.push_back(static_cast<std::uint8_t>(atc));
  input.insert(input.end(), cvr.begin(), cvr.end());
  SSCARD_TRY_ASSIGN(Bytes key, session_key_of(crypto, set, ac_udk, atc));
  std::array<std::uint8_t, 8> ac{};
  const auto made = crypto::application_cryptogram(crypto, cipher_of(set), key, input, ac);
  secure_wipe(key);
  SSCARD_TRY(made.status());
  return ac;
}

namespace detail {
namespace {

constexpr std::uint8_t kLogSfi = 11;
constexpr std::uint8_t kLoadLogSfi = 12;  // the e-cash load log (CONTACTLESS.md §2.4, JR/T 0025.13 5.8)

// The log format 9F4F (JR/T 0025.5 table 45): the elements of a log record in order.
Bytes log_format() {
  auto b = from_hex("9A039F21039F02069F03069F1A025F2A029F4E149C019F3602");
  return b.ok() ? *b : Bytes{};
}

// The class each INS of the ADF comes with (JR/T 0025.5 annex B); CLA 04 only for the scripts' UPDATE RECORD
// and PUT DATA (P27).
std::optional<std::uint8_t> class_of(std::uint8_t ins) {
  switch (ins) {
    case 0xB2: case 0x84: case 0x20: case 0x88: case 0x82: return 0x00;
    case 0xA8: case 0xCA: case 0xAE: return 0x80;
    case 0x24: case 0x1E: case 0x18: return 0x84;
    case 0xDC: case 0xDA: return 0x04;
    default: return std::nullopt;
  }
}

}  // namespace

bool PaymentApplication::blocked() const { return store_.state().blocked || store_.atc() == 0xFFFF; }

const CardKeySet& PaymentApplication::keys() const {
  if (session_.set == DataSet::kSm && data_.sm4) return *data_.sm4;
  return data_.tdes;
}

StatusWord PaymentApplication::selected(CardOs&) {
  session_ = Session{};
  if (store_.state().torn) {
    // A power cut leaves the flag (old state) or the undone state: either way the next SELECT is right.
    if (const Status s = undo_torn_transaction(); !s.ok()) return sw::kMemoryFailure;
  }
  // A blocked application is still selected, its FCI answered with 62 83 (JR/T 0025.5 B.2, 17.5).
  return blocked() ? sw::kFileInvalidated : sw::kSuccess;
}

std::optional<Bytes> PaymentApplication::fci_proprietary(const CardOs& card) const {
  // One PDOL per interface (CONTACTLESS.md §2.1): the contact FCI stays as PAYMENT.md §4.1 has it.
  if (card.interface() == CardInterface::kContactless) return adf_fci_proprietary_contactless(data_.ecash.has_value());
  return std::nullopt;
}

Status PaymentApplication::undo_torn_transaction() {
  PersistentState next = store_.state();
  next.ecash_balance += next.torn_amount;
  next.log_head = next.torn_log_head;
  next.log_count = next.torn_log_count;
  next.torn = false;
  next.torn_amount = 0;
  return store_.commit(next);
}

CommandReply PaymentApplication::process(CardOs& card, const apdu::Command& cmd) {
  const auto cla = class_of(cmd.ins);
  const bool known_cla = cmd.cla == 0x00 || cmd.cla == 0x80 || cmd.cla == 0x84 || cmd.cla == 0x04;
  if (!known_cla) return sw_reply(sw::kClaNotSupported);
  if (!cla) return sw_reply(sw::kInsNotSupported);
  if (*cla != cmd.cla) return sw_reply(sw::kClaNotSupported);
  switch (cmd.ins) {
    case 0xA8:
      if (card.interface() == CardInterface::kContactless) return qpboc_processing_options(card, cmd);
      return get_processing_options(cmd);
    case 0xB2: return read_record(cmd);
    case 0xCA: return get_data(cmd);
    case 0x84: return get_challenge(card, cmd);
    case 0x20: return verify(card, cmd);
    case 0x88: return internal_authenticate(card, cmd);
    case 0xAE: return generate_ac(card, cmd);
    case 0x82: return external_authenticate(card, cmd);
    default: return script(card, cmd);
  }
}

CommandReply PaymentApplication::get_processing_options(const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return sw_reply(sw::kIncorrectP1P2);
  if (session_.gpo_done) return sw_reply(sw::kConditionsNotSatisfied);
  // 83 L <PDOL data>; the length must be the PDOL's total (§4.4).
  const std::size_t expected = pdol_data_size(data_.generation);
  if (cmd.data.size() != 2 + expected || cmd.data[1] != expected) return sw_reply(sw::kWrongLength);
  if (cmd.data[0] != 0x83) return sw_reply(sw::kWrongData);

  // ATC + 1, written before the answer; FFFF blocks the application for good (JR/T 0025.5 7.4 step 3 a)).
  const std::uint16_t atc = store_.atc();
  if (atc == 0xFFFF) return sw_reply(sw::kConditionsNotSatisfied);
  const auto next = static_cast<std::uint16_t>(atc + 1);
  if (const Status s = store_.write_atc(next); !s.ok()) return write_failed(s);
  if (next == 0xFFFF) return sw_reply(sw::kConditionsNotSatisfied);

  const ByteSpan pdol = cmd.data.subspan(2);
  DataSet set = DataSet::kRsa;
  if (data_.generation >= 3 && pdol[0] == 0x01) set = DataSet::kSm;  // DF69 (JR/T 0025.17 10.3.3)
  session_.gpo_done = true;
  session_.set = set;
  session_.atc = next;
  session_.pdol_data.assign(pdol.begin(), pdol.end());
  session_.cvr = {0x03, 0x00, 0x00, 0x00};  // CID and CVR bytes 2–4 cleared (§4.4)

  // Format 1: 80 L AIP AFL (JR/T 0025.5 B.8.4).
  const auto a = aip(set);
  const Bytes f = afl(set);
  Bytes out{0x80, static_cast<std::uint8_t>(2 + f.size()), a[0], a[1]};
  out.insert(out.end(), f.begin(), f.end());
  return data_reply(std::move(out));
}

CommandReply PaymentApplication::read_record(const apdu::Command& cmd) {
  if (!cmd.data.empty()) return sw_reply(sw::kWrongLength);
  if ((cmd.p2 & 0x07) != 0x04) return sw_reply(sw::kIncorrectP1P2);
  const auto sfi = static_cast<std::uint8_t>(cmd.p2 >> 3);
  const std::size_t number = cmd.p1;
  if (sfi == kLogSfi) {
    // The log is readable after SELECT alone (P28); record 1 is the newest.
    if (number == 0) return sw_reply(sw::kRecordNotFound);
    ByteSpan r = store_.log_record(number - 1);
    if (r.empty()) return sw_reply(sw::kRecordNotFound);
    return data_reply(Bytes(r.begin(), r.end()));
  }
  if (sfi == kLoadLogSfi && data_.ecash) {
    // Readable after SELECT, as the transaction log; record 1 is the newest load.
    if (number == 0) return sw_reply(sw::kRecordNotFound);
    ByteSpan r = store_.load_log_record(number - 1);
    if (r.empty()) return sw_reply(sw::kRecordNotFound);
    return data_reply(Bytes(r.begin(), r.end()));
  }
  if ((sfi == kContactlessSfiRsa || sfi == kContactlessSfiSm) && data_.generation >= 3) {
    return read_contactless_record(sfi, number);
  }
  if (sfi < 1 || sfi > 5) return sw_reply(sw::kFileNotFound);
  const bool present = sfi == 5 || !records_.by_sfi[sfi - 1].empty();
  if (!present) return sw_reply(sw::kFileNotFound);
  if (!session_.gpo_done) return sw_reply(sw::kConditionsNotSatisfied);
  if (sfi == 5) {
    if (number != 1) return sw_reply(sw::kRecordNotFound);
    const PersistentState s = store_.state();
    return data_reply(velocity_record(s.terminal_lower, s.terminal_upper));
  }
  const std::vector<Bytes>& list = records_.by_sfi[sfi - 1];
  if (number == 0 || number > list.size()) return sw_reply(sw::kRecordNotFound);
  return data_reply(list[number - 1]);
}

CommandReply PaymentApplication::get_data(const apdu::Command& cmd) {
  if (!cmd.data.empty()) return sw_reply(sw::kWrongLength);
  const auto tag = static_cast<std::uint16_t>((cmd.p1 << 8) | cmd.p2);
  Bytes out{cmd.p1, cmd.p2};
  auto two = [&](std::uint16_t v) {
    out.push_back(0x02);
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
  };
  switch (tag) {
    case 0x9F36: two(store_.atc()); break;
    case 0x9F13: two(store_.state().last_online_atc); break;
    case 0x9F17: {
      const std::uint8_t tries = store_.pin_tries();
      if (tries == 0) session_.cvr[2] |= 0x40;
      out.push_back(0x01);
      out.push_back(tries);
      break;
    }
    case 0x9F4F: {
      const Bytes f = log_format();
      out.push_back(static_cast<std::uint8_t>(f.size()));
      out.insert(out.end(), f.begin(), f.end());
      break;
    }
    default: {
      std::optional<CommandReply> ecash = get_ecash_data(tag);
      if (ecash) return std::move(*ecash);
      return sw_reply(sw::kReferencedDataNotFound);
    }
  }
  return data_reply(std::move(out));
}

CommandReply PaymentApplication::get_challenge(CardOs& card, const apdu::Command& cmd) {
  if (cmd.p1 != 0x00 || cmd.p2 != 0x00) return sw_reply(sw::kIncorrectP1P2);
  if (!cmd.data.empty() || (cmd.ne != 4 && cmd.ne != 8 && cmd.ne != 16)) return sw_reply(sw::kWrongLength);
  crypto::Crypto* crypto = card.crypto();
  if (crypto == nullptr) return sw_reply(sw::kConditionsNotSatisfied);
  Bytes challenge(cmd.ne);
  if (!crypto->random(challenge).ok()) return sw_reply(sw::kMemoryFailure);
  session_.challenge = challenge;
  return data_reply(std::move(challenge));
}

}  // namespace detail
}  // namespace sscard::sim::pboc
