// Shared pieces of the kernel tests: a keypad and an issuer link that play back what a test sets, and the
// Chengdu generation 2 card of docs/PAYMENT.md §4 as scripted exchanges (bytes from §4.1, §4.2 and §4.4).
#pragma once

#include <array>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "scripted/scripted_reader.h"
#include "sscard/crypto/openssl.h"
#include "sscard/hal/pinpad.h"
#include "sscard/pboc/kernel.h"
#include "sscard/transport/transport.h"

namespace sscard::pboc::testing {

// A keypad typing one queued entry per prompt (digits, or a keypad error).
class QueuedPinPad : public hal::PinPad {
 public:
  void type(std::string digits) { entries_.push_back({std::move(digits), hal::PinPadError::kNone}); }
  void fail(hal::PinPadError error) { entries_.push_back({"", error}); }
  std::size_t prompts() const { return prompts_; }
  std::size_t left() const { return entries_.size(); }

 private:
  struct Entry {
    std::string digits;
    hal::PinPadError error;
  };
  hal::PinPadError do_read_pin(hal::PinPrompt, MutableByteSpan digits, std::size_t& length) override {
    ++prompts_;
    if (entries_.empty()) return hal::PinPadError::kTimeout;
    const Entry entry = entries_.front();
    entries_.pop_front();
    if (entry.error != hal::PinPadError::kNone) return entry.error;
    for (std::size_t i = 0; i < entry.digits.size(); ++i) digits[i] = static_cast<std::uint8_t>(entry.digits[i]);
    length = entry.digits.size();
    return hal::PinPadError::kNone;
  }
  std::deque<Entry> entries_;
  std::size_t prompts_ = 0;
};

// An issuer link answering with what the test set, and keeping the request it got.
class RecordingAuthoriser : public OnlineAuthoriser {
 public:
  void answer(std::string code, std::optional<std::string> issuer_authentication_hex = std::nullopt,
              std::string scripts_hex = "") {
    AuthorisationResponse r;
    r.response_code = {code[0], code[1]};
    if (issuer_authentication_hex) {
      const Bytes iad = from_hex(*issuer_authentication_hex).value();
      std::array<std::uint8_t, 10> data{};
      std::copy(iad.begin(), iad.end(), data.begin());
      r.issuer_authentication_data = data;
    }
    r.scripts = from_hex(scripts_hex).value();
    response_ = r;
    failure_.reset();
  }
  void fail(OnlineFailure failure) { failure_ = failure; }

  int calls = 0;
  Bytes icc_data;
  std::uint64_t amount_fen = 0;
  std::string pan;
  std::optional<std::array<std::uint8_t, 8>> pin_block;

 private:
  Result<AuthorisationResponse, OnlineFailure> authorise(const AuthorisationRequest& request) override {
    ++calls;
    icc_data.assign(request.icc_data.begin(), request.icc_data.end());
    amount_fen = request.amount_fen;
    pan = std::string(request.pan);
    pin_block = request.enciphered_pin_block;
    if (failure_) return *failure_;
    return response_;
  }
  AuthorisationResponse response_;
  std::optional<OnlineFailure> failure_ = OnlineFailure::kUnreachable;
};

// ---- The Chengdu generation 2 card (PAYMENT.md §4) ----
inline constexpr const char* kSelectPse = "00A404000E315041592E5359532E444446303100";
inline constexpr const char* kPseFci = "6F15840E315041592E5359532E4444463031A503880101 9000";
inline constexpr const char* kReadDirectory1 = "00B2010C00";
inline constexpr const char* kDirectoryRecord1 = "701B61194F08A000000333010101500A50424F43204445424954870101 9000";
inline constexpr const char* kReadDirectory2 = "00B2020C00";
inline constexpr const char* kSelectAid = "00A4040008A00000033301010100";
inline constexpr const char* kGen2Fci =
    "6F2C8408A000000333010101A520500A50424F432044454249548701019F38069F21039F4E14BF0C059F4D020B0A";
// PDOL 9F2103 9F4E14: time 103000 and "SSCARD KIOSK" 00-filled to 20 bytes.
inline constexpr const char* kGpo = "80A80000198317 103000 535343415244204B494F534B0000000000000000 00";
inline constexpr const char* kGpoAnswerRsa = "80127D0008010100100102021801060128010100 9000";

inline constexpr const char* kSfi1Record1 = "701F57106200515101008092011D2809220000005F200A53534320484F4C444552";
inline constexpr const char* kSfi2Record1 =
    "70485A0A6200515101008092011F5F3401015F24032809205F25031809209F0702AB005F280201569F080200309F420201569F0D05"
    "FCF8FCF8009F0E0500108000009F0F05FCF8FCF800";
inline constexpr const char* kSfi2Record2 =
    "703A8C159F02069F03069F1A0295055F2A029A039C019F37048D178A029F02069F03069F1A0295055F2A029A039C019F37049F4903"
    "9F37049F4A0182";
inline constexpr const char* kSfi3Record1 = "70128E1000000000000000004403010302031F00";
inline constexpr const char* kSfi5Record1 = "70089F1401039F230105";

// The transaction of the tests: 12.34 yuan on 2026-01-15 10:30:00, unpredictable number 1A2B3C4D.
inline constexpr std::uint64_t kAmountFen = 1234;
inline constexpr const char* kPan = "6200515101008092011";
inline constexpr const char* kIad = "07010103A0000001";
inline constexpr const char* kArqc = "C60B7C86D99D9E16";
inline constexpr const char* kTc = "1122334455667788";

// CDOL1 data: 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 (29 bytes).
inline std::string cdol1(const std::string& tvr, const std::string& amount = "000000001234") {
  return amount + "000000000000" + "0156" + tvr + "0156" + "260115" + "00" + "1A2B3C4D";
}

// SFI 3 records 2 to 6: 8F (CA index), 9F32, 92, 90, 93, 9F46, 9F47, 9F48 with filler certificate bytes: the
// tests that use them have no matching CA key, so the kernel never opens them.
std::string sfi3_record(int record, const std::string& ca_index = "E0");

struct TestTerminal {
  TerminalConfig config;
  TestTerminal() {
    config.merchant_name = "SSCARD KIOSK";
    config.terminal_id = {'K', 'I', 'O', 'S', 'K', '0', '0', '1'};
  }
};

TransactionRequest test_request(std::uint64_t amount_fen = kAmountFen);

// Appends selection through the PSE and GPO with the RSA answer.
void expect_selection_and_gpo(sscard::testing::ScriptedSlot& slot, const char* gpo_answer = kGpoAnswerRsa);
// Appends the ten READ RECORDs of the RSA AFL; `sfi2_record1` replaces the worked example's record.
void expect_records(sscard::testing::ScriptedSlot& slot, const std::string& sfi2_record1 = kSfi2Record1,
                    const std::string& ca_index = "E0");
// GET DATA 9F17 (3 tries), VERIFY of 246810 as a format 2 block: 9000.
void expect_plaintext_pin_ok(sscard::testing::ScriptedSlot& slot);
// GET DATA 9F36 = 0005 and 9F13 = 0004 (one offline transaction since the last online one).
void expect_velocity(sscard::testing::ScriptedSlot& slot);

// One kernel run over a scripted slot with the OpenSSL backend.
struct KernelRun {
  sscard::testing::ScriptedSlot slot{"3B6800000073C84013009000"};
  transport::Transport transport{slot};
  std::unique_ptr<crypto::Crypto> crypto = crypto::make_openssl_crypto();
  TestTerminal terminal;
  CaKeyTable ca_keys;
  QueuedPinPad pinpad;
  RecordingAuthoriser authoriser;

  KernelRun() {
    std::array<std::uint8_t, 33> atr{};
    (void)slot.power_up(atr);
  }
  TransactionRecord run(const TransactionRequest& request = test_request(), bool with_pinpad = true) {
    KernelContext context{transport, *crypto, terminal.config, ca_keys, with_pinpad ? &pinpad : nullptr,
                          authoriser};
    return run_transaction(context, request);
  }
};

}  // namespace sscard::pboc::testing
