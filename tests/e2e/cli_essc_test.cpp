// The electronic social-security card end to end (docs/ESSC.md): `sscard-sim platform issue` writes a code as a
// PNG, `sscard query --essc IMAGE` decodes it as a camera picture, checks it and asks the card's home issuer
// through the kiosk's province host (and the hub for the other province). Every refusal is its own line and
// sends nothing. Codes with a changed byte are drawn here with the simulator's QR renderer. `sscard read --essc`
// prints the holder the home issuer's answer names (the SSN masked), and `sscard gate enter --essc` admits by the
// age it gives.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "program_test.h"
#include "sscard/essc/code.h"
#include "sscard/sim/qr.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json parse(const ProcessOutput& run) {
  auto doc = json::parse(run.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << run.out << run.err;
  return doc;
}

class EsscCli : public ProgramTest {
 protected:
  // sscard-sim platform issue --card cards/<profile>.json --purpose P --out <dir>/<file> [extra...]
  fs::path issue(const std::string& profile, const std::string& purpose, const std::string& file,
                 const std::vector<std::string>& extra = {}) {
    const fs::path out = dir() / file;
    std::vector<std::string> argv = {sscard_sim_binary(), "platform", "issue", "--card", card(profile),
                                     "--purpose", purpose, "--out", out.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const ProcessOutput r = run(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_NE(r.out.find("wrote " + out.string()), std::string::npos) << r.out;
    return out;
  }
  // The code's text, as the platform made it (--format json).
  std::string issue_text(const std::string& profile, const std::string& purpose,
                         const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {sscard_sim_binary(), "platform", "issue", "--card", card(profile),
                                     "--purpose", purpose, "--format", "json"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const ProcessOutput r = run(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return parse(r)["text"].get<std::string>();
  }
  // A PNG of `text`, drawn here.
  fs::path draw(const std::string& text, const std::string& file) {
    auto symbol = sim::encode_qr(text);
    EXPECT_TRUE(symbol.ok());
    auto png = sim::qr_png(*symbol);
    EXPECT_TRUE(png.ok());
    const fs::path out = dir() / file;
    std::ofstream f(out, std::ios::binary);
    f.write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
    return out;
  }
  ProcessOutput query_code(const fs::path& image, const std::string& kiosk, const std::string& format = "json") {
    return run({sscard_binary(), "query", "--essc", image.string(), "--config", kiosk_config(kiosk), "--format",
                format});
  }
  ProcessOutput query_card(const std::string& profile, const std::string& kiosk) {
    return run({sscard_binary(), "query", "--card", card(profile), "--config", kiosk_config(kiosk), "--format",
                "json"});
  }
  // A refused code: exit 1, one line on stderr naming the refusal, the refusal in the JSON.
  void expect_refused(const ProcessOutput& r, const std::string& refusal) {
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    expect_one_stderr_line(r, 1, "sscard query", {"electronic card refused (" + refusal + ")"});
    const json out = parse(r);
    EXPECT_EQ(out["outcome"], "code_refused");
    EXPECT_EQ(out["refusal"], refusal);
  }
};

// The physical card and its electronic card give the same answer at the other province's kiosk.
TEST_F(EsscCli, ASichuanHoldersCodeAtAChongqingKioskAnswersAsTheCardDoes) {
  const fs::path code = issue("sc-chengdu-gen2", "query", "code.png");
  const ProcessOutput by_code = query_code(code, "cq-tongnan");
  ASSERT_EQ(by_code.exit_code, 0) << by_code.err;
  EXPECT_EQ(by_code.err, "");
  const ProcessOutput by_card = query_card("sc-chengdu-gen2", "cq-tongnan");
  ASSERT_EQ(by_card.exit_code, 0) << by_card.err;
  const json a = parse(by_code);
  const json b = parse(by_card);
  EXPECT_EQ(a["outcome"], "done");
  EXPECT_EQ(a["via"], "essc");
  EXPECT_FALSE(a.contains("card_number"));
  for (const char* field : {"region", "home_issuer", "served_by", "name", "pension", "medical_balance",
                            "contributions", "card_state"}) {
    EXPECT_EQ(a[field], b[field]) << field;
  }
  EXPECT_EQ(a["region"], "510100");
  EXPECT_EQ(a["home_issuer"], "Sichuan");
  EXPECT_EQ(a["served_by"], "Chongqing");
  EXPECT_EQ(a["contributions"].size(), 12u);
}

// Own and other province at both kiosks.
TEST_F(EsscCli, QueryCodesWorkAtBothKiosksForBothProvinces) {
  struct Case {
    const char* profile;
    const char* kiosk;
    const char* home;
    const char* served_by;
  };
  const Case cases[] = {{"cq-yuzhong-gen2", "cq-tongnan", "Chongqing", "Chongqing"},
                        {"sc-chengdu-gen2", "cq-tongnan", "Sichuan", "Chongqing"},
                        {"sc-chengdu-gen2", "sc-suining", "Sichuan", "Sichuan"},
                        {"cq-yuzhong-gen2", "sc-suining", "Chongqing", "Sichuan"}};
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.profile) + " at " + c.kiosk);
    const fs::path code = issue(c.profile, "query", "code" + std::to_string(n++) + ".png");
    const ProcessOutput r = query_code(code, c.kiosk);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json out = parse(r);
    EXPECT_EQ(out["result"], "ok");
    EXPECT_EQ(out["home_issuer"], c.home);
    EXPECT_EQ(out["served_by"], c.served_by);
    EXPECT_EQ(out["name"], parse(query_card(c.profile, c.kiosk))["name"]);
  }
}

// The same codes through a scanner: the simulated one, which "scans" the code's text.
TEST_F(EsscCli, ACodeFromTheSimulatedScannerIsTakenAsFromAPicture) {
  for (const char* kiosk : {"cq-tongnan", "sc-suining"}) {
    SCOPED_TRACE(kiosk);
    const std::string text = issue_text("sc-chengdu-gen2", "query");
    const ProcessOutput r = run({sscard_binary(), "query", "--essc-scanner", "sim:" + text, "--config",
                                 kiosk_config(kiosk), "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const json out = parse(r);
    EXPECT_EQ(out["via"], "essc");
    EXPECT_EQ(out["region"], "510100");
    EXPECT_EQ(out["home_issuer"], "Sichuan");
    EXPECT_EQ(out["name"], parse(query_card("sc-chengdu-gen2", kiosk))["name"]);
  }
  // A scanner that has nothing to give within the wait says so, and nothing is sent.
  const ProcessOutput idle = run({sscard_binary(), "query", "--essc-scanner", "sim:timeout", "--essc-wait", "1",
                                  "--config", kiosk_config("cq-tongnan")});
  expect_one_line_error(idle, 1, "sscard query", {"no code was scanned within 1 s"});
  const ProcessOutput gone = run({sscard_binary(), "query", "--essc-scanner", "/nonexistent/ttyACM9", "--config",
                                  kiosk_config("cq-tongnan")});
  expect_one_line_error(gone, 1, "sscard query", {"/nonexistent/ttyACM9"});
}

TEST_F(EsscCli, TheTextOutputNamesTheElectronicCardAndTheIssuer) {
  const fs::path code = issue("cq-yuzhong-gen2", "query", "code.png");
  const ProcessOutput r = query_code(code, "sc-suining", "text");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("query: done\n", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("electronic card: Chongqing (region 500103)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("home issuer Chongqing, served by Sichuan"), std::string::npos) << r.out;
}

TEST_F(EsscCli, ACodeWorksOnceAtAKiosk) {
  const fs::path code = issue("cq-yuzhong-gen2", "query", "code.png");
  ASSERT_EQ(query_code(code, "cq-tongnan").exit_code, 0);
  expect_refused(query_code(code, "cq-tongnan"), "replayed");
  // A fresh code from the phone works again.
  EXPECT_EQ(query_code(issue("cq-yuzhong-gen2", "query", "fresh.png"), "cq-tongnan").exit_code, 0);
}

TEST_F(EsscCli, CodesForPaymentOrMedicalSettlementAreNotTakenForAQuery) {
  expect_refused(query_code(issue("cq-yuzhong-gen2", "payment", "pay.png"), "cq-tongnan"), "wrong_purpose");
  expect_refused(query_code(issue("cq-yuzhong-gen2", "medical", "medical.png"), "cq-tongnan"), "wrong_purpose");
}

TEST_F(EsscCli, ExpiredAndNotYetValidCodesAreRefused) {
  const std::int64_t now = now_seconds();
  expect_refused(query_code(issue("cq-yuzhong-gen2", "query", "old.png",
                                  {"--at", std::to_string(now - 121), "--validity", "2"}),
                            "cq-tongnan"),
                 "expired");
  expect_refused(query_code(issue("cq-yuzhong-gen2", "query", "future.png", {"--at", std::to_string(now + 3600)}),
                            "cq-tongnan"),
                 "not_yet_valid");
}

TEST_F(EsscCli, AChangedByteOrAForeignKeyIsRefused) {
  const std::string text = issue_text("sc-chengdu-gen2", "query");
  auto code = essc::parse_text(text);
  ASSERT_TRUE(code.ok());

  essc::Code changed_region = *code;
  changed_region.region = "510107";  // another Sichuan region: the signature no longer covers it
  expect_refused(query_code(draw(essc::encode_text(changed_region), "region.png"), "cq-tongnan"), "bad_signature");

  essc::Code changed_signature = *code;
  changed_signature.signature[10] ^= 0x01;
  expect_refused(query_code(draw(essc::encode_text(changed_signature), "sig.png"), "cq-tongnan"), "bad_signature");

  essc::Code other_key = *code;
  other_key.key_index = 2;  // no kiosk lists key 2 of the platform
  expect_refused(query_code(draw(essc::encode_text(other_key), "key.png"), "cq-tongnan"), "unknown_key");

  const std::string foreign = issue_text("sc-chengdu-gen2", "query",
                                         {"--keys", (cards_dir() / "test" / "platform-foreign-keys.json").string()});
  expect_refused(query_code(draw(foreign, "foreign.png"), "cq-tongnan"), "bad_signature");

  expect_refused(query_code(draw("https://example.com/not-a-code", "url.png"), "cq-tongnan"), "not_a_code");
  expect_refused(query_code(draw("ESSC:AE", "short.png"), "cq-tongnan"), "malformed");  // one byte: version 1
  // A code of a card that is not activated yet is refused by its home issuer, with the card's state.
  const ProcessOutput inactive = query_code(issue("sc-suining-gen3", "query", "inactive.png"), "cq-tongnan");
  expect_one_stderr_line(inactive, 1, "sscard query", {"the card is not_activated"});
  EXPECT_EQ(parse(inactive)["result"], "invalid_state");
}

// The online check: the home issuer refuses a code whose card is reported lost, and the kiosk says so.
TEST_F(EsscCli, ACodeOfALostCardIsRefusedByItsHomeIssuer) {
  const ProcessOutput lost = run({sscard_binary(), "report-loss", "--card", card("sc-chengdu-gen2"), "--config",
                                  kiosk_config("cq-tongnan"), "--format", "json"});
  ASSERT_EQ(lost.exit_code, 0) << lost.err;
  const ProcessOutput r = query_code(issue("sc-chengdu-gen2", "query", "code.png"), "cq-tongnan");
  EXPECT_EQ(r.exit_code, 1);
  expect_one_stderr_line(r, 1, "sscard query", {"loss_reported"});
  const json out = parse(r);
  EXPECT_EQ(out["outcome"], "refused_by_issuer");
  EXPECT_EQ(out["result"], "invalid_state");
  EXPECT_EQ(out["card_state"], "loss_reported");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_FALSE(out.contains("name"));
  EXPECT_FALSE(out.contains("medical_balance"));
}

// ---- sscard read --essc: the holder's identity from the home issuer's online check ----

// Whole years from YYYYMMDD `birth` to the kiosk's date today (China Standard Time, as the kiosk counts).
int age_today(const std::string& birth) {
  const auto now = std::chrono::system_clock::now() + std::chrono::hours(8);
  const std::chrono::year_month_day today{std::chrono::floor<std::chrono::days>(now)};
  const int by = std::stoi(birth.substr(0, 4));
  const unsigned bm = static_cast<unsigned>(std::stoi(birth.substr(4, 2)));
  const unsigned bd = static_cast<unsigned>(std::stoi(birth.substr(6, 2)));
  int age = static_cast<int>(today.year()) - by;
  const unsigned m = static_cast<unsigned>(today.month());
  const unsigned d = static_cast<unsigned>(today.day());
  if (m < bm || (m == bm && d < bd)) --age;
  return age;
}

TEST_F(EsscCli, ReadWithACodePrintsTheHolderAsTheHomeIssuerKnowsThem) {
  const fs::path code = issue("sc-chengdu-gen2", "query", "code.png");
  const ProcessOutput r = run({sscard_binary(), "read", "--essc", code.string(), "--config",
                               kiosk_config("cq-tongnan"), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const json out = parse(r);
  const json by_card = parse(run({sscard_binary(), "read", "--card", card("sc-chengdu-gen2"), "--format", "json"}));
  EXPECT_EQ(out["via"], "essc");
  EXPECT_EQ(out["outcome"], "done");
  EXPECT_EQ(out["region"], "510100");
  EXPECT_EQ(out["ssn"], "51**************26");
  EXPECT_EQ(out["name"], by_card["name"]);
  EXPECT_EQ(out["sex"], by_card["sex"]);
  EXPECT_EQ(out["birth_date"], by_card["birth_date"]);
  EXPECT_EQ(out["birth_date"], "19900611");
  EXPECT_EQ(out["age"], age_today("19900611"));
  EXPECT_EQ(out["card_state"], "active");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(out["served_by"], "Chongqing");
  EXPECT_EQ(out["terminal"], "500152000101");
  EXPECT_FALSE(out.contains("card_number"));
  EXPECT_FALSE(out.contains("card_id"));
  // Neither the SSN nor the card number appears anywhere in what the kiosk printed.
  const std::string ssn = by_card["ssn"].get<std::string>();
  const std::string card_number = by_card["card_number"].get<std::string>();
  ASSERT_EQ(ssn, "510107199006110026");
  EXPECT_EQ(r.out.find(ssn), std::string::npos);
  EXPECT_EQ(r.out.find(card_number), std::string::npos);
}

TEST_F(EsscCli, ReadWithACodeInTextAtTheOtherProvincesKioskAndFromTheScanner) {
  const fs::path code = issue("cq-yuzhong-gen2", "query", "code.png");
  const ProcessOutput r = run({sscard_binary(), "read", "--essc", code.string(), "--config",
                               kiosk_config("sc-suining")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> expected = {
      "  card            electronic social-security card (code)\n", "  region          500103 (Chongqing, Yuzhong)\n",
      "  name            李秀英\n",  "  ssn             50**************2X\n",
      "  sex             female\n",
      "  birth date      19620315 (age " + std::to_string(age_today("19620315")) + ")\n",
      "  card state      active\n", "  home issuer     Chongqing, served by Sichuan\n"};
  for (const std::string& line : expected) {
    EXPECT_NE(r.out.find(line), std::string::npos) << line << r.out;
  }
  EXPECT_EQ(r.out.find("50010319620315422X"), std::string::npos);

  const std::string text = issue_text("sc-chengdu-gen2", "query");
  const ProcessOutput scanned = run({sscard_binary(), "read", "--essc-scanner", "sim:" + text, "--config",
                                     kiosk_config("sc-suining"), "--format", "json"});
  ASSERT_EQ(scanned.exit_code, 0) << scanned.err;
  const json out = parse(scanned);
  EXPECT_EQ(out["ssn"], "51**************26");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(out["served_by"], "Sichuan");
}

// Refused as query refuses: the code's own faults at the kiosk, the card's state at the home issuer.
TEST_F(EsscCli, ReadRefusesCodesAsQueryDoes) {
  const auto read_code = [&](const fs::path& image) {
    return run({sscard_binary(), "read", "--essc", image.string(), "--config", kiosk_config("cq-tongnan"),
                "--format", "json"});
  };
  const ProcessOutput payment = read_code(issue("cq-yuzhong-gen2", "payment", "pay.png"));
  expect_one_stderr_line(payment, 1, "sscard read", {"electronic card refused (wrong_purpose)"});
  EXPECT_EQ(parse(payment)["operation"], "read");
  EXPECT_EQ(parse(payment)["refusal"], "wrong_purpose");

  const fs::path once = issue("cq-yuzhong-gen2", "query", "once.png");
  ASSERT_EQ(read_code(once).exit_code, 0);
  EXPECT_EQ(parse(read_code(once))["refusal"], "replayed");

  const ProcessOutput inactive = read_code(issue("sc-suining-gen3", "query", "inactive.png"));
  expect_one_stderr_line(inactive, 1, "sscard read", {"the card is not_activated"});
  const json refused = parse(inactive);
  EXPECT_EQ(refused["outcome"], "refused_by_issuer");
  EXPECT_EQ(refused["result"], "invalid_state");
  EXPECT_EQ(refused["card_state"], "not_activated");
  EXPECT_EQ(refused["name"], "");
  EXPECT_EQ(refused["ssn"], "");

  ASSERT_EQ(run({sscard_binary(), "report-loss", "--card", card("sc-chengdu-gen2"), "--config",
                 kiosk_config("cq-tongnan")}).exit_code, 0);
  const ProcessOutput lost = read_code(issue("sc-chengdu-gen2", "query", "lost.png"));
  expect_one_stderr_line(lost, 1, "sscard read", {"the card is loss_reported"});
  EXPECT_EQ(parse(lost)["card_state"], "loss_reported");
  EXPECT_EQ(parse(lost)["birth_date"], "");

  // No iReadCardBas line without a card, and the code excludes the card.
  const fs::path code = issue("cq-yuzhong-gen2", "query", "c.png");
  expect_one_line_error(run({sscard_binary(), "read", "--essc", code.string(), "--config",
                             kiosk_config("cq-tongnan"), "--format", "iface"}),
                        2, "sscard read", {"iface"});
  expect_one_line_error(run({sscard_binary(), "read", "--essc", code.string(), "--card", card("cq-yuzhong-gen2"),
                             "--config", kiosk_config("cq-tongnan")}),
                        2, "sscard read", {"--essc"});
}

// ---- sscard gate enter --essc: admission by the age the home issuer's online check gives ----

TEST_F(EsscCli, AScenicSpotGateAdmitsByTheAgeTheHomeIssuerGives) {
  const auto gate = [&](const std::string& name, const std::string& text) {
    return run({sscard_binary(), "gate", "enter", "--config", (cards_dir() / "gates" / (name + ".json")).string(),
                "--essc-scanner", "sim:" + text, "--format", "json"});
  };
  // The Yuzhong holder (64) enters free at both provinces' gates.
  for (const char* name : {"cq-dazu-rock-carvings", "sc-leshan-giant-buddha"}) {
    SCOPED_TRACE(name);
    const ProcessOutput r = gate(name, issue_text("cq-yuzhong-gen2", "query"));
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const json out = parse(r);
    EXPECT_EQ(out["operation"], "gate-enter");
    EXPECT_EQ(out["outcome"], "admitted");
    EXPECT_EQ(out["admission"], "free");
    EXPECT_EQ(out["price"], "0.00");
    EXPECT_EQ(out["card"], "essc 50**************2X");
    EXPECT_EQ(out["region"], "500103");
  }
  // The Chengdu holder (36) would pay the discounted ticket, which a code does not pay: the gate stays closed.
  const ProcessOutput young = gate("cq-dazu-rock-carvings", issue_text("sc-chengdu-gen2", "query"));
  expect_one_stderr_line(young, 1, "sscard gate enter", {"gate stays closed", "60.00 yuan", "hold the card"});
  const json refused = parse(young);
  EXPECT_EQ(refused["outcome"], "refused");
  EXPECT_EQ(refused["admission"], "discounted");
  EXPECT_EQ(refused["price"], "0.00");
  EXPECT_EQ(refused["card"], "essc 51**************26");

  // A lost card's code is refused by its home issuer, and the refusal is an entry of the log.
  ASSERT_EQ(run({sscard_binary(), "report-loss", "--card", card("cq-yuzhong-gen2"), "--config",
                 kiosk_config("cq-tongnan")}).exit_code, 0);
  const ProcessOutput lost = gate("sc-leshan-giant-buddha", issue_text("cq-yuzhong-gen2", "query"));
  expect_one_stderr_line(lost, 1, "sscard gate enter", {"loss_reported"});
  EXPECT_EQ(parse(lost)["outcome"], "refused");
  EXPECT_EQ(parse(lost)["card"], "essc");
  const ProcessOutput log = run({sscard_binary(), "gate", "log", "--config",
                                 (cards_dir() / "gates" / "sc-leshan-giant-buddha.json").string(), "--format", "json"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  const json entries = parse(log);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["outcome"], "admitted");
  EXPECT_EQ(entries[1]["outcome"], "refused");
  EXPECT_NE(entries[1]["reason"].get<std::string>().find("loss_reported"), std::string::npos);
  EXPECT_EQ(log.out.find("50010319620315422X"), std::string::npos);

  // A payment code is not a gate's.
  const ProcessOutput payment = gate("cq-dazu-rock-carvings", issue_text("sc-chengdu-gen2", "payment"));
  expect_one_stderr_line(payment, 1, "sscard gate enter", {"electronic card refused (wrong_purpose)"});
  EXPECT_EQ(parse(payment)["operation"], "gate-enter");
}

TEST_F(EsscCli, PicturesWithoutACodeAndKiosksWithoutKeysSayWhatToDo) {
  const fs::path not_png = dir() / "photo.png";
  std::ofstream(not_png) << "not a picture";
  const ProcessOutput garbage = query_code(not_png, "cq-tongnan");
  expect_one_line_error(garbage, 1, "sscard query", {"photo.png"});

  // A kiosk configuration without the "essc" section takes no codes.
  json config = json::parse(read_file(kiosk_config("cq-tongnan")));
  config.erase("essc");
  config["readers"]["psam"] = "sim:" + psam("cq-kiosk");
  config["host"]["simulated"]["cards"] = cards_dir().string();
  config["host"]["simulated"]["link_keys"] = (cards_dir() / "keys" / "test-link-keys.json").string();
  config["payment"]["ca_keys"] = (cards_dir() / "keys" / "test-ca-public.json").string();
  const fs::path file = dir() / "no-essc.json";
  std::ofstream(file) << config.dump(2);
  const ProcessOutput r = run({sscard_binary(), "query", "--essc", issue("cq-yuzhong-gen2", "query", "c.png").string(),
                               "--config", file.string(), "--format", "json"});
  expect_one_line_error(r, 1, "sscard query", {"no-essc.json", "essc"});
}

TEST_F(EsscCli, TheCardOptionsAndTheCodeExcludeEachOther) {
  const ProcessOutput r = run({sscard_binary(), "query", "--essc", issue("cq-yuzhong-gen2", "query", "c.png").string(),
                               "--card", card("cq-yuzhong-gen2"), "--config", kiosk_config("cq-tongnan")});
  expect_one_line_error(r, 2, "sscard query", {"--essc"});
}

TEST_F(EsscCli, ThePlatformPrintsItsKeyAsAKioskListsIt) {
  const ProcessOutput r = run({sscard_sim_binary(), "platform", "key"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json printed = parse(r);
  const json listed = json::parse(read_file(kiosk_config("cq-tongnan")))["essc"];
  EXPECT_EQ(printed["essc"], listed);
}

TEST_F(EsscCli, TheIssuedImageIsReadableByItsOwnerOnly) {
  const fs::path code = issue("cq-yuzhong-gen2", "query", "code.png");
  const auto perms = fs::status(code).permissions();
  EXPECT_EQ(perms & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);
  EXPECT_FALSE(fs::exists(code.string() + ".partial"));
}

}  // namespace
}  // namespace sscard::test
