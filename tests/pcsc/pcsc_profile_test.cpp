// The real simulated cards (cards/*.json, sim/profile) behind pcscd: what any PC/SC client sees.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "echo_card.h"
#include "pcscd_daemon.h"
#include "pcsc/pcscd_required.h"
#include "sscard/hal/pcsc_reader.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/vicc.h"

namespace sscard::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kReader0 = "Virtual PCD 00 00";
const char* const kSelectSsse = "00A404000F7378312E73682EC9E7BBE1B1A3D5CF";

bool card_present() {
  auto context = hal::PcscContext::establish();
  if (!context.ok()) return false;
  const Result<bool> present = context->card_present(kReader0);
  return present.ok() && *present;
}

bool wait_until(bool want_present) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (card_present() != want_present) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::string run(const std::string& command) {
  std::string output;
  if (FILE* pipe = popen((command + " 2>&1").c_str(), "r")) {
    std::array<char, 512> chunk{};
    while (std::fgets(chunk.data(), chunk.size(), pipe) != nullptr) output += chunk.data();
    pclose(pipe);
  }
  return output;
}

// "63 99 00 D1 ..." as opensc-tool and pcsc_scan print bytes.
std::string spaced_hex(ByteSpan bytes) {
  std::string hex = to_hex(bytes), out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (!out.empty()) out += ' ';
    out += hex.substr(i, 2);
  }
  return out;
}

class PcscProfileTest : public ::testing::TestWithParam<std::filesystem::path> {
 protected:
  static void SetUpTestSuite() {
    if (PcscdDaemon::find_pcscd().empty()) return;
    daemon_ = new PcscdDaemon();
    start_error_ = daemon_->start();
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }

  void SetUp() override {
    SSCARD_SKIP_OR_FAIL_WITHOUT_PCSCD();  // pcscd and vpcd installed: daemon_ exists
    ASSERT_EQ(start_error_, "");
    auto loaded = sim::load_profile(GetParam());
    ASSERT_TRUE(loaded.ok()) << GetParam();
    profile_ = loaded.value();
    bridge_ = std::make_unique<sim::ViccBridge>(std::shared_ptr<sim::Card>(sim::make_card(profile_)),
                                                sim::ViccOptions{});
    thread_ = std::thread([this] { (void)bridge_->run(); });
    ASSERT_TRUE(wait_until(true)) << "vpcd never saw the card";
  }

  void TearDown() override {
    if (bridge_) {
      bridge_->stop();
      thread_.join();
      bridge_.reset();
      // One pcscd poll period with the slot empty (see pcsc_test.cpp).
      std::this_thread::sleep_for(sim::kVpcdPollPeriod + 100ms);
      EXPECT_TRUE(wait_until(false));
    }
  }

  static inline PcscdDaemon* daemon_ = nullptr;
  static inline std::string start_error_;
  sim::HolderProfile profile_;
  std::unique_ptr<sim::ViccBridge> bridge_;
  std::thread thread_;
};

TEST_P(PcscProfileTest, SlotReadsTheCardIdentificationCode) {
  auto reader = hal::PcscReader::open({kReader0, ""});
  ASSERT_TRUE(reader.ok());
  hal::Slot& slot = (*reader)->contact();
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  const auto atr_length = slot.power_up(atr);
  ASSERT_TRUE(atr_length.ok()) << atr_length.status().name();
  EXPECT_EQ(to_hex(ByteSpan(atr).first(*atr_length)), to_hex(profile_.atr));

  std::array<std::uint8_t, 258> response{};
  auto length = slot.transmit(*from_hex(kSelectSsse), response);
  ASSERT_TRUE(length.ok());
  ASSERT_GE(*length, 2u);
  if (response[*length - 2] == 0x61) {
    // T=0: the FCI waits for GET RESPONSE (ISO/IEC 7816-4 5.3.2); the HAL leaves that to the caller.
    const Bytes get_response{0x00, 0xC0, 0x00, 0x00, response[*length - 1]};
    length = slot.transmit(get_response, response);
    ASSERT_TRUE(length.ok());
  }
  ASSERT_EQ(to_hex(ByteSpan(response).subspan(*length - 2, 2)), "9000");

  // READ RECORD by tag 01 from SFI 5 (P2 = 28): 01 10 + the 16-byte card identification code.
  length = slot.transmit(*from_hex("00B2012812"), response);
  ASSERT_TRUE(length.ok());
  Bytes expected{0x01, 0x10};
  const Bytes code = profile_.card_identification_code();
  expected.insert(expected.end(), code.begin(), code.end());
  expected.push_back(0x90);
  expected.push_back(0x00);
  EXPECT_EQ(to_hex(ByteSpan(response).first(*length)), to_hex(expected));
}

// The data of the last response opensc-tool printed: 16 hex bytes a line, then an ASCII column.
std::string last_response_hex(const std::string& out) {
  const std::size_t start = out.rfind("Received (SW1=0x90, SW2=0x00):");
  if (start == std::string::npos) return "";
  std::string hex;
  std::size_t line = out.find('\n', start);
  while (line != std::string::npos && line + 1 < out.size() && out[line + 1] != '\n') {
    const std::size_t end = out.find('\n', line + 1);
    const std::string bytes = out.substr(line + 1, std::min<std::size_t>(48, end - line - 1));
    for (const char c : bytes) {
      if (std::isxdigit(static_cast<unsigned char>(c))) hex += c;
    }
    line = end;
  }
  return hex;
}

TEST_P(PcscProfileTest, OpenscToolReadsTheCardIdentificationCode) {
  const std::string out = run(std::string("timeout 20 opensc-tool --reader 0 --send-apdu ") + kSelectSsse +
                              " --send-apdu 00B2012812");
  EXPECT_EQ(last_response_hex(out), "0110" + to_hex(profile_.card_identification_code())) << out;
}

TEST_P(PcscProfileTest, PcscScanShowsTheAtr) {
  const std::string out = run("timeout 10 pcsc_scan -c -n");
  EXPECT_NE(out.find(spaced_hex(profile_.atr)), std::string::npos) << out;
}

INSTANTIATE_TEST_SUITE_P(Cards, PcscProfileTest, ::testing::ValuesIn(sim::holder_profiles(SSCARD_CARDS_DIR)),
                         [](const ::testing::TestParamInfo<std::filesystem::path>& param) {
                           std::string name = param.param.stem().string();
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace sscard::testing
