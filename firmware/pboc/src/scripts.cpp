// Issuer script processing after the final GENERATE AC ([6] 7.12; P46): tag 72 only, at most 128 bytes of
// scripts in all, a script stops at the first SW1 other than 90, 62, 63; results as 9F5B ([6] A.5).
#include <algorithm>
#include <array>

#include "sscard/core/apdu.h"
#include "sscard/core/tlv.h"
#include "session.h"

namespace sscard::pboc::detail {
namespace {

constexpr std::size_t kMaxScriptBytes = 128;
constexpr std::uint8_t kNotPerformed = 0x00;
constexpr std::uint8_t kFailed = 0x10;
constexpr std::uint8_t kSucceeded = 0x20;

void add_result(Session& s, std::uint8_t result, const std::array<std::uint8_t, 4>& id) {
  s.rec.script_results.push_back(result);
  s.rec.script_results.insert(s.rec.script_results.end(), id.begin(), id.end());
}

std::uint8_t sequence_nibble(std::size_t sequence) {
  return static_cast<std::uint8_t>(std::min<std::size_t>(sequence, 0x0F));
}

// Runs one 72 template; returns false when the card exchange failed (nothing more is sent).
bool run_script(Session& s, ByteSpan script, std::array<std::uint8_t, 4>& id, std::uint8_t& result) {
  if (const auto found = tlv::find(script, 0x9F18); found.ok() && found->value.size() == 4) {
    std::copy(found->value.begin(), found->value.end(), id.begin());
  }
  std::size_t sequence = 0;
  tlv::Elements elements(script);
  for (const tlv::Element& e : elements) {
    if (e.tag != 0x86) continue;
    ++sequence;
    const auto command = apdu::parse_command(e.value);
    if (!command.ok()) {
      result = static_cast<std::uint8_t>(kFailed | sequence_nibble(sequence));
      return true;
    }
    const auto response = s.send(*command);
    if (!response.ok()) {
      result = static_cast<std::uint8_t>(kFailed | sequence_nibble(sequence));
      s.rec.status = response.status();
      return false;
    }
    const std::uint8_t sw1 = response->sw.sw1();
    if (sw1 != 0x90 && sw1 != 0x62 && sw1 != 0x63) {
      result = static_cast<std::uint8_t>(kFailed | sequence_nibble(sequence));
      return true;
    }
  }
  result = elements.status().ok() ? kSucceeded : kFailed;
  return true;
}

}  // namespace

void run_scripts(Session& s, ByteSpan scripts) {
  std::size_t total = 0;
  bool performed = false;
  bool failed = false;
  bool card_gone = false;
  tlv::Elements templates(scripts);
  for (const tlv::Element& script : templates) {
    if (script.tag != 0x72) continue;  // 71 (before the final GAC) is not run
    std::array<std::uint8_t, 4> id{};
    if (const auto found = tlv::find(script.value, 0x9F18); found.ok() && found->value.size() == 4) {
      std::copy(found->value.begin(), found->value.end(), id.begin());
    }
    total += script.encoded.size();
    if (card_gone || total > kMaxScriptBytes) {
      add_result(s, kNotPerformed, id);
      continue;
    }
    performed = true;
    std::uint8_t result = kSucceeded;
    card_gone = !run_script(s, script.value, id, result);
    if ((result & 0xF0) == kFailed) failed = true;
    add_result(s, result, id);
  }
  if (!templates.status().ok()) failed = true;
  if (failed) s.rec.tvr.set(TvrBit::kScriptFailedAfterFinalGac);
  if (performed) s.rec.tsi.set(TsiBit::kScriptProcessingPerformed);
  s.note(Step::kScripts, !failed, failed ? "an issuer script failed" : "issuer scripts processed");
}

}  // namespace sscard::pboc::detail
