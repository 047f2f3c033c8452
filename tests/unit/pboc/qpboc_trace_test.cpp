// The public qPBOC trace (tests/data/qpboc-public-trace.txt) through the kernel's parsers: each decoded value
// is read off the trace's bytes by hand ([12] 6.4.3, 7.4; CONTACTLESS.md §2).
#include <gtest/gtest.h>

#include <fstream>
#include <vector>

#include "sscard/core/apdu.h"
#include "sscard/pboc/commands.h"
#include "sscard/pboc/dol.h"
#include "sscard/pboc/qpboc_gpo.h"
#include "sscard/pboc/selection.h"

namespace sscard::pboc {
namespace {

struct Exchange {
  Bytes command;
  Bytes response;  // without SW1 SW2
  std::uint16_t sw = 0;
};

std::vector<Exchange> load_trace() {
  std::vector<Exchange> out;
  std::ifstream in(std::string(QPBOC_TRACE_FILE));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("C: ", 0) != 0) continue;
    const auto r = line.find(" R: ");
    Exchange e;
    e.command = from_hex(line.substr(3, r - 3)).value();
    Bytes response = from_hex(line.substr(r + 4)).value();
    e.sw = static_cast<std::uint16_t>((response[response.size() - 2] << 8) | response.back());
    response.resize(response.size() - 2);
    e.response = response;
    out.push_back(e);
  }
  return out;
}

class QpbocTrace : public ::testing::Test {
 protected:
  void SetUp() override {
    trace = load_trace();
    ASSERT_EQ(trace.size(), 3u);
  }
  std::vector<Exchange> trace;
};

TEST_F(QpbocTrace, SelectPpseIsTheCommandTheKernelSends) {
  std::array<std::uint8_t, 64> encoded{};
  const auto n = select_by_name(kPpseName).encode(encoded);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(to_hex(ByteSpan(encoded.data(), *n)), to_hex(trace[0].command));
  EXPECT_EQ(trace[0].sw, 0x9000);
}

TEST_F(QpbocTrace, PpseListsThePbocDebitAid) {
  const auto listed = parse_ppse_fci(trace[0].response);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(to_hex((*listed)[0].aid), "A000000333010101");
  EXPECT_EQ((*listed)[0].label, "PBOC DEBIT");
  EXPECT_EQ((*listed)[0].priority, 1);
}

TEST_F(QpbocTrace, AdfFciCarriesTheQpbocPdol) {
  const auto fci = parse_application_fci(trace[1].response);
  ASSERT_TRUE(fci.ok());
  EXPECT_EQ(to_hex(fci->aid), "A000000333010101");
  EXPECT_EQ(fci->label, "PBOC DEBIT");
  EXPECT_EQ(to_hex(fci->pdol), "9F66049F02069F03069F1A0295055F2A029A039C019F3704");
  std::vector<std::pair<tlv::Tag, std::size_t>> entries;
  DolParser parser(fci->pdol);
  while (true) {
    const auto entry = parser.next();
    ASSERT_TRUE(entry.ok());
    if (!entry->has_value()) break;
    entries.emplace_back((*entry)->tag, (*entry)->length);
  }
  const std::vector<std::pair<tlv::Tag, std::size_t>> expected = {
      {0x9F66, 4}, {0x9F02, 6}, {0x9F03, 6}, {0x9F1A, 2}, {0x95, 5}, {0x5F2A, 2}, {0x9A, 3}, {0x9C, 1}, {0x9F37, 4}};
  EXPECT_EQ(entries, expected);
  EXPECT_EQ(*dol_data_length(fci->pdol), 33u);
}

TEST_F(QpbocTrace, GpoCommandIsRebuiltFromThePdol) {
  // The trace's values: TTQ 36800000, 0.01 yuan, CNY/China, 2017-06-01, goods, UN 2B29EBE4.
  const auto fci = parse_application_fci(trace[1].response);
  ASSERT_TRUE(fci.ok());
  const auto source = [](tlv::Tag tag) -> std::optional<ByteSpan> {
    static const Bytes ttq = from_hex("36800000").value(), amount = from_hex("000000000001").value(),
                       other = from_hex("000000000000").value(), country = from_hex("0156").value(),
                       date = from_hex("170601").value(), type = from_hex("00").value(),
                       un = from_hex("2B29EBE4").value();
    switch (tag) {
      case 0x9F66: return ByteSpan(ttq);
      case 0x9F02: return ByteSpan(amount);
      case 0x9F03: return ByteSpan(other);
      case 0x9F1A:
      case 0x5F2A: return ByteSpan(country);
      case 0x9A: return ByteSpan(date);
      case 0x9C: return ByteSpan(type);
      case 0x9F37: return ByteSpan(un);
      default: return std::nullopt;  // 95: zeros
    }
  };
  std::array<std::uint8_t, 33> data{};
  ASSERT_EQ(*build_dol_data(fci->pdol, source, data), 33u);
  std::array<std::uint8_t, 255> field{};
  const auto command = get_processing_options(data, field);
  ASSERT_TRUE(command.ok());
  std::array<std::uint8_t, 64> encoded{};
  const auto n = command->encode(encoded);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(to_hex(ByteSpan(encoded.data(), *n)), to_hex(trace[2].command));
}

TEST_F(QpbocTrace, GpoAnswerDecodes) {
  EXPECT_EQ(trace[2].sw, 0x9000);
  const auto gpo = parse_qpboc_gpo(trace[2].response);
  ASSERT_TRUE(gpo.ok());
  EXPECT_EQ(to_hex(gpo->aip), "7C00");
  EXPECT_EQ(gpo->atc, 0x0ADC);
  EXPECT_EQ(to_hex(gpo->cryptogram), "AD03EE811AFAD484");
  EXPECT_EQ(gpo->pan, "6299999999999999");
  EXPECT_EQ(to_hex(gpo->track2_expiry), "2011");
  ASSERT_TRUE(gpo->pan_sequence_number.has_value());
  EXPECT_EQ(*gpo->pan_sequence_number, 0x00);
  ASSERT_TRUE(gpo->ctq.has_value());
  EXPECT_EQ(to_hex(*gpo->ctq), "0000");
  EXPECT_TRUE(gpo->afl.empty());                // an online answer: no AFL, no 9F4B
  EXPECT_TRUE(gpo->signed_dynamic_data.empty());
  // 9F10 = 07 01 01 03 A0 00 00 01 0A 01 0000038787 868FD1FC: byte 5 A0 = 1010 0000, bits 6-5 = 10: ARQC.
  EXPECT_EQ(to_hex(gpo->issuer_application_data), "07010103A00000010A010000038787868FD1FC");
  EXPECT_EQ(gpo->issuer_application_data[4], 0xA0);
  EXPECT_EQ(gpo->type, Cryptogram::kArqc);
  EXPECT_EQ(gpo->cid(), 0x80);
  // 9F5D 000000038787: 387.87 yuan; the IDD of 9F10 carries the same balance.
  ASSERT_TRUE(gpo->available_offline_fen.has_value());
  EXPECT_EQ(*gpo->available_offline_fen, 38787u);
  EXPECT_EQ(ecash_balance_from_iad(gpo->issuer_application_data), std::optional<std::uint64_t>(38787));
}

TEST_F(QpbocTrace, EveryPrefixOfTheAnswersIsRefused) {
  // Each proper prefix in a buffer of exactly its size (ASan sees any read past it).
  for (const Exchange* e : {&trace[0], &trace[2]}) {
    for (std::size_t n = 0; n < e->response.size(); ++n) {
      const Bytes prefix(e->response.begin(), e->response.begin() + static_cast<std::ptrdiff_t>(n));
      if (e == &trace[0]) {
        EXPECT_FALSE(parse_ppse_fci(prefix).ok()) << n;
      } else {
        EXPECT_FALSE(parse_qpboc_gpo(prefix).ok()) << n;
      }
    }
  }
}

TEST(QpbocIad, CryptogramTypeFromByte5) {
  const Bytes tc = from_hex("0701010310000001").value();
  const Bytes aac = from_hex("0701010300000001").value();
  const Bytes rfu = from_hex("0701010330000001").value();
  EXPECT_EQ(cryptogram_type_from_iad(tc), Cryptogram::kTc);
  EXPECT_EQ(cryptogram_type_from_iad(aac), Cryptogram::kAac);
  EXPECT_EQ(cryptogram_type_from_iad(rfu), Cryptogram::kNone);
  EXPECT_EQ(cryptogram_type_from_iad(ByteSpan(tc).first(4)), Cryptogram::kNone);
  EXPECT_FALSE(ecash_balance_from_iad(tc).has_value());  // an 8-byte 9F10 has no IDD
}

TEST(QpbocGpo, MalformedAnswersAreRefused) {
  // Format 1, a missing 9F26, a repeated 82.
  EXPECT_FALSE(parse_qpboc_gpo(from_hex("80067C0008010100").value()).ok());
  EXPECT_FALSE(parse_qpboc_gpo(from_hex("771F82027C009F36020ADC570C6299999999999999D20112019F10050701010320").value()).ok());
  EXPECT_FALSE(parse_qpboc_gpo(from_hex("770882027C0082027C00").value()).ok());
}

}  // namespace
}  // namespace sscard::pboc
