// sscard pay (docs/PAYMENT.md §12) with the real binary, the bundled kiosks and cards, and the simulated issuers
// inside sscard. Expected values come from the contract: the PANs and PINs of PAYMENT.md §2 (masked as §12
// says), the kiosks' provinces, the response codes of §9.2, the exit codes of §12.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "program_test.h"

namespace sscard::test {
namespace {

using nlohmann::json;

// The keys of `sscard pay --format json`, in their order (PAYMENT.md §12).
const std::vector<std::string> kPayKeys = {"operation", "outcome", "amount",   "currency", "interface",
                                           "aid",       "pan",     "atc",      "oda",      "cvm",
                                           "cryptogram", "online", "response_code", "home_issuer", "served_by",
                                           "tvr",       "tsi",     "apdus",    "reversal", "message"};

bool is_hex(const std::string& s, std::size_t digits) {
  if (s.size() != digits) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

// The first column of the first row of `query` on an SQLite file (the issuers' databases, the kiosk's journal).
std::optional<long long> sql_int(const std::filesystem::path& db, const std::string& query) {
  sqlite3* handle = nullptr;
  std::optional<long long> value;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, query.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return value;
}

class PayCli : public ProgramTest {
 protected:
  ProcessOutput pay(const std::string& profile, const std::string& kiosk, const std::string& amount,
                    const std::vector<std::string>& extra, const std::string& format = "json") {
    std::vector<std::string> argv = {sscard_binary(), "pay",    "--config", kiosk_config(kiosk), "--card",
                                     card(profile),   "--amount", amount,   "--format",          format};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv);
  }

  // The JSON a payment printed, with exactly the keys of §12 in their order.
  static json parse_pay(const ProcessOutput& run) {
    json doc = json::parse(run.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << run.out << run.err;
    if (doc.is_discarded()) return json::object();
    const nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(run.out);
    std::vector<std::string> keys;
    for (const auto& item : ordered.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, kPayKeys);
    return doc;
  }
};

TEST_F(PayCli, SichuanGen2CardAtAChongqingKioskIsApprovedOnlineBySichuan) {
  const ProcessOutput run = pay("sc-chengdu-gen2", "cq-tongnan", "12.34", {"--pinpad", "sim:246810"});
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(run.err, "");
  const json out = parse_pay(run);
  EXPECT_EQ(out["operation"], "pay");
  EXPECT_EQ(out["outcome"], "approved");
  EXPECT_EQ(out["amount"], "12.34");
  EXPECT_EQ(out["currency"], "156");
  EXPECT_EQ(out["interface"], "contact");
  EXPECT_EQ(out["aid"], "A000000333010101");
  EXPECT_EQ(out["pan"], "620051*********2011");  // 6200515101008092011 (§2)
  EXPECT_GE(out["atc"].get<int>(), 1);
  const std::string oda = out["oda"];
  EXPECT_TRUE(oda == "sda" || oda == "dda" || oda == "cda") << oda;
  EXPECT_EQ(out["cvm"], "offline-enciphered-pin");  // §8.3: generation 2 cards
  EXPECT_EQ(out["cryptogram"], "TC");
  EXPECT_EQ(out["online"], true);
  EXPECT_EQ(out["response_code"], "00");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(out["served_by"], "Chongqing");
  EXPECT_TRUE(is_hex(out["tvr"], 10)) << out["tvr"];
  EXPECT_TRUE(is_hex(out["tsi"], 4)) << out["tsi"];
  EXPECT_GT(out["apdus"].get<int>(), 5);
  EXPECT_EQ(out["reversal"], "none");

  // The home issuer debited the account seeded at 80000 fen (PAYMENT.md §2), and the kiosk's confirmation
  // (0A) of the TC is answered in its journal.
  EXPECT_EQ(sql_int(sscard_state() / "world" / "sc-host.db",
                    "SELECT balance_fen FROM accounts WHERE pan = '6200515101008092011'"),
            80000 - 1234);
  const auto journal = sscard_state() / "journal-500152000101.db";
  EXPECT_EQ(sql_int(journal, "SELECT COUNT(*) FROM requests WHERE operation = 10 AND state = 'done'"), 1);
  EXPECT_EQ(sql_int(journal, "SELECT COUNT(*) FROM requests WHERE state <> 'done'"), 0);
  // The reversal armed before the send was disarmed by the TC; the kiosk's record holds the approval.
  EXPECT_EQ(sql_int(journal, "SELECT COUNT(*) FROM armed"), 0);
  EXPECT_EQ(sql_int(journal, "SELECT COUNT(*) FROM payments WHERE approved = 1 AND reversed = 0 AND "
                             "amount_fen = 1234 AND issuer = '510000'"),
            1);
}

TEST_F(PayCli, TheCardsTransactionCounterGoesUpFromOnePaymentToTheNext) {
  const ProcessOutput first = pay("sc-chengdu-gen2", "cq-tongnan", "1.00", {"--pinpad", "sim:246810"});
  const ProcessOutput second = pay("sc-chengdu-gen2", "cq-tongnan", "2", {"--pinpad", "sim:246810"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const json a = parse_pay(first);
  const json b = parse_pay(second);
  EXPECT_EQ(b["amount"], "2.00");
  EXPECT_EQ(b["atc"].get<int>(), a["atc"].get<int>() + 1);
}

TEST_F(PayCli, ChongqingGen3CardAtASichuanKioskUsesTheNationalAlgorithms) {
  const ProcessOutput run = pay("cq-tongnan-gen3", "sc-suining", "12.34", {"--pinpad", "sim:147258"});
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  const json out = parse_pay(run);
  EXPECT_EQ(out["outcome"], "approved");
  EXPECT_EQ(out["pan"], "620050*********3017");  // 6200505001521523017 (§2)
  const std::string oda = out["oda"];
  EXPECT_EQ(oda.rfind("sm2-", 0), 0u) << oda;
  EXPECT_EQ(out["cvm"], "offline-pin");  // §8.3: SM set, plaintext PIN
  EXPECT_EQ(out["cryptogram"], "TC");
  EXPECT_EQ(out["response_code"], "00");
  EXPECT_EQ(out["home_issuer"], "Chongqing");
  EXPECT_EQ(out["served_by"], "Sichuan");
}

TEST_F(PayCli, TextOutputIsOneBlock) {
  const ProcessOutput run = pay("sc-chengdu-gen2", "cq-tongnan", "0.05", {"--pinpad", "sim:246810"}, "text");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  const auto lines = lines_of(run.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "pay: approved");
  EXPECT_NE(run.out.find("0.05 yuan"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("620051*********2011"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("6200515101008092011"), std::string::npos) << "the full PAN is never printed";
  EXPECT_NE(run.out.find("home issuer Sichuan, served by Chongqing"), std::string::npos) << run.out;
}

TEST_F(PayCli, AWrongPinDeclines) {
  const ProcessOutput run = pay("sc-chengdu-gen2", "cq-tongnan", "12.34", {"--pinpad", "sim:111111"});
  expect_one_stderr_line(run, 1, "sscard pay", {"PIN"});
  const json out = parse_pay(run);
  EXPECT_EQ(out["outcome"], "declined");
  EXPECT_EQ(out["cryptogram"], "AAC");
  EXPECT_EQ(out["online"], false);
  EXPECT_EQ(out["response_code"], "");
  EXPECT_EQ(out["reversal"], "none");
  EXPECT_EQ(run.out.find("111111"), std::string::npos);
  EXPECT_EQ(run.err.find("111111"), std::string::npos);
  // Nothing was sent to the issuer: the account keeps its 80000 fen.
  EXPECT_EQ(sql_int(sscard_state() / "world" / "sc-host.db",
                    "SELECT balance_fen FROM accounts WHERE pan = '6200515101008092011'"),
            80000);
}

// No issuer answer (nothing listens on the host address): the online-only kiosk declines (AAC Z3), and the
// authorise it sent may have been applied, so it owes a reversal with reason 01 (PAYMENT.md §10); unanswered,
// the reversal stays pending in the journal and the exit code is 3.
TEST_F(PayCli, NoIssuerAnswerLeavesAPendingReversalInTheJournal) {
  const ProcessOutput run = pay("sc-chengdu-gen2", "cq-tongnan", "12.34",
                                {"--pinpad", "sim:246810", "--host", "127.0.0.1:1", "--timeout-ms", "300",
                                 "--attempts", "1"});
  expect_one_stderr_line(run, 3, "sscard pay", {"journal", "sscard recover"});
  const json out = parse_pay(run);
  EXPECT_EQ(out["outcome"], "declined");
  EXPECT_EQ(out["cryptogram"], "AAC");
  EXPECT_EQ(out["online"], false);
  EXPECT_EQ(out["response_code"], "");
  EXPECT_EQ(out["home_issuer"], "");
  EXPECT_EQ(out["reversal"], "pending");
  const auto journal = sscard_state() / "journal-500152000101.db";
  EXPECT_EQ(sql_int(journal, "SELECT COUNT(*) FROM requests"), 1);  // the authorise itself is not journaled
  EXPECT_EQ(sql_int(journal, "SELECT COUNT(*) FROM requests WHERE operation = 7 AND state = 'pending'"), 1);
  EXPECT_EQ(sql_int(journal, "SELECT COUNT(*) FROM armed"), 0);  // the armed reversal became the pending one
  // Totals refuse while the reversal is owed.
  const ProcessOutput totals = this->run({sscard_binary(), "totals", "--config", kiosk_config("cq-tongnan"),
                                          "--date", "20261205"});
  expect_one_line_error(totals, 1, "sscard totals", {"pending", "sscard recover"});
}

TEST_F(PayCli, TotalsTakeADateAndNameBothIssuers) {
  expect_one_line_error(run({sscard_binary(), "totals", "--config", kiosk_config("cq-tongnan"), "--date", "20261332"}),
                        2, "sscard totals", {"--date"});
  const ProcessOutput run = this->run({sscard_binary(), "totals", "--config", kiosk_config("cq-tongnan"), "--date",
                                       "20261205", "--format", "json"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const nlohmann::ordered_json doc = nlohmann::ordered_json::parse(run.out);
  std::vector<std::string> keys;
  for (const auto& item : doc.items()) keys.push_back(item.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"operation", "outcome", "date", "issuers", "message"}));
  EXPECT_EQ(doc["operation"], "totals");
  EXPECT_EQ(doc["outcome"], "balanced");
  EXPECT_EQ(doc["date"], "20261205");
  ASSERT_EQ(doc["issuers"].size(), 2u);
  EXPECT_EQ(doc["issuers"][0]["issuer"], "Chongqing");
  EXPECT_EQ(doc["issuers"][1]["issuer"], "Sichuan");
  EXPECT_EQ(doc["issuers"][1]["kiosk"]["approved_count"], 0);
  EXPECT_EQ(doc["issuers"][1]["issuer_totals"]["approved_count"], 0);
}

TEST_F(PayCli, AFirstGenerationCardHasNoPaymentApplication) {
  const ProcessOutput text = pay("sc-mianyang-gen1", "cq-tongnan", "12.34", {"--pinpad", "sim:123456"}, "text");
  expect_one_line_error(text, 1, "sscard pay", {"no payment application"});

  const ProcessOutput run = pay("sc-mianyang-gen1", "cq-tongnan", "12.34", {"--pinpad", "sim:123456"});
  expect_one_stderr_line(run, 1, "sscard pay", {"no payment application"});
  const json out = parse_pay(run);
  EXPECT_EQ(out["outcome"], "failed");
  EXPECT_EQ(out["aid"], "");
  EXPECT_EQ(out["pan"], "");
  EXPECT_EQ(out["atc"], 0);
  EXPECT_EQ(out["cryptogram"], "none");
  EXPECT_EQ(out["online"], false);
}

TEST_F(PayCli, AnAmountThatIsNotExactYuanIsACommandLineError) {
  for (const std::string amount : {"12.345", "abc", "0", "0.00", "-1", "1e3", "12.", ".5", "12,34"}) {
    const ProcessOutput run = pay("sc-chengdu-gen2", "cq-tongnan", amount, {"--pinpad", "sim:246810"});
    expect_one_line_error(run, 2, "sscard pay", {"--amount"});
  }
}

TEST_F(PayCli, HelpNamesTheOptions) {
  const ProcessOutput run = this->run({sscard_binary(), "pay", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  for (const char* option : {"--config", "--card", "--amount", "--pinpad", "--format"}) {
    EXPECT_NE(run.out.find(option), std::string::npos) << option;
  }
}

}  // namespace
}  // namespace sscard::test
