// The programs through real processes and a real pcscd: `sscard-sim vicc` puts a simulated card into vpcd,
// and `sscard read` / `sscard kiosk` read it from PC/SC (the first reader with a card, or the one named with
// --reader-name) as any PC/SC application would. Their output must be byte-identical to the in-process read
// (`sscard read --card PROFILE`) of the same profile. Each test has its own state folder (ProgramTest): the
// vicc cards' memory is there too.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>

#include "pcscd_daemon.h"
#include "pcsc/pcscd_required.h"
#include "program_test.h"
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
  return {sscard_sim_binary(), "vicc", "--card", profile.string()};
}

// Ends a vicc process as its documentation says: SIGTERM, exit code 0. (The card leaves the reader with
// it; the next test's SetUp waits until pcscd has seen that.)
void stop_vicc(BackgroundProcess& vicc) {
  ASSERT_TRUE(vicc.signal(SIGTERM));
  const auto code = vicc.wait(kProcessDeadline);
  ASSERT_TRUE(code.has_value()) << "sscard-sim vicc did not stop on SIGTERM";
  EXPECT_EQ(*code, 0) << vicc.err();
}

// One pcscd for the whole program (its own, under the machine-wide lock); a test may stop it, and the
// next test's SetUp starts it again.
class CliPcsc : public ProgramTest {
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
  const auto json_in_process = run({sscard_binary(), "read", "--card", profile, "--format", "json"});
  const auto iface_in_process = run({sscard_binary(), "read", "--card", profile, "--format", "iface"});
  ASSERT_EQ(json_in_process.exit_code, 0) << json_in_process.err;
  ASSERT_EQ(iface_in_process.exit_code, 0) << iface_in_process.err;

  auto vicc = start(vicc_command(GetParam()));
  ASSERT_TRUE(vicc->started());
  // No card option: the first PC/SC reader with a card. --wait: the read itself waits for the card that vicc
  // is inserting.
  const auto json = run({sscard_binary(), "read", "--wait", "5", "--format", "json"});
  EXPECT_EQ(json.exit_code, 0) << json.err << vicc->err();
  EXPECT_EQ(json.out, json_in_process.out);
  EXPECT_EQ(json.err, json_in_process.err);  // the same withheld-fields note, or nothing
  // The reader by name.
  const auto iface = run({sscard_binary(), "read", "--reader-name", kReader, "--wait", "5", "--format", "iface"});
  EXPECT_EQ(iface.exit_code, 0) << iface.err;
  EXPECT_EQ(iface.out, iface_in_process.out);
  EXPECT_EQ(iface.err, iface_in_process.err);
  stop_vicc(*vicc);
}

INSTANTIATE_TEST_SUITE_P(BundledCards, CliPcscRead, ::testing::ValuesIn(profiles()),
                         [](const ::testing::TestParamInfo<fs::path>& param_info) {
                           std::string n = param_info.param.stem().string();
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

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

class CliPcscKiosk : public CliPcsc {
 protected:
  // What `sscard read --card PROFILE --format json` prints. Taken before a vicc process holds the card's
  // memory (a simulated card is used by one process at a time).
  std::string in_process_json(const fs::path& profile) {
    const auto read = run({sscard_binary(), "read", "--card", profile.string(), "--format", "json"});
    EXPECT_EQ(read.exit_code, 0) << read.err;
    return read.out;
  }
};

TEST_F(CliPcscKiosk, KioskServesTwoCardsFromTwoViccProcesses) {
  const fs::path first = cards_dir() / "cq-yuzhong-gen2.json";
  const fs::path second = cards_dir() / "sc-chengdu-gen2.json";
  const std::string first_json = in_process_json(first);
  const std::string second_json = in_process_json(second);
  auto kiosk = start({sscard_binary(), "kiosk", "--count", "2", "--format", "json"});
  ASSERT_TRUE(kiosk->started());

  auto vicc_first = start(vicc_command(first));
  ASSERT_TRUE(wait_for_objects(*kiosk, 1)) << kiosk->err();
  // Pull the first card (SIGUSR1) and let pcscd see the empty reader before the second card arrives.
  ASSERT_TRUE(vicc_first->signal(SIGUSR1));
  ASSERT_TRUE(wait_for_card(false));
  auto vicc_second = start(vicc_command(second));
  ASSERT_TRUE(wait_for_objects(*kiosk, 2)) << kiosk->err();
  // Served two cards: it waits for the second removal, then ends.
  ASSERT_TRUE(vicc_second->signal(SIGUSR1));
  const auto code = kiosk->wait(kProcessDeadline);
  ASSERT_TRUE(code.has_value()) << "the kiosk did not end after its second card: " << kiosk->err();
  EXPECT_EQ(*code, 0) << kiosk->err();

  const auto objects = json_objects(kiosk->out());
  ASSERT_EQ(objects.size(), 2u) << kiosk->out();
  EXPECT_EQ(kiosk->out(), objects[0] + objects[1]);  // nothing else on stdout
  EXPECT_EQ(objects[0], first_json);
  EXPECT_EQ(objects[1], second_json);
  EXPECT_EQ(nlohmann::json::parse(objects[0])["card_number"], "CQ1506011");
  EXPECT_EQ(nlohmann::json::parse(objects[1])["card_number"], "CD1809201");
  // Its prompts are notes on stderr, each "sscard kiosk: note: ...".
  for (const auto& line : lines_of(kiosk->err())) EXPECT_EQ(line.rfind("sscard kiosk: note: ", 0), 0u) << line;
  stop_vicc(*vicc_first);
  stop_vicc(*vicc_second);
}

TEST_F(CliPcscKiosk, KioskServesTheSameCardAgainAfterSignalReinsertion) {
  const fs::path profile = cards_dir() / "sc-mianyang-gen1.json";
  const std::string expected = in_process_json(profile);
  auto kiosk = start({sscard_binary(), "kiosk", "--reader-name", kReader, "--count", "2", "--format", "json"});
  auto vicc = start(vicc_command(profile));
  ASSERT_TRUE(wait_for_objects(*kiosk, 1)) << kiosk->err();
  ASSERT_TRUE(vicc->signal(SIGUSR1));  // pull
  ASSERT_TRUE(wait_for_card(false));
  ASSERT_TRUE(vicc->signal(SIGUSR2));  // insert again (vicc waits 500 ms after a pull before it reconnects)
  ASSERT_TRUE(wait_for_objects(*kiosk, 2)) << kiosk->err();
  ASSERT_TRUE(vicc->signal(SIGUSR1));
  const auto code = kiosk->wait(kProcessDeadline);
  ASSERT_TRUE(code.has_value()) << "the kiosk did not end after its second card: " << kiosk->err();
  EXPECT_EQ(*code, 0) << kiosk->err();
  const auto objects = json_objects(kiosk->out());
  ASSERT_EQ(objects.size(), 2u) << kiosk->out();
  EXPECT_EQ(kiosk->out(), objects[0] + objects[1]);
  EXPECT_EQ(objects[0], expected);
  EXPECT_EQ(objects[1], objects[0]);
  stop_vicc(*vicc);
}

// The PSAM in the reader's second slot ("Virtual PCD 00 01", vpcd port 35964): the PSAM-mode read through
// pcscd gives exactly what the in-process PSAM-mode read gives, with the readers named on the command line
// or in a kiosk configuration.
TEST_F(CliPcsc, PsamModeReadWithThePsamInTheSecondSlot) {
  const std::string card_profile = card("sc-suining-gen3");
  const std::string psam_profile = psam("cq-kiosk");
  const auto in_process = run({sscard_binary(), "read", "--card", card_profile, "--psam", psam_profile, "--format",
                               "iface"});
  ASSERT_EQ(in_process.exit_code, 0) << in_process.err;

  // The Chongqing test kiosk with both readers on PC/SC (the PSAM carries its terminal number).
  nlohmann::json config = nlohmann::json::parse(read_file(kiosk_config("cq-tongnan")));
  config["readers"]["card"] = std::string("pcsc:") + kReader;
  config["readers"]["psam"] = "pcsc:Virtual PCD 00 01";
  config["host"]["simulated"]["cards"] = cards_dir().string();
  config["host"]["simulated"]["link_keys"] = (cards_dir() / "keys" / "test-link-keys.json").string();
  config["payment"]["ca_keys"] = (cards_dir() / "keys" / "test-ca-public.json").string();
  const fs::path config_file = dir() / "pcsc-kiosk.json";
  std::ofstream(config_file) << config.dump(2) << "\n";

  auto vicc_card = start(vicc_command(card_profile));
  auto vicc_psam = start({sscard_sim_binary(), "vicc", "--psam", psam_profile, "--port", "35964"});
  ASSERT_TRUE(vicc_card->started());
  ASSERT_TRUE(vicc_psam->started());
  ASSERT_TRUE(wait_until(
      [] {
        auto context = hal::PcscContext::establish();
        if (!context.ok()) return false;
        const Result<bool> present = context->card_present("Virtual PCD 00 01");
        return present.ok() && *present;
      },
      kCardDeadline));
  const auto read = run({sscard_binary(), "read", "--reader-name", kReader, "--wait", "5", "--psam-reader",
                         "Virtual PCD 00 01", "--format", "iface"});
  EXPECT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(read.err, "");
  EXPECT_EQ(read.out, in_process.out);
  EXPECT_NE(read.out.find("王德全"), std::string::npos);

  const auto configured = run({sscard_binary(), "read", "--config", config_file.string(), "--wait", "5", "--format",
                               "iface"});
  EXPECT_EQ(configured.exit_code, 0) << configured.err;
  EXPECT_EQ(configured.err, "");
  EXPECT_EQ(configured.out, in_process.out);
  stop_vicc(*vicc_card);
  stop_vicc(*vicc_psam);
}

// No card: the read fails with one line; with --format json stdout has the error object with the
// standard interface's code.
TEST_F(CliPcsc, ReadWithoutACardFailsWithOneLine) {
  const auto text = run({sscard_binary(), "read", "--reader-name", kReader});
  expect_one_line_error(text, 1, "sscard read", {"no card in the reader", kReader});
  const auto json = run({sscard_binary(), "read", "--reader-name", kReader, "--format", "json"});
  expect_one_stderr_line(json, 1, "sscard read", {"no card in the reader"});
  const auto error = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_FALSE(error.is_discarded()) << json.out;
  ASSERT_EQ(error.size(), 1u) << json.out;
  EXPECT_EQ(error["error"]["code"], -2);
  EXPECT_NE(json.err.find(error["error"]["message"].get<std::string>()), std::string::npos) << json.err;
}

TEST_F(CliPcsc, ReadWaitingInVainForACardFailsWithOneLine) {
  const auto run = this->run({sscard_binary(), "read", "--wait", "1"});
  expect_one_line_error(run, 1, "sscard read", {"no card was inserted in time"});
}

TEST_F(CliPcsc, ReadFromAReaderThatDoesNotExistFailsWithOneLine) {
  const auto run = this->run({sscard_binary(), "read", "--reader-name", "No Such Reader 42"});
  expect_one_line_error(run, 1, "sscard read", {"No Such Reader 42"});
}

TEST_F(CliPcsc, ReadWithoutPcscdFailsWithOneLine) {
  daemon_->stop();  // the lock stays held: no other pcscd user starts one meanwhile
  const auto run = this->run({sscard_binary(), "read"});
  // The message: "PC/SC service (pcscd) is not running".
  expect_one_line_error(run, 1, "sscard read", {"is not running", "pcscd"});
}

}  // namespace
}  // namespace sscard::test
