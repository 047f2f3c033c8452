#include "sscard/sim/file_system.h"

#include <gtest/gtest.h>

#include "sim_test_util.h"

namespace sscard::sim {
namespace {

using testing::hex;

class FileSystemTest : public ::testing::Test {
 protected:
  Eeprom eeprom_{4096, 64};
  FileSystem fs_{eeprom_};
};

TEST_F(FileSystemTest, StartsWithTheMf) {
  EXPECT_EQ(fs_.node_count(), 1u);
  EXPECT_EQ(fs_.node(kMfNode).fid, kMfFid);
  EXPECT_EQ(fs_.node(kMfNode).kind, FileKind::kDf);
}

TEST_F(FileSystemTest, FindsDfsByFidAndByNameAtAnyDepth) {
  auto app = fs_.add_df(kMfNode, DfSpec{0x1000, hex("A000000001"), {}});
  ASSERT_TRUE(app.ok());
  auto inner = fs_.add_df(*app, DfSpec{0x1001, hex("A000000002"), {}});
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(fs_.child_by_fid(kMfNode, 0x1000), *app);
  EXPECT_EQ(fs_.child_by_fid(*app, 0x1001), *inner);
  EXPECT_FALSE(fs_.child_by_fid(kMfNode, 0x1001).has_value());
  EXPECT_EQ(fs_.df_by_name(hex("A000000002")), *inner);
  EXPECT_FALSE(fs_.df_by_name(hex("A0000000")).has_value());  // names match whole, not by prefix
}

TEST_F(FileSystemTest, RejectsClashingIdentifiers) {
  auto df = fs_.add_df(kMfNode, DfSpec{0x1000, hex("A000000001"), {}});
  ASSERT_TRUE(df.ok());
  EXPECT_EQ(fs_.add_df(kMfNode, DfSpec{0x1000, {}, {}}).status().code(), Error::kInvalidArgument);
  EXPECT_EQ(fs_.add_df(*df, DfSpec{0x1000, {}, {}}).status().code(), Error::kInvalidArgument);  // = parent
  EXPECT_EQ(fs_.add_df(*df, DfSpec{std::nullopt, hex("A000000001"), {}}).status().code(), Error::kInvalidArgument);
  EXPECT_EQ(fs_.add_df(kMfNode, DfSpec{0x3F00, {}, {}}).status().code(), Error::kInvalidArgument);
  EXPECT_EQ(fs_.add_df(kMfNode, DfSpec{std::nullopt, Bytes(17, 0x41), {}}).status().code(), Error::kInvalidArgument);
  ASSERT_TRUE(fs_.add_record_ef(*df, EfSpec{0xEF01, 5}).ok());
  EXPECT_EQ(fs_.add_record_ef(*df, EfSpec{0xEF02, 5}).status().code(), Error::kInvalidArgument);  // SFI 5 taken
  EXPECT_EQ(fs_.add_record_ef(*df, EfSpec{0xEF03, 31}).status().code(), Error::kInvalidArgument);
  auto ef = fs_.child_by_fid(*df, 0xEF01);
  ASSERT_TRUE(ef.has_value());
  EXPECT_EQ(fs_.add_df(*ef, DfSpec{0x2000, {}, {}}).status().code(), Error::kInvalidArgument);  // EF as parent
}

TEST_F(FileSystemTest, TransparentContentsArePaddedToTheFileSize) {
  auto ef = fs_.add_transparent_ef(kMfNode, EfSpec{0x0015, 21}, hex("010203"), 6);
  ASSERT_TRUE(ef.ok());
  EXPECT_EQ(to_hex(fs_.binary(*ef)), "010203000000");
  ASSERT_TRUE(fs_.write_binary(*ef, 4, hex("AABB")).ok());
  EXPECT_EQ(to_hex(fs_.binary(*ef)), "01020300AABB");
  EXPECT_EQ(fs_.write_binary(*ef, 5, hex("AABB")).code(), Error::kInvalidArgument);
  EXPECT_EQ(fs_.child_by_sfi(kMfNode, 21), *ef);
  EXPECT_EQ(fs_.add_transparent_ef(kMfNode, EfSpec{0x0016}, hex("010203"), 2).status().code(),
            Error::kInvalidArgument);
}

TEST_F(FileSystemTest, RecordsAreSimpleTlvAndRewritableWithinTheirCapacity) {
  auto ef = fs_.add_record_ef(kMfNode, EfSpec{0xEF05, 5});
  ASSERT_TRUE(ef.ok());
  ASSERT_TRUE(fs_.add_record(*ef, hex("0102AABB"), 6).ok());
  ASSERT_TRUE(fs_.add_record(*ef, hex("0200"), 2, AccessCondition::pin()).ok());
  EXPECT_EQ(fs_.add_record(*ef, hex("0103AABB"), 4).code(), Error::kInvalidArgument);  // length says 3
  EXPECT_EQ(fs_.add_record(*ef, hex("0001AA"), 3).code(), Error::kInvalidArgument);    // tag 00
  EXPECT_EQ(fs_.add_record(*ef, hex("0101AA"), 2).code(), Error::kInvalidArgument);    // capacity too small
  EXPECT_EQ(fs_.record_count(*ef), 2u);
  EXPECT_EQ(to_hex(fs_.record(*ef, 0)), "0102AABB");
  EXPECT_EQ(fs_.node(*ef).records[1].read, AccessCondition::pin());
  ASSERT_TRUE(fs_.write_record(*ef, 0, hex("0104CCDDEEFF")).ok());
  EXPECT_EQ(to_hex(fs_.record(*ef, 0)), "0104CCDDEEFF");
  EXPECT_EQ(fs_.write_record(*ef, 0, hex("01050102030405")).code(), Error::kInvalidArgument);
  EXPECT_EQ(fs_.write_record(*ef, 2, hex("0100")).code(), Error::kInvalidArgument);
  EXPECT_TRUE(fs_.record(*ef, 2).empty());
}

TEST(AccessConditionText, ParsesAndPrintsEveryForm) {
  EXPECT_EQ(AccessCondition::from_text("always"), AccessCondition::always());
  EXPECT_EQ(AccessCondition::from_text("never"), AccessCondition::never());
  EXPECT_EQ(AccessCondition::from_text("pin"), AccessCondition::pin());
  EXPECT_EQ(AccessCondition::from_text("key:0A"), AccessCondition::key(0x0A));
  EXPECT_EQ(AccessCondition::from_text("key:0a"), AccessCondition::key(0x0A));
  EXPECT_EQ(AccessCondition::key(0x0A).to_text(), "key:0A");
  for (const char* bad : {"", "Always", "key:", "key:0", "key:0AB", "key:GG", "pin ", "key0A"}) {
    EXPECT_FALSE(AccessCondition::from_text(bad).has_value()) << bad;
  }
}

TEST(SimpleTlvRecord, AcceptsExactlyOneElement) {
  EXPECT_TRUE(is_simple_tlv_record(hex("0100")));
  EXPECT_TRUE(is_simple_tlv_record(hex("4E03414243")));
  EXPECT_FALSE(is_simple_tlv_record(hex("01")));
  EXPECT_FALSE(is_simple_tlv_record(hex("4E0341424344")));
  EXPECT_FALSE(is_simple_tlv_record(hex("FF0100")));
}

}  // namespace
}  // namespace sscard::sim
