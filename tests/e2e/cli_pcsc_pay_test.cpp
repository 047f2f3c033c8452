// sscard pay (docs/PAYMENT.md §12) through a real pcscd: `sscard-sim vicc` puts the simulated card into vpcd and
// the kiosk reads it from PC/SC, its configuration's card reader being "pcsc" (cards/kiosks/*.json). The
// purchase must come out as the in-process one (`--card PROFILE`) of the same card at the same kiosk: approved,
// with the same data authentication, cardholder verification, cryptogram, response code and APDU count. The
// in-process run goes first and the vicc card keeps its memory in the same state folder, so the second is the
// card's next transaction.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pcsc/pcscd_required.h"
#include "pcscd_daemon.h"
#include "program_test.h"
#include "sscard/hal/pcsc_reader.h"

namespace sscard::test {
namespace {

using nlohmann::json;
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

struct PayCase {
  const char* name;
  const char* profile;
  const char* kiosk;
  const char* pin;   // the application's PIN, PAYMENT.md §2
  const char* pan;   // masked as §12 says
  const char* cvm;   // PAYMENT.md §8.3
  const char* oda;   // RSA set: CDA; SM set: SM2 DDA
  const char* home_issuer;
  const char* served_by;
};

void PrintTo(const PayCase& c, std::ostream* os) { *os << c.name; }

class CliPcscPay : public ProgramTest, public ::testing::WithParamInterface<PayCase> {
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

  ProcessOutput pay(const PayCase& c, const std::vector<std::string>& card) {
    std::vector<std::string> argv = {sscard_binary(), "pay",    "--config", kiosk_config(c.kiosk), "--amount",
                                     "12.34",         "--pinpad", std::string("sim:") + c.pin, "--format", "json"};
    argv.insert(argv.end(), card.begin(), card.end());
    return run(argv);
  }

  static inline sscard::testing::PcscdDaemon* daemon_ = nullptr;
};

TEST_P(CliPcscPay, ApprovedThroughPcscdAsInProcess) {
  const PayCase& c = GetParam();
  const ProcessOutput in_process = pay(c, {"--card", card(c.profile)});
  ASSERT_EQ(in_process.exit_code, 0) << in_process.err << in_process.out;
  const json expected = json::parse(in_process.out);

  auto vicc = start({sscard_sim_binary(), "vicc", "--card", card(c.profile)});
  ASSERT_TRUE(vicc->started());
  ASSERT_TRUE(wait_for_card(true)) << vicc->err();
  // No --card: the kiosk configuration's reader, "pcsc" (the first reader with a card).
  const ProcessOutput through_pcscd = pay(c, {});
  EXPECT_EQ(through_pcscd.exit_code, 0) << through_pcscd.err << through_pcscd.out << vicc->err();
  EXPECT_EQ(through_pcscd.err, "");
  const json got = json::parse(through_pcscd.out, nullptr, false);
  ASSERT_FALSE(got.is_discarded()) << through_pcscd.out;

  // The contract's values, then the in-process run's.
  EXPECT_EQ(got["outcome"], "approved");
  EXPECT_EQ(got["oda"], c.oda);
  EXPECT_EQ(got["cvm"], c.cvm);
  EXPECT_EQ(got["cryptogram"], "TC");
  EXPECT_EQ(got["online"], true);
  EXPECT_EQ(got["response_code"], "00");
  EXPECT_EQ(got["pan"], c.pan);
  EXPECT_EQ(got["aid"], "A000000333010101");
  EXPECT_EQ(got["home_issuer"], c.home_issuer);
  EXPECT_EQ(got["served_by"], c.served_by);
  EXPECT_EQ(got["reversal"], "none");
  for (const char* field : {"outcome", "amount", "aid", "pan", "oda", "cvm", "cryptogram", "online", "response_code",
                            "home_issuer", "served_by", "apdus", "reversal"}) {
    EXPECT_EQ(got[field], expected[field]) << field;
  }
  EXPECT_GT(got["apdus"].get<int>(), 5);
  // The same card's next transaction: the vicc card has the in-process run's memory.
  EXPECT_EQ(got["atc"].get<int>(), expected["atc"].get<int>() + 1);

  ASSERT_TRUE(vicc->signal(SIGTERM));
  const auto code = vicc->wait(kProcessDeadline);
  ASSERT_TRUE(code.has_value()) << "sscard-sim vicc did not stop on SIGTERM";
  EXPECT_EQ(*code, 0) << vicc->err();
}

INSTANTIATE_TEST_SUITE_P(
    BundledCards, CliPcscPay,
    ::testing::Values(PayCase{"gen2_rsa", "sc-chengdu-gen2", "cq-tongnan", "246810", "620051*********2011",
                              "offline-enciphered-pin", "cda", "Sichuan", "Chongqing"},
                      PayCase{"gen3_sm", "cq-tongnan-gen3", "sc-suining", "147258", "620050*********3017", "offline-pin",
                              "sm2-dda", "Chongqing", "Sichuan"}),
    [](const ::testing::TestParamInfo<PayCase>& param_info) {
      return std::string(param_info.param.name);
    });

}  // namespace
}  // namespace sscard::test
