// A validator's configuration (CONTACTLESS.md §5): the bundled validators, and errors that name the field.
#include <gtest/gtest.h>

#include <fstream>

#include "sscard/transit/validator_config.h"

namespace sscard::transit {
namespace {

const std::filesystem::path kCards = SSCARD_CARDS_DIR;

TEST(ValidatorConfig, TheBundledValidatorsLoadWithTheirFares) {
  auto cq = load_validator_config(kCards / "validators/cq-bus-0101.json");
  ASSERT_TRUE(cq.ok()) << cq.error().to_string();
  EXPECT_EQ(cq->terminal, "500103020101");
  EXPECT_EQ(cq->province, "500000");
  EXPECT_EQ(cq->city, "chongqing");
  EXPECT_EQ(cq->mode, "bus");
  EXPECT_EQ(cq->fare_fen, 200u);
  EXPECT_TRUE(cq->host.simulated.has_value());
  // link_key(500103020101) = SM4(master, F ‖ F xor FF..FF), F = 50 01 03 02 01 01 FF FF (HOST-PROTOCOL.md):
  //   printf 500103020101FFFFAFFEFCFDFEFE0000 | xxd -r -p | openssl enc -sm4-ecb -K E60B12111BD782B076C871E58A124F9E -nopad
  EXPECT_EQ(to_hex(cq->link_key), "618C1879397AAD516E1157FEE51D9456");
  EXPECT_EQ(cq->fares, (kCards / "transit/fares.json").lexically_normal());

  auto sc = load_validator_config(kCards / "validators/sc-bus-0201.json");
  ASSERT_TRUE(sc.ok()) << sc.error().to_string();
  EXPECT_EQ(sc->province, "510000");
  EXPECT_EQ(sc->city, "suining");
  EXPECT_EQ(sc->fare_fen, 100u);
  // printf 510903020201FFFFAEF6FCFDFDFE0000 | xxd -r -p | openssl enc -sm4-ecb -K E60B...4F9E -nopad
  EXPECT_EQ(to_hex(sc->link_key), "E7AB544651274E59983AAE2EACC08ABB");

  const config::KioskConfig k = as_kiosk(*cq);
  EXPECT_EQ(k.terminal, "500103020101");
  EXPECT_EQ(k.province, "500000");
  EXPECT_FALSE(k.payment.has_value());
}

// The bundled Chongqing validator with one field replaced (or removed with an empty value), parsed as if it
// were in cards/validators (so its relative paths still resolve).
std::string bundled() {
  std::ifstream in(kCards / "validators/cq-bus-0101.json");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(ValidatorConfig, ErrorsNameTheField) {
  struct Case {
    std::string from, to, field;
  } cases[] = {
      {R"("mode": "bus")", R"("mode": "ferry")", "mode"},                 // no fare for it
      {R"("city": "chongqing")", R"("city": "wanzhou")", "mode"},         // no fare for the city
      {R"("city": "chongqing")", R"("city": "Chong Qing")", "city"},
      {R"("terminal": "500103020101")", R"("terminal": "510103020101")", "terminal"},  // another province's
      {R"("terminal": "500103020101")", R"("terminal": "500000000000")", "terminal"},  // the host's own id
      {R"("terminal": "500103020101")", R"("terminal": "50010302010")", "terminal"},
      {R"("province": "500000")", R"("province": "110000")", "province"},
      {R"("region": "500103")", R"("region": "510903")", "region"},
      {R"("link_key": "618C1879397AAD516E1157FEE51D9456")", R"("link_key": "618C")", "link_key"},
      {R"("line": "101")", R"("line": "1 01")", "line"},
      {R"("fares": "../transit/fares.json")", R"("fares": "../transit/none.json")", "fares"},
      {R"("national_algorithms": true)", R"("national_algorithms": true, "colour": "red")", "colour"},
      {R"("timeout_ms": 3000)", R"("timeout_ms": 0)", "host.timeout_ms"},
  };
  const auto file = kCards / "validators/test.json";
  for (const Case& c : cases) {
    auto v = parse_validator_config(with(bundled(), c.from, c.to), file);
    ASSERT_FALSE(v.ok()) << c.to;
    EXPECT_EQ(v.error().field, c.field) << v.error().to_string();
    EXPECT_EQ(v.error().file, file.string());
  }
  auto ferry = parse_validator_config(with(bundled(), R"("mode": "bus")", R"("mode": "ferry")"), file);
  ASSERT_FALSE(ferry.ok());
  EXPECT_NE(ferry.error().message.find("no fare for chongqing ferry"), std::string::npos) << ferry.error().message;
}

TEST(ValidatorConfig, TheRideLogIsInTheStateFolderUnlessNamed) {
  auto v = load_validator_config(kCards / "validators/cq-bus-0101.json");
  ASSERT_TRUE(v.ok());
  ::setenv("XDG_STATE_HOME", "/var/tmp/sscard-state-test", 1);
  auto file = ride_log_file(*v);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*file, std::filesystem::path("/var/tmp/sscard-state-test/sscard/rides-500103020101.db"));
  v->ride_log = "/tmp/r.db";
  EXPECT_EQ(*ride_log_file(*v), std::filesystem::path("/tmp/r.db"));
}

}  // namespace
}  // namespace sscard::transit
