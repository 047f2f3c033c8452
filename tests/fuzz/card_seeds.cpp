// Writes the seed corpora that come from running the firmware against the simulated cards and the journal:
//   DIR/evil_card        each flow of evil_card_flows.h run against a bundled simulated card through a
//                        recording slot: [flow] and the card's answers in the fuzz reader's format
//   DIR/card_dispatcher  the commands the firmware sent in those runs: [selector] [len][C-APDU]...
//   DIR/journal          the rows of kiosk journals written through host::Journal (fuzz_journal_rows.h)
// The cards answer with fresh random challenges and signatures, so the output differs from run to run: the
// seeds are committed once, and the corpus replay checks that every evil_card seed still reaches the end of its
// flow (fuzz_corpus_replay_test, EvilCardSeeds).
//
//   fuzz_card_seeds DIR   (file names: 16 hex digits of the content's FNV-1a hash)
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "evil_card_flows.h"
#include "fuzz_journal_rows.h"
#include "fuzz_reader.h"
#include "sscard/flows/contactless.h"
#include "sscard/hal/sim_reader.h"
#include "sscard/host/journal.h"
#include "sscard/sim/profile.h"
#include "seed_files.h"
#include "wire_samples.h"

namespace {

using sscard::Bytes;
namespace fs = std::filesystem;
namespace fuzz = sscard::fuzz;
namespace wire = sscard::wire;

bool write_seed(const fs::path& dir, const Bytes& seed) {
  fs::create_directories(dir);
  return fuzz::write_seed_file(dir / fuzz::seed_file_name(seed), seed);
}

struct CardRun {
  const char* profile;
  std::uint8_t flow;
};

bool card_seeds(const fs::path& dir) {
  fuzz::EvilCardWorld world;
  const CardRun runs[] = {
      {"sc-chengdu-gen2.json", 0}, {"sc-suining-gen3.json", 0}, {"cq-yuzhong-gen2.json", 0},
      {"sc-chengdu-gen2.json", 1}, {"sc-chengdu-gen2.json", 2}, {"sc-suining-gen3.json", 2},
      {"cq-tongnan-gen3.json", 2}, {"sc-suining-gen3.json", 3}, {"cq-tongnan-gen3.json", 3},
      {"sc-suining-gen3.json", 4}, {"sc-suining-gen3.json", 5},
  };
  bool all = true;
  for (const CardRun& run : runs) {
    auto profile = sscard::sim::load_profile(std::string(SSCARD_CARDS_DIR) + "/" + run.profile);
    if (!profile.ok()) {
      std::fprintf(stderr, "fuzz_card_seeds: %s: %s\n", run.profile, profile.error().to_string().c_str());
      return false;
    }
    std::shared_ptr<sscard::sim::Card> card(sscard::sim::make_card(*profile));
    sscard::hal::SimReader reader;
    const bool contactless = fuzz::evil_flow_is_contactless(run.flow);
    sscard::hal::SimSlot& slot = contactless ? reader.contactless() : reader.contact();
    slot.insert(card);
    fuzz::RecordingSlot recorder(slot);
    // The payment application has a PIN of its own (the profile's payment.pin, else pin.value).
    world.pin = run.flow == 2 && profile->payment ? profile->payment->card.pin : profile->pin;
    const bool reached = fuzz::run_evil_card_flow(run.flow, recorder, world);
    if (!reached) {
      std::fprintf(stderr, "fuzz_card_seeds: flow %d on %s did not reach its end\n", run.flow, run.profile);
      all = false;
      continue;
    }
    Bytes answers{run.flow};
    answers.insert(answers.end(), recorder.answers().begin(), recorder.answers().end());
    const bool gen3 = profile->generation == 3;
    Bytes commands{static_cast<std::uint8_t>((gen3 ? 1 : 0) | (contactless ? 2 : 0))};
    commands.insert(commands.end(), recorder.commands().begin(), recorder.commands().end());
    if (!write_seed(dir / "evil_card", answers) || !write_seed(dir / "card_dispatcher", commands)) return false;
  }
  return all;
}

// ---- The journal ----

void append_value(Bytes& out, sqlite3_stmt* stmt, int column) {
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_INTEGER: {
      out.push_back(fuzz::kInteger);
      const auto v = static_cast<std::uint64_t>(sqlite3_column_int64(stmt, column));
      for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
      break;
    }
    case SQLITE_TEXT: {
      out.push_back(fuzz::kText);
      const int n = std::min(sqlite3_column_bytes(stmt, column), 255);
      const auto* text = sqlite3_column_text(stmt, column);
      out.push_back(static_cast<std::uint8_t>(n));
      out.insert(out.end(), text, text + n);
      break;
    }
    case SQLITE_BLOB: {
      out.push_back(fuzz::kBlob);
      const int n = std::min(sqlite3_column_bytes(stmt, column), 0xFFFF);
      const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, column));
      out.push_back(static_cast<std::uint8_t>(n >> 8));
      out.push_back(static_cast<std::uint8_t>(n & 0xFF));
      if (n > 0) out.insert(out.end(), blob, blob + n);
      break;
    }
    default:
      out.push_back(fuzz::kNull);
  }
}

// Every row of the journal at `path` in the fuzz format.
bool dump_rows(const std::string& path, Bytes& out) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return false;
  for (std::size_t t = 0; t < fuzz::kJournalTables.size(); ++t) {
    const auto& table = fuzz::kJournalTables[t];
    const std::string sql = "SELECT " + std::string(table.columns) + " FROM " + std::string(table.name);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return false;
    }
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      out.push_back(static_cast<std::uint8_t>(t));
      for (int c = 0; c < table.column_count; ++c) append_value(out, stmt, c);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return true;
}

// One journal per scenario, written through the Journal API, dumped as one seed.
bool journal_seeds(const fs::path& dir) {
  const std::string path = (fs::temp_directory_path() / ("sscard-journal-seeds-" + std::to_string(getpid()) + ".db")).string();
  auto fresh = [&]() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
    return sscard::host::Journal::open(path);
  };
  const std::vector<wire::Request> payments = fuzz::sample_payment_requests();
  auto find = [&](wire::Operation op) {
    for (const wire::Request& r : payments) {
      if (r.operation == op) return r;
    }
    return payments.front();
  };
  auto reversal_of = [](const wire::Request& original, std::uint8_t key) {
    wire::Request r = original;
    r.operation = wire::Operation::kReverse;
    r.key = fuzz::sample_key(key);
    r.pin_block.reset();
    r.original_key = original.key;
    r.reversal_reason = wire::ReversalReason::kNoAnswer;
    r.bill_total_fen.reset();
    r.category.reset();
    r.insured_fen.reset();
    r.medical_fen.reset();
    r.card_fen.reset();
    return r;
  };
  int written = 0;
  auto finish = [&](const char* what, bool ok) {
    if (!ok) {
      std::fprintf(stderr, "fuzz_card_seeds: journal scenario '%s' failed\n", what);
      return false;
    }
    Bytes rows;
    if (!dump_rows(path, rows) || !write_seed(dir / "journal", rows)) return false;
    ++written;
    return true;
  };

  {  // card services pending, one done with its answer, one failed, one at the card step
    auto j = fresh();
    if (!j.ok()) return false;
    wire::Request activate = fuzz::sample_request(wire::Operation::kActivate);
    wire::Request loss = fuzz::sample_request(wire::Operation::kReportLoss);
    loss.key = fuzz::sample_key(0x31);
    wire::Request cancel = fuzz::sample_request(wire::Operation::kCancelLoss);
    cancel.key = fuzz::sample_key(0x41);
    wire::Request certify = fuzz::sample_request(wire::Operation::kCertify);
    certify.key = fuzz::sample_key(0x51);
    const bool ok = j->record(activate, sscard::host::Step::kCard).ok() && j->record(loss).ok() &&
                    j->record(cancel).ok() && j->record(certify).ok() &&
                    j->complete(loss.key, fuzz::sample_responses()[1]).ok() &&
                    j->fail(cancel.key, "outcome unknown").ok();
    if (!finish("services", ok)) return false;
  }
  {  // an armed authorise, approved, and a settle armed and activated
    auto j = fresh();
    if (!j.ok()) return false;
    const wire::Request authorise = find(wire::Operation::kAuthorise);
    wire::Request plain = authorise;
    plain.pin_block.reset();
    const wire::Request settle = find(wire::Operation::kSettle);
    const bool ok = j->arm(plain, reversal_of(plain, 0xB0)).ok() && j->note_approval(plain.key).ok() &&
                    j->arm(settle, reversal_of(settle, 0xC0)).ok() &&
                    j->activate(settle.key, wire::ReversalReason::kCardError).ok() &&
                    j->record(find(wire::Operation::kConfirm)).ok();
    if (!finish("payments", ok)) return false;
  }
  {  // an e-cash load armed and unresolved, an e-cash clear pending, and a torn tap
    auto j = fresh();
    if (!j.ok()) return false;
    const wire::Request load = find(wire::Operation::kEcashLoad);
    sscard::host::EcashLoad unresolved;
    unresolved.original_key = load.key;
    unresolved.pan = "6200515109004011018";
    unresolved.old_balance_fen = 5000;
    unresolved.amount_fen = 10000;
    unresolved.created_ms = 1796380800000;
    sscard::pboc::TornTap tap;
    tap.amount_fen = 1234;
    tap.date = {0x26, 0x12, 0x04};
    tap.unpredictable_number = {0x1A, 0x2B, 0x3C, 0x4D};
    tap.pan = "6200515109004011018";
    tap.atc = 16;
    tap.icc_data = fuzz::sample_icc_data(0x40);
    tap.gpo_answered = true;
    auto encoded = sscard::flows::encode_torn_tap(tap);
    const bool ok = encoded.ok() && j->arm_load(load, reversal_of(load, 0xD0), unresolved).ok() &&
                    j->record(find(wire::Operation::kEcashClear)).ok() && j->keep_torn_tap(*encoded).ok();
    if (!finish("contactless", ok)) return false;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  std::printf("%d journal seeds\n", written);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_card_seeds DIR\n");
    return 2;
  }
  const fs::path dir = argv[1];
  const bool cards = card_seeds(dir);
  const bool journal = journal_seeds(dir);
  std::printf("seeds written to %s\n", dir.c_str());
  return cards && journal ? 0 : 1;
}
