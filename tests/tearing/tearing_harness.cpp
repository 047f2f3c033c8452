#include "tearing_harness.h"

#include "sscard/crypto/openssl.h"

#include <algorithm>
#include <map>
#include <utility>

namespace sscard::sim::tearing {
namespace {

constexpr std::size_t kFailuresKept = 5;

std::string status_word(const std::string& answer_hex) {
  return answer_hex.size() >= 4 ? answer_hex.substr(answer_hex.size() - 4) : answer_hex;
}

std::string cut_name(const Session::Fault& f) {
  if (f.after) return "after the last write";
  return std::string(f.how == Eeprom::Cut::kTornWrite ? "torn at" : "before") + " page write " + std::to_string(f.page);
}

std::string recovery_name(std::size_t page, Eeprom::Cut how) {
  return std::string(", recovery ") + (how == Eeprom::Cut::kTornWrite ? "torn at" : "cut before") + " its write " +
         std::to_string(page);
}

// The probe values of a memory image, read on a fresh card of the same personalisation.
Probe probe_image(const Scenario& scenario, ByteSpan image) {
  auto copy = scenario.make_card();
  copy->set_random_source(repeatable_random());
  if (!copy->eeprom().load_image(image).ok() || copy->power_on().empty()) return {};
  return scenario.probe(*copy);
}

// Why the state after recovery breaks an invariant of docs/TEARING.md, or empty.
std::string check_probes(const Probe& before, const Probe& after, bool completed) {
  if (!after.answers) return "the card does not answer SELECT after recovery";
  if (before.atc && (!after.atc || *after.atc < *before.atc)) return "the ATC went back";
  if (before.ecash_balance != after.ecash_balance && before.newest_log == after.newest_log &&
      before.newest_load_log == after.newest_load_log) {
    return "the e-cash balance moved without a log record";
  }
  if (!completed) {
    if (before.ssse_pin_tries && after.ssse_pin_tries && *after.ssse_pin_tries > *before.ssse_pin_tries) {
      return "a social-security PIN try came back";
    }
    if (before.payment_pin_tries && after.payment_pin_tries && *after.payment_pin_tries > *before.payment_pin_tries) {
      return "a payment PIN try came back";
    }
  }
  return {};
}

struct RunResult {
  std::string failure;               // empty: consistent
  std::size_t recovery_writes = 0;   // page writes of the (uncut) recovery
};

RunResult run_once(const Scenario& scenario, crypto::Crypto& crypto, const Session::Fault& fault,
                   std::optional<std::pair<std::size_t, Eeprom::Cut>> recovery_cut, const Bytes& clean_after,
                   std::map<std::size_t, Probe>& before_probes, std::uint64_t seed) {
  RunResult result;
  auto card = scenario.make_card();
  card->set_random_source(repeatable_random());
  card->eeprom().seed_tearing(seed);
  card->power_on();
  Session session(*card, crypto, fault);
  try {
    scenario.script(session);
  } catch (const Session::Stopped&) {
  }
  if (!session.reached()) return {"the script ended before the event", 0};
  if (!fault.after && !session.cut_fired()) return {"the cut did not fire: the event wrote fewer pages than in the clean run", 0};

  card->power_off();
  if (recovery_cut) {
    card->eeprom().cut_power_at_page_write(recovery_cut->first, recovery_cut->second);
    const bool answered = !card->power_on().empty();
    card->eeprom().cancel_power_cut();
    if (answered) return {"the recovery cut did not fire", 0};
    card->power_off();
  }
  const std::size_t writes_before = card->eeprom().page_writes();
  if (card->power_on().empty()) return {"the card stays mute after power-on", 0};
  result.recovery_writes = card->eeprom().page_writes() - writes_before;

  const Bytes data = data_area(*card);
  if (data_area(*card) != data) return {"the data area reads back differently twice (a torn page is left)", 0};
  if (data != session.last_commit()) {
    result.failure = "the data area is not the state of the last commit";
    return result;
  }
  auto known = before_probes.find(fault.event);
  if (known == before_probes.end()) {
    known = before_probes.emplace(fault.event, probe_image(scenario, session.image_before())).first;
  }
  const ByteSpan image = card->eeprom().image();
  const Probe after = probe_image(scenario, Bytes(image.begin(), image.end()));
  result.failure = check_probes(known->second, after, data == clean_after);
  return result;
}

}  // namespace

// ---- Session ----

Session::Session(CardOs& card, crypto::Crypto& crypto) : card_(card), crypto_(crypto) {}

Session::Session(CardOs& card, crypto::Crypto& crypto, Fault fault) : card_(card), crypto_(crypto), fault_(fault) {
  card_.eeprom().on_commit([this] {
    if (!tracking_) return;
    last_commit_ = data_area(card_);
    if (first_commit_image_.empty()) {
      const ByteSpan image = card_.eeprom().image();
      first_commit_image_.assign(image.begin(), image.end());
    }
  });
}

std::string Session::perform(std::string label, const std::function<std::string()>& action) {
  const std::size_t index = next_event_++;
  const bool target = fault_ && index == fault_->event;
  if (target) {
    reached_ = true;
    tracking_ = true;
    const ByteSpan image = card_.eeprom().image();
    image_before_.assign(image.begin(), image.end());
    last_commit_ = data_area(card_);
    if (!fault_->after) card_.eeprom().cut_power_at_page_write(fault_->page, fault_->how);
  }
  const std::size_t writes_before = card_.eeprom().page_writes();
  std::string answer = action();
  if (target) {
    cut_fired_ = card_.eeprom().power_lost();
    card_.eeprom().cancel_power_cut();
    tracking_ = false;
    throw Stopped{};
  }
  if (!fault_) events_.push_back({std::move(label), card_.eeprom().page_writes() - writes_before, answer, next_spends_});
  next_spends_ = SpendsTry::kNone;
  return answer;
}

std::string Session::send(std::string_view apdu_hex, std::string_view label) {
  auto apdu = from_hex(apdu_hex);
  if (!apdu.ok()) {
    script_errors_.push_back("bad hex in the script: " + std::string(apdu_hex));
    return {};
  }
  std::string name(label);
  if (name.empty() && apdu->size() >= 4) name = to_hex(ByteSpan(*apdu).first(4));
  return perform(std::move(name), [this, &apdu] {
    Bytes answer = card_.process(*apdu);
    if (answer.size() == 2 && answer[0] == 0x61) answer = card_.process(Bytes{0x00, 0xC0, 0x00, 0x00, answer[1]});
    return to_hex(answer);
  });
}

std::string Session::expect(std::string_view apdu_hex, std::string_view sw, std::string_view label) {
  std::string answer = send(apdu_hex, label);
  if (!fault_ && status_word(answer) != sw) {
    script_errors_.push_back(std::string(label.empty() ? apdu_hex : label) + ": answered " + answer + ", not " +
                             std::string(sw));
  }
  return answer;
}

std::string Session::expect_try(std::string_view apdu_hex, std::string_view sw, std::string_view label, SpendsTry pin) {
  next_spends_ = pin;
  return expect(apdu_hex, sw, label);
}

void Session::reinsert() {
  perform("power-on (contacts)", [this] {
    card_.power_off();
    return to_hex(card_.power_on());
  });
}

void Session::tap() {
  perform("activation in the field", [this] {
    card_.power_off();
    return to_hex(card_.activate_contactless());
  });
}

// ---- Helpers ----

Bytes data_area(const CardOs& card) {
  const ByteSpan data = card.eeprom().read(0, card.eeprom().journal_offset());
  return Bytes(data.begin(), data.end());
}

CardOs::RandomSource repeatable_random() {
  auto state = std::make_shared<std::uint64_t>(0x5EED5EED5EED5EEDULL);
  return [state](MutableByteSpan out) {
    for (auto& b : out) {
      // xorshift64: not for keys, only repeatable bytes.
      *state ^= *state << 13;
      *state ^= *state >> 7;
      *state ^= *state << 17;
      b = static_cast<std::uint8_t>(*state >> 24);
    }
  };
}

// ---- The driver ----

ScenarioReport run_scenario(const Scenario& scenario, const Options& options) {
  ScenarioReport report;
  auto crypto = crypto::make_openssl_crypto();

  // The clean run: which events write, and how many pages.
  std::vector<Session::Event> events;
  {
    auto card = scenario.make_card();
    card->set_random_source(repeatable_random());
    card->power_on();
    Session session(*card, *crypto);
    scenario.script(session);
    report.script_errors = session.script_errors();
    events = session.events();
  }

  std::map<std::size_t, Probe> before_probes;
  for (std::size_t e = 0; e < events.size(); ++e) {
    if (events[e].writes == 0) continue;
    CommandReport row;
    row.label = events[e].label;
    row.event = e;
    row.writes = events[e].writes;
    row.spends = events[e].spends;

    auto note = [&row](const std::string& what) {
      ++row.inconsistent;
      if (row.failures.size() < kFailuresKept) row.failures.push_back(what);
    };
    // The state after the complete event: the `after` run's last commit.
    Bytes clean_after;
    {
      auto card = scenario.make_card();
      card->set_random_source(repeatable_random());
      card->power_on();
      Session session(*card, *crypto, Session::Fault{e, 0, Eeprom::Cut::kBeforeWrite, true});
      try {
        scenario.script(session);
      } catch (const Session::Stopped&) {
      }
      clean_after = data_area(*card);
      if (row.spends != SpendsTry::kNone) {
        // The try is spent by the first commit, before the command can know whether the PIN is right.
        const Probe before = probe_image(scenario, session.image_before());
        const Probe first = probe_image(scenario, session.first_commit_image());
        const auto& b = row.spends == SpendsTry::kSocialSecurity ? before.ssse_pin_tries : before.payment_pin_tries;
        const auto& f = row.spends == SpendsTry::kSocialSecurity ? first.ssse_pin_tries : first.payment_pin_tries;
        if (!b || !f || *f + 1 != *b) note("the first commit of the command does not spend one PIN try");
      }
    }

    std::vector<Session::Fault> faults;
    for (std::size_t k = 0; k < row.writes; ++k) {
      faults.push_back({e, k, Eeprom::Cut::kBeforeWrite, false});
      faults.push_back({e, k, Eeprom::Cut::kTornWrite, false});
    }
    faults.push_back({e, 0, Eeprom::Cut::kBeforeWrite, true});
    row.cut_points = faults.size();

    for (std::size_t i = 0; i < faults.size(); ++i) {
      const Session::Fault& f = faults[i];
      const std::uint64_t seed = (static_cast<std::uint64_t>(e) << 32) ^ (i * 0x9E3779B97F4A7C15ULL);
      const RunResult first = run_once(scenario, *crypto, f, std::nullopt, clean_after, before_probes, seed);
      ++row.runs;
      if (!first.failure.empty()) note(cut_name(f) + ": " + first.failure);
      if (options.recovery_stride == 0 || i % options.recovery_stride != 0) continue;
      for (std::size_t j = 0; j < first.recovery_writes; ++j) {
        for (const Eeprom::Cut how : {Eeprom::Cut::kBeforeWrite, Eeprom::Cut::kTornWrite}) {
          const RunResult r = run_once(scenario, *crypto, f, std::pair{j, how}, clean_after, before_probes, seed + j + 1);
          ++row.runs;
          ++row.recovery_cuts;
          if (!r.failure.empty()) note(cut_name(f) + recovery_name(j, how) + ": " + r.failure);
        }
      }
    }
    report.commands.push_back(std::move(row));
  }
  return report;
}

}  // namespace sscard::sim::tearing
