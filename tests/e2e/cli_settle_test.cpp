// sscard settle (docs/PAYMENT.md §11, §12) with the real binary, the bundled kiosks and cards, and the simulated
// issuers inside sscard. Expected shares are the worked examples of §11 and its rule table worked by hand;
// balances are the bundled profiles' (cards/*.json `benefits`) read back from the issuers' databases. Settlements
// made with the electronic card's medical code (docs/ESSC.md) take the card's share from the holder's account.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "program_test.h"

namespace sscard::test {
namespace {

using nlohmann::json;

// The keys of `sscard settle --format json`, in their order (PAYMENT.md §11, §12).
const std::vector<std::string> kSettleKeys = {
    "operation", "outcome",   "amount",        "total",       "insured",   "medical_account_paid",
    "card_paid", "medical_balance_after",      "currency",    "interface", "aid",
    "pan",       "atc",       "oda",           "cvm",         "cryptogram", "online",
    "response_code", "home_issuer", "served_by", "tvr",       "tsi",       "apdus",
    "reversal",  "message"};

const std::string kYuzhongSsn = "50010319620315422X";
const std::string kLiangshanSsn = "513401199201010523";
const std::string kChengduSsn = "510107199006110026";

// The first column of the first row of `query` on an SQLite file; nullopt when there is none.
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

bool sql_exec(const std::filesystem::path& db, const std::string& statement) {
  sqlite3* handle = nullptr;
  bool ok = sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK &&
            sqlite3_exec(handle, statement.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  sqlite3_close(handle);
  return ok;
}

class SettleCli : public ProgramTest {
 protected:
  ProcessOutput settle(const std::string& profile, const std::string& kiosk, const std::string& total,
                       const std::string& category, const std::string& pins, const std::string& format = "json") {
    return run({sscard_binary(), "settle", "--config", kiosk_config(kiosk), "--card", card(profile), "--total", total,
                "--category", category, "--pinpad", "sim:" + pins, "--format", format});
  }

  std::filesystem::path host_db(const std::string& province) const {
    return sscard_state() / "world" / (province + "-host.db");
  }
  std::optional<long long> medical(const std::string& province, const std::string& ssn) const {
    return sql_int(host_db(province), "SELECT medical_balance_fen FROM holders WHERE ssn = '" + ssn + "'");
  }
  std::optional<long long> account(const std::string& province, const std::string& pan) const {
    return sql_int(host_db(province), "SELECT balance_fen FROM accounts WHERE pan = '" + pan + "'");
  }

  // The JSON a settlement printed, with exactly the keys of §12 in their order.
  static json parse_settle(const ProcessOutput& run) {
    json doc = json::parse(run.out, nullptr, false);
    EXPECT_FALSE(doc.is_discarded()) << run.out << run.err;
    if (doc.is_discarded()) return json::object();
    const nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(run.out);
    std::vector<std::string> keys;
    for (const auto& item : ordered.items()) keys.push_back(item.key());
    EXPECT_EQ(keys, kSettleKeys);
    return doc;
  }
};

// §11: Chongqing outpatient 356.78 yuan -> insured 128.39, personal 228.39, all from Yuzhong's balance of
// 12840.50 yuan; no card part.
TEST_F(SettleCli, ChongqingExampleAtTheChongqingKioskIsPaidFromTheMedicalAccount) {
  const ProcessOutput run = settle("cq-yuzhong-gen2", "cq-tongnan", "356.78", "outpatient", "802416");
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(run.err, "");
  const json out = parse_settle(run);
  EXPECT_EQ(out["operation"], "settle");
  EXPECT_EQ(out["outcome"], "approved");
  EXPECT_EQ(out["total"], "356.78");
  EXPECT_EQ(out["insured"], "128.39");
  EXPECT_EQ(out["medical_account_paid"], "228.39");
  EXPECT_EQ(out["card_paid"], "0.00");
  EXPECT_EQ(out["amount"], "0.00");
  EXPECT_EQ(out["medical_balance_after"], "12612.11");
  EXPECT_EQ(out["aid"], "");
  EXPECT_EQ(out["pan"], "");
  EXPECT_EQ(out["atc"], 0);
  EXPECT_EQ(out["cryptogram"], "none");
  EXPECT_EQ(out["online"], true);
  EXPECT_EQ(out["response_code"], "00");
  EXPECT_EQ(out["home_issuer"], "Chongqing");
  EXPECT_EQ(out["served_by"], "Chongqing");
  EXPECT_EQ(out["reversal"], "none");
  EXPECT_EQ(medical("cq", kYuzhongSsn), 1284050 - 22839);
  EXPECT_EQ(account("cq", "6200505001035060118"), 150000);  // the card paid nothing
  // Nothing armed or pending is left in the kiosk's journal.
  EXPECT_EQ(sql_int(sscard_state() / "journal-500152000101.db", "SELECT COUNT(*) FROM requests WHERE state <> 'done'"),
            0);
}

// §11: Sichuan inpatient 2500.00 yuan with a balance of 968.30 -> insured 1200.00, medical 968.30, card 331.70.
// Liangshan's account holds 200.00 yuan: the card part is declined (51) and nothing is applied; with 500.00
// yuan in it the same bill settles.
TEST_F(SettleCli, SichuanExampleAtTheSichuanKioskTakesBothSharesOrNeither) {
  const ProcessOutput declined =
      settle("sc-liangshan-longname-gen2", "sc-suining", "2500", "inpatient", "112233,112233");
  EXPECT_EQ(declined.exit_code, 1) << declined.err << declined.out;
  const json no = parse_settle(declined);
  EXPECT_EQ(no["outcome"], "declined");
  EXPECT_EQ(no["insured"], "1200.00");
  EXPECT_EQ(no["card_paid"], "0.00");
  EXPECT_EQ(no["medical_account_paid"], "0.00");
  EXPECT_EQ(no["amount"], "331.70");
  EXPECT_EQ(no["response_code"], "51");
  EXPECT_EQ(no["cryptogram"], "AAC");
  EXPECT_EQ(medical("sc", kLiangshanSsn), 96830);
  EXPECT_EQ(account("sc", "6200515134019050512"), 20000);

  ASSERT_TRUE(sql_exec(host_db("sc"), "UPDATE accounts SET balance_fen = 50000 WHERE pan = '6200515134019050512'"));
  const ProcessOutput run = settle("sc-liangshan-longname-gen2", "sc-suining", "2500.00", "inpatient", "112233,112233");
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  const json out = parse_settle(run);
  EXPECT_EQ(out["outcome"], "approved");
  EXPECT_EQ(out["total"], "2500.00");
  EXPECT_EQ(out["insured"], "1200.00");
  EXPECT_EQ(out["medical_account_paid"], "968.30");
  EXPECT_EQ(out["card_paid"], "331.70");
  EXPECT_EQ(out["amount"], "331.70");
  EXPECT_EQ(out["medical_balance_after"], "0.00");
  EXPECT_EQ(out["pan"], "620051*********0512");
  EXPECT_EQ(out["cryptogram"], "TC");
  EXPECT_EQ(out["response_code"], "00");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(out["served_by"], "Sichuan");
  EXPECT_EQ(medical("sc", kLiangshanSsn), 0);
  EXPECT_EQ(account("sc", "6200515134019050512"), 50000 - 33170);
}

// 异地就医: a Sichuan holder at the Chongqing kiosk is settled by Sichuan's rule and Sichuan's accounts:
// inpatient 14000.00 -> insured (14000.00 - 1000.00) x 80 % = 10400.00, medical 3524.18 (the whole balance),
// card 75.82.
TEST_F(SettleCli, AnotherProvincesHolderIsSettledByTheHomeIssuer) {
  const ProcessOutput run = settle("sc-chengdu-gen2", "cq-tongnan", "14000", "inpatient", "246810,246810");
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  const json out = parse_settle(run);
  EXPECT_EQ(out["outcome"], "approved");
  EXPECT_EQ(out["insured"], "10400.00");
  EXPECT_EQ(out["medical_account_paid"], "3524.18");
  EXPECT_EQ(out["card_paid"], "75.82");
  EXPECT_EQ(out["medical_balance_after"], "0.00");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(out["served_by"], "Chongqing");
  EXPECT_EQ(medical("sc", kChengduSsn), 0);
  EXPECT_EQ(account("sc", "6200515101008092011"), 80000 - 7582);
  EXPECT_EQ(sql_int(host_db("cq"), "SELECT COUNT(*) FROM settlements"), 0);
  EXPECT_EQ(sql_int(host_db("sc"), "SELECT COUNT(*) FROM settlements"), 1);
}

// Today in China Standard Time (UTC+8), YYYYMMDD: the business date the kiosk gives its requests.
std::string cst_today() {
  using namespace std::chrono;
  const year_month_day ymd{floor<days>(system_clock::now() + hours(8))};
  char text[16];
  std::snprintf(text, sizeof text, "%04d%02u%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return text;
}

// The kiosk's record and both issuers' count the same settlements, medical and card shares apart (§10).
TEST_F(SettleCli, SettlementsAtOneKioskBalanceWithBothIssuers) {
  const std::string date = cst_today();
  ASSERT_EQ(settle("sc-chengdu-gen2", "cq-tongnan", "14000", "inpatient", "246810,246810").exit_code, 0);
  ASSERT_EQ(settle("cq-yuzhong-gen2", "cq-tongnan", "356.78", "outpatient", "802416").exit_code, 0);
  if (cst_today() != date) GTEST_SKIP() << "the business date turned during the test";
  const ProcessOutput run =
      this->run({sscard_binary(), "totals", "--config", kiosk_config("cq-tongnan"), "--date", date, "--format", "json"});
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  const json out = json::parse(run.out, nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << run.out;
  EXPECT_EQ(out["outcome"], "balanced");
  ASSERT_EQ(out["issuers"].size(), 2u);
  for (const json& issuer : out["issuers"]) {
    const bool sichuan = issuer["issuer"] == "Sichuan";
    const json& t = issuer["issuer_totals"];
    EXPECT_EQ(t["settled_count"], 1);
    EXPECT_EQ(t["settled_medical_fen"], sichuan ? 352418 : 22839);
    EXPECT_EQ(t["settled_card_fen"], sichuan ? 7582 : 0);
    EXPECT_EQ(issuer["kiosk"], t);
  }
}

TEST_F(SettleCli, TheTextReceiptShowsTheThreeShares) {
  const ProcessOutput run = settle("cq-yuzhong-gen2", "cq-tongnan", "356.78", "outpatient", "802416", "text");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const auto lines = lines_of(run.out);
  ASSERT_GE(lines.size(), 5u);
  EXPECT_EQ(lines[0], "settle: approved");
  EXPECT_EQ(lines[1], "  bill: 356.78 yuan");
  EXPECT_EQ(lines[2], "  insured (paid by the fund): 128.39 yuan");
  EXPECT_EQ(lines[3], "  medical-insurance account: 228.39 yuan, balance after 12612.11 yuan");
  EXPECT_EQ(lines[4], "  card: 0.00 yuan");
}

TEST_F(SettleCli, AWrongSsssePinSendsNothing) {
  const ProcessOutput run = settle("cq-yuzhong-gen2", "cq-tongnan", "356.78", "outpatient", "123456");
  EXPECT_EQ(run.exit_code, 1);
  const json out = parse_settle(run);
  EXPECT_EQ(out["outcome"], "failed");
  EXPECT_EQ(out["online"], false);
  EXPECT_EQ(out["insured"], "0.00");
  EXPECT_EQ(medical("cq", kYuzhongSsn).value_or(1284050), 1284050);
}

// ---- A medical code of the electronic card instead of the card (docs/ESSC.md "At the kiosk") ----

class CodeSettleCli : public SettleCli {
 protected:
  // The text of a code the simulated platform issues for the holder of `profile` (--format json).
  std::string code_text(const std::string& profile, const std::string& purpose = "medical") {
    const ProcessOutput r = run({sscard_sim_binary(), "platform", "issue", "--card", card(profile), "--purpose",
                                 purpose, "--format", "json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const json doc = json::parse(r.out, nullptr, false);
    return doc.is_discarded() ? std::string() : doc["text"].get<std::string>();
  }
  ProcessOutput settle_code(const std::string& text, const std::string& kiosk, const std::string& total,
                            const std::string& category, const std::string& format = "json") {
    return run({sscard_binary(), "settle", "--config", kiosk_config(kiosk), "--essc-scanner", "sim:" + text,
                "--total", total, "--category", category, "--format", format});
  }
  // A run that creates the issuers' databases from the profiles, so that they can be read before a settlement.
  void seed_world() {
    const ProcessOutput r = run({sscard_binary(), "query", "--card", card("cq-yuzhong-gen2"), "--config",
                                 kiosk_config("cq-tongnan")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::optional<long long> owed() const {
    return sql_int(sscard_state() / "journal-500152000101.db",
                   "SELECT (SELECT COUNT(*) FROM requests WHERE state <> 'done') + (SELECT COUNT(*) FROM armed)");
  }
  // The keys of §12 with "via" after "operation".
  static json parse_code_settle(const ProcessOutput& run) {
    const nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(run.out, nullptr, false);
    EXPECT_FALSE(ordered.is_discarded()) << run.out << run.err;
    if (ordered.is_discarded()) return json::object();
    std::vector<std::string> keys;
    for (const auto& item : ordered.items()) keys.push_back(item.key());
    std::vector<std::string> expected = kSettleKeys;
    expected.insert(expected.begin() + 1, "via");
    EXPECT_EQ(keys, expected);
    return json::parse(run.out);
  }
};

// 异地就医 with the phone: the Sichuan holder's code at the Chongqing kiosk, inpatient 14000.00 -> insured
// 10400.00, the whole medical balance 3524.18, and 75.82 from the bank account behind the electronic card.
TEST_F(CodeSettleCli, ASichuanCodeAtTheChongqingKioskTakesBothSharesWithoutACard) {
  seed_world();
  EXPECT_EQ(medical("sc", kChengduSsn), 352418);
  EXPECT_EQ(account("sc", "6200515101008092011"), 80000);
  const ProcessOutput run = settle_code(code_text("sc-chengdu-gen2"), "cq-tongnan", "14000", "inpatient");
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(run.err, "");
  const json out = parse_code_settle(run);
  EXPECT_EQ(out["via"], "essc");
  EXPECT_EQ(out["outcome"], "approved");
  EXPECT_EQ(out["insured"], "10400.00");
  EXPECT_EQ(out["medical_account_paid"], "3524.18");
  EXPECT_EQ(out["card_paid"], "75.82");
  EXPECT_EQ(out["amount"], "75.82");
  EXPECT_EQ(out["medical_balance_after"], "0.00");
  EXPECT_EQ(out["pan"], "");  // no card, no cryptogram
  EXPECT_EQ(out["atc"], 0);
  EXPECT_EQ(out["cryptogram"], "none");
  EXPECT_EQ(out["apdus"], 0);
  EXPECT_EQ(out["online"], true);
  EXPECT_EQ(out["response_code"], "00");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(out["served_by"], "Chongqing");
  EXPECT_EQ(out["reversal"], "none");
  EXPECT_EQ(medical("sc", kChengduSsn), 0);
  EXPECT_EQ(account("sc", "6200515101008092011"), 80000 - 7582);
  EXPECT_EQ(sql_int(host_db("sc"), "SELECT COUNT(*) FROM settlements"), 1);
  EXPECT_EQ(sql_int(host_db("sc"), "SELECT card_fen FROM settlements"), 7582);
  EXPECT_EQ(owed(), 0);

  // The same code again is refused by the kiosk, and nothing more is taken.
  const std::string text = code_text("sc-chengdu-gen2");
  ASSERT_EQ(settle_code(text, "cq-tongnan", "1", "pharmacy").exit_code, 0);
  const ProcessOutput again = settle_code(text, "cq-tongnan", "1", "pharmacy");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(json::parse(again.out)["refusal"], "replayed");
  EXPECT_EQ(account("sc", "6200515101008092011"), 80000 - 7582 - 100);
}

// The Chongqing holder's code at the Sichuan kiosk, by Chongqing's rule: outpatient 356.78 -> insured 128.39,
// personal 228.39, of which the 100.00 left in the medical account and 128.39 from the bank account.
TEST_F(CodeSettleCli, AChongqingCodeAtTheSichuanKioskIsSettledByChongqing) {
  seed_world();
  ASSERT_TRUE(sql_exec(host_db("cq"), "UPDATE holders SET medical_balance_fen = 10000 WHERE ssn = '" + kYuzhongSsn + "'"));
  const ProcessOutput run = settle_code(code_text("cq-yuzhong-gen2"), "sc-suining", "356.78", "outpatient", "text");
  EXPECT_EQ(run.exit_code, 0) << run.err << run.out;
  const auto lines = lines_of(run.out);
  ASSERT_GE(lines.size(), 7u) << run.out;
  EXPECT_EQ(lines[0], "settle: approved");
  EXPECT_EQ(lines[1], "  bill: 356.78 yuan");
  EXPECT_EQ(lines[2], "  insured (paid by the fund): 128.39 yuan");
  EXPECT_EQ(lines[3], "  medical-insurance account: 100.00 yuan, balance after 0.00 yuan");
  EXPECT_EQ(lines[4], "  bank account (electronic card): 128.39 yuan");
  EXPECT_EQ(lines[5], "  kiosk: Sichuan, terminal 510900000101; home issuer Chongqing, served by Sichuan");
  EXPECT_EQ(medical("cq", kYuzhongSsn), 0);
  EXPECT_EQ(account("cq", "6200505001035060118"), 150000 - 12839);
  EXPECT_EQ(sql_int(host_db("sc"), "SELECT COUNT(*) FROM settlements"), 0);
}

// Both or neither: Liangshan's account holds 200.00, its code's card share 331.70 is declined (51) and the
// medical share stays in the medical account.
TEST_F(CodeSettleCli, ADeclinedAccountTakesNeitherShare) {
  seed_world();
  const ProcessOutput run = settle_code(code_text("sc-liangshan-longname-gen2"), "cq-tongnan", "2500", "inpatient");
  EXPECT_EQ(run.exit_code, 1) << run.out;
  const json out = parse_code_settle(run);
  EXPECT_EQ(out["outcome"], "declined");
  EXPECT_EQ(out["response_code"], "51");
  EXPECT_EQ(out["amount"], "331.70");
  EXPECT_EQ(out["card_paid"], "0.00");
  EXPECT_EQ(out["medical_account_paid"], "0.00");
  EXPECT_EQ(medical("sc", kLiangshanSsn), 96830);
  EXPECT_EQ(account("sc", "6200515134019050512"), 20000);
  EXPECT_EQ(owed(), 0);
}

// A code made for a query is refused by the kiosk before anything is sent; a lost card's medical code by its
// home issuer at the quote. Nothing is charged either way.
TEST_F(CodeSettleCli, AWrongPurposeOrALostCardsCodeChargesNothing) {
  seed_world();
  const ProcessOutput query_code = settle_code(code_text("sc-chengdu-gen2", "query"), "cq-tongnan", "14000", "inpatient");
  expect_one_stderr_line(query_code, 1, "sscard settle", {"electronic card refused (wrong_purpose)"});
  const json refused = json::parse(query_code.out);
  EXPECT_EQ(refused["operation"], "settle");
  EXPECT_EQ(refused["refusal"], "wrong_purpose");
  EXPECT_EQ(medical("sc", kChengduSsn), 352418);
  EXPECT_EQ(account("sc", "6200515101008092011"), 80000);

  ASSERT_EQ(run({sscard_binary(), "report-loss", "--card", card("sc-chengdu-gen2"), "--config",
                 kiosk_config("cq-tongnan")}).exit_code, 0);
  const ProcessOutput lost = settle_code(code_text("sc-chengdu-gen2"), "cq-tongnan", "14000", "inpatient");
  expect_one_stderr_line(lost, 1, "sscard settle", {"the card is loss_reported", "nothing was paid"});
  const json out = parse_code_settle(lost);
  EXPECT_EQ(out["outcome"], "failed");
  EXPECT_EQ(out["card_paid"], "0.00");
  EXPECT_EQ(out["medical_account_paid"], "0.00");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(medical("sc", kChengduSsn), 352418);
  EXPECT_EQ(account("sc", "6200515101008092011"), 80000);
  EXPECT_EQ(sql_int(host_db("sc"), "SELECT COUNT(*) FROM settlements"), 0);
  EXPECT_EQ(owed(), 0);

  // The code stands in for the card and its PIN: the card's options and a keypad are refused beside it.
  expect_one_line_error(run({sscard_binary(), "settle", "--config", kiosk_config("cq-tongnan"), "--essc-scanner",
                             "sim:" + code_text("cq-yuzhong-gen2"), "--card", card("cq-yuzhong-gen2"), "--total", "1",
                             "--category", "pharmacy"}),
                        2, "sscard settle", {"--essc"});
}

TEST_F(SettleCli, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(settle("cq-yuzhong-gen2", "cq-tongnan", "12.345", "outpatient", "802416").exit_code, 2);
  EXPECT_EQ(settle("cq-yuzhong-gen2", "cq-tongnan", "12.34", "dental", "802416").exit_code, 2);
}

}  // namespace
}  // namespace sscard::test
