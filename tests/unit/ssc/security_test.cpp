// The PSAM-mode identity read, the MAC-protected commands and HSM mode against scripted cards and PSAMs
// that answer with the values of tests/data/security/vectors.txt: the terminal must send exactly the
// documented APDUs (docs/SECURITY.md) and accept or refuse each answer.
#include "sscard/ssc/security.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <string>

#include "security_fixture.h"
#include "sscard/hal/sim_pinpad.h"
#include "sscard/ssc/pin.h"

namespace sscard::ssc {
namespace {

using testdata::VectorCard;
using testing::ScriptedSlot;
using namespace testdata;

class SecurityTest : public ::testing::Test {
 protected:
  void use(const VectorCard& c) {
    card_ = c;
    card_slot_ = std::make_unique<ScriptedSlot>(c.atr());
    psam_slot_ = std::make_unique<ScriptedSlot>("3B6900008131FE45504D534D", hal::Protocol::kT0, hal::SlotKind::kSam);
    card_transport_ = std::make_unique<transport::Transport>(*card_slot_);
    psam_transport_ = std::make_unique<transport::Transport>(*psam_slot_);
    psam_ = std::make_unique<psam::Psam>(*psam_transport_);
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    auto n = card_slot_->power_up(atr);
    ASSERT_TRUE(n.ok());
    atr_.assign(atr.begin(), atr.begin() + static_cast<std::ptrdiff_t>(*n));
    ASSERT_TRUE(psam_slot_->power_up(atr).ok());
  }

  // The internal authentication of the card's vector: PF and D queued as "random", R on the card, R' from
  // the PSAM (`psam_answer` overrides it).
  void expect_internal_auth(const std::string& psam_answer = "") {
    const Vector& v = vec(card_.v("internal_auth"));
    crypto_.queue_random(v.in("pf") + v.in("d"));
    card_slot_->expect("0088000010" + v.in("pf") + v.in("d") + "08", v.expected + "9000");
    psam_slot_->expect("801A010018" + city_factor_hex(card_) + card_factor_hex(card_) + v.in("pf"), "9000");
    psam_slot_->expect("80FA000008" + v.in("d") + "08", (psam_answer.empty() ? v.expected : psam_answer) + "9000");
  }

  void expect_external_auth(const std::string& card_answer = "9000") {
    const Vector& v = vec(card_.v("external_auth.rkssse"));
    card_slot_->expect("0084000008", v.in("challenge") + "9000");
    psam_slot_->expect("801A020A10" + city_factor_hex(card_) + card_factor_hex(card_), "9000");
    psam_slot_->expect("80FA000008" + v.in("challenge") + "08", v.expected + "9000");
    card_slot_->expect("0082000A" + std::string(card_.algorithm == "03" ? "11" : "10") + v.expected +
                           v.in("challenge") + (card_.algorithm == "03" ? "01" : ""),
                       card_answer);
  }

  Result<AuthenticatedIdentity, Fault> read() { return read_identity_with_psam(*card_transport_, atr_, *psam_, crypto_); }

  Result<CardContext, Fault> open() {
    expect_open(*card_slot_, card_);
    return open_card(*card_transport_, atr_);
  }

  VectorCard card_;
  std::unique_ptr<ScriptedSlot> card_slot_;
  std::unique_ptr<ScriptedSlot> psam_slot_;
  std::unique_ptr<transport::Transport> card_transport_;
  std::unique_ptr<transport::Transport> psam_transport_;
  std::unique_ptr<psam::Psam> psam_;
  FakeCrypto crypto_;
  Bytes atr_;
};

// ---- Factors ----

TEST(FactorTest, CityFactorIsAsciiRegionAndSx) {
  for (const VectorCard& c : vector_cards()) {
    auto region = RegionCode::parse(c.region);
    ASSERT_TRUE(region.ok());
    EXPECT_EQ(to_hex(city_factor(*region)), city_factor_hex(c)) << c.name;
  }
}

TEST(FactorTest, TheCityFactorsRegionCodeIsSixDigits) {
  // city_factor() takes a RegionCode: anything but six digits is refused when the code is made.
  for (const char* bad : {"", "51090", "5109000", "51090A", "51 900"}) {
    EXPECT_EQ(RegionCode::parse(bad).status(), Error::kInvalidArgument) << bad;
  }
}

TEST(FactorTest, CardFactorIsTheLastEightHistoricalBytes) {
  for (const VectorCard& c : vector_cards()) {
    const Vector& v = vec(c.v("card_factor"));
    ASSERT_EQ(v.in("historical"), c.historical);
    auto f = card_factor(from_hex(c.atr()).value());
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(to_hex(*f), v.expected) << c.name;
  }
}

TEST(FactorTest, CardFactorOfAT1AtrIgnoresTheTck) {
  // 3B E9 00 00 81 31 FE 45 + 9 historical bytes + TCK: the factor is the last 8 historical bytes (S4).
  Bytes atr = from_hex("3BE90000 8131FE45 00 1122334455667788").value();
  std::uint8_t tck = 0;
  for (std::size_t i = 1; i < atr.size(); ++i) tck ^= atr[i];
  atr.push_back(tck);
  auto f = card_factor(atr);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(to_hex(*f), "1122334455667788");
}

TEST(FactorTest, CardFactorNeedsEightHistoricalBytes) {
  // 7 historical bytes.
  EXPECT_EQ(card_factor(from_hex("3B67000011223344556677").value()).status(), Error::kMalformed);
  EXPECT_EQ(card_factor(from_hex("3B").value()).status(), Error::kMalformed);
  EXPECT_EQ(province_of("510900"), "510000");
  EXPECT_EQ(province_of("500152"), "500000");
  EXPECT_EQ(RegionCode("510900").province(), RegionCode("510000"));
  EXPECT_EQ(RegionCode("500152").province(), "500000");
}

// ---- PSAM-mode identity read, byte for byte, on every vector card ----

std::string card_test_name(const ::testing::TestParamInfo<VectorCard>& param_info) {
  std::string n = param_info.param.name;
  for (char& ch : n) {
    if (ch == '-') ch = '_';
  }
  return n;
}

class PsamReadTest : public SecurityTest, public ::testing::WithParamInterface<VectorCard> {};

TEST_P(PsamReadTest, ReproducesTheDocumentedExchanges) {
  use(GetParam());
  expect_open(*card_slot_, card_);
  expect_psam_numbers(*psam_slot_);
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  expect_internal_auth();
  if (card_.generation == 3) expect_external_auth();
  expect_remaining_records(*card_slot_, card_);

  auto result = read();
  ASSERT_TRUE(result.ok()) << describe(result.error());
  EXPECT_FALSE(result->identity.personal_data_withheld);
  EXPECT_EQ(format_iface_line(result->identity, result->terminal_number, result->device_number),
            card_.region + "|" + card_.ssn + "|" + card_.card_number + "|" + card_.card_id + "|" + card_.name_utf8 +
                "|" + card_.historical + "|" + card_.spec_version() + "|20240110|20340110|" + kTerminalNumber + "|" +
                kPsamSerial + "|");
  EXPECT_EQ(crypto_.random_left(), 0u);
  card_slot_->verify_done();
  psam_slot_->verify_done();
}

TEST_P(PsamReadTest, AWrongInternalAuthenticationAnswerIsMinus21) {
  use(GetParam());
  expect_open(*card_slot_, card_);
  expect_psam_numbers(*psam_slot_);
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  // R' differs from R in its last bit: a card without the genuine IRK.
  std::string other = vec(card_.v("internal_auth")).expected;
  other.back() = other.back() == '0' ? '1' : '0';
  expect_internal_auth(other);
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().failure, Failure::kInternalAuthFailed);
  EXPECT_EQ(interface_code(result.error()), -21);
}

TEST_P(PsamReadTest, APsamWithoutTheProvincesIrkIsMinus21WithTheReason) {
  use(GetParam());
  expect_open(*card_slot_, card_);
  expect_psam_numbers(*psam_slot_);
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  const Vector& v = vec(card_.v("internal_auth"));
  crypto_.queue_random(v.in("pf") + v.in("d"));
  card_slot_->expect("0088000010" + v.in("pf") + v.in("d") + "08", v.expected + "9000");
  psam_slot_->expect("801A010018" + city_factor_hex(card_) + card_factor_hex(card_) + v.in("pf"), "6A88");
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().failure, Failure::kPsamLacksIssuerKeys);
  EXPECT_EQ(interface_code(result.error()), -21);
  EXPECT_EQ(describe(result.error()), "PSAM holds no keys for issuer " + card_.region.substr(0, 2) + "0000");
}

TEST_P(PsamReadTest, APsamWithoutTheEnvironmentIsMinus2202) {
  use(GetParam());
  expect_open(*card_slot_, card_);
  expect_psam_numbers(*psam_slot_);
  psam_slot_->expect(environment_command(card_.algorithm), "6A82");
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(interface_code(result.error()), -2202);
}

INSTANTIATE_TEST_SUITE_P(VectorCards, PsamReadTest, ::testing::ValuesIn(vector_cards()),
                         card_test_name);

TEST_F(SecurityTest, ThirdGenerationWithoutRksssseIsMinus2203) {
  use(vector_cards()[0]);
  expect_open(*card_slot_, card_);
  expect_psam_numbers(*psam_slot_);
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  expect_internal_auth();
  const Vector& v = vec(card_.v("external_auth.rkssse"));
  card_slot_->expect("0084000008", v.in("challenge") + "9000");
  psam_slot_->expect("801A020A10" + city_factor_hex(card_) + card_factor_hex(card_), "6A88");
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().failure, Failure::kPsamLacksReadKey);
  EXPECT_EQ(interface_code(result.error()), -2203);
  ASSERT_TRUE(result.error().issuer.has_value());
  EXPECT_EQ(*result.error().issuer, RegionCode("510000"));
  EXPECT_EQ(describe(result.error()), "PSAM holds no read key (RKSSSE) for issuer 510000");
}

TEST_F(SecurityTest, ACardRefusingTheCryptogramGivesItsStatusWord) {
  use(vector_cards()[1]);
  expect_open(*card_slot_, card_);
  expect_psam_numbers(*psam_slot_);
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  expect_internal_auth();
  expect_external_auth("6300");
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().failure, Failure::kExternalAuthRefused);
  EXPECT_EQ(interface_code(result.error()), -0x6300);
}

TEST_F(SecurityTest, Ssf33CardsAreMinus2202WithoutAskingThePsam) {
  use(vector_cards()[2]);
  card_slot_->expect(select_ssse_command(), fci("02"));
  card_slot_->expect("00B2012812", record("01", card_.card_id));
  card_slot_->expect("00B2032806", record("03", ascii_hex("2.00")));
  expect_psam_numbers(*psam_slot_);
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(interface_code(result.error()), -2202);
}

TEST_F(SecurityTest, AnEmptyPsamSlotIsMinus2201) {
  use(vector_cards()[2]);
  expect_open(*card_slot_, card_);
  psam_slot_->remove_card();
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().failure, Failure::kNoPsam);
  EXPECT_EQ(interface_code(result.error()), -2201);
}

TEST_F(SecurityTest, AMalformedTerminalNumberIsThePsamsFault) {
  use(vector_cards()[2]);
  expect_open(*card_slot_, card_);
  psam_slot_->expect("00B0960006", "51090081349A9000");
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().failure, Failure::kPsamStatus);
  EXPECT_EQ(result.error().status, Error::kMalformed);
}

TEST_F(SecurityTest, InternalAuthenticationOnT0FetchesRWithGetResponse) {
  use(vector_cards()[2]);
  expect_open(*card_slot_, card_);
  expect_psam_numbers(*psam_slot_);
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  const Vector& v = vec(card_.v("internal_auth"));
  crypto_.queue_random(v.in("pf") + v.in("d"));
  card_slot_->expect("0088000010" + v.in("pf") + v.in("d") + "08", "6108");
  card_slot_->expect("00C0000008", v.expected + "9000");
  psam_slot_->expect("801A010018" + city_factor_hex(card_) + card_factor_hex(card_) + v.in("pf"), "9000");
  psam_slot_->expect("80FA000008" + v.in("d") + "08", v.expected + "9000");
  expect_remaining_records(*card_slot_, card_);
  auto result = read();
  ASSERT_TRUE(result.ok()) << describe(result.error());
  EXPECT_EQ(result->identity.ssn, card_.ssn);
}

TEST_F(SecurityTest, EveryShortInternalAuthenticationAnswerIsMinus21) {
  const Vector& v = vec(vector_cards()[2].v("internal_auth"));
  for (std::size_t n = 0; n < 8; ++n) {
    use(vector_cards()[2]);
    expect_open(*card_slot_, card_);
    expect_psam_numbers(*psam_slot_);
    psam_slot_->expect(environment_command(card_.algorithm), "9000");
    crypto_.queue_random(v.in("pf") + v.in("d"));
    card_slot_->expect("0088000010" + v.in("pf") + v.in("d") + "08", v.expected.substr(0, 2 * n) + "9000");
    auto result = read();
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(interface_code(result.error()), -21) << n;
  }
}

TEST_F(SecurityTest, EveryShortPsamCryptogramIsThePsamsFault) {
  const Vector& v = vec(vector_cards()[3].v("internal_auth"));
  for (std::size_t n = 0; n < 8; ++n) {
    use(vector_cards()[3]);
    expect_open(*card_slot_, card_);
    expect_psam_numbers(*psam_slot_);
    psam_slot_->expect(environment_command(card_.algorithm), "9000");
    crypto_.queue_random(v.in("pf") + v.in("d"));
    card_slot_->expect("0088000010" + v.in("pf") + v.in("d") + "08", v.expected + "9000");
    psam_slot_->expect("801A010018" + city_factor_hex(card_) + card_factor_hex(card_) + v.in("pf"), "9000");
    psam_slot_->expect("80FA000008" + v.in("d") + "08", v.expected.substr(0, 2 * n) + "9000");
    auto result = read();
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().failure, Failure::kPsamStatus) << n;
    EXPECT_EQ(result.error().status, Error::kMalformed) << n;
  }
}

TEST_F(SecurityTest, ACardCardThatIsNotSocialSecurityIsMinus1) {
  use(vector_cards()[0]);
  card_slot_->expect(select_ssse_command(), "6A82");
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(interface_code(result.error()), -1);
}

TEST_F(SecurityTest, ACardPulledDuringTheReadIsMinus2) {
  use(vector_cards()[0]);
  expect_open(*card_slot_, card_);
  expect_psam_numbers(*psam_slot_);
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  expect_internal_auth();
  expect_external_auth();
  card_slot_->expect("00B2022803", record("02", ascii_hex("1")));
  card_slot_->expect_removed("00B204280E");
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(interface_code(result.error()), -2);
}

TEST_F(SecurityTest, NoRandomnessMeansNoAuthentication) {
  use(vector_cards()[0]);
  expect_open(*card_slot_, card_);
  expect_psam_numbers(*psam_slot_);
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  crypto_.fail_random = true;
  auto result = read();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().failure, Failure::kInternal);
}

TEST_F(SecurityTest, AnAtrWithoutEightHistoricalBytesIsRefusedBeforeAnyCommand) {
  card_slot_ = std::make_unique<ScriptedSlot>("3B6700001122334455667788");
  card_transport_ = std::make_unique<transport::Transport>(*card_slot_);
  psam_slot_ = std::make_unique<ScriptedSlot>("3B00");
  psam_transport_ = std::make_unique<transport::Transport>(*psam_slot_);
  psam_ = std::make_unique<psam::Psam>(*psam_transport_);
  auto result = read_identity_with_psam(*card_transport_, from_hex("3B67000011223344556677").value(), *psam_, crypto_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(interface_code(result.error()), -1);
  EXPECT_EQ(card_slot_->exchanges_done(), 0u);
}

// ---- MAC-protected commands: the vectors' MACs on every vector card ----

class MacTest : public SecurityTest, public ::testing::WithParamInterface<VectorCard> {
 protected:
  // GET CHALLENGE 4 = the IV's first 4 bytes; the PSAM diversifies `p1` and answers the vector's MAC.
  void expect_mac(const std::string& vector, const std::string& p1, const std::string& card_command) {
    const Vector& v = vec(card_.v(vector));
    psam_slot_->expect(environment_command(card_.algorithm), "9000");
    card_slot_->expect("0084000004", v.in("iv").substr(0, 8) + "9000");
    psam_slot_->expect("801A" + p1 + "0010" + city_factor_hex(card_) + card_factor_hex(card_), "9000");
    const std::string data = v.in("iv") + v.in("message");
    psam_slot_->expect("80FA0500" + len_hex(data.size() / 2) + data + "04", v.expected + "9000");
    card_slot_->expect(card_command + v.expected, "9000");
  }
};

TEST_P(MacTest, ApplicationBlockCarriesTheStkMac) {
  use(GetParam());
  auto context = open();
  ASSERT_TRUE(context.ok());
  expect_mac("mac.stk.841E000004", "03", "841E000004");
  const Fault f = application_block(*card_transport_, *psam_, *context, false);
  EXPECT_TRUE(f.ok()) << describe(f);
  card_slot_->verify_done();
  psam_slot_->verify_done();
}

TEST_P(MacTest, ApplicationUnblockAcceptsTheBlockedSelectAndCarriesTheStkMac) {
  use(GetParam());
  card_slot_->expect(select_ssse_command(), fci(card_.algorithm).substr(0, fci(card_.algorithm).size() - 4) + "6283");
  expect_mac("mac.stk.8418000004", "03", "8418000004");
  const Fault f = application_unblock(*card_transport_, atr_, RegionCode::parse(card_.region).value(), *psam_);
  EXPECT_TRUE(f.ok()) << describe(f);
}

TEST_P(MacTest, PinUnblockCarriesThePukMac) {
  use(GetParam());
  auto context = open();
  ASSERT_TRUE(context.ok());
  expect_mac("mac.puk.8424000004", "04", "8424000004");
  const Fault f = pin_unblock(*card_transport_, *psam_, *context);
  EXPECT_TRUE(f.ok()) << describe(f);
}

TEST_P(MacTest, PinReloadCarriesTheNewPinAndThePrkMac) {
  use(GetParam());
  auto context = open();
  ASSERT_TRUE(context.ok());
  // The vector's message 805E000007654321: new PIN 654321.
  expect_mac("mac.prk.reload", "05", "805E000007654321");
  hal::SimPinPad pad({"654321", "654321"});
  const Fault f = pin_reload(*card_transport_, *psam_, *context, pad);
  EXPECT_TRUE(f.ok()) << describe(f);
}

INSTANTIATE_TEST_SUITE_P(VectorCards, MacTest, ::testing::ValuesIn(vector_cards()),
                         card_test_name);

TEST_F(SecurityTest, PermanentBlockSetsP2) {
  use(vector_cards()[2]);
  auto context = open();
  ASSERT_TRUE(context.ok());
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  card_slot_->expect("0084000004", "01020304" "9000");
  psam_slot_->expect("801A030010" + city_factor_hex(card_) + card_factor_hex(card_), "9000");
  psam_slot_->expect("80FA05000D" "0102030400000000" "841E000104" "04", "A1B2C3D4" "9000");
  card_slot_->expect("841E000104A1B2C3D4", "9000");
  EXPECT_TRUE(application_block(*card_transport_, *psam_, *context, true).ok());
}

TEST_F(SecurityTest, AWrongMacIsTheCardsStatusWord) {
  use(vector_cards()[3]);
  auto context = open();
  ASSERT_TRUE(context.ok());
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  card_slot_->expect("0084000004", "01020304" "9000");
  psam_slot_->expect("801A040010" + city_factor_hex(card_) + card_factor_hex(card_), "9000");
  psam_slot_->expect("80FA05000D" "0102030400000000" "8424000004" "04", "A1B2C3D4" "9000");
  card_slot_->expect("8424000004A1B2C3D4", "6988");
  const Fault f = pin_unblock(*card_transport_, *psam_, *context);
  EXPECT_EQ(f.failure, Failure::kCardStatus);
  EXPECT_EQ(interface_code(f), -0x6988);
}

TEST_F(SecurityTest, AForeignPsamWithoutPukNamesTheKeyAndIssuer) {
  use(vector_cards()[1]);
  auto context = open();
  ASSERT_TRUE(context.ok());
  psam_slot_->expect(environment_command(card_.algorithm), "9000");
  card_slot_->expect("0084000004", "01020304" "9000");
  psam_slot_->expect("801A040010" + city_factor_hex(card_) + card_factor_hex(card_), "6A88");
  const Fault f = pin_unblock(*card_transport_, *psam_, *context);
  EXPECT_EQ(f.failure, Failure::kPsamLacksKey);
  EXPECT_EQ(interface_code(f), -0x6A88);
  EXPECT_EQ(f.key, psam::KeyClass::kPuk);
  EXPECT_EQ(f.issuer, RegionCode("500000"));
  EXPECT_EQ(describe(f), "PSAM holds no PUK key for issuer 500000");
}

TEST_F(SecurityTest, ReloadRefusesTheInitialPinBeforeSendingAnything) {
  use(vector_cards()[0]);
  auto context = open();
  ASSERT_TRUE(context.ok());
  hal::SimPinPad pad({"123456", "123456"});
  const Fault f = pin_reload(*card_transport_, *psam_, *context, pad);
  EXPECT_EQ(interface_code(f), -36);
  EXPECT_EQ(psam_slot_->exchanges_done(), 0u);
}

TEST_F(SecurityTest, ReloadWithDifferingEntriesIsAPinPadError) {
  use(vector_cards()[0]);
  auto context = open();
  ASSERT_TRUE(context.ok());
  hal::SimPinPad pad({"654321", "654322"});
  const Fault f = pin_reload(*card_transport_, *psam_, *context, pad);
  EXPECT_EQ(f.failure, Failure::kPinEntryMismatch);
  EXPECT_EQ(interface_code(f), -34);
}

// ---- HSM mode ----

class HsmTest : public SecurityTest {
 protected:
  void step1_exchanges() {
    expect_open(*card_slot_, card_);
    const Vector& ia = vec(card_.v("internal_auth"));
    crypto_.queue_random(ia.in("pf") + ia.in("d"));
    card_slot_->expect("0088000010" + ia.in("pf") + ia.in("d") + "08", ia.expected + "9000");
    card_slot_->expect("0084000008", vec(card_.v("external_auth.rkssse")).in("challenge") + "9000");
  }
  std::string host_answer() const {
    return vec(card_.v("internal_auth")).expected + "|" + vec(card_.v("external_auth.rkssse")).expected + "|";
  }
  HsmSession session_;
};

TEST_F(HsmTest, Step1WritesTheDocumentedLine) {
  use(vector_cards()[0]);
  step1_exchanges();
  auto line = hsm_step1(*card_transport_, atr_, crypto_, "DEV001", session_);
  ASSERT_TRUE(line.ok()) << describe(line.error());
  const Vector& ia = vec(card_.v("internal_auth"));
  EXPECT_EQ(*line, "510900|00904A3001866033110000048A|03|510900D1560000050000048A5D6E7F80|" + ia.in("pf") + "|" +
                       ia.in("d") + "|866033110000048A|" + vec(card_.v("external_auth.rkssse")).in("challenge") +
                       "|DEV001|");
  EXPECT_TRUE(session_.active());
}

TEST_F(HsmTest, Step2AuthenticatesAndReadsWithTheTerminalNumberOfNoPsam) {
  use(vector_cards()[1]);
  step1_exchanges();
  ASSERT_TRUE(hsm_step1(*card_transport_, atr_, crypto_, "", session_).ok());
  const Vector& ea = vec(card_.v("external_auth.rkssse"));
  card_slot_->expect("0082000A11" + ea.expected + ea.in("challenge") + "01", "9000");
  expect_remaining_records(*card_slot_, card_);
  auto result = hsm_step2(*card_transport_, session_, host_answer());
  ASSERT_TRUE(result.ok()) << describe(result.error());
  EXPECT_EQ(result->terminal_number, "000000000000");
  EXPECT_EQ(result->identity.name, card_.name_utf8);
  EXPECT_FALSE(session_.active());
  card_slot_->verify_done();
}

TEST_F(HsmTest, Step1OnASecondGenerationCardIsMinus2204) {
  use(vector_cards()[2]);
  expect_open(*card_slot_, card_);
  auto line = hsm_step1(*card_transport_, atr_, crypto_, "", session_);
  ASSERT_FALSE(line.ok());
  EXPECT_EQ(interface_code(line.error()), -2204);
  EXPECT_FALSE(session_.active());
}

TEST_F(HsmTest, Step2WithAWrongRIsMinus25AndSendsNothing) {
  use(vector_cards()[0]);
  step1_exchanges();
  ASSERT_TRUE(hsm_step1(*card_transport_, atr_, crypto_, "", session_).ok());
  const std::size_t sent = card_slot_->exchanges_done();
  auto result = hsm_step2(*card_transport_, session_,
                          "0000000000000000|" + vec(card_.v("external_auth.rkssse")).expected + "|");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(interface_code(result.error()), -25);
  EXPECT_EQ(card_slot_->exchanges_done(), sent);
}

TEST_F(HsmTest, Step2WithoutStep1IsMinus25) {
  use(vector_cards()[0]);
  auto result = hsm_step2(*card_transport_, session_, "0011223344556677|0011223344556677|");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(interface_code(result.error()), -25);
}

TEST_F(HsmTest, Step2RefusedByTheCardGivesItsStatusWord) {
  use(vector_cards()[0]);
  step1_exchanges();
  ASSERT_TRUE(hsm_step1(*card_transport_, atr_, crypto_, "", session_).ok());
  const Vector& ea = vec(card_.v("external_auth.rkssse"));
  card_slot_->expect("0082000A11" + ea.expected + ea.in("challenge") + "01", "6300");
  auto result = hsm_step2(*card_transport_, session_, host_answer());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(interface_code(result.error()), -0x6300);
}

class HsmBadInputTest : public HsmTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(HsmBadInputTest, IsMinus25AndEndsTheSession) {
  use(vector_cards()[0]);
  step1_exchanges();
  ASSERT_TRUE(hsm_step1(*card_transport_, atr_, crypto_, "", session_).ok());
  auto result = hsm_step2(*card_transport_, session_, GetParam());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().failure, Failure::kHsmBadInput);
  EXPECT_EQ(interface_code(result.error()), -25);
  EXPECT_FALSE(session_.active());
}

INSTANTIATE_TEST_SUITE_P(Malformed, HsmBadInputTest,
                         ::testing::Values("", "|", "00112233445566|0011223344556677|",
                                           "0011223344556677", "0011223344556677|",
                                           "0011223344556677|00112233445566ZZ|",
                                           "0011223344556677|001122334455667788|",
                                           "0011223344556677|0011223344556677|extra|"));

}  // namespace
}  // namespace sscard::ssc
