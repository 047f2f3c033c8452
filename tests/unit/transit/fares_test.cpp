// The fare table (CONTACTLESS.md §5): the bundled test values and the file's rules.
#include <gtest/gtest.h>

#include "sscard/transit/fares.h"

namespace sscard::transit {
namespace {

const std::filesystem::path kCards = SSCARD_CARDS_DIR;

TEST(Fares, TheBundledTableHoldsTheDocumentedTestFares) {
  auto t = load_fares(kCards / "transit/fares.json");
  ASSERT_TRUE(t.ok()) << t.error().to_string();
  EXPECT_EQ(t->fare("chongqing", "bus"), 200u);
  EXPECT_EQ(t->fare("chongqing", "metro"), 300u);
  EXPECT_EQ(t->fare("chengdu", "bus"), 200u);
  EXPECT_EQ(t->fare("chengdu", "metro"), 300u);
  EXPECT_EQ(t->fare("suining", "bus"), 100u);
  EXPECT_EQ(t->fare("suining", "metro"), std::nullopt);
  EXPECT_EQ(t->all().size(), 5u);
}

TEST(Fares, AmountsAreYuanWithExactlyTwoDecimals) {
  EXPECT_EQ(parse_fare("2.00"), 200u);
  EXPECT_EQ(parse_fare("0.01"), 1u);
  EXPECT_EQ(parse_fare("999.99"), 99999u);
  for (const char* bad : {"2", "2.0", "2.000", ".50", "0.00", "1000.00", "-1.00", "2,00", "2.0a", ""}) {
    EXPECT_EQ(parse_fare(bad), std::nullopt) << bad;
  }
}

std::string doc(const std::string& fares) {
  return R"({"format": "sscard-fares/1", "test_only": true, "description": "t", "fares": )" + fares + "}";
}

TEST(Fares, ErrorsNameTheField) {
  struct Case {
    std::string fares, field;
  } cases[] = {
      {R"({"chongqing": {"bus": "2"}})", "fares.chongqing.bus"},
      {R"({"chongqing": {"bus": 2.00}})", "fares.chongqing.bus"},
      {R"({"Chongqing": {"bus": "2.00"}})", "fares.Chongqing"},
      {R"({"chongqing": {"night bus": "2.00"}})", "fares.chongqing.night bus"},
      {R"({"chongqing": {}})", "fares.chongqing"},
      {R"({})", "fares"},
  };
  for (const Case& c : cases) {
    auto t = parse_fares(doc(c.fares), "f.json");
    ASSERT_FALSE(t.ok()) << c.fares;
    EXPECT_EQ(t.error().field, c.field) << t.error().to_string();
    EXPECT_EQ(t.error().file, "f.json");
  }
  auto wrong_format = parse_fares(R"({"format": "sscard-fares/2", "test_only": true, "description": "t", "fares": {}})",
                                  "f.json");
  ASSERT_FALSE(wrong_format.ok());
  EXPECT_EQ(wrong_format.error().field, "format");
  auto unknown = parse_fares(R"({"format": "sscard-fares/1", "test_only": true, "description": "t", "fares":
      {"suining": {"bus": "1.00"}}, "extra": 1})", "f.json");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().to_string().find("extra"), std::string::npos) << unknown.error().to_string();
}

}  // namespace
}  // namespace sscard::transit
