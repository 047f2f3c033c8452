// Costs of a PBOC 3.0 contact purchase (docs/PAYMENT.md §8), figures in docs/PERFORMANCE-PAYMENT.md:
//   Transaction  the kernel (firmware/pboc) against the simulated card in this process, with an issuer in this
//                process that checks the ARQC and answers the ARPC: the whole transaction, card work included,
//                APDUs per transaction as a counter. Generation 2 (RSA set) and generation 3 (SM set, at a
//                national-algorithm kiosk).
//   KernelReplay the kernel alone: the card's answers are recorded once against the simulated card, with a fixed
//                unpredictable number, date and time, then replayed from a scripted card, and the issuer's
//                recorded answer is handed back, so only the terminal's work is timed.
//   Oda          offline data authentication with the bundled test PKI on each crypto backend: RSA (issuer
//                certificate under the 1408-bit CA key, ICC certificate under the 1152-bit issuer key, DDA
//                signature of the 1024-bit ICC key) and SM2 (CA -> issuer -> ICC -> DDA, each key prepared as
//                the kernel prepares it, the CA key once).
//
//   build/<dir>/tests/bench/sscard_bench --benchmark_filter=Payment --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scripted/scripted_reader.h"
#include "sscard/config/ca_key_file.h"
#include "sscard/core/apdu.h"
#include "sscard/core/date.h"
#include "sscard/core/tlv.h"
#include "sscard/crypto/cryptogram.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/crypto/diversify.h"
#include "sscard/crypto/emv_pki.h"
#include "sscard/crypto/openssl.h"
#include "sscard/crypto/sm2_pki.h"
#include "sscard/hal/pinpad.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/pboc/kernel.h"
#include "sscard/sim/host/payment_keys.h"
#include "sscard/sim/profile.h"
#include "sscard/transport/transport.h"
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
#include "sscard/crypto/mbedtls.h"
#endif

namespace sscard {
namespace {

using Factory = std::unique_ptr<crypto::Crypto> (*)();

std::string cards_path(const std::string& name) { return std::string(SSCARD_CARDS_DIR) + "/" + name; }

// One bundled card at one kind of kiosk.
struct PaymentCase {
  const char* profile;
  const char* pin;
  bool national_algorithms;  // the kiosk's `payment.national_algorithms`: DF69 = 01 when the card asks
  pboc::OdaMethod oda;       // what the kernel must have done (PAYMENT.md §7): RSA set CDA, SM set SM2 DDA
};
const PaymentCase kGen2Rsa{"sc-chengdu-gen2.json", "246810", false, pboc::OdaMethod::kCda};
const PaymentCase kGen3Sm{"sc-suining-gen3.json", "258369", true, pboc::OdaMethod::kSm2Dda};

// A keypad that always types the same PIN.
class FixedPinPad : public hal::PinPad {
 public:
  explicit FixedPinPad(std::string digits) : digits_(std::move(digits)) {}

 private:
  hal::PinPadError do_read_pin(hal::PinPrompt, MutableByteSpan digits, std::size_t& length) override {
    for (std::size_t i = 0; i < digits_.size(); ++i) digits[i] = static_cast<std::uint8_t>(digits_[i]);
    length = digits_.size();
    return hal::PinPadError::kNone;
  }
  std::string digits_;
};

// The card's home issuer in this process (PAYMENT.md §6.2-§6.4): derives the AC session key from the PAN, PSN
// and ATC of the request, checks the ARQC over the CVN 01 data and answers `00` with ARPC || ARC.
class InProcessIssuer : public pboc::OnlineAuthoriser {
 public:
  InProcessIssuer(crypto::Crypto& crypto, sim::host::PaymentKeys keys) : crypto_(crypto), keys_(std::move(keys)) {}
  std::optional<pboc::AuthorisationResponse> last;

 private:
  Result<pboc::AuthorisationResponse, pboc::OnlineFailure> authorise(const pboc::AuthorisationRequest& request) override {
    auto answer = decide(request.icc_data);
    if (!answer) return pboc::OnlineFailure::kNoDecision;
    last = *answer;
    return *answer;
  }

  static ByteSpan value_of(ByteSpan data, tlv::Tag tag) {
    auto e = tlv::find(data, tag);
    return e.ok() ? e->value : ByteSpan{};
  }

  std::optional<pboc::AuthorisationResponse> decide(ByteSpan icc) {
    const ByteSpan iad = value_of(icc, 0x9F10), arqc = value_of(icc, 0x9F26), atc = value_of(icc, 0x9F36);
    const ByteSpan psn = value_of(icc, 0x5F34);
    if (iad.size() != 8 || arqc.size() != 8 || atc.size() != 2 || psn.size() != 1) return std::nullopt;
    const crypto::Cipher cipher = iad[7] == 0x04 ? crypto::Cipher::kSm4 : crypto::Cipher::kTdes;
    const auto& imk = cipher == crypto::Cipher::kSm4 ? keys_.sm4.ac : keys_.tdes.ac;
    std::array<std::uint8_t, 8> factor{};
    std::array<std::uint8_t, 16> udk{}, session{};
    const std::uint16_t atc_value = static_cast<std::uint16_t>((atc[0] << 8) | atc[1]);
    if (!crypto::udk_factor(pan_digits(value_of(icc, 0x5A)), psn[0], factor).ok() ||
        !crypto::diversify(crypto_, cipher, imk, factor, udk).ok() ||
        !crypto::session_key(crypto_, cipher, udk, atc_value, session).ok()) {
      return std::nullopt;
    }
    // CVN 01 data: 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37, then AIP, ATC and the CVR of the IAD.
    Bytes data;
    for (tlv::Tag tag : {0x9F02u, 0x9F03u, 0x9F1Au, 0x95u, 0x5F2Au, 0x9Au, 0x9Cu, 0x9F37u, 0x82u, 0x9F36u}) {
      const ByteSpan v = value_of(icc, tag);
      data.insert(data.end(), v.begin(), v.end());
    }
    data.insert(data.end(), iad.begin() + 3, iad.begin() + 7);
    if (!crypto::verify_application_cryptogram(crypto_, cipher, session, data, arqc).ok()) return std::nullopt;
    const std::array<std::uint8_t, 2> arc{'0', '0'};
    std::array<std::uint8_t, 10> iad_out{};
    if (!crypto::arpc_method1(crypto_, cipher, session, arqc, arc, MutableByteSpan(iad_out).first(8)).ok()) {
      return std::nullopt;
    }
    iad_out[8] = arc[0];
    iad_out[9] = arc[1];
    pboc::AuthorisationResponse r;
    r.response_code = {'0', '0'};
    r.issuer_authentication_data = iad_out;
    return r;
  }

  static std::string pan_digits(ByteSpan bcd) {
    std::string digits;
    for (std::uint8_t b : bcd) {
      for (int nibble : {b >> 4, b & 0x0F}) {
        if (nibble <= 9) digits.push_back(static_cast<char>('0' + nibble));
      }
    }
    return digits;
  }

  crypto::Crypto& crypto_;
  sim::host::PaymentKeys keys_;
};

// The issuer's answer recorded once, handed back without any work.
class ReplayIssuer : public pboc::OnlineAuthoriser {
 public:
  explicit ReplayIssuer(pboc::AuthorisationResponse response) : response_(std::move(response)) {}

 private:
  Result<pboc::AuthorisationResponse, pboc::OnlineFailure> authorise(const pboc::AuthorisationRequest&) override {
    return response_;
  }
  pboc::AuthorisationResponse response_;
};

// A slot that forwards to another and keeps every exchange (command, response).
class RecordingSlot : public hal::Slot {
 public:
  explicit RecordingSlot(hal::Slot& inner) : inner_(inner) {}
  struct Exchange {
    Bytes command, response;
  };
  std::vector<Exchange> exchanges;

  std::string_view name() const override { return inner_.name(); }
  hal::SlotKind kind() const override { return inner_.kind(); }

 private:
  Result<bool> do_card_present() override { return inner_.card_present(); }
  Result<std::size_t> do_power_up(MutableByteSpan atr) override { return inner_.power_up(atr); }
  hal::Protocol do_protocol() const override { return inner_.protocol(); }
  Status do_power_down() override { return inner_.power_down(); }
  Result<std::size_t> do_transmit(ByteSpan command, MutableByteSpan response) override {
    auto n = inner_.transmit(command, response);
    if (n.ok()) exchanges.push_back({Bytes(command.begin(), command.end()), Bytes(response.begin(), response.begin() + static_cast<std::ptrdiff_t>(*n))});
    return n;
  }
  hal::Slot& inner_;
};

pboc::TerminalConfig kiosk_terminal(bool national_algorithms) {
  // The bundled kiosks' `payment` values (cards/kiosks/*.json): type 14, 20D8C8, the TACs of the type's defaults.
  pboc::TerminalConfig t;
  t.merchant_name = "SUINING SSC HALL KIOSK 1";
  t.terminal_id = {'0', '0', '0', '0', '0', '1', '0', '1'};
  t.national_algorithms = national_algorithms;
  return t;
}

pboc::TransactionRequest fixed_request() {
  pboc::TransactionRequest r;
  r.amount_fen = 1234;
  r.date = {0x26, 0x12, 0x05};
  r.time = {0x10, 0x30, 0x00};
  r.unpredictable_number = std::array<std::uint8_t, 4>{0x1A, 0x2B, 0x3C, 0x4D};
  return r;
}

std::shared_ptr<sim::Card> payment_card(const char* profile) {
  auto loaded = sim::load_profile(cards_path(profile));
  if (!loaded.ok()) return nullptr;
  return sim::make_card(loaded.value());
}

std::optional<pboc::CaKeyTable> ca_keys(crypto::Crypto& crypto) {
  auto table = config::load_ca_key_file(cards_path("keys/test-ca-public.json"), crypto, Date{2026, 12, 5});
  if (!table.ok()) return std::nullopt;
  return std::move(table).value();
}

std::optional<sim::host::PaymentKeys> issuer_keys(const char* profile) {
  // The card's province is in its file name: sc-* Sichuan (510000), cq-* Chongqing (500000).
  const std::string province = std::string(profile).rfind("sc-", 0) == 0 ? "510000" : "500000";
  auto keys = sim::host::load_payment_keys(cards_path("keys/test-payment-keys.json"), province);
  if (!keys.ok()) return std::nullopt;
  return std::move(keys).value();
}

// Approved online with a TC after the offline data authentication the card's data set calls for.
bool approved(const pboc::TransactionRecord& r, const PaymentCase& c) {
  return r.outcome == pboc::Outcome::kApproved && r.final_cryptogram == pboc::Cryptogram::kTc && r.online &&
         r.oda_method == c.oda && r.oda_result == pboc::OdaResult::kSucceeded;
}

// (a) The whole transaction against the simulated card.
void BM_PaymentTransaction(benchmark::State& state, const PaymentCase* c) {
  auto crypto = crypto::make_default_crypto();
  auto cas = ca_keys(*crypto);
  auto keys = issuer_keys(c->profile);
  if (!cas || !keys) return state.SkipWithError("test keys not loaded");
  InProcessIssuer issuer(*crypto, *keys);
  FixedPinPad pinpad(c->pin);
  const pboc::TerminalConfig terminal = kiosk_terminal(c->national_algorithms);
  hal::SimReader reader;
  reader.contact().insert(payment_card(c->profile));
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  pboc::TransactionRequest request = fixed_request();
  request.unpredictable_number.reset();  // from the RNG, one per transaction, as at a kiosk
  std::size_t apdus = 0;
  for (auto _ : state) {
    if (!reader.contact().power_up(atr).ok()) return state.SkipWithError("power up failed");
    transport::Transport card(reader.contact());
    pboc::KernelContext context{card, *crypto, terminal, *cas, &pinpad, issuer};
    const pboc::TransactionRecord record = pboc::run_transaction(context, request);
    if (!approved(record, *c)) return state.SkipWithError("transaction not approved");
    apdus = record.apdus;
    if (record.atc > 0xF000) {  // the card's ATC ends at FFFF: a fresh card before that
      state.PauseTiming();
      reader.contact().insert(payment_card(c->profile));
      state.ResumeTiming();
    }
  }
  state.counters["apdus_per_transaction"] = static_cast<double>(apdus);
  state.counters["transactions/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_PaymentTransaction, gen2_rsa, &kGen2Rsa)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_PaymentTransaction, gen3_sm, &kGen3Sm)->Unit(benchmark::kMillisecond);

// One transaction against the simulated card, every exchange kept.
struct Recording {
  Bytes atr;
  hal::Protocol protocol = hal::Protocol::kT0;
  std::vector<RecordingSlot::Exchange> exchanges;
  pboc::AuthorisationResponse issuer_answer;
  std::size_t apdus = 0;
};

std::optional<Recording> record_transaction(const PaymentCase& c, crypto::Crypto& crypto,
                                            const pboc::CaKeyTable& cas) {
  auto keys = issuer_keys(c.profile);
  if (!keys) return std::nullopt;
  InProcessIssuer issuer(crypto, *keys);
  FixedPinPad pinpad(c.pin);
  const pboc::TerminalConfig terminal = kiosk_terminal(c.national_algorithms);
  hal::SimReader reader;
  reader.contact().insert(payment_card(c.profile));
  RecordingSlot slot(reader.contact());
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto n = slot.power_up(atr);
  if (!n.ok()) return std::nullopt;
  transport::Transport card(slot);
  pboc::KernelContext context{card, crypto, terminal, cas, &pinpad, issuer};
  const pboc::TransactionRecord record = pboc::run_transaction(context, fixed_request());
  if (!approved(record, c) || !issuer.last) return std::nullopt;
  Recording r;
  r.atr.assign(atr.begin(), atr.begin() + static_cast<std::ptrdiff_t>(*n));
  r.protocol = slot.protocol();
  r.exchanges = std::move(slot.exchanges);
  r.issuer_answer = *issuer.last;
  r.apdus = record.apdus;
  return r;
}

// (b) The kernel's own work: the recorded card and issuer answers replayed.
void BM_PaymentKernelReplay(benchmark::State& state, const PaymentCase* c) {
  auto crypto = crypto::make_default_crypto();
  auto cas = ca_keys(*crypto);
  if (!cas) return state.SkipWithError("CA keys not loaded");
  const auto recording = record_transaction(*c, *crypto, *cas);
  if (!recording) return state.SkipWithError("recording against the simulated card failed");
  ReplayIssuer issuer(recording->issuer_answer);
  FixedPinPad pinpad(c->pin);
  const pboc::TerminalConfig terminal = kiosk_terminal(c->national_algorithms);
  const pboc::TransactionRequest request = fixed_request();
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  for (auto _ : state) {
    state.PauseTiming();
    auto slot = std::make_unique<testing::ScriptedSlot>(to_hex(recording->atr), recording->protocol);
    for (const auto& e : recording->exchanges) {
      // The enciphered PIN (VERIFY P2 88) carries fresh random padding in every run.
      const bool enciphered_pin = e.command.size() > 3 && e.command[1] == 0x20 && e.command[3] == 0x88;
      if (enciphered_pin) {
        slot->expect_any(e.response);
      } else {
        slot->expect(e.command, e.response);
      }
    }
    (void)slot->power_up(atr);
    state.ResumeTiming();
    transport::Transport card(*slot);
    pboc::KernelContext context{card, *crypto, terminal, *cas, &pinpad, issuer};
    const pboc::TransactionRecord record = pboc::run_transaction(context, request);
    state.PauseTiming();
    const bool whole = approved(record, *c) && slot->remaining() == 0;
    slot->verify_done();
    slot.reset();
    state.ResumeTiming();
    if (!whole) return state.SkipWithError("the replayed transaction differed from the recorded one");
  }
  state.counters["apdus_per_transaction"] = static_cast<double>(recording->apdus);
}
BENCHMARK_CAPTURE(BM_PaymentKernelReplay, gen2_rsa, &kGen2Rsa)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_PaymentKernelReplay, gen3_sm, &kGen3Sm)->Unit(benchmark::kMicrosecond);

// ---- (c) ODA ----

// What the card shows a terminal: its records and a DDA signature over a known unpredictable number.
struct OdaObjects {
  Bytes issuer_certificate, issuer_remainder, issuer_exponent;  // 90, 92, 9F32
  Bytes icc_certificate, icc_remainder, icc_exponent;          // 9F46, 9F48, 9F47
  Bytes static_data;                                           // PAYMENT.md §4.2: records then the AIP
  Bytes dda;                                                   // 9F4B, from INTERNAL AUTHENTICATE
  std::array<std::uint8_t, 4> unpredictable_number{0x1A, 0x2B, 0x3C, 0x4D};
  std::uint8_t ca_index = 0;
};

Result<Bytes> send_apdu(transport::Transport& card, const std::string& hex) {
  const Bytes raw = from_hex(hex).value();
  auto command = apdu::parse_command(raw);
  if (!command.ok()) return Error::kInvalidArgument;
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};
  auto response = card.transmit(*command, buffer);
  if (!response.ok()) return response.status();
  if (response->sw.value() != 0x9000) return Error::kCardStatus;
  return Bytes(response->data.begin(), response->data.end());
}

void keep(Bytes& out, ByteSpan record, tlv::Tag tag) {
  auto e = tlv::find_recursive(record, tag);
  if (e.ok()) out.assign(e->value.begin(), e->value.end());
}

// SELECT, GPO (with DF69 = 01 for the SM set), the records of the AFL and INTERNAL AUTHENTICATE, straight to the
// simulated card.
std::optional<OdaObjects> read_oda_objects(const char* profile, bool sm) {
  hal::SimReader reader;
  reader.contact().insert(payment_card(profile));
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  if (!reader.contact().power_up(atr).ok()) return std::nullopt;
  transport::Transport card(reader.contact());
  OdaObjects o;
  const std::string merchant = "535343415244204B494F534B0000000000000000";  // 20 bytes
  const std::string gpo = sm ? "80A800001A831801103000" + merchant + "00" : "80A80000198317103000" + merchant + "00";
  if (!send_apdu(card, "00A4040008A00000033301010100").ok() || !send_apdu(card, gpo).ok()) return std::nullopt;
  const int sfi = sm ? 4 : 3;
  const int last = sm ? 5 : 6;
  for (const auto& [s, rec] : std::vector<std::pair<int, int>>{{2, 1}, {2, 2}, {sfi, 1}}) {
    char cmd[24];  // room for any two ints, so the compiler can prove no truncation
    std::snprintf(cmd, sizeof cmd, "00B2%02X%02X00", rec, s * 8 + 4);
    auto r = send_apdu(card, cmd);
    if (!r.ok() || r->size() < 2) return std::nullopt;
    auto t = tlv::decode(*r);
    if (!t.ok()) return std::nullopt;
    o.static_data.insert(o.static_data.end(), t->value.begin(), t->value.end());
  }
  o.static_data.push_back(sm ? 0x7C : 0x7D);
  o.static_data.push_back(0x00);
  for (int rec = 2; rec <= last; ++rec) {
    char cmd[24];  // room for any two ints, so the compiler can prove no truncation
    std::snprintf(cmd, sizeof cmd, "00B2%02X%02X00", rec, sfi * 8 + 4);
    auto r = send_apdu(card, cmd);
    if (!r.ok()) return std::nullopt;
    keep(o.issuer_certificate, *r, 0x90);
    keep(o.issuer_remainder, *r, 0x92);
    keep(o.issuer_exponent, *r, 0x9F32);
    keep(o.icc_certificate, *r, 0x9F46);
    keep(o.icc_remainder, *r, 0x9F48);
    keep(o.icc_exponent, *r, 0x9F47);
    auto ca = tlv::find_recursive(*r, 0x8F);
    if (ca.ok() && ca->value.size() == 1) o.ca_index = ca->value[0];
  }
  auto ia = send_apdu(card, "0088000004" + to_hex(o.unpredictable_number) + "00");
  if (!ia.ok()) return std::nullopt;
  keep(o.dda, *ia, 0x80);  // format 1: 80 L || the 9F4B value
  if (o.issuer_certificate.empty() || o.icc_certificate.empty() || o.dda.empty()) return std::nullopt;
  return o;
}

const pboc::CaKey* ca_key_for(const pboc::CaKeyTable& table, std::uint8_t index) {
  const std::array<std::uint8_t, 5> rid{0xA0, 0x00, 0x00, 0x03, 0x33};
  return table.find(rid, index);
}

void BM_PaymentOdaRsa(benchmark::State& state, Factory make) {
  std::unique_ptr<crypto::Crypto> crypto = make();
  if (!crypto) return state.SkipWithError("backend unavailable");
  auto cas = ca_keys(*crypto);
  const auto o = read_oda_objects(kGen2Rsa.profile, false);
  if (!cas || !o) return state.SkipWithError("card objects not read");
  const pboc::CaKey* ca = ca_key_for(*cas, o->ca_index);
  if (!ca) return state.SkipWithError("no CA key");
  for (auto _ : state) {
    auto issuer = crypto::recover_issuer_certificate(*crypto, ca->modulus, ca->exponent, o->issuer_certificate,
                                                     o->issuer_remainder, o->issuer_exponent);
    if (!issuer.ok()) return state.SkipWithError("issuer certificate");
    auto icc = crypto::recover_icc_certificate(*crypto, issuer->key.modulus(), issuer->key.exponent(),
                                               o->icc_certificate, o->icc_remainder, o->icc_exponent, o->static_data);
    if (!icc.ok()) return state.SkipWithError("ICC certificate");
    auto dda = crypto::recover_dynamic_signature(*crypto, icc->key.modulus(), icc->key.exponent(), o->dda,
                                                 o->unpredictable_number);
    if (!dda.ok()) return state.SkipWithError("DDA signature");
    benchmark::DoNotOptimize(dda);
  }
  state.counters["ca_bits"] = static_cast<double>(ca->modulus.size() * 8);
  state.counters["oda/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_PaymentOdaRsa, openssl, &crypto::make_openssl_crypto)->Unit(benchmark::kMicrosecond);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_PaymentOdaRsa, mbedtls, &crypto::make_mbedtls_crypto)->Unit(benchmark::kMicrosecond);
#endif

void BM_PaymentOdaSm2(benchmark::State& state, Factory make) {
  std::unique_ptr<crypto::Crypto> crypto = make();
  if (!crypto) return state.SkipWithError("backend unavailable");
  auto cas = ca_keys(*crypto);
  const auto o = read_oda_objects(kGen3Sm.profile, true);
  if (!cas || !o) return state.SkipWithError("card objects not read");
  const pboc::CaKey* ca = ca_key_for(*cas, o->ca_index);
  if (!ca) return state.SkipWithError("no CA key");
  auto ca_key = crypto->sm2_prepare_public_key(ca->sm2_point, crypto::kSm2DefaultId);  // once, at load
  if (!ca_key.ok()) return state.SkipWithError("CA key not prepared");
  for (auto _ : state) {
    auto issuer = crypto::verify_sm2_issuer_certificate(**ca_key, o->issuer_certificate);
    if (!issuer.ok()) return state.SkipWithError("issuer certificate");
    auto issuer_key = crypto->sm2_prepare_public_key(issuer->public_key, crypto::kSm2DefaultId);
    if (!issuer_key.ok()) return state.SkipWithError("issuer key");
    auto icc = crypto::verify_sm2_icc_certificate(**issuer_key, o->icc_certificate, o->static_data);
    if (!icc.ok()) return state.SkipWithError("ICC certificate");
    auto icc_key = crypto->sm2_prepare_public_key(icc->public_key, crypto::kSm2DefaultId);
    if (!icc_key.ok()) return state.SkipWithError("ICC key");
    auto dda = crypto::verify_sm2_dynamic_signature(**icc_key, o->dda, o->unpredictable_number);
    if (!dda.ok()) return state.SkipWithError("DDA signature");
    benchmark::DoNotOptimize(dda);
  }
  state.counters["oda/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK_CAPTURE(BM_PaymentOdaSm2, openssl, &crypto::make_openssl_crypto)->Unit(benchmark::kMicrosecond);
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
BENCHMARK_CAPTURE(BM_PaymentOdaSm2, mbedtls, &crypto::make_mbedtls_crypto)->Unit(benchmark::kMicrosecond);
#endif

}  // namespace
}  // namespace sscard
