// The programs through a real pcscd on the contactless interface (docs/CONTACTLESS.md §1.1, §8):
// `sscard-sim vicc --contactless` presents a 3rd-generation card's contactless side in "Virtual PCD 00 00",
// and `sscard read --contactless --reader-name "Virtual PCD 00 00"` reads it there (vpcd's names carry no
// contactless hint, so the reader is named). The output is byte-identical to the in-process contactless read.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <string>

#include "pcsc/pcscd_required.h"
#include "pcscd_daemon.h"
#include "program_test.h"
#include "sscard/hal/pcsc_reader.h"

#include <nlohmann/json.hpp>

namespace sscard::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kReader = "Virtual PCD 00 00";
constexpr auto kCardDeadline = 5s;
constexpr auto kProcessDeadline = 10s;

std::optional<bool> card_in_reader() {
  auto context = hal::PcscContext::establish();
  if (!context.ok()) return std::nullopt;
  const Result<bool> present = context->card_present(kReader);
  if (!present.ok()) return std::nullopt;
  return *present;
}

bool wait_for_card(bool present) {
  return wait_until([present] { return card_in_reader() == present; }, kCardDeadline);
}

class CliPcscContactless : public ProgramTest, public ::testing::WithParamInterface<std::string> {
 protected:
  static void SetUpTestSuite() {
    if (!sscard::testing::PcscdDaemon::find_pcscd().empty()) daemon_ = new sscard::testing::PcscdDaemon();
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  void SetUp() override {
    SSCARD_SKIP_OR_FAIL_WITHOUT_PCSCD();
    ASSERT_EQ(daemon_->start(), "");
    ASSERT_TRUE(wait_for_card(false)) << "a card is in the virtual reader before the test";
  }

  static inline sscard::testing::PcscdDaemon* daemon_ = nullptr;
};

TEST_P(CliPcscContactless, TheFieldReadIsTheInProcessFieldRead) {
  const std::string profile = card(GetParam());
  // Taken before vicc holds the card's memory (one process at a time).
  const auto in_process = run({sscard_binary(), "read", "--contactless", "--card", profile, "--format", "iface"});
  ASSERT_EQ(in_process.exit_code, 0) << in_process.err;

  auto vicc = start({sscard_sim_binary(), "vicc", "--contactless", "--card", profile});
  ASSERT_TRUE(vicc->started());
  const auto read = run({sscard_binary(), "read", "--contactless", "--reader-name", kReader, "--wait", "5",
                         "--format", "iface"});
  EXPECT_EQ(read.exit_code, 0) << read.err << vicc->err();
  EXPECT_EQ(read.out, in_process.out);
  EXPECT_EQ(read.err, in_process.err);

  ASSERT_TRUE(vicc->signal(SIGTERM));
  const auto code = vicc->wait(kProcessDeadline);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << vicc->err();
  EXPECT_TRUE(wait_for_card(false));
}

// qPBOC through pcscd (CONTACTLESS.md §3): an offline tap from the card's electronic cash, approved with
// fDDA of the card's data set, after the same card tapped in process; the ATC and the balance carry over.
TEST_P(CliPcscContactless, AQpbocTapThroughPcscdContinuesTheInProcessCard) {
  const std::string profile = card(GetParam());
  const bool sichuan_card = GetParam() == "sc-suining-gen3";
  const std::vector<std::string> pay = {sscard_binary(), "pay",    "--contactless", "--config",
                                        kiosk_config(sichuan_card ? "cq-tongnan" : "sc-suining"),
                                        "--amount",      "2.00",   "--format",      "json"};
  std::vector<std::string> in_process_argv = pay;
  in_process_argv.insert(in_process_argv.end(), {"--card", profile});
  const auto in_process = run(in_process_argv);
  ASSERT_EQ(in_process.exit_code, 0) << in_process.err << in_process.out;
  const auto expected = nlohmann::json::parse(in_process.out);

  auto vicc = start({sscard_sim_binary(), "vicc", "--contactless", "--card", profile});
  ASSERT_TRUE(vicc->started());
  ASSERT_TRUE(wait_for_card(true)) << vicc->err();
  std::vector<std::string> pcsc_argv = pay;
  pcsc_argv.insert(pcsc_argv.end(), {"--reader-name", kReader});
  const auto tap = run(pcsc_argv);
  EXPECT_EQ(tap.exit_code, 0) << tap.err << tap.out << vicc->err();
  const auto got = nlohmann::json::parse(tap.out, nullptr, false);
  ASSERT_FALSE(got.is_discarded()) << tap.out;
  EXPECT_EQ(got["outcome"], "approved");
  EXPECT_EQ(got["interface"], "contactless");
  EXPECT_EQ(got["oda"], "sm2-fdda");  // both kiosks support the national algorithms
  EXPECT_EQ(got["cryptogram"], "TC");
  EXPECT_EQ(got["home_issuer"], sichuan_card ? "Sichuan" : "Chongqing");
  EXPECT_EQ(got["atc"].get<int>(), expected["atc"].get<int>() + 1);
  EXPECT_EQ(expected["ecash_balance"], "48.00");
  EXPECT_EQ(got["ecash_balance"], "46.00");
  EXPECT_EQ(got["apdus"], expected["apdus"]);

  ASSERT_TRUE(vicc->signal(SIGTERM));
  const auto code = vicc->wait(kProcessDeadline);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0) << vicc->err();
  EXPECT_TRUE(wait_for_card(false));
}

INSTANTIATE_TEST_SUITE_P(ThirdGeneration, CliPcscContactless, ::testing::Values("cq-tongnan-gen3", "sc-suining-gen3"),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return p.param == "cq-tongnan-gen3" ? std::string("tongnan") : std::string("suining");
                         });

using CliViccContactless = ProgramTest;

TEST_F(CliViccContactless, ASecondGenerationCardHasNoContactlessSide) {
  auto run = this->run({sscard_sim_binary(), "vicc", "--contactless", "--card", card("cq-yuzhong-gen2")});
  expect_one_line_error(run, 1, "sscard-sim vicc", {"no contactless interface", "3rd-generation"});
}

}  // namespace
}  // namespace sscard::test
