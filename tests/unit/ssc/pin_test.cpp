// PIN verify / change against scripted cards (docs/SECURITY.md "PINs"), the interface codes of every
// outcome, and a trace of verify, change, unblock and reload that must not show the PIN anywhere.
#include "sscard/ssc/pin.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "security_fixture.h"
#include "sscard/hal/sim_pinpad.h"
#include "sscard/ssc/commands.h"
#include "sscard/ssc/security.h"

namespace sscard::ssc {
namespace {

using testing::ScriptedSlot;
using namespace testdata;

constexpr char kPin[] = "917364";  // distinctive: easy to find in a trace
constexpr char kSelect[] = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";
constexpr char kFci[] = "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C038601019000";

class PinTest : public ::testing::Test {
 protected:
  PinTest() {
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    EXPECT_TRUE(slot_.power_up(atr).ok());
  }
  ScriptedSlot slot_{"3B6D000000814E43238697159900BF7C7A"};
  transport::Transport card_{slot_};
};

TEST(PackPinTest, PacksFourToTwelveDigitsFPadded) {
  std::array<std::uint8_t, kMaxPinFieldSize> out{};
  struct Case {
    const char* digits;
    const char* packed;
  };
  for (const Case& c : {Case{"1234", "1234"}, Case{"12345", "12345F"}, Case{"917364", "917364"},
                        Case{"123456789012", "123456789012"}, Case{"0000000", "0000000F"}}) {
    auto n = pack_pin(c.digits, out);
    ASSERT_TRUE(n.ok()) << c.digits;
    EXPECT_EQ(to_hex(ByteSpan(out.data(), *n)), c.packed);
  }
}

TEST(PackPinTest, RefusesBadPins) {
  std::array<std::uint8_t, kMaxPinFieldSize> out{};
  for (const char* bad : {"", "123", "1234567890123", "12a456", "12 456"}) {
    EXPECT_EQ(pack_pin(bad, out).status(), Error::kInvalidArgument) << bad;
  }
  std::array<std::uint8_t, 2> small{};
  EXPECT_EQ(pack_pin("123456", small).status(), Error::kInvalidArgument);
}

TEST_F(PinTest, VerifySendsThePackedPin) {
  slot_.expect(kSelect, kFci);
  slot_.expect("0020000003917364", "9000");
  hal::SimPinPad pad({kPin});
  EXPECT_TRUE(verify_pin(card_, pad).ok());
  ASSERT_EQ(pad.prompts().size(), 1u);
  EXPECT_EQ(pad.prompts()[0], hal::PinPrompt::kPin);
}

TEST_F(PinTest, VerifyOfShorterAndLongerPins) {
  slot_.expect(kSelect, kFci);
  slot_.expect("00200000021234", "9000");
  slot_.expect(kSelect, kFci);
  slot_.expect("002000000612345678901F", "9000");
  hal::SimPinPad pad({"1234", "12345678901"});
  EXPECT_TRUE(verify_pin(card_, pad).ok());
  EXPECT_TRUE(verify_pin(card_, pad).ok());
}

TEST_F(PinTest, AWrongPinIsMinus51WithTheTriesLeft) {
  for (int tries = 0; tries <= 5; ++tries) {
    slot_.expect(kSelect, kFci);
    slot_.expect("0020000003917364", "63C" + std::string(1, static_cast<char>('0' + tries)));
    hal::SimPinPad pad({kPin});
    const Fault f = verify_pin(card_, pad);
    EXPECT_EQ(f.failure, Failure::kWrongPin);
    EXPECT_EQ(f.tries_left, tries);
    EXPECT_EQ(interface_code(f), -51);
    EXPECT_EQ(describe(f), tries == 0 ? std::string("wrong PIN, no tries left: the PIN is now blocked")
                                      : "wrong PIN, " + std::to_string(tries) + (tries == 1 ? " try left" : " tries left"));
  }
}

TEST_F(PinTest, ABlockedPinIsMinus52) {
  slot_.expect(kSelect, kFci);
  slot_.expect("0020000003917364", "6983");
  hal::SimPinPad pad({kPin});
  EXPECT_EQ(interface_code(verify_pin(card_, pad)), -52);
}

TEST_F(PinTest, TheInitialPinVerifiesButMayNotTransact) {
  slot_.expect(kSelect, kFci);
  slot_.expect("0020000003123456", "9000");
  hal::SimPinPad pad({"123456"});
  const Fault f = verify_pin(card_, pad);
  EXPECT_EQ(f.failure, Failure::kInitialPin);
  EXPECT_EQ(interface_code(f), -35);
}

TEST_F(PinTest, AWrongInitialPinIsStillAWrongPin) {
  slot_.expect(kSelect, kFci);
  slot_.expect("0020000003123456", "63C4");
  hal::SimPinPad pad({"123456"});
  EXPECT_EQ(interface_code(verify_pin(card_, pad)), -51);
}

TEST_F(PinTest, AnotherStatusWordIsMinusItsValue) {
  slot_.expect(kSelect, kFci);
  slot_.expect("0020000003917364", "6985");
  hal::SimPinPad pad({kPin});
  EXPECT_EQ(interface_code(verify_pin(card_, pad)), -0x6985);
}

struct PadCase {
  const char* entry;
  long code;
};

class PinPadErrorTest : public PinTest, public ::testing::WithParamInterface<PadCase> {};

TEST_P(PinPadErrorTest, StopsAfterSelectWithTheKeypadsCode) {
  slot_.expect(kSelect, kFci);
  hal::SimPinPad pad = std::string(GetParam().entry) == "disconnected" ? hal::SimPinPad::disconnected()
                                                                       : hal::SimPinPad({GetParam().entry});
  EXPECT_EQ(interface_code(verify_pin(card_, pad)), GetParam().code);
  EXPECT_EQ(slot_.exchanges_done(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Keypad, PinPadErrorTest,
                         ::testing::Values(PadCase{"disconnected", -11}, PadCase{"unplug", -11},
                                           PadCase{"cancel", -31}, PadCase{"timeout", -32}, PadCase{"123", -33},
                                           PadCase{"1234567890123", -33}, PadCase{"12a456", -33}));

TEST_F(PinTest, AnEmptyKeypadListTimesOut) {
  slot_.expect(kSelect, kFci);
  hal::SimPinPad pad({});
  EXPECT_EQ(interface_code(verify_pin(card_, pad)), -32);
}

TEST_F(PinTest, VerifyOnANonSocialSecurityCardIsMinus1AndAsksForNoPin) {
  slot_.expect(kSelect, "6A82");
  hal::SimPinPad pad({kPin});
  EXPECT_EQ(interface_code(verify_pin(card_, pad)), -1);
  EXPECT_EQ(pad.remaining(), 1u);
}

TEST_F(PinTest, VerifyOnABlockedApplicationIsItsStatusWordAndAsksForNoPin) {
  slot_.expect(kSelect, std::string(kFci).substr(0, std::string(kFci).size() - 4) + "6283");
  hal::SimPinPad pad({kPin});
  const Fault f = verify_pin(card_, pad);
  EXPECT_EQ(f.failure, Failure::kCardStatus);
  EXPECT_EQ(f.sw, sw::kFileInvalidated);
  EXPECT_EQ(interface_code(f), -0x6283);
  EXPECT_EQ(pad.remaining(), 1u);
}

// DECISIONS.md D30: the PIN flows judge the FCI like every other flow (before, they ignored it).
TEST_F(PinTest, VerifyOnACardWithAMalformedFciIsMinus1AndAsksForNoPin) {
  slot_.expect(kSelect, "6F20A5069F0C038601019000");  // 6F announces 32 bytes, 8 follow
  hal::SimPinPad pad({kPin});
  const Fault f = verify_pin(card_, pad);
  EXPECT_EQ(f.failure, Failure::kNotSocialSecurityCard);
  EXPECT_EQ(f.status, Error::kMalformed);
  EXPECT_EQ(interface_code(f), -1);
  EXPECT_EQ(pad.remaining(), 1u);
}

TEST_F(PinTest, ChangeOnAnotherSelectStatusWordIsMinusItsValueAndAsksForNoPin) {
  slot_.expect(kSelect, "6A81");
  hal::SimPinPad pad({kPin, kPin, kPin});
  EXPECT_EQ(interface_code(change_pin(card_, pad)), -0x6A81);
  EXPECT_EQ(pad.remaining(), 3u);
}

TEST_F(PinTest, ChangeFromTheInitialPinIsTheActivation) {
  slot_.expect(kSelect, kFci);
  slot_.expect("805E010007123456FF917364", "9000");
  hal::SimPinPad pad({"123456", kPin, kPin});
  EXPECT_TRUE(change_pin(card_, pad).ok());
  EXPECT_EQ(pad.prompts(), (std::vector<hal::PinPrompt>{hal::PinPrompt::kCurrentPin, hal::PinPrompt::kNewPin,
                                                        hal::PinPrompt::kConfirmNewPin}));
}

TEST_F(PinTest, ChangeWithPinsOfOtherLengths) {
  slot_.expect(kSelect, kFci);
  slot_.expect("805E01000712345FFF917364", "9000");
  hal::SimPinPad pad({"12345", kPin, kPin});
  EXPECT_TRUE(change_pin(card_, pad).ok());
}

TEST_F(PinTest, ChangeToTheInitialPinIsMinus36AndSendsNothing) {
  slot_.expect(kSelect, kFci);
  hal::SimPinPad pad({kPin, "123456", "123456"});
  EXPECT_EQ(interface_code(change_pin(card_, pad)), -36);
  EXPECT_EQ(slot_.exchanges_done(), 1u);
}

TEST_F(PinTest, ChangeWithDifferentNewEntriesIsMinus34AndSendsNothing) {
  slot_.expect(kSelect, kFci);
  hal::SimPinPad pad({"123456", kPin, "917365"});
  const Fault f = change_pin(card_, pad);
  EXPECT_EQ(f.failure, Failure::kPinEntryMismatch);
  EXPECT_EQ(interface_code(f), -34);
  EXPECT_EQ(slot_.exchanges_done(), 1u);
}

TEST_F(PinTest, ChangeWithAWrongOldPinIsMinus51) {
  slot_.expect(kSelect, kFci);
  slot_.expect("805E010007111111FF917364", "63C5");
  hal::SimPinPad pad({"111111", kPin, kPin});
  const Fault f = change_pin(card_, pad);
  EXPECT_EQ(interface_code(f), -51);
  EXPECT_EQ(f.tries_left, 5);
}

TEST_F(PinTest, ChangeOnABlockedPinIsMinus52) {
  slot_.expect(kSelect, kFci);
  slot_.expect("805E010007111111FF917364", "6983");
  hal::SimPinPad pad({"111111", kPin, kPin});
  EXPECT_EQ(interface_code(change_pin(card_, pad)), -52);
}

TEST_F(PinTest, ChangeCancelledAtTheConfirmationIsMinus31) {
  slot_.expect(kSelect, kFci);
  hal::SimPinPad pad({"123456", kPin, "cancel"});
  EXPECT_EQ(interface_code(change_pin(card_, pad)), -31);
}

TEST_F(PinTest, ACardPulledDuringVerifyIsMinus2) {
  slot_.expect(kSelect, kFci);
  slot_.expect_removed("0020000003917364");
  hal::SimPinPad pad({kPin});
  EXPECT_EQ(interface_code(verify_pin(card_, pad)), -2);
}

// ---- No PIN in any trace ----

struct Lines {
  std::vector<std::string> lines;
  static void add(void* context, std::string_view line) {
    static_cast<Lines*>(context)->lines.emplace_back(line);
  }
};

// Records every traced byte too, not just the text.
class ByteSink final : public transport::TraceSink {
 public:
  explicit ByteSink(transport::TraceSink& text) : text_(text) {}
  void on_exchange(const transport::TraceRecord& r) override {
    bytes.insert(bytes.end(), r.command.bytes.begin(), r.command.bytes.end());
    bytes.insert(bytes.end(), r.response.bytes.begin(), r.response.bytes.end());
    text_.on_exchange(r);
  }
  Bytes bytes;

 private:
  transport::TraceSink& text_;
};

bool contains(ByteSpan haystack, ByteSpan needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

TEST(PinTraceTest, NoPinReachesATraceOfVerifyChangeUnblockOrReload) {
  const VectorCard& c = vector_cards()[0];
  ScriptedSlot card_slot(c.atr());
  ScriptedSlot psam_slot("3B00", hal::Protocol::kT0, hal::SlotKind::kSam);
  transport::Transport card(card_slot);
  transport::Transport psam_transport(psam_slot);
  psam::Psam psam(psam_transport);
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto n = card_slot.power_up(atr);
  ASSERT_TRUE(n.ok());
  const Bytes atr_bytes(atr.begin(), atr.begin() + static_cast<std::ptrdiff_t>(*n));
  ASSERT_TRUE(psam_slot.power_up(atr).ok());

  Lines lines;
  transport::TextTrace text(&Lines::add, &lines);
  ByteSink card_sink(text);
  ByteSink psam_sink(text);
  card.set_trace(&card_sink);
  psam_transport.set_trace(&psam_sink);

  // verify 917364, change 917364 -> 736491, unblock, reload to 917364.
  card_slot.expect(kSelect, fci(c.algorithm));
  card_slot.expect("0020000003917364", "63C5");
  card_slot.expect(kSelect, fci(c.algorithm));
  card_slot.expect("805E010007917364FF736491", "9000");
  hal::SimPinPad pad({kPin, kPin, "736491", "736491", kPin, kPin});
  EXPECT_EQ(interface_code(verify_pin(card, pad)), -51);
  EXPECT_TRUE(change_pin(card, pad).ok());

  expect_open(card_slot, c);
  auto context = open_card(card, atr_bytes);
  ASSERT_TRUE(context.ok());
  for (const char* p1 : {"04", "05"}) {
    psam_slot.expect(environment_command(c.algorithm), "9000");
    card_slot.expect("0084000004", "B17210AA9000");
    psam_slot.expect("801A" + std::string(p1) + "0010" + city_factor_hex(c) + card_factor_hex(c), "9000");
    psam_slot.expect_any("D67099FD9000");
    card_slot.expect(std::string(p1) == "04" ? "8424000004D67099FD" : "805E000007917364D67099FD", "9000");
  }
  EXPECT_TRUE(pin_unblock(card, psam, *context).ok());
  EXPECT_TRUE(pin_reload(card, psam, *context, pad).ok());
  card_slot.verify_done();
  psam_slot.verify_done();

  ASSERT_FALSE(lines.lines.empty());
  const Bytes bcd = from_hex("917364").value();
  const Bytes bcd_new = from_hex("736491").value();
  for (const std::string& line : lines.lines) {
    std::string compact;
    for (char ch : line) {
      if (ch != ' ') compact += ch;
    }
    EXPECT_EQ(compact.find("917364"), std::string::npos) << line;
    EXPECT_EQ(compact.find("736491"), std::string::npos) << line;
    EXPECT_EQ(line.find("9 17 36 4"), std::string::npos) << line;
  }
  for (const ByteSink* sink : {&card_sink, &psam_sink}) {
    EXPECT_FALSE(contains(sink->bytes, bcd));
    EXPECT_FALSE(contains(sink->bytes, bcd_new));
    EXPECT_FALSE(contains(sink->bytes, as_bytes(kPin)));
    EXPECT_FALSE(contains(sink->bytes, as_bytes("736491")));
  }
  // The PSAM's COMPUTE answers (MACs) are masked too.
  EXPECT_FALSE(contains(psam_sink.bytes, from_hex("D67099FD").value()));
}

// ---- Interface codes and messages ----

TEST(FaultTest, EveryFailureHasItsDocumentedCode) {
  struct Case {
    Fault fault;
    long code;
  };
  auto with_sw = [](Failure f, std::uint16_t sw) { return Fault::make(f, {}, StatusWord(sw)); };
  const Case cases[] = {
      {Fault::none(), 0},
      {Fault::card(Error::kNoCard), -2},
      {Fault::card(Error::kCardRemoved), -2},
      {Fault::card(Error::kReaderUnavailable), -11},
      {Fault::card(Error::kMalformed), -1},
      {Fault::of(Failure::kNotSocialSecurityCard), -1},
      {Fault::of(Failure::kWrongCard), -1},
      {with_sw(Failure::kCardStatus, 0x6A82), -27266},
      {Fault::of(Failure::kNoPsam), -2201},
      {with_sw(Failure::kPsamStatus, 0x6985), -0x6985},
      {Fault::of(Failure::kAlgorithmUnsupported), -2202},
      {Fault::of(Failure::kPsamLacksReadKey), -2203},
      {Fault::of(Failure::kPsamLacksIssuerKeys), -21},
      {with_sw(Failure::kPsamLacksKey, 0x6A88), -27272},
      {Fault::of(Failure::kInternalAuthFailed), -21},
      {with_sw(Failure::kExternalAuthRefused, 0x6300), -25344},
      {Fault::of(Failure::kHsmNotNeeded), -2204},
      {Fault::of(Failure::kHsmMismatch), -25},
      {Fault::of(Failure::kHsmBadInput), -25},
      {Fault::of(Failure::kWrongPin), -51},
      {Fault::of(Failure::kPinBlocked), -52},
      {Fault::of(Failure::kInitialPin), -35},
      {Fault::of(Failure::kNewPinIsInitial), -36},
      {Fault::of(Failure::kPinPadNotConnected), -11},
      {Fault::of(Failure::kPinEntryCancelled), -31},
      {Fault::of(Failure::kPinEntryTimeout), -32},
      {Fault::of(Failure::kPinEntryMismatch), -34},
      {Fault::of(Failure::kPinEntryInvalid), -33},
      {Fault::of(Failure::kInternal), -11},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(interface_code(c.fault), c.code) << describe(c.fault);
    EXPECT_FALSE(describe(c.fault).empty());
  }
}

TEST(FaultTest, AFailedOutcomeBuiltFromAnOkFaultIsInternal) {
  Result<int, Fault> o{Fault::none()};
  EXPECT_FALSE(o.ok());
  EXPECT_EQ(o.error().failure, Failure::kInternal);
}

}  // namespace
}  // namespace sscard::ssc
