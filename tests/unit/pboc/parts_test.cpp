// The kernel's parts on their own: APDU builders, DOLs, the tag store, TVR and TSI names.
#include <gtest/gtest.h>

#include "sscard/pboc/commands.h"
#include "sscard/pboc/dol.h"
#include "sscard/pboc/record.h"
#include "sscard/pboc/tag_store.h"
#include "sscard/pboc/tvr.h"

namespace sscard::pboc {
namespace {

Bytes hex(std::string_view text) { return from_hex(text).value(); }

TEST(PbocCommands, EncodeAsThePaymentContractWritesThem) {
  EXPECT_EQ(to_hex(select_by_name(kPseName).to_bytes()), "00A404000E315041592E5359532E444446303100");
  EXPECT_EQ(to_hex(read_record(1, 1).to_bytes()), "00B2010C00");
  EXPECT_EQ(to_hex(read_record(11, 3).to_bytes()), "00B2035C00");
  EXPECT_EQ(to_hex(get_data(0x9F36).to_bytes()), "80CA9F3600");
  EXPECT_EQ(to_hex(get_challenge().to_bytes()), "0084000008");
  const Bytes block = hex("26246810FFFFFFFF");
  EXPECT_EQ(to_hex(verify(kVerifyPlaintext, block).to_bytes()), "002000800826246810FFFFFFFF");
  const Bytes un = hex("1A2B3C4D");
  EXPECT_EQ(to_hex(internal_authenticate(un).to_bytes()), "00880000041A2B3C4D00");
  const Bytes iad = hex("8590738A25DD02263030");
  EXPECT_EQ(to_hex(external_authenticate(iad).to_bytes()), "008200000A8590738A25DD02263030");
  EXPECT_EQ(to_hex(generate_ac(kGacArqc | kGacCdaRequested, un).to_bytes()), "80AE9000041A2B3C4D00");
  std::array<std::uint8_t, 8> field{};
  const Bytes pdol = hex("00010203");
  const auto gpo = get_processing_options(pdol, field);
  ASSERT_TRUE(gpo.ok());
  EXPECT_EQ(to_hex(gpo->to_bytes()), "80A800000683040001020300");
  std::array<std::uint8_t, 3> small{};
  EXPECT_EQ(get_processing_options(pdol, small).status(), Error::kInvalidArgument);
}

TEST(PbocDol, LengthOfTheContractsLists) {
  EXPECT_EQ(dol_data_length(hex("9F02069F03069F1A0295055F2A029A039C019F3704")).value(), 29u);
  EXPECT_EQ(dol_data_length(hex("8A029F02069F03069F1A0295055F2A029A039C019F3704")).value(), 31u);
  EXPECT_EQ(dol_data_length(hex("DF69019F21039F4E14")).value(), 24u);
  EXPECT_EQ(dol_data_length({}).value(), 0u);
}

TEST(PbocDol, MalformedListsAreErrors) {
  EXPECT_EQ(dol_data_length(hex("9F")).status(), Error::kTruncated);      // tag cut
  EXPECT_EQ(dol_data_length(hex("9F02")).status(), Error::kTruncated);    // no length
  EXPECT_EQ(dol_data_length(hex("9F0281")).status(), Error::kMalformed);  // long-form length
  EXPECT_EQ(dol_data_length(hex("00")).status(), Error::kMalformed);
}

TEST(PbocDol, FitsValuesAsTheRulesSay) {
  // 9F02 asked as 4 bytes: numeric, keep the rightmost; 9F4E asked as 3: keep the leftmost; 9F1A asked as
  // 3: numeric, 00 on the left; 5F20 absent: zeros; 9F37 exact.
  const Bytes dol = hex("9F0204" "9F4E03" "9F1A03" "5F2002" "9F3704");
  const Bytes amount = hex("000000001234");
  const Bytes name = hex("41424344");
  const Bytes country = hex("0156");
  const Bytes un = hex("1A2B3C4D");
  const DolSource source = [&](tlv::Tag tag) -> std::optional<ByteSpan> {
    switch (tag) {
      case 0x9F02: return ByteSpan(amount);
      case 0x9F4E: return ByteSpan(name);
      case 0x9F1A: return ByteSpan(country);
      case 0x9F37: return ByteSpan(un);
      default: return std::nullopt;
    }
  };
  std::array<std::uint8_t, 16> out{};
  const auto used = build_dol_data(dol, source, out);
  ASSERT_TRUE(used.ok());
  EXPECT_EQ(to_hex(ByteSpan(out).first(*used)), "00001234" "414243" "000156" "0000" "1A2B3C4D");
  std::array<std::uint8_t, 10> short_out{};
  EXPECT_EQ(build_dol_data(dol, source, short_out).status(), Error::kBufferTooSmall);
}

TEST(PbocTagStore, ARepeatedTagIsRefusedAndChangesNothing) {
  TagStore store;
  const Bytes first = hex("0156");
  const Bytes second = hex("0344");
  ASSERT_TRUE(store.add(0x5F28, first).ok());
  EXPECT_EQ(store.add(0x5F28, second), Error::kMalformed);
  EXPECT_EQ(to_hex(*store.find(0x5F28)), "0156");
  ASSERT_TRUE(store.put(0x5F28, second).ok());
  EXPECT_EQ(to_hex(*store.find(0x5F28)), "0344");
  EXPECT_FALSE(store.has(0x9F36));
}

TEST(PbocTagStore, FullStoreIsAnError) {
  TagStore store;
  const Bytes big(TagStore::kCapacity, 0xAB);
  ASSERT_TRUE(store.add(0x90, big).ok());
  const Bytes one = hex("01");
  EXPECT_EQ(store.add(0x91, one), Error::kBufferTooSmall);
  EXPECT_FALSE(store.has(0x91));
}

TEST(PbocTvr, BitsLandWhereTableA5PutsThem) {
  Tvr tvr;
  tvr.set(TvrBit::kExpiredApplication);
  tvr.set(TvrBit::kCdaFailed);
  tvr.set(TvrBit::kFloorLimitExceeded);
  tvr.set(TvrBit::kIssuerAuthenticationFailed);
  EXPECT_EQ(to_hex(tvr.bytes()), "0440008040");
  EXPECT_TRUE(tvr.has(TvrBit::kExpiredApplication));
  EXPECT_FALSE(tvr.has(TvrBit::kNewCard));
  EXPECT_EQ(describe_tvr(tvr),
            "combined DDA/application cryptogram generation failed; expired application; transaction exceeds "
            "floor limit; issuer authentication failed");
  EXPECT_EQ(describe_tvr(Tvr{}), "none");
}

TEST(PbocTsi, BitsAndNames) {
  Tsi tsi;
  tsi.set(TsiBit::kOdaPerformed);
  tsi.set(TsiBit::kScriptProcessingPerformed);
  EXPECT_EQ(to_hex(tsi.bytes()), "8400");
  EXPECT_EQ(describe_tsi(tsi), "offline data authentication was performed; script processing was performed");
}

TEST(PbocRecord, PanIsMaskedAsThePayOutputShowsIt) {
  EXPECT_EQ(mask_pan("6200515101008092011"), "620051*********2011");
  EXPECT_EQ(mask_pan("123"), "***");
}

}  // namespace
}  // namespace sscard::pboc
