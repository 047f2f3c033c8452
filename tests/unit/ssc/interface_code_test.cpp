// The standard interface's codes (interface_code.h): the enumerators carry the documented numbers
// (docs/CARD.md "Error codes"), every Failure maps to its code (DECISIONS.md I1, I4), and describe() words
// each Fault once, without repeating itself.
#include "sscard/ssc/interface_code.h"

#include <gtest/gtest.h>

#include <iterator>
#include <string>
#include <type_traits>

#include "sscard/ssc/codes.h"
#include "sscard/ssc/fault.h"

namespace sscard::ssc {
namespace {

static_assert(std::is_trivially_copyable_v<Fault>);

TEST(InterfaceCodeTest, EnumeratorsCarryTheDocumentedNumbers) {
  EXPECT_EQ(to_long(InterfaceCode::kOk), 0);
  EXPECT_EQ(to_long(InterfaceCode::kWrongCardType), -1);
  EXPECT_EQ(to_long(InterfaceCode::kNoCard), -2);
  EXPECT_EQ(to_long(InterfaceCode::kReaderConnection), -11);
  EXPECT_EQ(to_long(InterfaceCode::kInternalAuthFailed), -21);
  EXPECT_EQ(to_long(InterfaceCode::kInvalidInput), -23);
  EXPECT_EQ(to_long(InterfaceCode::kHsmMismatch), -25);
  // The public vendor numbering of the PIN-pad codes (CARD.md, V1).
  EXPECT_EQ(to_long(InterfaceCode::kPinEntryCancelled), -31);
  EXPECT_EQ(to_long(InterfaceCode::kPinEntryTimeout), -32);
  EXPECT_EQ(to_long(InterfaceCode::kPinLengthInvalid), -33);
  EXPECT_EQ(to_long(InterfaceCode::kNewPinEntriesDiffer), -34);
  EXPECT_EQ(to_long(InterfaceCode::kInitialPin), -35);
  EXPECT_EQ(to_long(InterfaceCode::kNewPinIsInitial), -36);
  EXPECT_EQ(to_long(InterfaceCode::kWrongPin), -51);
  EXPECT_EQ(to_long(InterfaceCode::kPinBlocked), -52);
  EXPECT_EQ(to_long(InterfaceCode::kNoPsam), -2201);
  EXPECT_EQ(to_long(InterfaceCode::kPsamAlgorithmUnsupported), -2202);
  EXPECT_EQ(to_long(InterfaceCode::kPsamLacksReadKey), -2203);
  EXPECT_EQ(to_long(InterfaceCode::kHsmNotNeeded), -2204);
}

TEST(InterfaceCodeTest, AStatusWordIsMinusItsValue) {
  EXPECT_EQ(status_word_code(sw::kFileNotFound), -27266);
  EXPECT_EQ(status_word_code(sw::kReferencedDataNotFound), -27272);
  EXPECT_EQ(status_word_code(sw::kFileInvalidated), -0x6283);
}

struct FailureCase {
  Failure failure;
  long without_sw;  // the code of Fault::of(failure)
  long with_sw;     // the code with the status word 6985 set
};

// Every Failure, in declaration order.
constexpr FailureCase kEveryFailure[] = {
    {Failure::kNone, 0, 0},
    {Failure::kCard, -11, -11},  // no status: a reader failure
    {Failure::kNotSocialSecurityCard, -1, -1},
    {Failure::kCardStatus, -11, -0x6985},
    {Failure::kNoPsam, -2201, -2201},
    {Failure::kPsamStatus, -2201, -0x6985},
    {Failure::kAlgorithmUnsupported, -2202, -2202},
    {Failure::kPsamLacksReadKey, -2203, -2203},
    {Failure::kPsamLacksIssuerKeys, -21, -21},
    {Failure::kPsamLacksKey, -2201, -0x6985},
    {Failure::kInternalAuthFailed, -21, -21},
    {Failure::kExternalAuthRefused, -11, -0x6985},
    {Failure::kHsmNotNeeded, -2204, -2204},
    {Failure::kHsmMismatch, -25, -25},
    {Failure::kHsmBadInput, -25, -25},
    {Failure::kWrongPin, -51, -51},
    {Failure::kPinBlocked, -52, -52},
    {Failure::kInitialPin, -35, -35},
    {Failure::kNewPinIsInitial, -36, -36},
    {Failure::kPinPadNotConnected, -11, -11},
    {Failure::kPinEntryCancelled, -31, -31},
    {Failure::kPinEntryTimeout, -32, -32},
    {Failure::kPinEntryMismatch, -34, -34},
    {Failure::kPinEntryInvalid, -33, -33},
    {Failure::kWrongCard, -1, -1},
    {Failure::kInternal, -11, -11},
};

TEST(InterfaceCodeTest, EveryFailureHasItsCode) {
  for (std::size_t i = 0; i < std::size(kEveryFailure); ++i) {
    const FailureCase& c = kEveryFailure[i];
    ASSERT_EQ(static_cast<std::size_t>(c.failure), i) << "the table follows the enum's order";
    EXPECT_EQ(interface_code(Fault::of(c.failure)), c.without_sw) << describe(Fault::of(c.failure));
    EXPECT_EQ(interface_code(Fault::make(c.failure, {}, StatusWord(0x6985))), c.with_sw)
        << describe(Fault::of(c.failure));
  }
  // The last enumerator is covered: nothing was added to Failure without a code here.
  EXPECT_EQ(kEveryFailure[std::size(kEveryFailure) - 1].failure, Failure::kInternal);
}

TEST(InterfaceCodeTest, ThePinPadCodesFollowThePublicNumbering) {
  EXPECT_EQ(interface_code(Fault::of(Failure::kPinEntryCancelled)), to_long(InterfaceCode::kPinEntryCancelled));
  EXPECT_EQ(interface_code(Fault::of(Failure::kPinEntryTimeout)), to_long(InterfaceCode::kPinEntryTimeout));
  EXPECT_EQ(interface_code(Fault::of(Failure::kPinEntryInvalid)), to_long(InterfaceCode::kPinLengthInvalid));
  EXPECT_EQ(interface_code(Fault::of(Failure::kPinEntryMismatch)), to_long(InterfaceCode::kNewPinEntriesDiffer));
  // DECISIONS.md I1: the keypad belongs to the reader.
  EXPECT_EQ(interface_code(Fault::of(Failure::kPinPadNotConnected)), to_long(InterfaceCode::kReaderConnection));
}

TEST(InterfaceCodeTest, ACardsStatusGivesTheCardCode) {
  EXPECT_EQ(interface_code(Fault::card(Error::kNoCard)), -2);
  EXPECT_EQ(interface_code(Fault::card(Error::kCardRemoved)), -2);
  EXPECT_EQ(interface_code(Fault::card(Error::kMalformed)), -1);
  EXPECT_EQ(interface_code(Fault::card(Error::kTruncated)), -1);
  EXPECT_EQ(interface_code(Fault::card(Error::kNotFound)), -1);
  EXPECT_EQ(interface_code(Fault::card(Error::kTimeout)), -11);
  EXPECT_EQ(interface_code(Fault::card(Error::kReaderUnavailable)), -11);
  // kCardStatus without a status word falls back on its Status.
  EXPECT_EQ(interface_code(Fault::make(Failure::kCardStatus, Error::kCardRemoved)), -2);
}

// ---- describe() ----

Fault wrong_pin(int tries) {
  Fault f = Fault::make(Failure::kWrongPin, {}, StatusWord(0x63, static_cast<std::uint8_t>(0xC0 | tries)));
  f.tries_left = tries;
  return f;
}

TEST(DescribeTest, TriesLeftIsSingularForOne) {
  EXPECT_EQ(describe(wrong_pin(1)), "wrong PIN, 1 try left");
  EXPECT_EQ(describe(wrong_pin(2)), "wrong PIN, 2 tries left");
  EXPECT_EQ(describe(wrong_pin(0)), "wrong PIN, no tries left: the PIN is now blocked");
  EXPECT_EQ(describe(wrong_pin(5)), "wrong PIN, 5 tries left");
  EXPECT_EQ(describe(Fault::of(Failure::kWrongPin)), "wrong PIN");  // no count known
}

TEST(DescribeTest, AStatusIsNamedOnlyWhenItAddsSomething) {
  EXPECT_EQ(describe(Fault::card(Error::kMalformed)), "the card sent malformed data");
  EXPECT_EQ(describe(Fault::card(Error::kTruncated)), "the card sent malformed data (truncated)");
  EXPECT_EQ(describe(Fault::card(Error::kTimeout)), "card reader failure (timeout)");
  EXPECT_EQ(describe(Fault::make(Failure::kInternal, Error::kInternal)), "internal error");
  EXPECT_EQ(describe(Fault::make(Failure::kInternal, Error::kIo)), "internal error (io)");
  EXPECT_EQ(describe(Fault::make(Failure::kNotSocialSecurityCard, Error::kNotFound)), "not a social-security card");
  EXPECT_EQ(describe(Fault::make(Failure::kNotSocialSecurityCard, Error::kMalformed)),
            "not a social-security card (malformed)");
  EXPECT_EQ(describe(Fault::make(Failure::kCardStatus, Error::kCardStatus, StatusWord(0x6A83))),
            "the card answered 6A83");
  EXPECT_EQ(describe(Fault::make(Failure::kPsamStatus, Error::kCardStatus, StatusWord(0x6985))),
            "the PSAM answered 6985");
  EXPECT_EQ(describe(Fault::make(Failure::kPsamStatus, Error::kMalformed, sw::kSuccess)),
            "the PSAM sent malformed data");
  EXPECT_EQ(describe(Fault::make(Failure::kNoPsam, Error::kNoCard)),
            "no PSAM in the terminal, or it does not answer (no_card)");
}

TEST(DescribeTest, MissingKeysNameTheKeyAndTheProvince) {
  Fault f = Fault::make(Failure::kPsamLacksKey, Error::kNotFound, sw::kReferencedDataNotFound);
  f.issuer = RegionCode("510000");
  f.key = psam::KeyClass::kStk;
  EXPECT_EQ(describe(f), "PSAM holds no STK key for issuer 510000");
  f.failure = Failure::kPsamLacksIssuerKeys;
  EXPECT_EQ(describe(f), "PSAM holds no keys for issuer 510000");
  f.failure = Failure::kPsamLacksReadKey;
  EXPECT_EQ(describe(f), "PSAM holds no read key (RKSSSE) for issuer 510000");
}

TEST(DescribeTest, EveryFailureHasAMessage) {
  for (const FailureCase& c : kEveryFailure) EXPECT_FALSE(describe(Fault::of(c.failure)).empty());
}

// ---- RegionCode, NationCode ----

TEST(NumericCodeTest, ParsesExactlyItsDigits) {
  EXPECT_EQ(RegionCode::parse("510900").value(), RegionCode("510900"));
  EXPECT_EQ(RegionCode::parse("510900").value().to_string(), "510900");
  for (const char* bad : {"", "51090", "5109000", "51090A", "51 900", "-51090"}) {
    EXPECT_EQ(RegionCode::parse(bad).status(), Error::kInvalidArgument) << bad;
  }
  EXPECT_EQ(NationCode::parse("07").value(), "07");
  EXPECT_EQ(NationCode::parse("7").status(), Error::kInvalidArgument);
}

TEST(NumericCodeTest, DecodesBcd) {
  EXPECT_EQ(RegionCode::from_bcd(from_hex("500152").value()).value(), "500152");
  EXPECT_EQ(NationCode::from_bcd(from_hex("15").value()).value(), "15");
  EXPECT_EQ(RegionCode::from_bcd(from_hex("5001").value()).status(), Error::kMalformed);
  EXPECT_EQ(RegionCode::from_bcd(from_hex("5001A2").value()).status(), Error::kMalformed);
  EXPECT_EQ(RegionCode::from_bcd(from_hex("5101FF").value()).status(), Error::kMalformed);
}

TEST(NumericCodeTest, TheProvinceOfARegion) {
  EXPECT_EQ(RegionCode("513401").province(), "510000");
  EXPECT_EQ(RegionCode("500000").province(), RegionCode("500000"));
}

}  // namespace
}  // namespace sscard::ssc
