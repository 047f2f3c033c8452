// The status-word table (ISO/IEC 7816-4 5.6, PBOC additions).
#include "sscard/core/status_word.h"

#include <gtest/gtest.h>

#include <string>

namespace sscard {
namespace {

struct Named {
  StatusWord sw;
  std::string_view meaning;
};

void PrintTo(const Named& n, std::ostream* os) { *os << std::hex << n.sw.value(); }

class NamedStatusWords : public testing::TestWithParam<Named> {};

TEST_P(NamedStatusWords, DescribeGivesTheTableMeaning) {
  EXPECT_EQ(describe(GetParam().sw), GetParam().meaning);
}

// Every constant in sscard::sw, and the words the social-security card answers with (docs/CARD.md "Status words").
INSTANTIATE_TEST_SUITE_P(
    Constants, NamedStatusWords,
    testing::Values(Named{sw::kSuccess, "normal processing"},
                    Named{sw::kFileInvalidated, "warning: selected file deactivated"},
                    Named{sw::kMemoryFailure, "execution error: memory failure"},
                    Named{sw::kWrongLength, "wrong length"},
                    Named{sw::kSecurityNotSatisfied, "security status not satisfied"},
                    Named{sw::kAuthMethodBlocked, "authentication method blocked"},
                    Named{sw::kReferenceDataInvalidated, "reference data not usable"},
                    Named{sw::kConditionsNotSatisfied, "conditions of use not satisfied"},
                    Named{sw::kCommandNotAllowed, "command not allowed (no current EF)"},
                    Named{sw::kIncorrectMac, "incorrect secure messaging data objects (bad MAC)"},
                    Named{sw::kWrongData, "incorrect parameters in the command data field"},
                    Named{sw::kFunctionNotSupported, "function not supported"},
                    Named{sw::kFileNotFound, "file or application not found"},
                    Named{sw::kRecordNotFound, "record not found"},
                    Named{sw::kNotEnoughMemory, "not enough memory space in the file"},
                    Named{sw::kIncorrectP1P2, "incorrect parameters P1-P2"},
                    Named{sw::kReferencedDataNotFound, "referenced data or reference data not found"},
                    Named{sw::kWrongP1P2, "wrong parameters P1-P2"},
                    Named{sw::kInsNotSupported, "instruction code not supported or invalid"},
                    Named{sw::kClaNotSupported, "class not supported"},
                    Named{sw::kNoPreciseDiagnosis, "no precise diagnosis"},
                    Named{sw::kApplicationBlocked, "PBOC: application permanently blocked"},
                    Named{sw::kStateChangedNoInfo, "warning: no information given, state changed"},
                    Named{sw::kPbocMacInvalid, "PBOC: MAC invalid"},
                    Named{sw::kInsufficientBalance, "PBOC: insufficient balance"},
                    Named{sw::kKeyIndexNotSupported, "PBOC: key index not supported"},
                    Named{sw::kMacUnavailable, "PBOC: required MAC unavailable"},
                    Named{StatusWord(0x6300), "warning: no information given, state changed"},
                    Named{StatusWord(0x9302), "PBOC: MAC invalid"}));

TEST(StatusWord, NamedConstantsHaveTheirDocumentedValues) {
  // docs/CARD.md "Status words", DECISIONS.md D29.
  EXPECT_EQ(sw::kSuccess.value(), 0x9000);
  EXPECT_EQ(sw::kFileInvalidated.value(), 0x6283);
  EXPECT_EQ(sw::kStateChangedNoInfo.value(), 0x6300);
  EXPECT_EQ(sw::kSecurityNotSatisfied.value(), 0x6982);
  EXPECT_EQ(sw::kAuthMethodBlocked.value(), 0x6983);
  EXPECT_EQ(sw::kConditionsNotSatisfied.value(), 0x6985);
  EXPECT_EQ(sw::kIncorrectMac.value(), 0x6988);
  EXPECT_EQ(sw::kFileNotFound.value(), 0x6A82);
  EXPECT_EQ(sw::kRecordNotFound.value(), 0x6A83);
  EXPECT_EQ(sw::kReferencedDataNotFound.value(), 0x6A88);
  EXPECT_EQ(sw::kPbocMacInvalid.value(), 0x9302);
  EXPECT_EQ(sw::kApplicationBlocked.value(), 0x9303);
  EXPECT_EQ(sw::kInsufficientBalance.value(), 0x9401);
  EXPECT_EQ(sw::kKeyIndexNotSupported.value(), 0x9403);
  EXPECT_EQ(sw::kMacUnavailable.value(), 0x9406);
}

TEST(StatusWord, FamiliesAreDescribedGenerically) {
  const std::string_view more = describe(StatusWord(0x6100));
  EXPECT_EQ(more, "response bytes still available (SW2 = count, 00 = 256 or more)");
  EXPECT_EQ(describe(StatusWord(0x6110)), more);
  EXPECT_EQ(describe(StatusWord(0x61FF)), more);

  const std::string_view wrong_le = describe(StatusWord(0x6C00));
  EXPECT_EQ(wrong_le, "wrong Le field (SW2 = exact length, 00 = 256)");
  EXPECT_EQ(describe(StatusWord(0x6C1A)), wrong_le);

  const std::string_view tries = describe(StatusWord(0x63C0));
  EXPECT_EQ(tries, "verification failed (SW2 low nibble = tries left)");
  for (std::uint16_t x = 0; x < 16; ++x) {
    EXPECT_EQ(describe(StatusWord(static_cast<std::uint16_t>(0x63C0 | x))), tries);
  }
  EXPECT_NE(describe(StatusWord(0x63D0)), tries);
}

TEST(StatusWord, UnknownWords) {
  for (int v : {0x0000, 0x1234, 0x9001, 0x6A8F, 0x6D01, 0xFFFF}) {
    EXPECT_EQ(describe(StatusWord(static_cast<std::uint16_t>(v))), "unknown status word") << std::hex << v;
  }
}

TEST(StatusWord, Accessors) {
  constexpr StatusWord sw(0x6A, 0x82);
  static_assert(sw.value() == 0x6A82);
  EXPECT_EQ(sw.sw1(), 0x6A);
  EXPECT_EQ(sw.sw2(), 0x82);
  EXPECT_EQ(sw, sw::kFileNotFound);
  EXPECT_FALSE(sw.is_success());
  EXPECT_TRUE(StatusWord(0x90, 0x00).is_success());
}

TEST(StatusWord, Predicates) {
  EXPECT_TRUE(StatusWord(0x6100).is_bytes_available());
  EXPECT_FALSE(StatusWord(0x6200).is_bytes_available());
  EXPECT_TRUE(StatusWord(0x6C12).is_wrong_le());
  EXPECT_FALSE(StatusWord(0x6700).is_wrong_le());

  EXPECT_TRUE(StatusWord(0x63C3).is_tries_left());
  EXPECT_EQ(StatusWord(0x63C3).tries_left(), 3);
  EXPECT_EQ(StatusWord(0x63C0).tries_left(), 0);
  EXPECT_EQ(StatusWord(0x63CF).tries_left(), 15);
  EXPECT_FALSE(StatusWord(0x6300).is_tries_left());
  EXPECT_EQ(StatusWord(0x6300).tries_left(), -1);
  EXPECT_EQ(sw::kAuthMethodBlocked.tries_left(), -1);
}

}  // namespace
}  // namespace sscard
