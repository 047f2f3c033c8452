// Tracing: the text format, and proof that PINs, cryptograms and full PANs never reach a trace sink.
#include "sscard/transport/trace.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "scripted/scripted_reader.h"
#include "sscard/transport/transport.h"

namespace sscard::transport {
namespace {

using testing::ScriptedSlot;

constexpr char kAtr[] = "3B6D000000814E43238697159900BF7C7A";

Bytes hex(std::string_view text) { return from_hex(text).value(); }

void collect_line(void* context, std::string_view line) {
  static_cast<std::vector<std::string>*>(context)->emplace_back(line);
}

// Keeps a copy of every record it gets, to check what a sink can see.
class RecordingSink final : public TraceSink {
 public:
  void on_exchange(const TraceRecord& record) override {
    commands.emplace_back(record.command.bytes.begin(), record.command.bytes.end());
    responses.emplace_back(record.response.bytes.begin(), record.response.bytes.end());
    kinds.push_back(record.kind);
    sequences.push_back(record.sequence);
  }
  std::vector<Bytes> commands;
  std::vector<Bytes> responses;
  std::vector<ExchangeKind> kinds;
  std::vector<std::size_t> sequences;
};

bool contains(const Bytes& haystack, const Bytes& needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

class TraceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    ASSERT_TRUE(slot_.power_up(atr).ok());
    transport_.set_trace(&text_);
  }

  Result<apdu::Response> send(std::string_view command_hex) {
    command_ = hex(command_hex);
    auto cmd = apdu::parse_command(command_);
    EXPECT_TRUE(cmd.ok());
    return transport_.transmit(*cmd, buffer_);
  }

  ScriptedSlot slot_{kAtr};
  Transport transport_{slot_};
  std::vector<std::string> lines_;
  TextTrace text_{collect_line, &lines_};
  Bytes command_;
  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer_{};
};

TEST_F(TraceTest, WritesOneLinePerSideOfEachExchange) {
  slot_.expect("00A404000F7378312E73682EC9E7BBE1B1A3D5CF", "6104").expect("00C0000004", "6F0284009000");
  ASSERT_TRUE(send("00A404000F7378312E73682EC9E7BBE1B1A3D5CF").ok());
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(lines_[0], "> 00 A4 04 00 0F 73 78 31 2E 73 68 2E C9 E7 BB E1 B1 A3 D5 CF");
  EXPECT_EQ(lines_[1], "< 61 04");
  EXPECT_EQ(lines_[2], "> 00 C0 00 00 04");
  EXPECT_EQ(lines_[3], "< 6F 02 84 00 90 00");
}

TEST_F(TraceTest, VerifyPinIsMaskedAndTheDistinctivePinNeverAppears) {
  slot_.expect("0020000003987654", "63C5").expect("0020000003987654", "9000");
  ASSERT_TRUE(send("0020000003987654").ok());
  ASSERT_TRUE(send("0020000003987654").ok());
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(lines_[0], "> 00 20 00 00 03 ** ** **");
  EXPECT_EQ(lines_[1], "< 63 C5");
  EXPECT_EQ(lines_[3], "< 90 00");
  const std::string all = joined(lines_);
  for (const char* fragment : {"98 76 54", "98 76", "76 54", "987654", "98", "76", "54"}) {
    EXPECT_EQ(all.find(fragment), std::string::npos) << fragment << " leaked into:\n" << all;
  }
}

TEST_F(TraceTest, SinkNeverReceivesThePinBytes) {
  RecordingSink sink;
  transport_.set_trace(&sink);
  slot_.expect("0020000003987654", "9000");
  ASSERT_TRUE(send("0020000003987654").ok());
  ASSERT_EQ(sink.commands.size(), 1u);
  EXPECT_EQ(to_hex(sink.commands[0]), "0020000003000000");
  EXPECT_FALSE(contains(sink.commands[0], hex("987654")));
  EXPECT_EQ(sink.kinds[0], ExchangeKind::kCommand);
  EXPECT_EQ(sink.sequences[0], 1u);
}

struct SecretCommand {
  const char* name;
  const char* command;
  const char* response;
  const char* expected_command_line;
  const char* expected_response_line;
};

class SecretCommandTest : public TraceTest, public ::testing::WithParamInterface<SecretCommand> {};

TEST_P(SecretCommandTest, DataFieldIsMasked) {
  const SecretCommand& c = GetParam();
  slot_.expect(c.command, c.response);
  ASSERT_TRUE(send(c.command).ok());
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[0], c.expected_command_line);
  EXPECT_EQ(lines_[1], c.expected_response_line);
}

INSTANTIATE_TEST_SUITE_P(
    Commands, SecretCommandTest,
    ::testing::Values(
        SecretCommand{"ChangePin", "805E010007123456654321FF", "9000",
                      "> 80 5E 01 00 07 ** ** ** ** ** ** **", "< 90 00"},
        SecretCommand{"PinUnblock", "8424000008A1B2C3D4E5F60718", "9000",
                      "> 84 24 00 00 08 ** ** ** ** ** ** ** **", "< 90 00"},
        SecretCommand{"ResetRetryCounter", "002C000003112233", "9000", "> 00 2C 00 00 03 ** ** **", "< 90 00"},
        SecretCommand{"ExternalAuthenticate3des", "008200041011223344556677880102030405060708", "9000",
                      "> 00 82 00 04 10 ** ** ** ** ** ** ** ** ** ** ** ** ** ** ** **", "< 90 00"},
        SecretCommand{"InternalAuthenticate", "008800001000814E4323869715010203040506070800",
                      "0123456789ABCDEF9000",
                      "> 00 88 00 00 10 ** ** ** ** ** ** ** ** ** ** ** ** ** ** ** ** 00",
                      "< ** ** ** ** ** ** ** ** 90 00"}),
    [](const auto& test_info) { return std::string(test_info.param.name); });

TEST_F(TraceTest, InternalAuthenticateCryptogramFetchedByGetResponseIsMasked) {
  slot_.expect("008800001000814E43238697150102030405060708", "6108").expect("00C0000008", "0123456789ABCDEF9000");
  ASSERT_TRUE(send("008800001000814E43238697150102030405060708").ok());
  ASSERT_EQ(lines_.size(), 4u);
  EXPECT_EQ(lines_[2], "> 00 C0 00 00 08");
  EXPECT_EQ(lines_[3], "< ** ** ** ** ** ** ** ** 90 00");
}

TEST_F(TraceTest, PanInTag5AKeepsFirstSixAndLastFourDigits) {
  slot_.expect("00B2011400", "700A5A0862223344556677889000");
  ASSERT_TRUE(send("00B2011400").ok());
  EXPECT_EQ(lines_[1], "< 70 0A 5A 08 62 22 33 ** ** ** 77 88 90 00");
}

TEST_F(TraceTest, NineteenDigitPanMasksEveryByteHoldingAMiddleDigit) {
  // 6222334455667788991 F: digits 6..14 are in bytes 3..7 (byte 7 also holds digit 15).
  slot_.expect("00B2011400", "700C5A0A6222334455667788991F9000");
  ASSERT_TRUE(send("00B2011400").ok());
  EXPECT_EQ(lines_[1], "< 70 0C 5A 0A 62 22 33 ** ** ** ** ** 99 1F 90 00");
}

TEST_F(TraceTest, Format1GenerateAcAnswerHidesItsCryptogram) {
  // 80 L CID ATC AC(8) IAD: the eight AC bytes after CID and ATC are blanked, the rest stays readable.
  slot_.expect("80AE800000", "801480000111223344556677880701010303A000009000");
  ASSERT_TRUE(send("80AE800000").ok());
  EXPECT_EQ(lines_[1], "< 80 14 80 00 01 ** ** ** ** ** ** ** ** 07 01 01 03 03 A0 00 00 90 00");
}

TEST_F(TraceTest, ApplicationCryptogramTagIsMaskedInAnyTemplate) {
  slot_.expect("80AE400000", "77149F2701409F3602000A9F260811223344556677889000");
  ASSERT_TRUE(send("80AE400000").ok());
  EXPECT_EQ(lines_[1], "< 77 14 9F 27 01 40 9F 36 02 00 0A 9F 26 08 ** ** ** ** ** ** ** ** 90 00");
}

TEST_F(TraceTest, Sm2IccCertificateShowsOnlyBothEndsOfItsPan) {
  // 9F46 of the SM data set: 14 || PAN (10, F-padded) || ...; here cut to its first 13 bytes. The 19-digit
  // PAN's digit 15 shares byte 7 with digit 14, so that byte is masked too (as in 5A).
  slot_.expect("00B2052400", "70109F460D146200515109004011018F12349000");
  ASSERT_TRUE(send("00B2052400").ok());
  EXPECT_EQ(lines_[1], "< 70 10 9F 46 0D 14 62 00 51 ** ** ** ** ** 01 8F 12 34 90 00");
}

TEST_F(TraceTest, SecureMessagingCommandsHideTheirMacOnly) {
  slot_.expect("04DC012C0E70089F1401039F23010562804732", "9000");
  ASSERT_TRUE(send("04DC012C0E70089F1401039F23010562804732").ok());
  EXPECT_EQ(lines_[0], "> 04 DC 01 2C 0E 70 08 9F 14 01 03 9F 23 01 05 ** ** ** **");
}

TEST_F(TraceTest, Track2PanAndDiscretionaryDataAreMasked) {
  // 57: PAN 6222334455667788, D, expiry 2512, service code 220, discretionary 1234567, F.
  slot_.expect("00B2011400", "701257106222334455667788D25122201234567F9000");
  ASSERT_TRUE(send("00B2011400").ok());
  EXPECT_EQ(lines_[1], "< 70 12 57 10 62 22 33 ** ** ** 77 88 D2 51 22 20 ** ** ** ** 90 00");
}

TEST_F(TraceTest, PanSplitAcrossGetResponsePiecesIsNeverShownWhole) {
  // The response 70 0A 5A 08 6222334455667788 arrives as 7 bytes and then 5.
  slot_.expect("00B2011400", "610C")
      .expect("00C000000C", "700A5A086222336105")
      .expect("00C0000005", "44556677889000");
  ASSERT_TRUE(send("00B2011400").ok());
  ASSERT_EQ(lines_.size(), 6u);
  EXPECT_EQ(lines_[3], "< 70 0A 5A 08 62 22 33 61 05");
  EXPECT_EQ(lines_[5], "< ** ** ** 77 88 90 00");
}

TEST_F(TraceTest, PanCutShortByTheEndOfAPieceIsMaskedFromItsSeventhDigit) {
  slot_.expect("00B2011400", "700A5A08622233445561059000");
  ASSERT_TRUE(send("00B2011400").ok());
  // The value stops one byte short of its length: where the PAN ends is unknown, so all after 6 digits is masked.
  EXPECT_EQ(lines_[1], "< 70 0A 5A 08 62 22 33 ** ** ** ** 90 00");
}

TEST_F(TraceTest, SlotFailureIsTracedWithTheErrorName) {
  slot_.expect_removed("00B2011400");
  EXPECT_EQ(send("00B2011400").status(), Error::kCardRemoved);
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[1], "! card_removed");
}

TEST_F(TraceTest, LongResponsesAreShortenedWithTheirSize) {
  slot_.expect("00B0000000", std::string(2 * 256, 'C') + "9000");
  ASSERT_TRUE(send("00B0000000").ok());
  ASSERT_EQ(lines_.size(), 2u);
  EXPECT_EQ(lines_[1].substr(0, 8), "< CC CC ");
  // 258 bytes fit the trace capacity: no note.
  EXPECT_EQ(lines_[1].size(), 2 + 3 * 258 - 1);
}

TEST_F(TraceTest, TraceToAFile) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::tmpfile(), &std::fclose);
  ASSERT_NE(file, nullptr);
  TextTrace to_file(file.get());
  transport_.set_trace(&to_file);
  slot_.expect("0020000003987654", "9000");
  ASSERT_TRUE(send("0020000003987654").ok());
  std::rewind(file.get());
  char text[128] = {};
  const std::size_t n = std::fread(text, 1, sizeof text - 1, file.get());
  EXPECT_EQ(std::string(text, n), "> 00 20 00 00 03 ** ** **\n< 90 00\n");
}

TEST_F(TraceTest, NoTraceWithoutASink) {
  transport_.set_trace(nullptr);
  slot_.expect("00B2011400", "9000");
  ASSERT_TRUE(send("00B2011400").ok());
  EXPECT_TRUE(lines_.empty());
}

// Marks every byte of every command: the transport must blank them before the sink sees them.
class EverythingSecret final : public Redactor {
 public:
  void command_secrets(ByteSpan command, SecretRanges& secrets) const override {
    secrets.add(0, command.size());
  }
  void response_secrets(ByteSpan, ByteSpan, SecretRanges&) const override {}
};

TEST_F(TraceTest, CustomRedactorReplacesTheDefault) {
  EverythingSecret redactor;
  transport_.set_redactor(&redactor);
  slot_.expect("00B2011400", "01029000");
  ASSERT_TRUE(send("00B2011400").ok());
  EXPECT_EQ(lines_[0], "> ** ** ** ** **");
  EXPECT_EQ(lines_[1], "< 01 02 90 00");
  transport_.set_redactor(nullptr);
  slot_.expect("0020000003987654", "9000");
  ASSERT_TRUE(send("0020000003987654").ok());
  EXPECT_EQ(lines_[2], "> 00 20 00 00 03 ** ** **");
}

TEST(SecretRangesTest, OverflowMarksEverything) {
  SecretRanges s;
  for (std::size_t i = 0; i < SecretRanges::kCapacity; ++i) s.add(10 * i, 1);
  EXPECT_FALSE(s.all());
  EXPECT_FALSE(s.contains(5));
  s.add(500, 1);
  EXPECT_TRUE(s.all());
  EXPECT_TRUE(s.contains(5));
}

TEST(SecretRangesTest, WindowClipsAndShifts) {
  SecretRanges s;
  s.add(3, 4);   // 3..6
  s.add(10, 2);  // 10..11
  const SecretRanges w = s.window(5, 6);  // 5..10 -> 0..5
  EXPECT_TRUE(w.contains(0));   // 5
  EXPECT_TRUE(w.contains(1));   // 6
  EXPECT_FALSE(w.contains(2));  // 7
  EXPECT_TRUE(w.contains(5));   // 10
  EXPECT_FALSE(w.contains(6));  // beyond the window
  EXPECT_EQ(w.count(), 2u);
}

TEST(DefaultRedactorTest, UnparsableSecretCommandIsMaskedAfterItsHeader) {
  SecretRanges s;
  const Bytes cmd = hex("00200000059876");  // Lc says 5, 2 bytes follow
  default_redactor().command_secrets(cmd, s);
  EXPECT_FALSE(s.contains(3));
  EXPECT_TRUE(s.contains(4));
  EXPECT_TRUE(s.contains(6));
}

TEST(DefaultRedactorTest, OrdinaryCommandsHaveNoSecrets) {
  SecretRanges s;
  default_redactor().command_secrets(hex("00A404000F7378312E73682EC9E7BBE1B1A3D5CF"), s);
  EXPECT_TRUE(s.empty());
}

// Every prefix of a record carrying a PAN, in an exact-size heap buffer: the redactor must neither read
// past the end nor let the middle digits through.
TEST(DefaultRedactorTest, EveryPrefixOfAPanRecordIsHandled) {
  const Bytes record = hex("701B5F24032512315A0862223344556677889F6B0862223344556677D2");
  const Bytes read_record = hex("00B2011400");
  for (std::size_t n = 0; n <= record.size(); ++n) {
    auto prefix = std::make_unique<std::uint8_t[]>(n);
    std::copy(record.begin(), record.begin() + static_cast<std::ptrdiff_t>(n), prefix.get());
    SecretRanges s;
    default_redactor().response_secrets(read_record, ByteSpan(prefix.get(), n), s);
    // Bytes 13..15 hold PAN digits 7..12 of the 5A element.
    for (std::size_t i = 13; i < std::min<std::size_t>(n, 16); ++i) {
      EXPECT_TRUE(s.contains(i)) << "prefix " << n << " byte " << i;
    }
  }
}

}  // namespace
}  // namespace sscard::transport
