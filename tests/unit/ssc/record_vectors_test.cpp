// decode_record() on the vectors of tests/data/ssc/records.txt, and on every truncated prefix of each
// vector in an exact-size heap buffer (so the sanitizers catch any read past the end).
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ssc_script.h"
#include "sscard/ssc/identity.h"

namespace sscard::ssc {
namespace {

struct RecordVector {
  int line = 0;
  std::string description;
  std::uint8_t tag = 0;
  Bytes record;
  std::string expected;  // "field=value;..." or "error=name"
};

void PrintTo(const RecordVector& v, std::ostream* os) {
  *os << "records.txt:" << v.line << " (" << v.description << ")";
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  const auto e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& s, char separator) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, separator)) out.push_back(trim(item));
  if (!s.empty() && s.back() == separator) out.emplace_back();
  return out;
}

std::vector<RecordVector> load_vectors() {
  std::vector<RecordVector> out;
  std::ifstream in(data_path("records.txt"));
  if (!in) throw std::runtime_error("cannot read records.txt");
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    const auto fields = split(line, '|');
    if (fields.size() != 4) throw std::runtime_error("records.txt:" + std::to_string(number) + ": 4 fields expected");
    RecordVector v;
    v.line = number;
    v.description = fields[0];
    v.tag = from_hex(fields[1]).value().at(0);
    v.record = from_hex(fields[2]).value();
    v.expected = fields[3];
    out.push_back(std::move(v));
  }
  return out;
}

std::string date_text(const std::optional<Date>& d) { return d ? to_yyyymmdd(*d) : std::string(); }

template <std::size_t Digits>
std::string code_text(const std::optional<NumericCode<Digits>>& code) {
  return code ? code->to_string() : std::string();
}

// The organisation's code as records.txt writes it (D3): the ASCII text without its 00 padding when it is
// printable, otherwise the hex of the bytes as stored.
std::string init_org_text(const InitOrg& org) {
  ByteSpan bytes = org.span();
  while (!bytes.empty() && bytes.back() == 0x00) bytes = bytes.first(bytes.size() - 1);
  for (std::uint8_t b : bytes) {
    if (b < 0x20 || b > 0x7E || b == '|') return to_hex(org.span());
  }
  return std::string(bytes.begin(), bytes.end());
}

// The decoded value of `field` as the text records.txt writes (empty when unset).
std::string field_value(const Identity& id, const std::string& field) {
  if (field == "region") return code_text(id.region);
  if (field == "card_id") return id.region ? to_hex(id.card_id) : std::string();
  if (field == "card_type") return std::string(id.card_type.view());
  if (field == "spec_version") return std::string(id.spec_version.view());
  if (field == "init_org") return init_org_text(id.init_org);
  if (field == "issue_date") return date_text(id.issue_date);
  if (field == "expiry_date") return date_text(id.expiry_date);
  if (field == "card_number") return std::string(id.card_number.view());
  if (field == "ssn") return std::string(id.ssn.view());
  if (field == "name") return std::string(id.name.view());
  if (field == "sex") return id.sex.kind == Sex::Kind::kUnset ? std::string() : std::string(1, id.sex.code);
  if (field == "nation") return code_text(id.nation);
  if (field == "birthplace") return code_text(id.birthplace);
  if (field == "birth_date") return date_text(id.birth_date);
  if (field == "generation") return std::to_string(static_cast<int>(id.generation));
  ADD_FAILURE() << "unknown field " << field;
  return {};
}

class RecordVectorTest : public ::testing::TestWithParam<RecordVector> {};

TEST_P(RecordVectorTest, DecodesAsExpected) {
  const RecordVector& v = GetParam();
  SCOPED_TRACE("records.txt:" + std::to_string(v.line) + " " + v.description);
  auto exact = std::make_unique<std::uint8_t[]>(v.record.size());
  std::copy(v.record.begin(), v.record.end(), exact.get());
  Identity id;
  const Status status = decode_record(v.tag, ByteSpan(exact.get(), v.record.size()), id);
  const auto pairs = split(v.expected, ';');
  if (v.expected.rfind("error=", 0) == 0) {
    EXPECT_EQ(status.name(), v.expected.substr(6));
    return;
  }
  ASSERT_TRUE(status.ok()) << status.name();
  for (const std::string& pair : pairs) {
    const auto eq = pair.find('=');
    ASSERT_NE(eq, std::string::npos) << pair;
    EXPECT_EQ(field_value(id, pair.substr(0, eq)), pair.substr(eq + 1)) << pair;
  }
}

TEST_P(RecordVectorTest, EveryTruncatedPrefixIsMalformed) {
  const RecordVector& v = GetParam();
  SCOPED_TRACE("records.txt:" + std::to_string(v.line) + " " + v.description);
  for (std::size_t n = 0; n < v.record.size(); ++n) {
    auto exact = std::make_unique<std::uint8_t[]>(n);
    std::copy(v.record.begin(), v.record.begin() + static_cast<std::ptrdiff_t>(n), exact.get());
    Identity id;
    EXPECT_EQ(decode_record(v.tag, ByteSpan(exact.get(), n), id), Error::kMalformed) << "prefix of " << n;
  }
}

INSTANTIATE_TEST_SUITE_P(Records, RecordVectorTest, ::testing::ValuesIn(load_vectors()),
                         [](const auto& test_info) { return "line" + std::to_string(test_info.param.line); });

TEST(DecodeRecordTest, TagOutsideTheTableIsInvalidArgument) {
  Identity id;
  const Bytes record = from_hex("0E0100").value();
  EXPECT_EQ(decode_record(0x0E, record, id), Error::kInvalidArgument);
}

TEST(DecodeRecordTest, NameExtensionAppendsToTheName) {
  Identity id;
  ASSERT_TRUE(decode_record(0x09, from_hex("0904C5B7D1F4").value(), id).ok());
  ASSERT_TRUE(decode_record(0x4E, from_hex("4E1486B4" + std::string(36, '0')).value(), id).ok());
  EXPECT_EQ(id.name, "欧阳喆");
}

TEST(DecodeRecordTest, TableMatchesTheDocumentedLayout) {
  // CARD.md "Record format": (SFI, tag, length) of EF05 and EF06.
  const std::uint8_t expected[][3] = {{5, 0x01, 16}, {5, 0x02, 1},  {5, 0x03, 4},  {5, 0x04, 12}, {5, 0x05, 4},
                                      {5, 0x06, 4},  {5, 0x07, 9},  {6, 0x08, 18}, {6, 0x09, 30}, {6, 0x4E, 20},
                                      {6, 0x0A, 1},  {6, 0x0B, 1},  {6, 0x0C, 3},  {6, 0x0D, 4}};
  const auto records = identity_records();
  ASSERT_EQ(records.size(), std::size(expected));
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].sfi, expected[i][0]) << i;
    EXPECT_EQ(records[i].tag, expected[i][1]) << i;
    EXPECT_EQ(records[i].length, expected[i][2]) << i;
  }
}

}  // namespace
}  // namespace sscard::ssc
