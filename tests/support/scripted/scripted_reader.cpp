#include "scripted/scripted_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace sscard::testing {
namespace {

Bytes hex_or_fail(std::string_view text, std::string_view what) {
  auto bytes = from_hex(text);
  if (!bytes.ok()) {
    ADD_FAILURE() << "bad hex in " << what << ": \"" << text << "\"";
    return {};
  }
  return *bytes;
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string spaced_hex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i != 0) out.push_back(' ');
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0x0F]);
  }
  return out;
}

std::string hex_diff(ByteSpan expected, ByteSpan actual) {
  std::string marks;
  const std::size_t n = std::max(expected.size(), actual.size());
  for (std::size_t i = 0; i < n; ++i) {
    const bool same = i < expected.size() && i < actual.size() && expected[i] == actual[i];
    marks += same ? "   " : "^^ ";
  }
  while (!marks.empty() && marks.back() == ' ') marks.pop_back();
  std::ostringstream out;
  out << "  expected: " << spaced_hex(expected) << " (" << expected.size() << " bytes)\n"
      << "  actual:   " << spaced_hex(actual) << " (" << actual.size() << " bytes)\n"
      << "            " << marks;
  return out.str();
}

ScriptedSlot::ScriptedSlot(std::string_view atr_hex, hal::Protocol protocol, hal::SlotKind kind)
    : atr_(hex_or_fail(atr_hex, "ATR")), protocol_(protocol), kind_(kind) {}

ScriptedSlot::~ScriptedSlot() {
  if (!verified_) verify_done();
}

std::string ScriptedSlot::next_origin() { return "expect() #" + std::to_string(++added_); }

ScriptedSlot& ScriptedSlot::expect(std::string_view command_hex, std::string_view response_hex) {
  return expect(hex_or_fail(command_hex, "expected command"), hex_or_fail(response_hex, "scripted response"));
}

ScriptedSlot& ScriptedSlot::expect(ByteSpan command, ByteSpan response) {
  verified_ = false;
  script_.push_back(Exchange{Bytes(command.begin(), command.end()), Bytes(response.begin(), response.end()),
                             false, false, next_origin()});
  return *this;
}

ScriptedSlot& ScriptedSlot::expect_removed(std::string_view command_hex) {
  verified_ = false;
  script_.push_back(Exchange{hex_or_fail(command_hex, "expected command"), {}, false, true, next_origin()});
  return *this;
}

ScriptedSlot& ScriptedSlot::expect_any(std::string_view response_hex) {
  return expect_any(hex_or_fail(response_hex, "scripted response"));
}

ScriptedSlot& ScriptedSlot::expect_any(ByteSpan response) {
  verified_ = false;
  script_.push_back(Exchange{{}, Bytes(response.begin(), response.end()), true, false, next_origin()});
  return *this;
}

bool ScriptedSlot::load_script(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot read script " << path;
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  return load_script_text(text.str(), path);
}

bool ScriptedSlot::load_script_text(std::string_view text, std::string_view origin) {
  verified_ = false;
  std::size_t line_number = 0;
  bool have_command = false;
  Exchange pending;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    const std::string_view line = trim(text.substr(0, eol));
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    ++line_number;
    if (line.empty() || line.front() == '#') continue;

    const std::string where = std::string(origin) + ":" + std::to_string(line_number);
    const char kind = line.front();
    const std::string_view rest = trim(line.substr(1));
    if (kind == '>') {
      if (have_command) {
        ADD_FAILURE() << where << ": a command follows a command without a response";
        return false;
      }
      pending = Exchange{};
      pending.origin = where;
      if (rest == "*") {
        pending.any_command = true;
      } else {
        auto bytes = from_hex(rest);
        if (!bytes.ok() || bytes->size() < 4) {
          ADD_FAILURE() << where << ": bad command \"" << rest << "\"";
          return false;
        }
        pending.command = *bytes;
      }
      have_command = true;
    } else if (kind == '<' || kind == '!') {
      if (!have_command) {
        ADD_FAILURE() << where << ": a response without a command";
        return false;
      }
      if (kind == '!') {
        if (rest != "removed") {
          ADD_FAILURE() << where << ": unknown event \"" << rest << "\" (only \"! removed\")";
          return false;
        }
        pending.removed = true;
      } else {
        auto bytes = from_hex(rest);
        if (!bytes.ok()) {
          ADD_FAILURE() << where << ": bad response \"" << rest << "\"";
          return false;
        }
        pending.response = *bytes;
      }
      script_.push_back(std::move(pending));
      have_command = false;
    } else {
      ADD_FAILURE() << where << ": a line must start with >, <, ! or #";
      return false;
    }
  }
  if (have_command) {
    ADD_FAILURE() << origin << ": the last command has no response";
    return false;
  }
  return true;
}

void ScriptedSlot::verify_done() {
  verified_ = true;
  if (script_.empty()) return;
  std::ostringstream list;
  for (const Exchange& e : script_) {
    list << "\n  " << e.origin << ": > " << (e.any_command ? std::string("*") : spaced_hex(e.command));
  }
  ADD_FAILURE() << script_.size() << " scripted exchange(s) never happened:" << list.str();
}

std::size_t ScriptedSlot::discard_remaining() {
  const std::size_t n = script_.size();
  script_.clear();
  return n;
}

void ScriptedSlot::remove_card() {
  present_ = false;
  powered_ = false;
}

void ScriptedSlot::insert_card() { present_ = true; }

Result<bool> ScriptedSlot::do_card_present() { return present_; }

Result<std::size_t> ScriptedSlot::do_power_up(MutableByteSpan atr) {
  if (!present_) return Error::kNoCard;
  if (atr.size() < atr_.size()) return Error::kBufferTooSmall;
  std::copy(atr_.begin(), atr_.end(), atr.begin());
  powered_ = true;
  return atr_.size();
}

hal::Protocol ScriptedSlot::do_protocol() const { return protocol_; }

Status ScriptedSlot::do_power_down() {
  powered_ = false;
  return kOk;
}

Result<std::size_t> ScriptedSlot::do_transmit(ByteSpan command, MutableByteSpan response) {
  if (!present_ || !powered_) return Error::kNoCard;
  if (script_.empty()) {
    ADD_FAILURE() << "unexpected command after the end of the script: " << spaced_hex(command);
    return Error::kInternal;
  }
  Exchange e = std::move(script_.front());
  script_.pop_front();
  ++done_;
  if (!e.any_command && !std::equal(command.begin(), command.end(), e.command.begin(), e.command.end())) {
    ADD_FAILURE() << "command " << done_ << " differs from the script (" << e.origin << "):\n"
                  << hex_diff(e.command, command);
    return Error::kInternal;
  }
  if (e.removed) {
    remove_card();
    return Error::kCardRemoved;
  }
  if (response.size() < e.response.size()) return Error::kBufferTooSmall;
  std::copy(e.response.begin(), e.response.end(), response.begin());
  return e.response.size();
}

}  // namespace sscard::testing
