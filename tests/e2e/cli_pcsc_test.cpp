// The command-line front end through real processes and a real pcscd: `sscard vicc` puts a simulated card
// into vpcd, and `sscard read --reader pcsc` / `sscard kiosk --reader pcsc` read it as any PC/SC
// application would. Their output must be byte-identical to the in-process read of the same profile.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>

#include "background_process.h"
#include "pcscd_daemon.h"
#include "pcsc/pcscd_required.h"
#include "run_process.h"
#include "sscard/hal/pcsc_reader.h"
#include "sscard/sim/profile.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kReader = "Virtual PCD 00 00";
// pcscd notices a card, or its absence, at its next 400 ms presence poll; vpcd accepts a new card only in
// that poll. Deadlines leave room for a loaded machine.
constexpr auto kCardDeadline = 5s;
constexpr auto kProcessDeadline = 10s;

std::vector<fs::path> profiles() { return sim::holder_profiles(SSCARD_CARDS_DIR); }

// Is there a card in the virtual reader? nullopt when pcscd cannot say.
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

std::vector<std::string> vicc_command(const fs::path& profile) {
  return {sscard_binary(), "vicc", "--card", profile.string()};
}

// Ends a vicc process as its documentation says: SIGTERM, exit code 0. (The card leaves the reader with
// it; the next test's SetUp waits until pcscd has seen that.)
void stop_vicc(BackgroundProcess& vicc) {
  ASSERT_TRUE(vicc.signal(SIGTERM));
  const auto code = vicc.wait(kProcessDeadline);
  ASSERT_TRUE(code.has_value()) << "sscard vicc did not stop on SIGTERM";
  EXPECT_EQ(*code, 0) << vicc.err();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Errors: exit code 1, nothing on stdout, exactly one line on stderr.
void expect_one_line_error(const ProcessOutput& run, const std::string& must_mention) {
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_NE(run.err.find(must_mention), std::string::npos) << run.err;
}

// One pcscd for the whole program (its own, under the machine-wide lock); a test may stop it, and the
// next test's SetUp starts it again.
class CliPcsc : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!sscard::testing::PcscdDaemon::find_pcscd().empty()) daemon_ = new sscard::testing::PcscdDaemon();
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }
  void SetUp() override {
    SSCARD_SKIP_OR_FAIL_WITHOUT_PCSCD();  // pcscd and vpcd installed: daemon_ exists
    ASSERT_EQ(daemon_->start(), "");
    ASSERT_TRUE(wait_for_card(false)) << "a card is in the virtual reader before the test";
  }

  static inline sscard::testing::PcscdDaemon* daemon_ = nullptr;
};

class CliPcscRead : public CliPcsc, public ::testing::WithParamInterface<fs::path> {};

TEST_P(CliPcscRead, OutputIsByteIdenticalToTheInProcessRead) {
  const std::string profile = GetParam().string();
  const auto json_in_process = run_process({sscard_binary(), "read", "--card", profile, "--format", "json"});
  const auto iface_in_process = run_process({sscard_binary(), "read", "--card", profile, "--format", "iface"});
  ASSERT_EQ(json_in_process.exit_code, 0) << json_in_process.err;
  ASSERT_EQ(iface_in_process.exit_code, 0) << iface_in_process.err;

  BackgroundProcess vicc(vicc_command(GetParam()));
  ASSERT_TRUE(vicc.started());
  // --wait: the read itself waits for the card that vicc is inserting.
  const auto json = run_process({sscard_binary(), "read", "--reader", "pcsc", "--wait", "5", "--format", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.err << vicc.err();
  EXPECT_EQ(json.out, json_in_process.out);
  EXPECT_EQ(json.err, json_in_process.err);  // the same withheld-fields notice, or nothing
  const auto iface = run_process({sscard_binary(), "read", "--reader", "pcsc", "--wait", "5", "--format", "iface"});
  EXPECT_EQ(iface.exit_code, 0) << iface.err;
  EXPECT_EQ(iface.out, iface_in_process.out);
  EXPECT_EQ(iface.err, iface_in_process.err);
  stop_vicc(vicc);
}

INSTANTIATE_TEST_SUITE_P(BundledCards, CliPcscRead, ::testing::ValuesIn(profiles()),
                         [](const ::testing::TestParamInfo<fs::path>& param_info) {
                           std::string n = param_info.param.stem().string();
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

std::string in_process_json(const fs::path& profile) {
  return run_process({sscard_binary(), "read", "--card", profile.string(), "--format", "json"}).out;
}

// The JSON objects the kiosk has printed so far, each as printed: one object per card, from its "{" line to
// its top-level "}" line and the newline after it.
std::vector<std::string> json_objects(const std::string& out) {
  std::vector<std::string> objects;
  std::string current;
  for (const auto& line : lines_of(out)) {
    current += line + "\n";
    if (line == "}") objects.push_back(std::exchange(current, ""));
  }
  return objects;
}

bool wait_for_objects(const BackgroundProcess& kiosk, std::size_t count) {
  return wait_until([&] { return json_objects(kiosk.out()).size() >= count; }, kCardDeadline);
}

TEST_F(CliPcsc, KioskServesTwoCardsFromTwoViccProcesses) {
  const fs::path first = fs::path(SSCARD_CARDS_DIR) / "cq-yuzhong-gen2.json";
  const fs::path second = fs::path(SSCARD_CARDS_DIR) / "sc-chengdu-gen2.json";
  BackgroundProcess kiosk({sscard_binary(), "kiosk", "--reader", "pcsc", "--count", "2", "--format", "json"});
  ASSERT_TRUE(kiosk.started());

  BackgroundProcess vicc_first(vicc_command(first));
  ASSERT_TRUE(wait_for_objects(kiosk, 1)) << kiosk.err();
  // Pull the first card (SIGUSR1) and let pcscd see the empty reader before the second card arrives.
  ASSERT_TRUE(vicc_first.signal(SIGUSR1));
  ASSERT_TRUE(wait_for_card(false));
  BackgroundProcess vicc_second(vicc_command(second));
  ASSERT_TRUE(wait_for_objects(kiosk, 2)) << kiosk.err();
  // Served two cards: it waits for the second removal, then ends.
  ASSERT_TRUE(vicc_second.signal(SIGUSR1));
  const auto code = kiosk.wait(kProcessDeadline);
  ASSERT_TRUE(code.has_value()) << "the kiosk did not end after its second card: " << kiosk.err();
  EXPECT_EQ(*code, 0) << kiosk.err();

  const auto objects = json_objects(kiosk.out());
  ASSERT_EQ(objects.size(), 2u) << kiosk.out();
  EXPECT_EQ(kiosk.out(), objects[0] + objects[1]);  // nothing else on stdout
  EXPECT_EQ(objects[0], in_process_json(first));
  EXPECT_EQ(objects[1], in_process_json(second));
  EXPECT_EQ(nlohmann::json::parse(objects[0])["card_number"], "CQ1506011");
  EXPECT_EQ(nlohmann::json::parse(objects[1])["card_number"], "CD1809201");
  stop_vicc(vicc_first);
  stop_vicc(vicc_second);
}

TEST_F(CliPcsc, KioskServesTheSameCardAgainAfterSignalReinsertion) {
  const fs::path profile = fs::path(SSCARD_CARDS_DIR) / "sc-mianyang-gen1.json";
  BackgroundProcess kiosk({sscard_binary(), "kiosk", "--reader", "pcsc", "--count", "2", "--format", "json"});
  BackgroundProcess vicc(vicc_command(profile));
  ASSERT_TRUE(wait_for_objects(kiosk, 1)) << kiosk.err();
  ASSERT_TRUE(vicc.signal(SIGUSR1));  // pull
  ASSERT_TRUE(wait_for_card(false));
  ASSERT_TRUE(vicc.signal(SIGUSR2));  // insert again (vicc waits 500 ms after a pull before it reconnects)
  ASSERT_TRUE(wait_for_objects(kiosk, 2)) << kiosk.err();
  ASSERT_TRUE(vicc.signal(SIGUSR1));
  const auto code = kiosk.wait(kProcessDeadline);
  ASSERT_TRUE(code.has_value()) << "the kiosk did not end after its second card: " << kiosk.err();
  EXPECT_EQ(*code, 0) << kiosk.err();
  const auto objects = json_objects(kiosk.out());
  ASSERT_EQ(objects.size(), 2u) << kiosk.out();
  EXPECT_EQ(kiosk.out(), objects[0] + objects[1]);
  EXPECT_EQ(objects[0], in_process_json(profile));
  EXPECT_EQ(objects[1], objects[0]);
  stop_vicc(vicc);
}

// The PSAM in the reader's second slot ("Virtual PCD 00 01", vpcd port 35964): the PSAM-mode read through
// pcscd gives exactly what the in-process PSAM-mode read gives.
TEST_F(CliPcsc, PsamModeReadWithThePsamInTheSecondSlot) {
  const std::string card = (fs::path(SSCARD_CARDS_DIR) / "sc-suining-gen3.json").string();
  const std::string psam = (fs::path(SSCARD_CARDS_DIR) / "psam" / "cq-kiosk.json").string();
  const auto in_process =
      run_process({sscard_binary(), "read", "--card", card, "--psam", psam, "--format", "iface"});
  ASSERT_EQ(in_process.exit_code, 0) << in_process.err;

  BackgroundProcess vicc_card(vicc_command(card));
  BackgroundProcess vicc_psam({sscard_binary(), "vicc", "--psam", psam, "--port", "35964"});
  ASSERT_TRUE(vicc_card.started());
  ASSERT_TRUE(vicc_psam.started());
  ASSERT_TRUE(wait_until(
      [] {
        auto context = hal::PcscContext::establish();
        if (!context.ok()) return false;
        const Result<bool> present = context->card_present("Virtual PCD 00 01");
        return present.ok() && *present;
      },
      kCardDeadline));
  const auto read = run_process({sscard_binary(), "read", "--reader", "pcsc", "--reader-name", kReader, "--wait",
                                 "5", "--psam-reader", "Virtual PCD 00 01", "--format", "iface"});
  EXPECT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(read.out, in_process.out);
  EXPECT_NE(read.out.find("王德全"), std::string::npos);
  stop_vicc(vicc_card);
  stop_vicc(vicc_psam);
}

TEST_F(CliPcsc, ReadWithoutACardFailsWithOneLine) {
  const auto run = run_process({sscard_binary(), "read", "--reader", "pcsc", "--format", "json"});
  expect_one_line_error(run, "no card in the reader");
}

TEST_F(CliPcsc, ReadWaitingInVainForACardFailsWithOneLine) {
  const auto run = run_process({sscard_binary(), "read", "--reader", "pcsc", "--wait", "1", "--format", "json"});
  expect_one_line_error(run, "no card was inserted in time");
}

TEST_F(CliPcsc, ReadWithoutPcscdFailsWithOneLine) {
  daemon_->stop();  // the lock stays held: no other pcscd user starts one meanwhile
  const auto run = run_process({sscard_binary(), "read", "--reader", "pcsc", "--format", "json"});
  // The message: "PC/SC service (pcscd) is not running".
  expect_one_line_error(run, "is not running");
  EXPECT_NE(run.err.find("pcscd"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace sscard::test
