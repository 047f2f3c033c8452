// PC/SC return codes -> names and typed errors, from the vectors in tests/data/pcsc/errors.txt.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "sscard/hal/pcsc_reader.h"

namespace sscard::hal {
namespace {

struct Vector {
  std::string name;
  PcscCode code;
  PcscOperation operation;
  std::string expected;
};

std::vector<Vector> load_vectors() {
  std::ifstream in(std::string(SSCARD_TEST_DATA_DIR) + "/pcsc/errors.txt");
  std::vector<Vector> vectors;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string name, code, operation, expected;
    fields >> name >> code >> operation >> expected;
    const PcscOperation op = operation == "lookup"    ? PcscOperation::kLookup
                             : operation == "connect" ? PcscOperation::kConnect
                                                      : PcscOperation::kExchange;
    // pcsc-lite's codes are ((LONG)0x801000xx): negative where long has 32 bits.
    vectors.push_back({name, static_cast<PcscCode>(std::stoul(code, nullptr, 16)), op, expected});
  }
  return vectors;
}

TEST(PcscErrors, MapsEveryVector) {
  const std::vector<Vector> vectors = load_vectors();
  ASSERT_EQ(vectors.size(), 30u);
  for (const Vector& v : vectors) {
    EXPECT_EQ(pcsc_error_name(v.code), v.name) << v.name;
    EXPECT_EQ(error_name(map_pcsc_error(v.code, v.operation)), v.expected) << v.name;
  }
}

TEST(PcscErrors, EveryNamedCodeHasAMapping) {
  // No code pcsc-lite defines maps to "ok" except success, and every one of them has a name.
  for (std::uint32_t raw = 0x80100001; raw <= 0x80100031; ++raw) {
    const auto code = static_cast<PcscCode>(raw);
    EXPECT_NE(map_pcsc_error(code, PcscOperation::kExchange), Error::kOk) << code;
    if (raw != 0x80100022) {
      EXPECT_NE(pcsc_error_name(code), "SCARD_E_<unknown>") << std::hex << code;
    }
  }
}

}  // namespace
}  // namespace sscard::hal
