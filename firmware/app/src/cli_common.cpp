#include "cli_common.h"

#include <array>
#include <charconv>

#include "sscard/app/console_pinpad.h"
#include "sscard/app/messages.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/hal/sim_pinpad.h"
#include "sscard/psam/psam.h"
#include "sscard/ssc/security.h"
#include "sscard/transport/transport.h"

namespace sscard::app {

int fail(std::ostream& err, std::string_view message, int code) {
  err << "sscard: " << message << '\n';
  return code;
}

bool parse_count(std::string_view text, unsigned long& out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

namespace {

std::string fault_message(const ssc::Fault& fault) {
  return ssc::describe(fault) + " (" + std::to_string(ssc::interface_code(fault)) + ")";
}

ReadOutcome read_with_psam(transport::Transport& card, ByteSpan atr, hal::Slot& psam_slot) {
  ReadOutcome outcome;
  std::array<std::uint8_t, hal::kMaxAtrSize> psam_atr{};
  if (auto n = psam_slot.power_up(psam_atr); !n.ok()) {
    outcome.error = "PSAM: " + read_failure_message(n.status()) + " (-2201)";
    return outcome;
  }
  transport::Transport psam_transport(psam_slot);
  psam::Psam psam(psam_transport);
  auto crypto = crypto::make_default_crypto();
  auto read = ssc::read_identity_with_psam(card, atr, psam, *crypto);
  (void)psam_slot.power_down();
  if (!read.ok()) {
    outcome.error = fault_message(read.error());
    return outcome;
  }
  outcome.ok = true;
  outcome.identity = read.value().identity;
  outcome.terminal.terminal_number = read.value().terminal_number;
  outcome.terminal.device_number = read.value().device_number;
  return outcome;
}

}  // namespace

ReadOutcome read_card(hal::Slot& card, hal::Slot* psam) {
  ReadOutcome outcome;
  std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
  auto atr_len = card.power_up(atr);
  if (!atr_len.ok()) {
    outcome.error = read_failure_message(atr_len.status());
    return outcome;
  }
  transport::Transport transport(card);
  const ByteSpan atr_bytes(atr.data(), *atr_len);
  if (psam != nullptr) {
    outcome = read_with_psam(transport, atr_bytes, *psam);
  } else {
    auto identity = ssc::read_identity(transport, atr_bytes);
    if (identity.ok()) {
      outcome.ok = true;
      outcome.identity = std::move(identity).value();
    } else {
      outcome.error = read_failure_message(identity.status());
    }
  }
  (void)card.power_down();
  return outcome;
}

int print_identity(OutputFormat format, const ReadOutcome& read, std::ostream& out, std::ostream& err) {
  const ssc::Identity& id = read.identity;
  switch (format) {
    case OutputFormat::kJson: out << identity_json(id) << '\n'; break;
    case OutputFormat::kIface:
      out << ssc::format_iface_line(id, read.terminal.terminal_number, read.terminal.device_number) << '\n';
      break;
    case OutputFormat::kText: out << identity_text(id); break;
  }
  if (format != OutputFormat::kText) {
    if (auto notice = withheld_notice(id); !notice.empty()) err << "sscard: note: " << notice << '\n';
  }
  out.flush();
  return kExitOk;
}

OpenResult open_card_source(const Args& args, std::string& usage_error) {
  const auto reader = args.value("reader").value_or("sim");
  if (reader == "pcsc") {
    if (args.has("card")) usage_error = "--card and --reader pcsc exclude each other";
    else return open_pcsc_reader(std::string(args.value("reader-name").value_or("")));
    return {};
  }
  if (reader != "sim") {
    usage_error = "unknown --reader '" + std::string(reader) + "' (sim or pcsc)";
    return {};
  }
  if (args.has("reader-name")) {
    usage_error = "--reader-name needs --reader pcsc";
    return {};
  }
  auto card = args.value("card");
  if (!card) {
    usage_error = args.command + " needs --card PROFILE or --reader pcsc";
    return {};
  }
  return open_simulated_card(std::string(*card));
}

OpenResult open_psam_source(const Args& args, std::string& usage_error) {
  auto profile = args.value("psam");
  auto reader = args.value("psam-reader");
  if (profile && reader) {
    usage_error = "--psam and --psam-reader exclude each other";
    return {};
  }
  if (profile) return open_simulated_psam(std::string(*profile));
  if (reader) return open_pcsc_reader(std::string(*reader));
  return {};
}

std::unique_ptr<hal::PinPad> open_pinpad(const Args& args, std::string& usage_error) {
  auto spec = args.value("pinpad");
  if (!spec) return std::make_unique<ConsolePinPad>();
  if (spec->substr(0, 4) != "sim:") {
    usage_error = "--pinpad takes sim:PIN[,PIN...] (or leave it out to type the PIN on this terminal)";
    return nullptr;
  }
  return std::make_unique<hal::SimPinPad>(hal::SimPinPad::from_list(spec->substr(4)));
}

}  // namespace sscard::app
