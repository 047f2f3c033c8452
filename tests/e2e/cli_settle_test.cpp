// sscard settle (docs/PAYMENT.md §11, §12) with the real binary, the bundled kiosks and cards, and the simulated
// issuers inside sscard. Expected shares are the worked examples of §11 and its rule table worked by hand;
// balances are the bundled profiles' (cards/*.json `benefits`) read back from the issuers' databases.
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

TEST_F(SettleCli, BadArgumentsAreUsageErrors) {
  EXPECT_EQ(settle("cq-yuzhong-gen2", "cq-tongnan", "12.345", "outpatient", "802416").exit_code, 2);
  EXPECT_EQ(settle("cq-yuzhong-gen2", "cq-tongnan", "12.34", "dental", "802416").exit_code, 2);
}

}  // namespace
}  // namespace sscard::test
