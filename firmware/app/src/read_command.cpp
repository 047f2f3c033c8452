// sscard read and sscard kiosk: the identity of the card in the reader (docs/CARD.md, docs/SECURITY.md).
#include <chrono>

#include <nlohmann/json.hpp>

#include "code_reading.h"
#include "command_trace.h"
#include "identity_reading.h"
#include "sscard/app/messages.h"
#include "sscard/app/terminal_commands.h"
#include "sscard/ssc/interface_code.h"
#include "terminal.h"

namespace sscard::app {
namespace {

OutputFormat format_of(const std::string& word) {
  OutputFormat f = OutputFormat::kText;
  (void)parse_output_format(word, f);  // the parser has checked the word
  return f;
}

void print_identity(OutputFormat format, const IdentityRead& read, const Reporter& report, std::ostream& out) {
  const ssc::Identity& id = read.identity;
  switch (format) {
    case OutputFormat::kJson: out << identity_json(id) << '\n'; break;
    case OutputFormat::kIface:
      out << ssc::format_iface_line(id, read.terminal.terminal_number, read.terminal.device_number) << '\n';
      break;
    case OutputFormat::kText: out << identity_text(id); break;
  }
  out.flush();
  // The text format carries the notice itself.
  if (format != OutputFormat::kText) {
    if (auto notice = withheld_notice(id); !notice.empty()) report.note(notice);
  }
}

// With --format json a failure is a JSON object too, so a program reading standard output gets the code.
int fail_read(OutputFormat format, const std::string& where, const CardFailure& failure, const Reporter& report,
              std::ostream& out) {
  if (format == OutputFormat::kJson) {
    nlohmann::ordered_json j;
    j["error"] = {{"code", failure.code}, {"message", failure.message}};
    out << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }
  return report.fail(where.empty() ? failure.message : where + ": " + failure.message);
}

}  // namespace

int run_read(const ReadOptions& o, const Reporter& report, std::ostream& out) {
  if (o.essc.given()) return run_code_read(o, report, out);
  const OutputFormat format = format_of(o.format);
  // Before the card is reached: the configuration (-23, invalid input), the card reader (-11), the PSAM (-2201).
  const auto setup_failed = [&](const SetupFailure& f, ssc::InterfaceCode code) {
    if (f.exit_code == kExitUsage) return report.fail(f.message, f.exit_code);
    return fail_read(format, "", CardFailure{f.message, ssc::to_long(code)}, report, out);
  };
  if (auto traced = open_run_trace(o.devices.trace); !traced.ok()) {
    return setup_failed(traced.error(), ssc::InterfaceCode::kInvalidInput);
  }
  auto kiosk = load_config(o.config, false);
  if (!kiosk.ok()) return setup_failed(kiosk.error(), ssc::InterfaceCode::kInvalidInput);
  const config::KioskConfig* k = kiosk->has_value() ? &**kiosk : nullptr;
  auto card = open_card(o.devices, k);
  if (!card.ok()) return setup_failed(card.error(), ssc::InterfaceCode::kReaderConnection);
  auto psam = open_psam(o.devices, k);
  if (!psam.ok()) return setup_failed(psam.error(), ssc::InterfaceCode::kNoPsam);
  devices::CardSource& source = **card;
  const std::string where = o.devices.card.empty() ? source.description() : o.devices.card.string();

  if (source.is_pcsc() && o.devices.wait_seconds > 0) {
    auto waited = source.wait_for_card(true, std::chrono::seconds(o.devices.wait_seconds));
    if (!waited.ok()) {
      const bool none = waited.status() == Error::kTimeout;
      const CardFailure failure{none ? std::string("no card was inserted in time") : read_failure_message(waited.status()),
                                ssc::to_long(none ? ssc::InterfaceCode::kNoCard : ssc::InterfaceCode::kReaderConnection)};
      return fail_read(format, where, failure, report, out);
    }
  }
  auto read = read_identity(source.slot(), *psam ? &(*psam)->slot() : nullptr);
  if (!read.ok()) {
    CardFailure failure = read.error();
    if (o.devices.contactless && failure.code == ssc::to_long(ssc::InterfaceCode::kNoCard)) {
      // Generation 1 and 2 cards stay silent in the field (docs/CONTACTLESS.md §1).
      failure.message = "no card answers in the contactless field: only 3rd-generation (dual-interface) cards "
                        "have one; use the contact slot (" + std::to_string(failure.code) + ")";
    }
    return fail_read(format, where, failure, report, out);
  }
  if (!*psam && o.device_number) read->terminal.device_number = *o.device_number;
  print_identity(format, *read, report, out);
  return kExitOk;
}

// The kiosk loop on a PC/SC reader: wait for a card, read it, show it, wait for it to leave.
int run_kiosk_loop(const KioskLoopOptions& o, const Reporter& report, std::ostream& out) {
  const OutputFormat format = format_of(o.format);
  if (auto traced = open_run_trace(o.trace); !traced.ok()) {
    return report.fail(traced.error().message, traced.error().exit_code);
  }
  auto kiosk = load_config(o.config, false);
  if (!kiosk.ok()) return report.fail(kiosk.error().message, kiosk.error().exit_code);
  const std::string reader = o.reader ? *o.reader : (*kiosk ? (*kiosk)->card_reader.reader : std::string());
  auto opened = devices::open_pcsc(reader);
  if (!opened.ok()) return report.fail(opened.error().message);
  devices::CardSource& source = **opened;
  report.note("serving cards on " + source.description() + ": insert a card");

  constexpr std::chrono::hours kForever{24};
  for (unsigned served = 0; o.count == 0 || served < o.count;) {
    auto inserted = source.wait_for_card(true, kForever);
    if (!inserted.ok()) {
      if (inserted.status() == Error::kTimeout) continue;
      return report.fail(source.description() + ": " + read_failure_message(inserted.status()));
    }
    auto read = read_identity(source.slot(), nullptr);
    if (read.ok()) {
      print_identity(format, *read, report, out);
      ++served;
    } else {
      report.note(read.error().message);
    }
    report.note("remove the card");
    auto removed = source.wait_for_card(false, kForever);
    if (!removed.ok() && removed.status() != Error::kTimeout) {
      return report.fail(source.description() + ": " + read_failure_message(removed.status()));
    }
  }
  return kExitOk;
}

}  // namespace sscard::app
