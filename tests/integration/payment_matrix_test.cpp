// The payment outcome matrix (docs/PAYMENT.md §4–§9): the terminal kernel (firmware/pboc) runs against the
// bundled cards (cards/*.json) personalised into simulated cards behind the simulated reader, with the
// terminal data and CA keys of the bundled kiosks (cards/kiosks/*.json, read by firmware/config), and asks the
// simulated issuers and hub (sim/host) in process, through sealed frames as a kiosk does. Each case asserts
// the outcome, the final cryptogram, the issuer's response code, the ATC, the TVR and TSI bit by bit (by name),
// the balance at the home issuer and the exact number of APDUs.
//
// Expected values come from the contract: §8.2 (steps and TVR bits), §8.3 (the bundled cardholders), §9.2
// (the issuer's codes), §4.4 (AFLs: how many records are read) and the profiles' table in §2.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sscard/config/ca_key_file.h"
#include "sscard/core/apdu.h"
#include "sscard/config/kiosk_config.h"
#include "sscard/core/tlv.h"
#include "sscard/crypto/diversify.h"
#include "sscard/crypto/secure_messaging.h"
#include "sscard/hal/sim_pinpad.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/pboc/kernel.h"
#include "sscard/sim/card_os.h"
#include "sscard/sim/profile.h"
#include "sscard/transport/transport.h"
#include "world.h"

#include "card_backends.h"
#ifdef SSCARD_PAYMENT_MATRIX_PCSC
#include "pcsc_backend.h"
#include "pcscd_required.h"
#endif

namespace sscard::test {
namespace {

namespace fs = std::filesystem;
using pboc::Cryptogram;
using pboc::Cvm;
using pboc::OdaMethod;
using pboc::OdaResult;
using pboc::Outcome;
using pboc::Reason;
using pboc::TsiBit;
using pboc::TvrBit;
using sim::host::testing::World;

const fs::path kCards = SSCARD_CARDS_DIR;

// The transaction date of the matrix (China Standard Time): 2026-12-05 10:30:00.
constexpr Date kToday{2026, 12, 5};
constexpr std::array<std::uint8_t, 3> kDate{0x26, 0x12, 0x05};
constexpr std::array<std::uint8_t, 3> kTime{0x10, 0x30, 0x00};
const std::string kIssuerDate = "20261205";

Bytes hx(std::string_view text) {
  auto b = from_hex(text);
  EXPECT_TRUE(b.ok()) << text;
  return b.ok() ? *b : Bytes();
}

// ---- The kiosks ----

// A bundled kiosk: its configuration, the kernel's terminal data made from it and its CA keys.
struct KioskData {
  config::KioskConfig config;
  pboc::TerminalConfig terminal;
  pboc::CaKeyTable ca_keys;
  bool chongqing = false;
};

std::array<std::uint8_t, 2> n4(const std::string& digits) {
  const Bytes b = hx(digits);
  return {b.size() > 0 ? b[0] : std::uint8_t{0}, b.size() > 1 ? b[1] : std::uint8_t{0}};
}

// The kernel's TerminalConfig from the configuration's `payment` part, field by field as §8.1 lists them.
pboc::TerminalConfig terminal_of(const config::KioskConfig& k) {
  const config::PaymentConfig& p = *k.payment;
  pboc::TerminalConfig t;
  t.capabilities = p.terminal_capabilities;
  t.terminal_type = hx(p.terminal_type).at(0);
  t.additional_capabilities = p.additional_capabilities;
  t.country_code = n4(p.country_code);
  t.currency_code = n4(p.currency_code);
  t.tac_denial = p.tac_denial;
  t.tac_online = p.tac_online;
  t.tac_default = p.tac_default;
  t.floor_limit_fen = p.floor_limit_fen;
  t.random_selection_threshold_fen = p.random_selection_threshold_fen;
  t.random_selection_target_percent = static_cast<std::uint8_t>(p.random_selection_target_percent);
  t.random_selection_max_percent = static_cast<std::uint8_t>(p.random_selection_max_target_percent);
  const std::string id = k.terminal.substr(k.terminal.size() - 8);  // 9F1C: the last 8 digits (§12)
  for (std::size_t i = 0; i < 8; ++i) t.terminal_id[i] = static_cast<std::uint8_t>(id[i]);
  t.merchant_name = p.merchant_name;
  t.national_algorithms = p.national_algorithms;
  t.pin_encryption_key = p.pin_key;
  return t;
}

KioskData load_kiosk(const std::string& name) {
  KioskData k;
  auto loaded = config::load_kiosk_config(kCards / "kiosks" / (name + ".json"));
  EXPECT_TRUE(loaded.ok()) << (loaded.ok() ? "" : loaded.error().to_string());
  if (!loaded.ok() || !loaded->payment) return k;
  k.config = *loaded;
  k.terminal = terminal_of(k.config);
  k.chongqing = k.config.province == "500000";
  auto backend = crypto::make_openssl_crypto();
  auto table = config::load_ca_key_file(k.config.payment->ca_keys, *backend, kToday);
  EXPECT_TRUE(table.ok()) << (table.ok() ? "" : table.error().to_string());
  if (table.ok()) k.ca_keys = *table;
  return k;
}

const std::array<std::uint8_t, 5> kRid{0xA0, 0x00, 0x00, 0x03, 0x33};
constexpr std::uint8_t kRsaIndex = 0xE0;
constexpr std::uint8_t kSm2Index = 0xE1;

// The kiosk's CA keys with `leave_out` removed (0: none) and, when given, every expiry moved.
pboc::CaKeyTable ca_table(const KioskData& k, std::uint8_t leave_out, std::optional<Date> expiry = std::nullopt) {
  pboc::CaKeyTable table;
  for (std::uint8_t index : {kRsaIndex, kSm2Index}) {
    const pboc::CaKey* key = k.ca_keys.find(kRid, index);
    EXPECT_NE(key, nullptr) << "CA key " << int(index);
    if (key == nullptr || index == leave_out) continue;
    pboc::CaKey copy = *key;
    if (expiry) copy.expiry = *expiry;
    table.add(copy);
  }
  return table;
}

// ---- The cards ----

sim::HolderProfile profile_of(const std::string& name) {
  auto p = sim::load_profile(kCards / (name + ".json"));
  EXPECT_TRUE(p.ok()) << (p.ok() ? "" : p.error().to_string());
  return p.ok() ? std::move(p).value() : sim::HolderProfile{};
}

// A slot between the kernel and the simulated reader that can change one card answer on its way, as a
// corrupted or forged card would send it: `tamper` sees the INS of the command being answered (the original
// one also for its GET RESPONSE) and the response (data + SW) it may change.
class TamperingSlot final : public hal::Slot {
 public:
  explicit TamperingSlot(hal::Slot& inner) : inner_(inner) {}
  std::string_view name() const override { return inner_.name(); }
  hal::SlotKind kind() const override { return inner_.kind(); }
  std::function<void(std::uint8_t ins, MutableByteSpan response)> tamper;

 private:
  Result<bool> do_card_present() override { return inner_.card_present(); }
  Result<std::size_t> do_power_up(MutableByteSpan atr) override { return inner_.power_up(atr); }
  hal::Protocol do_protocol() const override { return inner_.protocol(); }
  Status do_power_down() override { return inner_.power_down(); }
  Result<std::size_t> do_transmit(ByteSpan command, MutableByteSpan response) override {
    if (command[1] != 0xC0) ins_ = command[1];
    auto n = inner_.transmit(command, response);
    if (n.ok() && tamper) tamper(ins_, response.first(*n));
    return n;
  }
  hal::Slot& inner_;
  std::uint8_t ins_ = 0;
};

// A card of a bundled profile (possibly changed) in a contact slot: either a card object of this process behind
// the simulated reader, whose memory the test can read and write (`card`), or a card of a registered backend
// (card_backends.h), which is reached only through its slot (`card` is null).
struct Card {
  explicit Card(sim::HolderProfile p) : profile(std::move(p)) {
    card = std::shared_ptr<sim::CardOs>(sim::make_card_os(profile, crypto::make_openssl_crypto()));
    reader.contact().insert(card);
  }
  explicit Card(const std::string& name) : Card(profile_of(name)) {}
  // The bundled card `name` in the backend `backend_name`. Throws std::runtime_error if the backend is unknown
  // or cannot take the card.
  Card(const std::string& backend_name, const std::string& name)
      : profile(profile_of(name)), backend(make_card_backend(backend_name)), contact(&insert_into(backend, name)) {}

  const std::string& pan() const { return profile.payment->card.pan; }

  sim::HolderProfile profile;
  std::shared_ptr<sim::CardOs> card;
  hal::SimReader reader;
  std::unique_ptr<CardBackend> backend;
  hal::Slot* contact = &reader.contact();  // where the card sits
  TamperingSlot slot{*contact};

 private:
  static hal::Slot& insert_into(const std::unique_ptr<CardBackend>& backend, const std::string& name) {
    if (backend == nullptr) throw std::runtime_error("unknown card backend");
    return backend->insert(kCards / (name + ".json"));
  }
};

// ---- The issuer link ----

// The kiosk's link to its province's issuer host (which routes a card of the other province through the hub),
// with the test's hooks on the way: `before` may change the request's ICC data, `after` the decided answer.
class IssuerLink final : public pboc::OnlineAuthoriser {
 public:
  IssuerLink(World& world, bool chongqing) : world_(world), chongqing_(chongqing) {}

  std::function<void(Bytes& icc_data)> before;
  std::function<void(pboc::AuthorisationResponse& answer, ByteSpan icc_data)> after;
  int calls = 0;
  std::optional<wire::Response> last;
  std::string date = kIssuerDate;  // DF09
  Bytes icc_sent;                    // FF40 as sent

 private:
  Result<pboc::AuthorisationResponse, pboc::OnlineFailure> authorise(
      const pboc::AuthorisationRequest& request) override {
    ++calls;
    static std::atomic<std::uint32_t> counter{0};
    const std::uint32_t n = ++counter;
    sim::host::testing::Kiosk& kiosk = chongqing_ ? world_.cq_kiosk : world_.sc_kiosk;
    sim::host::IssuerHost& host = chongqing_ ? *world_.cq : *world_.sc;
    wire::Request r;
    r.operation = wire::Operation::kAuthorise;
    r.key.fill(0x6D);
    r.key[12] = static_cast<std::uint8_t>(n >> 24);
    r.key[13] = static_cast<std::uint8_t>(n >> 16);
    r.key[14] = static_cast<std::uint8_t>(n >> 8);
    r.key[15] = static_cast<std::uint8_t>(n);
    r.terminal = kiosk.id();
    r.serving_province = kiosk.id().substr(0, 2) + "0000";
    r.card_region = std::string(request.pan.substr(6, 6));
    r.date = date;
    Bytes icc(request.icc_data.begin(), request.icc_data.end());
    if (before) before(icc);
    r.icc_data = icc;
    icc_sent = icc;
    r.pin_block = request.enciphered_pin_block;
    auto answer = kiosk.open(host.handle_message(kiosk.seal(r)), host.id());
    if (!answer) return pboc::OnlineFailure::kUnreachable;
    last = *answer;
    if (answer->result != wire::ResultCode::kOk || answer->response_code.size() != 2) {
      return pboc::OnlineFailure::kNoDecision;
    }
    pboc::AuthorisationResponse decided;
    decided.response_code = {answer->response_code[0], answer->response_code[1]};
    decided.issuer_authentication_data = answer->issuer_authentication;
    if (answer->scripts) decided.scripts = *answer->scripts;
    if (after) after(decided, icc);
    return decided;
  }

  World& world_;
  bool chongqing_;
};

// The value of `tag` in FF40's value, or empty.
ByteSpan icc_value(ByteSpan icc, tlv::Tag tag) {
  tlv::Elements elements(icc);
  for (const tlv::Element& e : elements) {
    if (e.tag == tag) return e.value;
  }
  return {};
}

// One exchange through `slot`: the response (data + SW), or nothing (and a failure) if the slot fails.
Bytes slot_exchange(hal::Slot& slot, ByteSpan command) {
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> response{};
  auto n = slot.transmit(command, response);
  EXPECT_TRUE(n.ok()) << (n.ok() ? "" : std::string(n.status().name()));
  return n.ok() ? Bytes(response.begin(), response.begin() + static_cast<std::ptrdiff_t>(*n)) : Bytes();
}

// One command to the card in hex, past the kernel (as a test reader would); a T=0 61xx gets its GET RESPONSE.
std::string card_send(hal::Slot& slot, std::string_view apdu) {
  Bytes r = slot_exchange(slot, hx(apdu));
  if (r.size() == 2 && r[0] == 0x61) r = slot_exchange(slot, Bytes{0x00, 0xC0, 0x00, 0x00, r[1]});
  return to_hex(r);
}

// A transaction log record (§5.5: SFI 11, record 1 the newest), with its status word.
std::string newest_log_record(Card& card, int number = 1) {
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  EXPECT_TRUE(card.contact->power_up(atr).ok());
  card_send(*card.contact, "00A4040008A00000033301010100");
  const std::string record = card_send(*card.contact, "00B20" + std::to_string(number) + "5C00");
  (void)card.contact->power_down();
  return record;
}

// The tags of FF40's value, in order.
std::vector<tlv::Tag> tags_of(ByteSpan icc) {
  std::vector<tlv::Tag> tags;
  tlv::Elements elements(icc);
  for (const tlv::Element& e : elements) tags.push_back(e.tag);
  EXPECT_TRUE(elements.status().ok());
  return tags;
}

// ---- Running a transaction ----

struct Paid {
  pboc::TransactionRecord record;
  std::size_t commands = 0;  // transmit() calls (the APDU count without GET RESPONSE)
};

Paid pay(Card& card, const KioskData& kiosk, IssuerLink& link, hal::PinPad* pinpad, std::uint64_t amount_fen,
        const pboc::CaKeyTable* ca_keys = nullptr, const pboc::TerminalConfig* terminal = nullptr,
        std::array<std::uint8_t, 3> date = kDate, transport::TraceSink* trace = nullptr) {
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  EXPECT_TRUE(card.slot.power_up(atr).ok());
  transport::Transport transport(card.slot);
  transport.set_trace(trace);
  auto backend = crypto::make_openssl_crypto();
  pboc::KernelContext context{transport, *backend, terminal ? *terminal : kiosk.terminal,
                              ca_keys ? *ca_keys : kiosk.ca_keys, pinpad, link};
  pboc::TransactionRequest request;
  request.amount_fen = amount_fen;
  request.date = date;
  request.time = kTime;
  Paid run;
  run.record = pboc::run_transaction(context, request);
  run.commands = transport.command_count();
  EXPECT_EQ(run.record.apdus, transport.apdu_count());
  (void)card.slot.power_down();
  return run;
}

std::uint64_t balance(World& w, const std::string& pan) {
  sim::host::HolderStore& store = pan.substr(4, 2) == "50" ? *w.cq_store : *w.sc_store;
  auto a = store.find_account(pan);
  EXPECT_TRUE(a.ok() && a->has_value()) << pan;
  return a.ok() && a->has_value() ? (*a)->balance_fen : 0;
}

std::string code(const pboc::TransactionRecord& r) { return r.online ? std::string(r.response_code.data(), 2) : ""; }

// A TVR / TSI from named bits, so that a mismatch prints the names of both sides.
pboc::Tvr tvr_of(std::initializer_list<TvrBit> bits) {
  pboc::Tvr t;
  for (TvrBit b : bits) t.set(b);
  return t;
}
pboc::Tsi tsi_of(std::initializer_list<TsiBit> bits) {
  pboc::Tsi t;
  for (TsiBit b : bits) t.set(b);
  return t;
}
#define EXPECT_TVR(record, ...) \
  EXPECT_EQ(pboc::describe_tvr((record).tvr), pboc::describe_tvr(tvr_of({__VA_ARGS__})))
#define EXPECT_TSI(record, ...) \
  EXPECT_EQ(pboc::describe_tsi((record).tsi), pboc::describe_tsi(tsi_of({__VA_ARGS__})))

// ---- APDU counts (§4.1, §4.4, §8.2) ----
// Selection through the PSE: SELECT PSE, READ RECORD directory 1 and 2 (6A 83), SELECT AID = 4.
// GPO = 1. Records: RSA AFL 1 + 2 + 6 + 1 = 10; SM AFL 1 + 2 + 5 + 1 = 9.
// Enciphered PIN: GET DATA 9F17, GET CHALLENGE, VERIFY = 3; plaintext PIN: GET DATA 9F17, VERIFY = 2.
// DDA: INTERNAL AUTHENTICATE = 1 (CDA: none). Velocity: GET DATA 9F36 and 9F13 = 2.
// Online: GAC1, EXTERNAL AUTHENTICATE, GAC2 = 3.
constexpr std::size_t kRsaCdaCommands = 4 + 1 + 10 + 0 + 3 + 2 + 3;  // 23
constexpr std::size_t kSmDdaCommands = 4 + 1 + 9 + 1 + 2 + 2 + 3;    // 22
// On T=0 every case-4 command whose answer has data is followed by GET RESPONSE (61xx): the two SELECTs,
// the GPO, the two GENERATE ACs and INTERNAL AUTHENTICATE.
constexpr std::size_t kRsaCdaT0Exchanges = kRsaCdaCommands + 5;  // 28
constexpr std::size_t kSmDdaT0Exchanges = kSmDdaCommands + 6;    // 28

// ---- Card backends ----
// The card-facing cases run on every registered card backend (card_backends.h): in this process, and, in the
// program built with the pcsc backend, behind a real pcscd with the vpcd reader. Cases that need the card's
// memory (saved, restored, written) or a changed profile (a card object built here) stay in process.

// Skips (or fails, with SSCARD_REQUIRE_PCSCD=1) a case on the pcsc backend where pcscd or vpcd is missing.
void require_backend([[maybe_unused]] const std::string& backend) {
#ifdef SSCARD_PAYMENT_MATRIX_PCSC
  if (backend == kPcscBackendName) SSCARD_SKIP_OR_FAIL_WITHOUT_PCSCD();
#endif
}

std::string backend_case_name(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

// ---- 0. The bundled kiosks' terminal data ----

TEST(KioskTerminalData, BothBundledKiosksHoldTheValuesOfSection81) {
  for (const char* name : {"cq-tongnan", "sc-suining"}) {
    SCOPED_TRACE(name);
    const KioskData k = load_kiosk(name);
    const pboc::TerminalConfig& t = k.terminal;
    EXPECT_EQ(to_hex(t.capabilities), "20D8C8");
    EXPECT_EQ(t.terminal_type, 0x14);
    EXPECT_TRUE(pboc::is_online_only(t));
    EXPECT_EQ(to_hex(t.additional_capabilities), "6000A05001");
    EXPECT_EQ(to_hex(t.country_code), "0156");
    EXPECT_EQ(to_hex(t.currency_code), "0156");
    EXPECT_EQ(to_hex(t.tac_denial), "0010800000");
    EXPECT_EQ(to_hex(t.tac_online), "FCF8FCF800");
    EXPECT_EQ(to_hex(t.tac_default), "FCF8FCF800");
    EXPECT_EQ(t.floor_limit_fen, 0u);
    EXPECT_TRUE(t.national_algorithms);
    EXPECT_TRUE(t.pin_encryption_key.has_value());
    EXPECT_EQ(k.ca_keys.size(), 2u);
    EXPECT_NE(k.ca_keys.find(kRid, kRsaIndex), nullptr);
    EXPECT_NE(k.ca_keys.find(kRid, kSm2Index), nullptr);
    EXPECT_EQ(k.ca_keys.find(kRid, kRsaIndex)->modulus.size(), 176u);  // 1408 bits (§7.1)
    EXPECT_EQ(k.ca_keys.find(kRid, kRsaIndex)->expiry, (Date{2035, 12, 31}));
  }
}

// ---- 1. Every payment card at both kiosks, approved online ----

struct ApprovalCase {
  std::string backend;
  std::string card;
  std::string kiosk;
  bool national_algorithms;
};

std::string case_name(const ::testing::TestParamInfo<ApprovalCase>& info) {
  std::string n = info.param.backend + "_" + info.param.card + "_at_" + info.param.kiosk +
                  (info.param.national_algorithms ? "_sm_offered" : "_sm_not_offered");
  for (char& c : n) {
    if (c == '-') c = '_';
  }
  return n;
}

class ApprovedOnline : public ::testing::TestWithParam<ApprovalCase> {
 protected:
  void SetUp() override { require_backend(GetParam().backend); }
};

TEST_P(ApprovedOnline, TcAfterAnAuthenticatedApprovalAndTheAccountIsDebitedOnce) {
  const ApprovalCase& c = GetParam();
  World w;
  KioskData kiosk = load_kiosk(c.kiosk);
  ASSERT_TRUE(kiosk.config.payment.has_value());
  ASSERT_TRUE(kiosk.config.payment->national_algorithms);  // both bundled kiosks offer the SM set
  kiosk.terminal.national_algorithms = c.national_algorithms;
  Card card(c.backend, c.card);
  ASSERT_TRUE(card.profile.payment.has_value());
  const bool gen3 = card.profile.generation == 3;
  const bool sm = gen3 && c.national_algorithms;
  const std::string pin = card.profile.payment->card.pin;
  const std::uint64_t before = balance(w, card.pan());
  IssuerLink link(w, kiosk.chongqing);
  hal::SimPinPad pinpad({pin});

  const Paid run = pay(card, kiosk, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kApproved) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kApprovedOnline);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kTc);
  EXPECT_EQ(code(r), "00");
  EXPECT_EQ(r.atc, 1);  // a fresh card's first GPO
  ASSERT_TRUE(r.first_gac && r.second_gac);
  EXPECT_EQ(r.first_gac->cid, 0x80);
  EXPECT_EQ(r.second_gac->cid, 0x40);
  EXPECT_EQ(r.first_gac->atc, 1);
  // IAD (§5.2): 07 01 01 CVR(4) algorithm: 01 3DES, 04 SM4.
  ASSERT_EQ(r.first_gac->issuer_application_data.size(), 8u);
  EXPECT_EQ(r.first_gac->issuer_application_data.back(), sm ? 0x04 : 0x01);
  EXPECT_EQ(r.data_set, sm ? pboc::DataSet::kSm : pboc::DataSet::kRsa);
  EXPECT_EQ(pboc::oda_name(r.oda_method, r.oda_result), sm ? "sm2-dda" : "cda");
  EXPECT_EQ(r.oda_result, OdaResult::kSucceeded);
  // §8.3: the RSA set verifies an enciphered offline PIN (4403), the SM set a plaintext one (0103).
  EXPECT_EQ(r.cvm, sm ? Cvm::kOfflinePin : Cvm::kOfflineEncipheredPin);
  EXPECT_EQ(to_hex(r.cvm_results), sm ? "010302" : "440302");
  EXPECT_TRUE(r.issuer_authentication_performed);
  EXPECT_TRUE(r.issuer_authentication_ok);
  // The bundled kiosks' floor limit is 0, so any amount exceeds it (§8.1, §8.2 step 7: amount >= limit); a
  // card's first transaction has last online ATC 0 (new card, 2.4).
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kIssuerAuthenticationPerformed,
             TsiBit::kTerminalRiskManagementPerformed);
  EXPECT_FALSE(r.approved_online_but_not_completed);
  EXPECT_EQ(pinpad.remaining(), 0u);
  EXPECT_EQ(balance(w, card.pan()), before - 1234);
  // CVR (§5.3) in the IAD: GAC1 2.8-7 '10' and 2.6-5 '10' (ARQC), 2.3 VERIFY received, 3.5 last online ATC 0,
  // 4.2 CDA signature or INTERNAL AUTHENTICATE in this transaction; GAC2 2.8-7 '01' (TC).
  EXPECT_EQ(to_hex(ByteSpan(r.first_gac->issuer_application_data).subspan(3, 4)), "03A41002");
  EXPECT_EQ(to_hex(ByteSpan(r.second_gac->issuer_application_data).subspan(3, 4)), "03641002");
  // FF40 holds the elements of §9.1 in that order.
  const std::vector<tlv::Tag> expected_tags = {0x5A,   0x5F34, 0x5F24, 0x82,   0x84,   0x9F36, 0x9F26, 0x9F27,
                                               0x9F10, 0x9F37, 0x95,   0x9A,   0x9F21, 0x9C,   0x9F02, 0x9F03,
                                               0x5F2A, 0x9F1A, 0x9F33, 0x9F34, 0x9F35, 0x9F09};
  EXPECT_EQ(tags_of(link.icc_sent), expected_tags);
  EXPECT_EQ(to_hex(icc_value(link.icc_sent, 0x95)), "0008008000");  // 2.4 and 4.8 as bytes
  EXPECT_EQ(to_hex(icc_value(link.icc_sent, 0x9F34)), sm ? "010302" : "440302");
  // The log record of the TC (§5.5): 9A 9F21 9F02 9F03 9F1A 5F2A 9F4E 9C 9F36, with 9F4E the kiosk's merchant
  // name cut to 20 bytes (ASCII here, so GBK is the same bytes).
  const std::string merchant = kiosk.config.payment->merchant_name.substr(0, 20);
  std::string merchant_hex = to_hex(as_bytes(merchant));
  while (merchant_hex.size() < 40) merchant_hex += "00";
  EXPECT_EQ(newest_log_record(card),
            "261205" "103000" "000000001234" "000000000000" "0156" "0156" + merchant_hex + "00" "0001" "9000");
  // The readable record masks the PAN (first 6, last 4).
  EXPECT_EQ(pboc::describe(r).find(card.pan()), std::string::npos);
  EXPECT_NE(pboc::describe(r).find(pboc::mask_pan(card.pan())), std::string::npos);
  ASSERT_TRUE(link.last.has_value());
  EXPECT_EQ(link.last->home_issuer, card.pan().substr(4, 2) + "0000");

  // APDUs: the Chengdu card speaks T=1, the others T=0.
  const bool t1 = card.profile.protocol == sim::CardProtocol::kT1;
  EXPECT_EQ(run.commands, sm ? kSmDdaCommands : kRsaCdaCommands);
  EXPECT_EQ(r.apdus, sm ? kSmDdaT0Exchanges : (t1 ? kRsaCdaCommands : kRsaCdaT0Exchanges));
}

std::vector<ApprovalCase> approval_cases() {
  std::vector<ApprovalCase> cases;
  for (const std::string& backend : card_backend_names()) {
    for (const char* kiosk : {"cq-tongnan", "sc-suining"}) {
      for (const char* card : {"sc-chengdu-gen2", "sc-liangshan-longname-gen2"}) {
        cases.push_back({backend, card, kiosk, true});
      }
      for (const char* card : {"cq-tongnan-gen3", "sc-suining-gen3"}) {
        cases.push_back({backend, card, kiosk, true});
        cases.push_back({backend, card, kiosk, false});
      }
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(BundledCards, ApprovedOnline, ::testing::ValuesIn(approval_cases()), case_name);


// ---- 2. Declines and failures ----

// The kiosks and cards of the decline cases.
struct Matrix : ::testing::Test {
  World w;
  KioskData sc = load_kiosk("sc-suining");
  KioskData cq = load_kiosk("cq-tongnan");
};

// The same, with the cards in the backend of the parameter.
struct CardMatrix : Matrix, ::testing::WithParamInterface<std::string> {
  void SetUp() override { require_backend(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Backends, CardMatrix, ::testing::ValuesIn(card_backend_names()), backend_case_name);

TEST_P(CardMatrix, AWrongPinIsAskedAgainThenTheRightOneIsApproved) {
  Card card(GetParam(), "sc-chengdu-gen2");
  IssuerLink link(w, false);
  hal::SimPinPad pinpad({"000000", "246810"});
  const Paid run = pay(card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kApproved) << pboc::describe(r);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kTc);
  EXPECT_EQ(code(r), "00");
  EXPECT_EQ(r.atc, 1);
  EXPECT_EQ(r.cvm, Cvm::kOfflineEncipheredPin);
  EXPECT_EQ(to_hex(r.cvm_results), "440302");
  EXPECT_EQ(r.pin_tries_left, 2);  // the wrong entry's 63 C2
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kIssuerAuthenticationPerformed,
             TsiBit::kTerminalRiskManagementPerformed);
  EXPECT_EQ(pinpad.remaining(), 0u);
  EXPECT_EQ(balance(w, card.pan()), 80000u - 1234u);
  // One more GET CHALLENGE and VERIFY for the second entry (T=1: no GET RESPONSE).
  EXPECT_EQ(r.apdus, kRsaCdaCommands + 2);

  // The right PIN gave the tries back: the next transaction's GET DATA 9F17 answers 3.
  hal::SimPinPad next({"246810"});
  const Paid again = pay(card, sc, link, &next, 1234);
  EXPECT_EQ(again.record.outcome, Outcome::kApproved);
  EXPECT_EQ(again.record.pin_tries_left, 3);
  EXPECT_EQ(again.record.atc, 2);
}

TEST_P(CardMatrix, ABlockedPinDeclinesOfflineAndTheNextTransactionAsksForNoPin) {
  Card card(GetParam(), "sc-chengdu-gen2");
  IssuerLink link(w, false);
  hal::SimPinPad pinpad({"000000", "111111", "222222"});
  const Paid first = pay(card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = first.record;
  // 4403 fails with the try limit exceeded and, b7 set, 0103 follows: GET DATA 9F17 answers 0, the rule fails
  // without a prompt and, b7 clear, cardholder verification fails (3.8), which IAC-denial turns into AAC (§4.3).
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedOffline);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_FALSE(r.online_attempted);
  EXPECT_EQ(code(r), "");
  EXPECT_EQ(link.calls, 0);
  EXPECT_EQ(r.atc, 1);
  EXPECT_EQ(r.cvm, Cvm::kFailed);
  EXPECT_EQ(to_hex(r.cvm_results), "010301");
  EXPECT_EQ(r.pin_tries_left, 0);
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kCardholderVerificationFailed, TvrBit::kPinTryLimitExceeded,
             TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kTerminalRiskManagementPerformed);
  EXPECT_EQ(pinpad.remaining(), 0u);
  // 4 + 1 + 10, 9F17, then three (GET CHALLENGE, VERIFY), 9F17 again, 9F36, 9F13, GAC1.
  EXPECT_EQ(r.apdus, 4u + 1 + 10 + 1 + 6 + 1 + 2 + 1);

  hal::SimPinPad none(std::vector<std::string>{});
  const Paid second = pay(card, sc, link, &none, 1234);
  EXPECT_EQ(second.record.outcome, Outcome::kDeclined);
  EXPECT_EQ(second.record.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(second.record.atc, 2);
  EXPECT_TRUE(none.prompts().empty());  // GET DATA 9F17 = 0: no PIN asked
  EXPECT_TRUE(second.record.tvr.has(TvrBit::kPinTryLimitExceeded));
  EXPECT_TRUE(second.record.tvr.has(TvrBit::kCardholderVerificationFailed));
  EXPECT_EQ(link.calls, 0);
  EXPECT_EQ(balance(w, card.pan()), 80000u);
}

TEST_F(Matrix, ACancelledPinEntryIsABypassAndTheCardholderIsNotVerified) {
  // §8.4: a keypad cancel is a PIN bypass (3.4) and the rule fails; 4403 has b7 set, so 0103 follows and is
  // bypassed too; 0103 has b7 clear: verification fails (3.8) and IAC-denial declines offline.
  Card card("sc-chengdu-gen2");
  IssuerLink link(w, false);
  hal::SimPinPad pinpad({"cancel", "cancel"});
  const Paid run = pay(card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedOffline);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(link.calls, 0);
  EXPECT_EQ(r.atc, 1);
  EXPECT_EQ(r.cvm, Cvm::kFailed);
  EXPECT_EQ(to_hex(r.cvm_results), "010301");
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kCardholderVerificationFailed, TvrBit::kPinNotEntered,
             TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kTerminalRiskManagementPerformed);
  EXPECT_EQ(balance(w, card.pan()), 80000u);
}

TEST_F(Matrix, WithoutAKeypadThePinRulesFailWithPinPadMissing) {
  Card card("sc-suining-gen3");
  IssuerLink link(w, false);
  const Paid run = pay(card, sc, link, nullptr, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(link.calls, 0);
  EXPECT_EQ(to_hex(r.cvm_results), "010301");
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kCardholderVerificationFailed, TvrBit::kPinPadMissing,
             TvrBit::kFloorLimitExceeded);
  // No PIN command at all: 4 + GPO + 9 records + INTERNAL AUTHENTICATE + 9F36 + 9F13 + GAC1 = 18 commands,
  // and GET RESPONSE after both SELECTs, the GPO, INTERNAL AUTHENTICATE and GAC1 on T=0.
  EXPECT_EQ(run.commands, 18u);
  EXPECT_EQ(r.apdus, 23u);
}

TEST_F(Matrix, InsufficientFundsIs51AndTheCardDeclines) {
  Card card("sc-liangshan-longname-gen2");  // 200.00 yuan on the account (§2)
  IssuerLink link(w, false);
  hal::SimPinPad pinpad({"112233"});
  const Paid run = pay(card, sc, link, &pinpad, 20001);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByIssuer);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(code(r), "51");
  EXPECT_EQ(to_hex(ByteSpan(reinterpret_cast<const std::uint8_t*>(r.arc_sent.data()), 2)), "3531");
  EXPECT_EQ(r.atc, 1);
  EXPECT_TRUE(r.issuer_authentication_ok);  // DF51 carries the ARPC for 51 (§9.2)
  EXPECT_FALSE(r.approved_online_but_not_completed);
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kIssuerAuthenticationPerformed,
             TsiBit::kTerminalRiskManagementPerformed);
  EXPECT_EQ(balance(w, card.pan()), 20000u);
  EXPECT_EQ(r.apdus, kRsaCdaT0Exchanges);
}

struct ExpiredCard : ::testing::TestWithParam<std::string> {
  void SetUp() override { require_backend(GetParam()); }
};

INSTANTIATE_TEST_SUITE_P(Backends, ExpiredCard, ::testing::ValuesIn(card_backend_names()), backend_case_name);

TEST_P(ExpiredCard, TheYuzhongCardIs54WithExpiredApplicationAndCdaFailedAtBothKiosks) {
  for (const char* name : {"cq-tongnan", "sc-suining"}) {
    SCOPED_TRACE(name);
    World w;
    const KioskData kiosk = load_kiosk(name);
    Card card(GetParam(), "cq-yuzhong-gen2");  // 5F24 250601; its ICC certificate expired 06/25 too (§8.3)
    IssuerLink link(w, kiosk.chongqing);
    hal::SimPinPad pinpad({"802416"});
    const Paid run = pay(card, kiosk, link, &pinpad, 1234);
    const pboc::TransactionRecord& r = run.record;
    EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
    EXPECT_EQ(r.reason, Reason::kDeclinedByIssuer);
    EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
    EXPECT_EQ(code(r), "54");
    EXPECT_EQ(r.atc, 1);
    EXPECT_EQ(r.oda_method, OdaMethod::kCda);
    EXPECT_EQ(r.oda_result, OdaResult::kFailed);
    // The enciphered PIN needs the ICC key, which does not recover: 4403 fails before any command, 0103 runs.
    EXPECT_EQ(r.cvm, Cvm::kOfflinePin);
    EXPECT_EQ(to_hex(r.cvm_results), "010302");
    ASSERT_TRUE(r.first_gac.has_value());
    EXPECT_EQ(r.first_gac->cid, 0x80);  // ARQC without CDA: a format 1 answer
    EXPECT_TRUE(r.issuer_authentication_ok);  // 54 comes with its ARPC (§9.2)
    EXPECT_TVR(r, TvrBit::kCdaFailed, TvrBit::kExpiredApplication, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
    EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
               TsiBit::kCardRiskManagementPerformed, TsiBit::kIssuerAuthenticationPerformed,
               TsiBit::kTerminalRiskManagementPerformed);
    EXPECT_EQ(balance(w, card.pan()), 150000u);
    EXPECT_EQ(r.apdus, kRsaCdaT0Exchanges - 1);  // no GET CHALLENGE; T=0
    EXPECT_EQ(newest_log_record(card), "6A83");  // no TC, no log record (§5.5)
  }
}

TEST_F(Matrix, WithoutAnIssuerDecisionAnOnlineOnlyKioskDeclinesWithZ3) {
  w.sc_hop.mode = sim::host::testing::Hop::kDown;  // the Sichuan host is gone: the hub cannot route
  Card card("sc-suining-gen3");
  IssuerLink link(w, true);
  hal::SimPinPad pinpad({"258369"});
  const Paid run = pay(card, cq, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kUnableToGoOnline);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_TRUE(r.online_attempted);
  EXPECT_FALSE(r.online);
  EXPECT_EQ(code(r), "");
  EXPECT_EQ(std::string(r.arc_sent.data(), 2), "Z3");
  EXPECT_EQ(r.atc, 1);
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kTerminalRiskManagementPerformed);
  EXPECT_EQ(balance(w, card.pan()), 500000u);
  EXPECT_EQ(r.apdus, kSmDdaT0Exchanges - 1);  // no EXTERNAL AUTHENTICATE
}

TEST_F(Matrix, AGeneration1CardHasNoPaymentApplication) {
  Card card("sc-mianyang-gen1");
  IssuerLink link(w, false);
  hal::SimPinPad pinpad(std::vector<std::string>{});
  const Paid run = pay(card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kFailed) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kNoApplication);
  EXPECT_EQ(r.failed_step, pboc::Step::kSelection);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kNone);
  EXPECT_EQ(r.atc, 0);
  EXPECT_TVR(r);
  EXPECT_TSI(r);
  EXPECT_EQ(link.calls, 0);
  EXPECT_EQ(r.apdus, 2u);  // SELECT PSE 6A 82, then SELECT of the terminal's AID 6A 82 (§8.2 step 1)
}

TEST_F(Matrix, AnApprovalWithoutIssuerAuthenticationDataIsDeclinedByTheCard) {
  // §8.4: DF50 without DF51 is an online answer (no EXTERNAL AUTHENTICATE); the card's issuer authentication is
  // mandatory (9F56 80, ADA byte 1 b6: §4.3, §5.3), so it answers the TC request with an AAC.
  Card card("sc-suining-gen3");
  IssuerLink link(w, false);
  link.after = [](pboc::AuthorisationResponse& answer, ByteSpan) { answer.issuer_authentication_data.reset(); };
  hal::SimPinPad pinpad({"258369"});
  const Paid run = pay(card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByCard);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(code(r), "00");
  EXPECT_FALSE(r.issuer_authentication_performed);
  EXPECT_TRUE(r.approved_online_but_not_completed);
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kTerminalRiskManagementPerformed);
  ASSERT_TRUE(r.second_gac.has_value());
  EXPECT_EQ(to_hex(ByteSpan(r.second_gac->issuer_application_data).subspan(3, 4)), "03241402");
  EXPECT_EQ(balance(w, card.pan()), 500000u - 1234u);
  EXPECT_EQ(r.apdus, kSmDdaT0Exchanges - 1);
}

TEST_F(Matrix, DeclinedOnlineTransactionsCountAgainstTheOfflineLimits) {
  // Declines do not move the last online ATC (§5.3: reset only on approval), so ATC − 9F13 grows: > 9F14 (3)
  // sets 4.7 and > 9F23 (5) sets 4.6 at the terminal (§8.2 step 7); > 9F58 (3) sets CVR 3.6 on the card.
  Card card("sc-liangshan-longname-gen2");  // 200.00 yuan: every 200.01 is refused with 51
  IssuerLink link(w, false);
  for (std::uint16_t atc = 1; atc <= 6; ++atc) {
    SCOPED_TRACE(atc);
    hal::SimPinPad pinpad({"112233"});
    const Paid run = pay(card, sc, link, &pinpad, 20001);
    const pboc::TransactionRecord& r = run.record;
    EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
    EXPECT_EQ(code(r), "51");
    EXPECT_EQ(r.atc, atc);
    EXPECT_EQ(r.tvr.has(TvrBit::kLowerOfflineLimitExceeded), atc > 3);
    EXPECT_EQ(r.tvr.has(TvrBit::kUpperOfflineLimitExceeded), atc > 5);
    EXPECT_TRUE(r.tvr.has(TvrBit::kNewCard));
    ASSERT_TRUE(r.first_gac.has_value());
    // CVR byte 3: 3.5 (last online ATC 0) and, past 9F58, 3.6.
    EXPECT_EQ(to_hex(ByteSpan(r.first_gac->issuer_application_data).subspan(3, 4)),
              atc > 3 ? "03A43002" : "03A41002");
  }
  EXPECT_EQ(balance(w, card.pan()), 20000u);
}

TEST_F(Matrix, AnOnlinePinIsCheckedByTheHomeIssuer) {
  // A kiosk offering only online PIN (9F33 byte 2: online PIN, no CVM): 4403 and 0103 are skipped (condition
  // 03, not supported), 0203 runs (§4.3, §6.9); the Sichuan card at the Chongqing kiosk is checked at home.
  pboc::TerminalConfig online_pin = cq.terminal;
  online_pin.capabilities[1] = 0x48;
  Card card("sc-chengdu-gen2");
  IssuerLink link(w, true);
  hal::SimPinPad wrong({"000000"});
  const Paid first = pay(card, cq, link, &wrong, 1234, nullptr, &online_pin);
  const pboc::TransactionRecord& r = first.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByIssuer);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(code(r), "55");
  EXPECT_EQ(r.cvm, Cvm::kOnlinePin);
  EXPECT_EQ(to_hex(r.cvm_results), "020300");
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kOnlinePinEntered, TvrBit::kFloorLimitExceeded);
  EXPECT_EQ(r.apdus, kRsaCdaCommands - 3);  // no GET DATA 9F17, GET CHALLENGE, VERIFY
  EXPECT_EQ(w.sc_store->find_account(card.pan())->value().pin_tries, 2);

  hal::SimPinPad right({"246810"});
  const Paid second = pay(card, cq, link, &right, 1234, nullptr, &online_pin);
  EXPECT_EQ(second.record.outcome, Outcome::kApproved) << pboc::describe(second.record);
  EXPECT_EQ(second.record.final_cryptogram, Cryptogram::kTc);
  EXPECT_EQ(code(second.record), "00");
  EXPECT_EQ(second.record.atc, 2);
  EXPECT_EQ(w.sc_store->find_account(card.pan())->value().pin_tries, 3);
  EXPECT_EQ(balance(w, card.pan()), 80000u - 1234u);
}

TEST_F(Matrix, TheGpoThatTakesTheAtcToFfffBlocksTheApplicationForGood) {
  Card card("sc-chengdu-gen2");
  IssuerLink link(w, false);
  // Find the ATC in the card's memory: the one 2-byte place that goes from 0000 to 0001 in a transaction that
  // ends offline without a PIN (no keypad: AAC at GAC1, no log record, no PIN try spent).
  const Bytes before(card.card->eeprom().image().begin(), card.card->eeprom().image().end());
  ASSERT_EQ(pay(card, sc, link, nullptr, 1234).record.atc, 1);
  const ByteSpan after = card.card->eeprom().image();
  std::vector<std::size_t> places;
  for (std::size_t i = 0; i + 1 < before.size(); ++i) {
    if (before[i] == 0 && before[i + 1] == 0 && after[i] == 0 && after[i + 1] == 1) places.push_back(i);
  }
  ASSERT_EQ(places.size(), 1u);
  const std::array<std::uint8_t, 2> fffe{0xFF, 0xFE};
  ASSERT_TRUE(card.card->eeprom().write(places[0], fffe).ok());

  // §4.4: the GPO writes FFFF, blocks the application and answers 69 85; §8.2 step 2: failed.
  hal::SimPinPad pinpad({"246810"});
  const Paid last = pay(card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = last.record;
  EXPECT_EQ(r.outcome, Outcome::kFailed) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kConditionsNotSatisfied);
  EXPECT_EQ(r.failed_step, pboc::Step::kInitiation);
  EXPECT_EQ(r.last_sw.value(), 0x6985);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kNone);
  EXPECT_EQ(r.apdus, 5u);

  // §5.6: from now on SELECT answers 62 83: declined at selection (§8.2 step 1).
  const Paid after_block = pay(card, sc, link, &pinpad, 1234);
  EXPECT_EQ(after_block.record.outcome, Outcome::kDeclined) << pboc::describe(after_block.record);
  EXPECT_EQ(after_block.record.reason, Reason::kApplicationBlocked);
  EXPECT_EQ(after_block.record.apdus, 4u);
  EXPECT_EQ(link.calls, 0);
}

// A 72 template with APPLICATION BLOCK (§6.6) for the ATC and ARQC of `icc`, MACed (§6.5) with the card's own
// 3DES MAC key: the script an issuer of the RSA set sends.
Bytes application_block_script(const sim::pboc::PaymentCard& card, ByteSpan icc, std::string* mac_hex = nullptr) {
  auto backend = crypto::make_openssl_crypto();
  const ByteSpan atc_bytes = icc_value(icc, 0x9F36);
  const ByteSpan arqc = icc_value(icc, 0x9F26);
  EXPECT_EQ(atc_bytes.size(), 2u);
  EXPECT_EQ(arqc.size(), 8u);
  if (atc_bytes.size() != 2 || arqc.size() != 8) return {};
  const auto atc = static_cast<std::uint16_t>((atc_bytes[0] << 8) | atc_bytes[1]);
  std::array<std::uint8_t, 16> session{};
  EXPECT_TRUE(crypto::session_key(*backend, crypto::Cipher::kTdes, card.tdes.mac, atc, session).ok());
  const std::array<std::uint8_t, 5> header{0x84, 0x1E, 0x00, 0x00, 0x04};
  std::array<std::uint8_t, 4> mac{};
  EXPECT_TRUE(crypto::script_mac(*backend, crypto::Cipher::kTdes, session, header, atc, arqc, {}, mac).ok());
  if (mac_hex) *mac_hex = to_hex(mac);
  Bytes script = hx("72129F180400000001" "8609841E000004");
  script.insert(script.end(), mac.begin(), mac.end());
  return script;
}

TEST_F(Matrix, TheApplicationBlockScriptMacIsThatOfTheWorkedExample) {
  // §6.6: Chengdu, ATC 0001, ARQC C60B7C86D99D9E16, APPLICATION BLOCK: MAC 62804732.
  const sim::HolderProfile p = profile_of("sc-chengdu-gen2");
  ASSERT_TRUE(p.payment.has_value());
  const Bytes icc = hx("9F360200019F2608C60B7C86D99D9E16");
  std::string mac;
  const Bytes script = application_block_script(p.payment->card, icc, &mac);
  EXPECT_EQ(mac, "62804732");
  EXPECT_EQ(to_hex(script), "72129F1804000000018609841E00000462804732");
}

TEST_P(CardMatrix, AnApplicationBlockedByTheIssuersScriptIsDeclinedAtSelection) {
  Card card(GetParam(), "sc-chengdu-gen2");
  IssuerLink link(w, false);
  link.after = [&](pboc::AuthorisationResponse& answer, ByteSpan icc) {
    const Bytes script = application_block_script(card.profile.payment->card, icc);
    answer.scripts.insert(answer.scripts.end(), script.begin(), script.end());
  };
  hal::SimPinPad pinpad({"246810"});
  const Paid first = pay(card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = first.record;
  EXPECT_EQ(r.outcome, Outcome::kApproved) << pboc::describe(r);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kTc);
  EXPECT_EQ(to_hex(r.script_results), "2000000001");  // successful, script id 00000001 ([6] A.5)
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kIssuerAuthenticationPerformed,
             TsiBit::kTerminalRiskManagementPerformed, TsiBit::kScriptProcessingPerformed);
  EXPECT_EQ(r.apdus, kRsaCdaCommands + 1);

  // SELECT of the blocked ADF answers 62 83 (§4.1, §5.6): no candidate, declined (§8.2 step 1).
  hal::SimPinPad none(std::vector<std::string>{});
  const Paid second = pay(card, sc, link, &none, 1234);
  const pboc::TransactionRecord& b = second.record;
  EXPECT_EQ(b.outcome, Outcome::kDeclined) << pboc::describe(b);
  EXPECT_EQ(b.reason, Reason::kApplicationBlocked);
  EXPECT_EQ(b.final_cryptogram, Cryptogram::kNone);
  EXPECT_EQ(b.atc, 0);
  EXPECT_FALSE(b.first_gac.has_value());
  EXPECT_TVR(b);
  EXPECT_TSI(b);
  EXPECT_EQ(b.apdus, 4u);  // SELECT PSE, directory records 1 and 2, SELECT AID (62 83)
  EXPECT_EQ(link.calls, 1);
  EXPECT_EQ(balance(w, card.pan()), 80000u - 1234u);
}

TEST_F(Matrix, AnAmountOverAFloorLimitSetsFloorLimitExceededAndOneBelowDoesNot) {
  KioskData kiosk = sc;
  kiosk.terminal.floor_limit_fen = 50000;
  Card card("sc-suining-gen3");
  IssuerLink link(w, false);
  hal::SimPinPad pinpad({"258369", "258369"});
  // Online only (9F35 14): ARQC either way, and no random selection (§8.2 step 7).
  const Paid below = pay(card, kiosk, link, &pinpad, 49999);
  EXPECT_EQ(below.record.outcome, Outcome::kApproved) << pboc::describe(below.record);
  EXPECT_EQ(below.record.final_cryptogram, Cryptogram::kTc);
  EXPECT_EQ(code(below.record), "00");
  EXPECT_EQ(below.record.atc, 1);
  EXPECT_TVR(below.record, TvrBit::kNewCard);

  const Paid at = pay(card, kiosk, link, &pinpad, 50000);  // amount >= floor limit
  EXPECT_EQ(at.record.outcome, Outcome::kApproved) << pboc::describe(at.record);
  EXPECT_EQ(at.record.final_cryptogram, Cryptogram::kTc);
  EXPECT_EQ(code(at.record), "00");
  EXPECT_EQ(at.record.atc, 2);
  EXPECT_TVR(at.record, TvrBit::kFloorLimitExceeded);  // last online ATC 1: no longer a new card
  EXPECT_EQ(balance(w, card.pan()), 500000u - 49999u - 50000u);
  // Two TCs, two log records, the newest first (§5.5).
  const std::string merchant = to_hex(as_bytes("SUINING SSC HALL KIO"));
  EXPECT_EQ(newest_log_record(card, 1),
            "261205" "103000" "000000050000" "000000000000" "0156" "0156" + merchant + "00" "0002" "9000");
  EXPECT_EQ(newest_log_record(card, 2),
            "261205" "103000" "000000049999" "000000000000" "0156" "0156" + merchant + "00" "0001" "9000");
}

TEST_F(Matrix, ACardWhoseExpiryWasAlteredFailsCdaAndTheIssuerAnswers12) {
  // The card presents 5F24 301231 instead of its own 280920: the certificates no longer cover its static data
  // (CDA fails, §7.2) and the issuer's record differs (§9.2 step 4: 12, before the ARQC check, so no DF51).
  sim::HolderProfile p = profile_of("sc-chengdu-gen2");
  p.payment->card.expiry = "301231";
  Card card(std::move(p));
  IssuerLink link(w, false);
  hal::SimPinPad pinpad({"246810"});
  const Paid run = pay(card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByIssuer);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(code(r), "12");
  EXPECT_EQ(to_hex(icc_value(link.icc_sent, 0x5F24)), "301231");
  EXPECT_FALSE(r.issuer_authentication_performed);
  EXPECT_EQ(r.cvm, Cvm::kOfflinePin);  // no ICC key for the enciphered PIN
  EXPECT_TVR(r, TvrBit::kCdaFailed, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_EQ(balance(w, card.pan()), 80000u);
  EXPECT_EQ(w.sc_store->find_account(card.pan())->value().last_atc, 0);
}

// Flips the lowest bit of the value of `tag` in ICC data.
void flip_in_icc(Bytes& icc, tlv::Tag tag) {
  const ByteSpan value = icc_value(icc, tag);
  ASSERT_FALSE(value.empty());
  icc[static_cast<std::size_t>(value.data() - icc.data())] ^= 0x01;
}

TEST_P(CardMatrix, ATamperedCryptogramIs05WithoutIssuerAuthenticationAndTheCardDeclines) {
  Card card(GetParam(), "sc-chengdu-gen2");
  IssuerLink link(w, false);
  link.before = [](Bytes& icc) { flip_in_icc(icc, 0x9F26); };
  hal::SimPinPad pinpad({"246810"});
  const Paid run = pay(card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByIssuer);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(code(r), "05");
  EXPECT_EQ(r.atc, 1);
  EXPECT_FALSE(r.issuer_authentication_performed);  // no DF51 with 05 (§8.4)
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kTerminalRiskManagementPerformed);
  EXPECT_EQ(balance(w, card.pan()), 80000u);
  EXPECT_EQ(w.sc_store->find_account(card.pan())->value().last_atc, 0);  // step 5 before step 6
  EXPECT_EQ(r.apdus, kRsaCdaCommands - 1);  // no EXTERNAL AUTHENTICATE
  // GAC2 CVR: AAC, ARQC at GAC1, VERIFY; 3.3 issuer authentication not performed before an online GAC2.
  ASSERT_TRUE(r.second_gac.has_value());
  EXPECT_EQ(to_hex(ByteSpan(r.second_gac->issuer_application_data).subspan(3, 4)), "03241402");
}

// In process only: the clone is made by saving and restoring the card's memory, which only the card object of
// this process exposes (a backend hands out a slot, and a card behind pcscd has no such access).
TEST_F(Matrix, AClonedCardReplayingAnAtcIs94) {
  Card card("sc-chengdu-gen2");
  IssuerLink link(w, false);
  hal::SimPinPad pinpad({"246810", "246810", "246810"});
  EXPECT_EQ(pay(card, sc, link, &pinpad, 1000).record.outcome, Outcome::kApproved);
  // The memory after one transaction, as a cloner would copy it.
  const Bytes saved(card.card->eeprom().image().begin(), card.card->eeprom().image().end());
  const Paid second = pay(card, sc, link, &pinpad, 1000);
  EXPECT_EQ(second.record.outcome, Outcome::kApproved);
  EXPECT_EQ(second.record.atc, 2);
  ASSERT_TRUE(card.card->eeprom().load_image(saved).ok());

  const Paid replay = pay(card, sc, link, &pinpad, 1000);
  const pboc::TransactionRecord& r = replay.record;
  EXPECT_EQ(r.atc, 2);  // the clone counts from the copied ATC
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByIssuer);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(code(r), "94");
  EXPECT_FALSE(r.issuer_authentication_performed);  // no DF51 with 94 (§9.2)
  // The card's last online ATC is 1 after the first (restored) approval: no longer a new card.
  EXPECT_TVR(r, TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kTerminalRiskManagementPerformed);
  EXPECT_EQ(balance(w, card.pan()), 80000u - 2000u);
  EXPECT_EQ(w.sc_store->find_account(card.pan())->value().last_atc, 2);
}

TEST_P(CardMatrix, AnArpcThatFailsIssuerAuthenticationEndsInAacAfterTheIssuerApproved) {
  Card card(GetParam(), "sc-suining-gen3");
  IssuerLink link(w, true);  // at the Chongqing kiosk: through the hub
  link.after = [](pboc::AuthorisationResponse& answer, ByteSpan) {
    ASSERT_TRUE(answer.issuer_authentication_data.has_value());
    (*answer.issuer_authentication_data)[0] ^= 0x01;
  };
  hal::SimPinPad pinpad({"258369"});
  const Paid run = pay(card, cq, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kDeclinedByCard);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(code(r), "00");
  EXPECT_EQ(r.atc, 1);
  EXPECT_TRUE(r.issuer_authentication_performed);
  EXPECT_FALSE(r.issuer_authentication_ok);
  EXPECT_TRUE(r.approved_online_but_not_completed);  // the host link must reverse (§10)
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded, TvrBit::kIssuerAuthenticationFailed);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kIssuerAuthenticationPerformed,
             TsiBit::kTerminalRiskManagementPerformed);
  EXPECT_EQ(balance(w, card.pan()), 500000u - 1234u);  // debited: reversing is the host link's job
  EXPECT_EQ(r.apdus, kSmDdaT0Exchanges);
  // The card's GAC2 CVR (§5.3): 2.8-7 '00' AAC, 2.6-5 '10', 2.4 EXTERNAL AUTHENTICATE failed, 2.3 VERIFY.
  ASSERT_TRUE(r.second_gac.has_value());
  EXPECT_EQ(to_hex(ByteSpan(r.second_gac->issuer_application_data).subspan(3, 4)), "032C1002");

  // The next transaction: at GAC1 the online authorisation indicator is still set (3.8) and so is the issuer
  // authentication failure indicator (3.4); with a good ARPC it is approved.
  link.after = nullptr;
  hal::SimPinPad next({"258369"});
  const Paid again = pay(card, cq, link, &next, 1000);
  EXPECT_EQ(again.record.outcome, Outcome::kApproved) << pboc::describe(again.record);
  EXPECT_EQ(again.record.atc, 2);
  ASSERT_TRUE(again.record.first_gac.has_value());
  EXPECT_EQ(to_hex(ByteSpan(again.record.first_gac->issuer_application_data).subspan(3, 4)), "03A49802");
  EXPECT_TVR(again.record, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_EQ(balance(w, card.pan()), 500000u - 2234u);
}

TEST_F(Matrix, AScriptWithAWrongMacFailsAfterTheTcAndTheCardRemembersIt) {
  Card card("sc-chengdu-gen2");
  IssuerLink link(w, false);
  link.after = [&](pboc::AuthorisationResponse& answer, ByteSpan icc) {
    Bytes script = application_block_script(card.profile.payment->card, icc);
    ASSERT_EQ(script.size(), 20u);
    script.back() ^= 0x01;  // the MAC's last byte
    answer.scripts = script;
  };
  hal::SimPinPad pinpad({"246810", "246810"});
  const Paid first = pay(card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = first.record;
  EXPECT_EQ(r.outcome, Outcome::kApproved) << pboc::describe(r);  // the scripts come after GAC2 (P46)
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kTc);
  EXPECT_EQ(code(r), "00");
  EXPECT_EQ(to_hex(r.script_results), "1100000001");  // failed at command 1 ([6] A.5)
  EXPECT_TVR(r, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded, TvrBit::kScriptFailedAfterFinalGac);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kIssuerAuthenticationPerformed,
             TsiBit::kTerminalRiskManagementPerformed, TsiBit::kScriptProcessingPerformed);
  EXPECT_EQ(r.apdus, kRsaCdaCommands + 1);

  // Not blocked; the next GAC1 CVR carries the script counter (4.8-5 = 1) and the failure indicator (4.4).
  link.after = nullptr;
  const Paid again = pay(card, sc, link, &pinpad, 1234);
  EXPECT_EQ(again.record.outcome, Outcome::kApproved) << pboc::describe(again.record);
  EXPECT_EQ(again.record.atc, 2);
  ASSERT_TRUE(again.record.first_gac.has_value());
  EXPECT_EQ(to_hex(ByteSpan(again.record.first_gac->issuer_application_data).subspan(3, 4)), "03A4001A");
  EXPECT_EQ(balance(w, card.pan()), 80000u - 2468u);
}


// ---- 3. Offline data authentication failures, RSA and SM2 ----

// Flips a bit of the byte at `offset` of the answer to the command `ins` (the first such answer only).
void tamper_answer(Card& card, std::uint8_t ins, std::size_t offset) {
  auto done = std::make_shared<bool>(false);
  card.slot.tamper = [ins, offset, done](std::uint8_t answered, MutableByteSpan response) {
    // Only the answer that carries the data (not a 61xx asking for GET RESPONSE).
    if (answered != ins || *done || response.size() <= offset + 2) return;
    response[offset] ^= 0x01;
    *done = true;
  };
}

// The RSA set: the Chengdu card (T=1, CDA) at the Sichuan kiosk. RsaOda puts it in each backend; the cases
// with a changed profile (RsaOdaInProcess) build the card object here.
struct RsaOdaCases : Matrix {
  std::unique_ptr<Card> card;
  IssuerLink link{w, false};
  hal::SimPinPad pinpad{{"246810"}};

  // ODA failed before TAA, the PIN is plaintext (no ICC key for the enciphered one), the issuer approves.
  void expect_approved_with_cda_failed(const Paid& run) {
    const pboc::TransactionRecord& r = run.record;
    EXPECT_EQ(r.outcome, Outcome::kApproved) << pboc::describe(r);
    EXPECT_EQ(r.final_cryptogram, Cryptogram::kTc);
    EXPECT_EQ(code(r), "00");
    EXPECT_EQ(r.atc, 1);
    EXPECT_EQ(pboc::oda_name(r.oda_method, r.oda_result), "failed");
    EXPECT_EQ(r.oda_method, OdaMethod::kCda);
    EXPECT_EQ(r.cvm, Cvm::kOfflinePin);
    EXPECT_EQ(to_hex(r.cvm_results), "010302");
    ASSERT_TRUE(r.first_gac.has_value());
    EXPECT_EQ(r.first_gac->cid, 0x80);
    EXPECT_TVR(r, TvrBit::kCdaFailed, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
    EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
               TsiBit::kCardRiskManagementPerformed, TsiBit::kIssuerAuthenticationPerformed,
               TsiBit::kTerminalRiskManagementPerformed);
    EXPECT_EQ(balance(w, card->pan()), 80000u - 1234u);
    EXPECT_EQ(r.apdus, kRsaCdaCommands - 1);  // no GET CHALLENGE
  }
};

struct RsaOda : RsaOdaCases, ::testing::WithParamInterface<std::string> {
  void SetUp() override {
    require_backend(GetParam());
    if (IsSkipped() || HasFatalFailure()) return;
    card = std::make_unique<Card>(GetParam(), "sc-chengdu-gen2");
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, RsaOda, ::testing::ValuesIn(card_backend_names()), backend_case_name);

struct RsaOdaInProcess : RsaOdaCases {};

TEST_P(RsaOda, AnUnknownCaIndexFailsCda) {
  const pboc::CaKeyTable without_rsa = ca_table(sc, kRsaIndex);
  expect_approved_with_cda_failed(pay(*card, sc, link, &pinpad, 1234, &without_rsa));
}

TEST_F(RsaOdaInProcess, ABadIssuerCertificateFailsCda) {
  sim::HolderProfile p = profile_of("sc-chengdu-gen2");
  ASSERT_EQ(p.payment->card.rsa.issuer_certificate.size(), 176u);
  p.payment->card.rsa.issuer_certificate[100] ^= 0x01;
  card = std::make_unique<Card>(std::move(p));
  expect_approved_with_cda_failed(pay(*card, sc, link, &pinpad, 1234));
}

TEST_P(RsaOda, ABadCdaSignatureAtGac1DeclinesWithoutGoingOnline) {
  tamper_answer(*card, 0xAE, 40);  // inside 9F4B of the format 2 answer
  const Paid run = pay(*card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kCdaFailed);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_FALSE(r.online_attempted);
  EXPECT_EQ(link.calls, 0);
  EXPECT_EQ(code(r), "");
  EXPECT_EQ(std::string(r.arc_sent.data(), 2), "Z1");
  EXPECT_EQ(r.atc, 1);
  EXPECT_EQ(pboc::oda_name(r.oda_method, r.oda_result), "failed");
  EXPECT_EQ(r.cvm, Cvm::kOfflineEncipheredPin);
  EXPECT_TVR(r, TvrBit::kCdaFailed, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
             TsiBit::kCardRiskManagementPerformed, TsiBit::kTerminalRiskManagementPerformed);
  EXPECT_EQ(balance(w, card->pan()), 80000u);
  EXPECT_EQ(r.apdus, kRsaCdaCommands - 1);  // no EXTERNAL AUTHENTICATE
}

TEST_P(RsaOda, AnIssuerApplicationDataChangedOutsideTheSignatureFailsCdaThroughTheHash) {
  // 9F10 follows 9F4B in the format 2 answer (§5.2) and is covered only by the transaction data hash (§7.2).
  card->slot.tamper = [](std::uint8_t ins, MutableByteSpan response) {
    if (ins == 0xAE && response.size() > 3 && response[0] == 0x77 && response[response.size() - 2] == 0x90) {
      response[response.size() - 3] ^= 0x01;  // the IAD's last byte (the algorithm id)
    }
  };
  const Paid run = pay(*card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kCdaFailed);
  EXPECT_EQ(link.calls, 0);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_TVR(r, TvrBit::kCdaFailed, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_EQ(balance(w, card->pan()), 80000u);
}

TEST_P(RsaOda, ABadCdaSignatureOnTheSecondTcDeclinesAfterTheIssuerApproved) {
  // §8.2 step 11: a TC whose CDA fails is declined; the issuer had approved, so the host link reverses.
  auto gacs = std::make_shared<int>(0);
  card->slot.tamper = [gacs](std::uint8_t ins, MutableByteSpan response) {
    if (ins != 0xAE || response.size() <= 42) return;
    if (++*gacs == 2) response[40] ^= 0x01;
  };
  const Paid run = pay(*card, sc, link, &pinpad, 1234);
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.reason, Reason::kCdaFailed);
  EXPECT_EQ(code(r), "00");
  EXPECT_TRUE(r.issuer_authentication_ok);
  EXPECT_TRUE(r.approved_online_but_not_completed);
  ASSERT_TRUE(r.second_gac.has_value());
  EXPECT_EQ(r.second_gac->cid, 0x40);  // the card did answer a TC, whose signature does not verify
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kTc);  // reported as the card answered it; the outcome declines
  EXPECT_EQ(pboc::oda_name(r.oda_method, r.oda_result), "failed");
  EXPECT_TVR(r, TvrBit::kCdaFailed, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_EQ(balance(w, card->pan()), 80000u - 1234u);
  EXPECT_EQ(r.apdus, kRsaCdaCommands);
}

TEST_P(RsaOda, DdaOnATerminalWithoutCdaThenABadDdaSignature) {
  pboc::TerminalConfig no_cda = sc.terminal;
  no_cda.capabilities[2] = static_cast<std::uint8_t>(no_cda.capabilities[2] & ~0x08);
  const Paid good = pay(*card, sc, link, &pinpad, 1234, nullptr, &no_cda);
  EXPECT_EQ(good.record.outcome, Outcome::kApproved) << pboc::describe(good.record);
  EXPECT_EQ(pboc::oda_name(good.record.oda_method, good.record.oda_result), "dda");
  EXPECT_EQ(good.record.cvm, Cvm::kOfflineEncipheredPin);
  EXPECT_TVR(good.record, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_EQ(good.record.apdus, kRsaCdaCommands + 1);  // INTERNAL AUTHENTICATE

  hal::SimPinPad again({"246810"});
  tamper_answer(*card, 0x88, 20);
  const Paid bad = pay(*card, sc, link, &again, 1234, nullptr, &no_cda);
  const pboc::TransactionRecord& r = bad.record;
  EXPECT_EQ(r.outcome, Outcome::kApproved) << pboc::describe(r);  // IAC-denial has no ODA bit (§4.3)
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kTc);
  EXPECT_EQ(code(r), "00");
  EXPECT_EQ(r.atc, 2);
  EXPECT_EQ(pboc::oda_name(r.oda_method, r.oda_result), "failed");
  EXPECT_EQ(r.oda_method, OdaMethod::kDda);
  EXPECT_TVR(r, TvrBit::kDdaFailed, TvrBit::kFloorLimitExceeded);  // last online ATC 1 now
  EXPECT_EQ(balance(w, card->pan()), 80000u - 2468u);
}

TEST_P(RsaOda, AnIssuerCertificatePastItsExpiryFailsCda) {
  // 2036-01-15: after the issuer certificate's 12/2035, with CA keys that are still valid.
  const pboc::CaKeyTable later = ca_table(sc, 0, Date{2040, 12, 31});
  link.date = "20360115";
  const Paid run = pay(*card, sc, link, &pinpad, 1234, &later, nullptr, {0x36, 0x01, 0x15});
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(code(r), "54");  // the card (5F24 280920) has expired too
  EXPECT_EQ(r.atc, 1);
  EXPECT_EQ(pboc::oda_name(r.oda_method, r.oda_result), "failed");
  EXPECT_EQ(r.cvm, Cvm::kOfflinePin);
  EXPECT_TVR(r, TvrBit::kCdaFailed, TvrBit::kExpiredApplication, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_EQ(balance(w, card->pan()), 80000u);
}

TEST_P(RsaOda, TheSameCaKeysPastTheirOwnExpiryAreTreatedAsAbsent) {
  // §8.4: a CA key past its expiry on the transaction date is absent (the kiosk's keys end 2035-12-31).
  link.date = "20360115";
  const Paid run = pay(*card, sc, link, &pinpad, 1234, nullptr, nullptr, {0x36, 0x01, 0x15});
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(pboc::oda_name(r.oda_method, r.oda_result), "failed");
  EXPECT_TRUE(r.tvr.has(TvrBit::kCdaFailed));
  EXPECT_EQ(code(r), "54");
}

// The SM2 set: the Suining card (T=0, SM2 DDA) at the Sichuan kiosk; in each backend (Sm2Oda) or, with a
// changed profile, in process (Sm2OdaInProcess).
struct Sm2OdaCases : Matrix {
  std::unique_ptr<Card> card;
  IssuerLink link{w, false};
  hal::SimPinPad pinpad{{"258369"}};

  void expect_approved_with_dda_failed(const Paid& run, std::size_t apdus) {
    const pboc::TransactionRecord& r = run.record;
    EXPECT_EQ(r.outcome, Outcome::kApproved) << pboc::describe(r);
    EXPECT_EQ(r.final_cryptogram, Cryptogram::kTc);
    EXPECT_EQ(code(r), "00");
    EXPECT_EQ(r.atc, 1);
    EXPECT_EQ(r.oda_method, OdaMethod::kSm2Dda);
    EXPECT_EQ(pboc::oda_name(r.oda_method, r.oda_result), "failed");
    EXPECT_EQ(r.cvm, Cvm::kOfflinePin);
    EXPECT_TVR(r, TvrBit::kDdaFailed, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
    EXPECT_TSI(r, TsiBit::kOdaPerformed, TsiBit::kCardholderVerificationPerformed,
               TsiBit::kCardRiskManagementPerformed, TsiBit::kIssuerAuthenticationPerformed,
               TsiBit::kTerminalRiskManagementPerformed);
    EXPECT_EQ(balance(w, card->pan()), 500000u - 1234u);
    EXPECT_EQ(r.apdus, apdus);
  }
};

// Without a usable issuer key no INTERNAL AUTHENTICATE is sent (nor its GET RESPONSE).
constexpr std::size_t kSmNoDdaExchanges = kSmDdaT0Exchanges - 2;

struct Sm2Oda : Sm2OdaCases, ::testing::WithParamInterface<std::string> {
  void SetUp() override {
    require_backend(GetParam());
    if (IsSkipped() || HasFatalFailure()) return;
    card = std::make_unique<Card>(GetParam(), "sc-suining-gen3");
  }
};

INSTANTIATE_TEST_SUITE_P(Backends, Sm2Oda, ::testing::ValuesIn(card_backend_names()), backend_case_name);

struct Sm2OdaInProcess : Sm2OdaCases {};

TEST_P(Sm2Oda, AnUnknownCaIndexFailsSm2Dda) {
  const pboc::CaKeyTable without_sm2 = ca_table(sc, kSm2Index);
  expect_approved_with_dda_failed(pay(*card, sc, link, &pinpad, 1234, &without_sm2), kSmNoDdaExchanges);
}

TEST_F(Sm2OdaInProcess, ABadIssuerCertificateFailsSm2Dda) {
  sim::HolderProfile p = profile_of("sc-suining-gen3");
  ASSERT_TRUE(p.payment->card.sm2.has_value());
  ASSERT_EQ(p.payment->card.sm2->issuer_certificate.size(), 142u);
  p.payment->card.sm2->issuer_certificate[30] ^= 0x01;  // inside the issuer's public key
  card = std::make_unique<Card>(std::move(p));
  expect_approved_with_dda_failed(pay(*card, sc, link, &pinpad, 1234), kSmNoDdaExchanges);
}

TEST_P(Sm2Oda, ABadDdaSignatureFailsSm2Dda) {
  tamper_answer(*card, 0x88, 40);  // inside s of the signed data (80 45 15 03 02 ATC r s)
  expect_approved_with_dda_failed(pay(*card, sc, link, &pinpad, 1234), kSmDdaT0Exchanges);
}

TEST_P(Sm2Oda, AnIssuerCertificatePastItsExpiryFailsSm2Dda) {
  const pboc::CaKeyTable later = ca_table(sc, 0, Date{2040, 12, 31});
  link.date = "20360115";
  const Paid run = pay(*card, sc, link, &pinpad, 1234, &later, nullptr, {0x36, 0x01, 0x15});
  const pboc::TransactionRecord& r = run.record;
  EXPECT_EQ(r.outcome, Outcome::kDeclined) << pboc::describe(r);
  EXPECT_EQ(r.final_cryptogram, Cryptogram::kAac);
  EXPECT_EQ(code(r), "54");  // 5F24 340110
  EXPECT_EQ(r.atc, 1);
  EXPECT_EQ(r.oda_method, OdaMethod::kSm2Dda);
  EXPECT_EQ(pboc::oda_name(r.oda_method, r.oda_result), "failed");
  EXPECT_TVR(r, TvrBit::kDdaFailed, TvrBit::kExpiredApplication, TvrBit::kNewCard, TvrBit::kFloorLimitExceeded);
  EXPECT_EQ(r.apdus, kSmNoDdaExchanges);
  EXPECT_EQ(balance(w, card->pan()), 500000u);
}

// ---- 4. The trace of a payment ----

struct TracedExchange {
  std::uint8_t ins = 0;
  Bytes command;
  Bytes response;
  bool command_all_secret_after_header = false;
  bool response_data_all_secret = false;
};

class CollectingTrace final : public transport::TraceSink {
 public:
  std::vector<TracedExchange> exchanges;
  void on_exchange(const transport::TraceRecord& record) override {
    TracedExchange e;
    e.command.assign(record.command.bytes.begin(), record.command.bytes.end());
    e.response.assign(record.response.bytes.begin(), record.response.bytes.end());
    if (e.command.size() >= 2) e.ins = e.command[1];
    // The data field: Lc bytes after the 5-byte header (a trailing Le is not data).
    const std::size_t data_end = e.command.size() > 5 ? std::min<std::size_t>(e.command.size(), 5u + e.command[4]) : 0;
    e.command_all_secret_after_header = data_end > 5;
    for (std::size_t i = 5; i < data_end; ++i) {
      if (!record.command.is_secret(i)) e.command_all_secret_after_header = false;
    }
    e.response_data_all_secret = e.response.size() > 2;
    for (std::size_t i = 0; i + 2 < e.response.size(); ++i) {
      if (!record.response.is_secret(i)) e.response_data_all_secret = false;
    }
    exchanges.push_back(std::move(e));
  }
  std::string all_hex() const {
    std::string s;
    for (const TracedExchange& e : exchanges) s += to_hex(e.command) + " " + to_hex(e.response) + "\n";
    return s;
  }
};

struct TracedPayment {
  pboc::TransactionRecord record;
  CollectingTrace trace;
  std::string pan;
};

std::unique_ptr<TracedPayment> traced_payment(World& w, const KioskData& kiosk, const std::string& name,
                                              const std::string& pin) {
  auto out = std::make_unique<TracedPayment>();
  Card card(name);
  IssuerLink link(w, kiosk.chongqing);
  hal::SimPinPad pinpad({pin});
  out->record = pay(card, kiosk, link, &pinpad, 1234, nullptr, nullptr, kDate, &out->trace).record;
  out->pan = card.pan();
  EXPECT_EQ(out->record.outcome, Outcome::kApproved) << pboc::describe(out->record);
  return out;
}

struct Trace : Matrix {};

// Digits 7-14 of the PAN, packed as in 5A, 57 and the certificates, appear in no exchange.
void expect_no_pan_middle(const TracedPayment& t) {
  const std::string middle = t.pan.substr(6, 8);
  EXPECT_EQ(t.trace.all_hex().find(middle), std::string::npos) << t.trace.all_hex();
}

// Neither the GAC1 nor the GAC2 cryptogram appears in any exchange.
void expect_no_cryptogram(const TracedPayment& t) {
  const std::string all = t.trace.all_hex();
  ASSERT_TRUE(t.record.first_gac.has_value());
  EXPECT_EQ(all.find(to_hex(t.record.first_gac->cryptogram)), std::string::npos) << "GAC1\n" << all;
  if (t.record.second_gac) {
    EXPECT_EQ(all.find(to_hex(t.record.second_gac->cryptogram)), std::string::npos) << "GAC2\n" << all;
  }
}

TEST_F(Trace, TheRsaSetShowsNeitherThePanNorACryptogram) {
  // Under CDA both cryptograms travel inside the signed data (format 2 without 9F26, §5.2).
  const auto t = traced_payment(w, sc, "sc-chengdu-gen2", "246810");
  expect_no_pan_middle(*t);
  expect_no_cryptogram(*t);
}

TEST_F(Trace, TheSmSetShowsNoPan) {
  const auto t = traced_payment(w, sc, "sc-suining-gen3", "258369");
  expect_no_pan_middle(*t);
}

TEST_F(Trace, AFormat1GenerateAcAnswerShowsNoCryptogram) {
  const auto t = traced_payment(w, sc, "sc-suining-gen3", "258369");
  expect_no_cryptogram(*t);
}

TEST_F(Trace, AnIssuerScriptCommandShowsNoMac) {
  Card card("sc-chengdu-gen2");
  IssuerLink link(w, false);
  std::string mac;
  link.after = [&](pboc::AuthorisationResponse& answer, ByteSpan icc) {
    answer.scripts = application_block_script(card.profile.payment->card, icc, &mac);
  };
  hal::SimPinPad pinpad({"246810"});
  CollectingTrace trace;
  const Paid run = pay(card, sc, link, &pinpad, 1234, nullptr, nullptr, kDate, &trace);
  EXPECT_EQ(to_hex(run.record.script_results), "2000000001");
  ASSERT_EQ(mac.size(), 8u);
  EXPECT_EQ(trace.all_hex().find("841E000004" + mac), std::string::npos) << trace.all_hex();
}

TEST_F(Trace, PinBlocksAndIssuerAuthenticationDataAreBlanked) {
  for (const auto& [name, pin] : {std::pair<std::string, std::string>{"sc-chengdu-gen2", "246810"},
                                  std::pair<std::string, std::string>{"sc-suining-gen3", "258369"}}) {
    const auto t = traced_payment(w, sc, name, pin);
    int verifies = 0;
    int external = 0;
    int internal = 0;
    for (const TracedExchange& e : t->trace.exchanges) {
      if (e.ins == 0x20) {
        ++verifies;
        EXPECT_TRUE(e.command_all_secret_after_header) << name << " VERIFY " << to_hex(e.command);
      } else if (e.ins == 0x82) {
        ++external;
        EXPECT_TRUE(e.command_all_secret_after_header) << name << " EXTERNAL AUTHENTICATE " << to_hex(e.command);
      } else if (e.ins == 0x88) {
        ++internal;
        EXPECT_TRUE(e.command_all_secret_after_header) << name << " INTERNAL AUTHENTICATE " << to_hex(e.command);
      }
    }
    // The RSA set enciphers its PIN (VERIFY 88, 128 bytes), the SM set sends a format 2 block (VERIFY 80).
    EXPECT_EQ(verifies, 1) << name;
    EXPECT_EQ(external, 1) << name;
    EXPECT_EQ(internal, name == "sc-suining-gen3" ? 1 : 0) << name;
    EXPECT_EQ(t->trace.all_hex().find(pin), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace sscard::test
