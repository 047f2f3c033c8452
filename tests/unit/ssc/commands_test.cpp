// The card commands' bytes, against the APDUs of CARD.md "Commands" and "Record format".
#include "sscard/ssc/commands.h"

#include <gtest/gtest.h>

#include <array>

namespace sscard::ssc {
namespace {

TEST(CommandsTest, SelectSsseIsTheDocumentedApdu) {
  EXPECT_EQ(to_hex(select_ssse().to_bytes()), "00A404000F7378312E73682EC9E7BBE1B1A3D5CF");
}

TEST(CommandsTest, SsseNameIsSx1ShSocialSecurityInGbk) {
  // "sx1.sh." followed by 社会保障 in GBK.
  EXPECT_EQ(to_hex(kSsseName), to_hex(as_bytes("sx1.sh.")) + "C9E7BBE1B1A3D5CF");
}

TEST(CommandsTest, ReadRecordByIdentifierUsesSfiInP2) {
  EXPECT_EQ(to_hex(read_record_by_tag(0x01, kSfiEf05, 0x12).to_bytes()), "00B2012812");
  EXPECT_EQ(to_hex(read_record_by_tag(0x4E, kSfiEf06, 0x16).to_bytes()), "00B24E3016");
}

TEST(CommandsTest, ReadRecordByNumberSetsP2Bit3) {
  EXPECT_EQ(to_hex(read_record_by_number(0x01, kSfiEf05, 0x12).to_bytes()), "00B2012C12");
  EXPECT_EQ(to_hex(read_record_by_number(0x03, kSfiEf06, 0x16).to_bytes()), "00B2033416");
}

TEST(CommandsTest, ReadRecordOf256BytesEncodesLe00) {
  EXPECT_EQ(to_hex(read_record_by_tag(0x01, kSfiEf05, 256).to_bytes()), "00B2012800");
}

TEST(CommandsTest, GetChallenge) {
  EXPECT_EQ(to_hex(get_challenge(8).to_bytes()), "0084000008");
  EXPECT_EQ(to_hex(get_challenge(16).to_bytes()), "0084000010");
}

TEST(CommandsTest, SelectEfWritesTheFidIntoTheCallersField) {
  std::array<std::uint8_t, 2> fid{};
  EXPECT_EQ(to_hex(select_ef(0xEF05, fid).to_bytes()), "00A4020002EF05");
  EXPECT_EQ(to_hex(fid), "EF05");
}

TEST(CommandsTest, VerifyPacksTheSixDigitPinAsBcd) {
  std::array<std::uint8_t, kPinFieldSize> field{};
  auto cmd = verify_pin("123456", field);
  ASSERT_TRUE(cmd.ok());
  EXPECT_EQ(to_hex(cmd->to_bytes()), "0020000003123456");
  EXPECT_EQ(cmd->data.data(), field.data());  // the caller can wipe it
  secure_wipe(field);
  EXPECT_EQ(to_hex(field), "000000");
}

TEST(CommandsTest, VerifyRejectsAnythingButSixDigits) {
  std::array<std::uint8_t, kPinFieldSize> field{};
  for (const char* pin : {"", "12345", "1234567", "12345a", "12 456", "-12345", "１23456"}) {
    EXPECT_EQ(verify_pin(pin, field).status(), Error::kInvalidArgument) << "\"" << pin << "\"";
  }
  EXPECT_EQ(to_hex(field), "000000");  // nothing written
}

}  // namespace
}  // namespace sscard::ssc
