// Card services across the Chuan-Yu border with the real `sscard` binary and kiosk configurations
// (cards/kiosks): the simulated issuers inside sscard, and real `sscard-sim host` / `sscard-sim hub`
// processes on loopback that are killed with SIGKILL in the middle of a request. Expected holder data comes
// from the card profiles' "benefits" blocks, read here with a JSON parser.
//
// Every test has its own state folder (ProgramTest): the simulated issuers' databases are
// <state>/sscard/world/{cq,sc}-host.db, the kiosk's journal <state>/sscard/journal-<terminal>.db, and the
// cards' memory <state>/sscard/cards.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "program_test.h"
#include "sscard/crypto/openssl.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/tcp.h"
#include "sscard/wire/wire.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

json profile_benefits(const std::string& name) { return read_json(card(name))["benefits"]; }

std::string yuan(std::uint64_t fen) {
  std::ostringstream s;
  s << fen / 100 << '.' << (fen % 100 < 10 ? "0" : "") << fen % 100;
  return s.str();
}

// The JSON a service printed; the exit code must be `expected_exit`. A failed service (exit != 0) also
// leaves exactly one line on stderr naming the command.
json parse_service_json(const ProcessOutput& result, const std::string& command, int expected_exit) {
  EXPECT_EQ(result.exit_code, expected_exit) << result.err << result.out;
  if (expected_exit != 0) expect_one_stderr_line(result, expected_exit, "sscard " + command, {});
  auto doc = json::parse(result.out, nullptr, false);
  EXPECT_FALSE(doc.is_discarded()) << result.out;
  return doc;
}

// Reads the first column of the first row from an SQLite database file (a host's or the kiosk's journal,
// while its program runs: WAL allows a reader beside the writer). nullopt when there is no such row.
std::optional<std::string> sql_text(const fs::path& db, const std::string& query) {
  sqlite3* handle = nullptr;
  std::optional<std::string> value;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(handle, 2000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(handle, query.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(handle);
  return value;
}

std::optional<long long> sql_int(const fs::path& db, const std::string& query) {
  auto text = sql_text(db, query);
  if (!text) return std::nullopt;
  return std::stoll(*text);
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// ---------------------------------------------------------------------------------------------------------
// The two test kiosks with the simulated issuers in sscard's own process.

class ServicesCli : public ProgramTest {
 protected:
  // sscard <command> --config cards/kiosks/<kiosk>.json --card cards/<profile>.json --format json [extra...]
  ProcessOutput service(const std::string& command, const std::string& profile, const std::string& kiosk,
                        const std::vector<std::string>& extra = {}, const std::string& format = "json") {
    std::vector<std::string> argv = {sscard_binary(), command,  "--config", kiosk_config(kiosk),
                                     "--card",        card(profile), "--format", format};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return this->run(argv);
  }
  json service_json(const std::string& command, const std::string& profile, const std::string& kiosk,
                    const std::vector<std::string>& extra = {}, int expected_exit = 0) {
    return parse_service_json(service(command, profile, kiosk, extra), command, expected_exit);
  }
  fs::path world_db(const std::string& which) const { return sscard_state() / "world" / (which + "-host.db"); }
  fs::path journal(const std::string& terminal) const { return sscard_state() / ("journal-" + terminal + ".db"); }
};

TEST_F(ServicesCli, SichuanCardAtAChongqingKioskIsAnsweredBySichuan) {
  const ProcessOutput run = service("query", "sc-suining-gen3", "cq-tongnan");
  EXPECT_EQ(run.err, "");
  const json out = parse_service_json(run, "query", 0);
  const json benefits = profile_benefits("sc-suining-gen3");
  EXPECT_EQ(out["operation"], "query");
  EXPECT_EQ(out["outcome"], "done");
  EXPECT_EQ(out["kiosk"], "cq");
  EXPECT_EQ(out["region"], "510900");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(out["home_issuer_code"], "510000");
  EXPECT_EQ(out["served_by"], "Chongqing");
  EXPECT_EQ(out["served_by_code"], "500000");
  EXPECT_EQ(out["terminal"], "500152000101");
  EXPECT_EQ(out["result"], "ok");
  EXPECT_EQ(out["name"], "王德全");
  EXPECT_EQ(out["card_state"], benefits["card_state"]);
  EXPECT_EQ(out["pension"]["status"], benefits["pension"]["status"]);
  EXPECT_EQ(out["pension"]["monthly"], yuan(benefits["pension"]["monthly_fen"].get<std::uint64_t>()));
  EXPECT_EQ(out["medical_balance"], yuan(benefits["medical_balance_fen"].get<std::uint64_t>()));
  EXPECT_EQ(out["last_certification"], benefits["last_certification"]);
  ASSERT_TRUE(out["contributions"].is_array());
  EXPECT_EQ(out["contributions"].size(), benefits["contributions"].size());
  EXPECT_EQ(out["duplicate"], false);
}

TEST_F(ServicesCli, ChongqingCardAtASichuanKioskIsAnsweredByChongqing) {
  const json out = service_json("query", "cq-yuzhong-gen2", "sc-suining");
  const json benefits = profile_benefits("cq-yuzhong-gen2");
  EXPECT_EQ(out["outcome"], "done");
  EXPECT_EQ(out["kiosk"], "sc");
  EXPECT_EQ(out["region"], "500103");
  EXPECT_EQ(out["home_issuer"], "Chongqing");
  EXPECT_EQ(out["home_issuer_code"], "500000");
  EXPECT_EQ(out["served_by"], "Sichuan");
  EXPECT_EQ(out["served_by_code"], "510000");
  EXPECT_EQ(out["terminal"], "510900000101");
  EXPECT_EQ(out["result"], "ok");
  EXPECT_EQ(out["name"], "李秀英");
  EXPECT_EQ(out["card_state"], benefits["card_state"]);
  EXPECT_EQ(out["pension"]["status"], benefits["pension"]["status"]);
  EXPECT_EQ(out["pension"]["monthly"], yuan(benefits["pension"]["monthly_fen"].get<std::uint64_t>()));
  EXPECT_EQ(out["medical_balance"], yuan(benefits["medical_balance_fen"].get<std::uint64_t>()));
  EXPECT_EQ(out["last_certification"], benefits["last_certification"]);
}

TEST_F(ServicesCli, TextOutputNamesBothProvinces) {
  const ProcessOutput run = service("query", "cq-yuzhong-gen2", "sc-suining", {}, "text");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err, "");
  const json benefits = profile_benefits("cq-yuzhong-gen2");
  EXPECT_EQ(run.out.rfind("query: done\n", 0), 0u) << run.out;
  EXPECT_NE(run.out.find("home issuer Chongqing, served by Sichuan"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("terminal 510900000101"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("李秀英"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find(yuan(benefits["medical_balance_fen"].get<std::uint64_t>()) + " yuan"), std::string::npos)
      << run.out;
}

TEST_F(ServicesCli, ContributionsComeNewestFirstFromTheHomeIssuer) {
  const json out = service_json("query", "sc-chengdu-gen2", "cq-tongnan");
  const json expected = profile_benefits("sc-chengdu-gen2")["contributions"];
  ASSERT_TRUE(out["contributions"].is_array());
  ASSERT_EQ(out["contributions"].size(), 12u);  // the protocol's limit; the profile has more
  std::string previous = "999999";
  for (const json& c : out["contributions"]) {
    EXPECT_LE(c["period"].get<std::string>(), previous);
    previous = c["period"].get<std::string>();
    bool found = false;
    for (const json& e : expected) {
      if (e["period"] == c["period"] && e["kind"] == c["kind"]) {
        EXPECT_EQ(c["amount"], yuan(e["amount_fen"].get<std::uint64_t>()));
        found = true;
      }
    }
    EXPECT_TRUE(found) << c.dump();
  }
}

// State changes are kept by the simulated issuers between runs (their databases in the state folder).
TEST_F(ServicesCli, StateChangesPersistInTheStateFolder) {
  json lost = service_json("report-loss", "sc-chengdu-gen2", "cq-tongnan");
  EXPECT_EQ(lost["result"], "ok");
  EXPECT_EQ(lost["card_state"], "loss_reported");
  EXPECT_EQ(lost["home_issuer"], "Sichuan");
  EXPECT_EQ(sql_text(journal("500152000101"), "SELECT state FROM requests"), "done");

  // The loss report holds: the Sichuan issuer refuses to certify the card, and a second report is refused.
  json again = service_json("report-loss", "sc-chengdu-gen2", "cq-tongnan", {}, 1);
  EXPECT_EQ(again["outcome"], "refused_by_issuer");
  EXPECT_EQ(again["result"], "invalid_state");
  json certify = service_json("certify", "sc-chengdu-gen2", "cq-tongnan", {"--pinpad", "sim:246810"}, 1);
  EXPECT_EQ(certify["result"], "card_not_active_for_change");
  json query = service_json("query", "sc-chengdu-gen2", "cq-tongnan");
  EXPECT_EQ(query["card_state"], "loss_reported");

  // Lifting it needs the card's PIN; a wrong PIN sends nothing to the issuer.
  json wrong = service_json("cancel-loss", "sc-chengdu-gen2", "cq-tongnan", {"--pinpad", "sim:111111"}, 1);
  EXPECT_EQ(wrong["outcome"], "card_fault");
  EXPECT_EQ(wrong["code"], -51);
  EXPECT_EQ(wrong["message"], "wrong PIN, 5 tries left");  // the certify above had the right PIN
  EXPECT_FALSE(wrong.contains("result"));
  json lifted = service_json("cancel-loss", "sc-chengdu-gen2", "cq-tongnan", {"--pinpad", "sim:246810"});
  EXPECT_EQ(lifted["card_state"], "active");
  EXPECT_EQ(sql_text(world_db("sc"), "SELECT card_state FROM holders WHERE ssn='510107199006110026'"), "active");
  EXPECT_EQ(sql_int(world_db("cq"), "SELECT count(*) FROM holders WHERE ssn='510107199006110026'"), 0)
      << "a Chongqing host never holds a Sichuan card's record";
}

// A failed service prints nothing on stdout in text mode: one line on stderr says why.
TEST_F(ServicesCli, AFailedServiceInTextModeIsOneLine) {
  ASSERT_EQ(service("report-loss", "sc-chengdu-gen2", "cq-tongnan", {}, "text").exit_code, 0);
  expect_one_line_error(service("report-loss", "sc-chengdu-gen2", "cq-tongnan", {}, "text"), 1, "sscard report-loss",
                        {"invalid_state", "loss_reported", "Sichuan"});
  expect_one_line_error(service("cancel-loss", "sc-chengdu-gen2", "cq-tongnan", {"--pinpad", "sim:111111"}, "text"), 1,
                        "sscard cancel-loss", {"wrong PIN", "(-51)"});
}

// Activation across the border: the Sichuan issuer records it, the card takes the new PIN, and neither the
// PINs nor the link keys appear in what the kiosk prints or keeps: not in its journal, not in the simulated
// issuers' databases, not in the PSAM's memory. (The holder card's own memory holds its PIN, as a real
// card's does: that one file is not searched.)
TEST_F(ServicesCli, ActivationAtTheOtherProvincesKioskLeavesNoPinBehind) {
  const auto run = service("activate", "sc-suining-gen3", "cq-tongnan", {"--pinpad", "sim:123456,975318,975318"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  EXPECT_EQ(run.err, "");
  const json out = json::parse(run.out);
  EXPECT_EQ(out["result"], "ok");
  EXPECT_EQ(out["card_state"], "active");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(sql_text(world_db("sc"), "SELECT card_state FROM holders WHERE ssn='510902195503020033'"), "active");
  EXPECT_EQ(sql_text(journal("500152000101"), "SELECT state FROM requests"), "done");

  const std::string card_id = "510900D1560000050000048A5D6E7F80";  // sc-suining-gen3's
  const fs::path card_memory = sscard_state() / "cards" / (card_id + ".card");
  ASSERT_TRUE(fs::exists(card_memory)) << "the card's memory is not where this test expects it";
  const json keys = read_json(cards_dir() / "keys" / "test-link-keys.json");
  const json config = read_json(kiosk_config("cq-tongnan"));
  std::size_t searched = 0;
  for (const std::string& secret : std::vector<std::string>{"975318", "123456", keys["master"].get<std::string>(),
                                                            config["link_key"].get<std::string>()}) {
    EXPECT_EQ(run.out.find(secret), std::string::npos) << secret;
    EXPECT_EQ(run.err.find(secret), std::string::npos) << secret;
    for (const auto& entry : fs::recursive_directory_iterator(state_home())) {
      if (!entry.is_regular_file() || entry.path() == card_memory) continue;
      ++searched;
      EXPECT_EQ(file_bytes(entry.path()).find(secret), std::string::npos) << secret << " in " << entry.path();
    }
  }
  EXPECT_GE(searched, 4u * 4u) << "journal, two issuer databases, the PSAM's memory";

  // The card kept the new PIN (a new run verifies it).
  auto verify = this->run({sscard_binary(), "pin", "verify", "--card", card("sc-suining-gen3"), "--pinpad",
                           "sim:975318"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
}

// Activate and certify in separate runs: the card remembers its new PIN, the issuer its new state; a second
// activation is refused.
TEST_F(ServicesCli, ActivateThenCertifyInSeparateRunsThenASecondActivationIsRefused) {
  const json activated = service_json("activate", "sc-suining-gen3", "cq-tongnan", {"--pinpad", "sim:123456,135246,135246"});
  EXPECT_EQ(activated["outcome"], "done");
  EXPECT_EQ(activated["result"], "ok");
  EXPECT_EQ(activated["card_state"], "active");
  EXPECT_EQ(activated["home_issuer"], "Sichuan");
  EXPECT_EQ(activated["served_by"], "Chongqing");

  const json certified = service_json("certify", "sc-suining-gen3", "cq-tongnan", {"--pinpad", "sim:135246"});
  EXPECT_EQ(certified["outcome"], "done");
  EXPECT_EQ(certified["result"], "ok");
  EXPECT_EQ(certified["card_state"], "active");
  EXPECT_EQ(certified["home_issuer"], "Sichuan");
  ASSERT_TRUE(certified["last_certification"].is_string()) << certified.dump();
  EXPECT_EQ(certified["last_certification"].get<std::string>().size(), 8u);
  EXPECT_EQ(sql_text(world_db("sc"), "SELECT last_certification FROM holders WHERE ssn='510902195503020033'"),
            certified["last_certification"].get<std::string>());

  // The holder tries again (current PIN, then it twice as the new one): refused, one line, nothing on stdout.
  const auto again = service("activate", "sc-suining-gen3", "cq-tongnan", {"--pinpad", "sim:135246,135246,135246"},
                             "text");
  expect_one_line_error(again, 1, "sscard activate", {"refused", "active"});
  EXPECT_EQ(sql_text(world_db("sc"), "SELECT card_state FROM holders WHERE ssn='510902195503020033'"), "active");
}

TEST_F(ServicesCli, AnUnknownRegionGetsAClearError) {
  const json out =
      parse_service_json(this->run({sscard_binary(), "query", "--config", kiosk_config("cq-tongnan"), "--card",
                                    (cards_dir() / "test" / "bj-chaoyang-gen2.json").string(), "--no-psam", "--format",
                                    "json"}),
                         "query", 1);
  EXPECT_EQ(out["region"], "110105");
  EXPECT_EQ(out["outcome"], "refused_by_issuer");
  EXPECT_EQ(out["result"], "unknown_region");
  EXPECT_EQ(out["home_issuer"], "");
  EXPECT_EQ(out["served_by"], "Chongqing");
}

// With the kiosk's PSAM the Beijing card fails earlier: the PSAM has no Beijing keys. A card fault in JSON
// carries the standard interface's code.
TEST_F(ServicesCli, ACardFaultCarriesTheInterfaceCode) {
  const ProcessOutput run = service("query", "test/bj-chaoyang-gen2", "cq-tongnan");
  const json out = parse_service_json(run, "query", 1);
  EXPECT_EQ(out["outcome"], "card_fault");
  EXPECT_EQ(out["code"], -21);
  EXPECT_FALSE(out.contains("result"));
  EXPECT_NE(run.err.find("110000"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("(-21)"), std::string::npos) << run.err;
}

// The services need a configuration: nowhere given (no --config, SSCARD_CONFIG unset by ProgramTest, no
// /etc/sscard/kiosk.json) is a command-line error.
TEST_F(ServicesCli, AKioskNeedsAConfiguration) {
  if (fs::exists("/etc/sscard/kiosk.json")) GTEST_SKIP() << "this machine has /etc/sscard/kiosk.json";
  for (const char* command : {"query", "report-loss", "recover"}) {
    SCOPED_TRACE(command);
    std::vector<std::string> argv = {sscard_binary(), command};
    if (std::string(command) != "recover") argv.insert(argv.end(), {"--card", card("sc-suining-gen3")});
    expect_one_line_error(this->run(argv), 2, std::string("sscard ") + command,
                          {"no kiosk configuration", "--config", "SSCARD_CONFIG"});
  }
  EXPECT_FALSE(fs::exists(sscard_state() / "world")) << "nothing was done";
}

TEST_F(ServicesCli, SscardConfigNamesTheConfiguration) {
  environment().set("SSCARD_CONFIG", kiosk_config("sc-suining"));
  const json out = parse_service_json(
      this->run({sscard_binary(), "query", "--card", card("cq-yuzhong-gen2"), "--format", "json"}), "query", 0);
  EXPECT_EQ(out["kiosk"], "sc");
  EXPECT_EQ(out["terminal"], "510900000101");
  EXPECT_EQ(out["served_by"], "Sichuan");
  EXPECT_EQ(out["home_issuer"], "Chongqing");
}

// A configuration whose PSAM carries another terminal number: the kiosk refuses to work, naming both.
TEST_F(ServicesCli, APsamOfAnotherTerminalIsRefused) {
  json config = read_json(kiosk_config("cq-tongnan"));
  ASSERT_EQ(config["terminal"], "500152000101");
  ASSERT_EQ(config["readers"]["psam"], "sim:../psam/cq-kiosk.json");
  // Copied into the test's folder: the relative paths made absolute, the terminal number another one.
  config["terminal"] = "500152000199";
  config["readers"]["psam"] = "sim:" + psam("cq-kiosk");
  config["host"]["simulated"]["cards"] = cards_dir().string();
  config["host"]["simulated"]["link_keys"] = (cards_dir() / "keys" / "test-link-keys.json").string();
  config["payment"]["ca_keys"] = (cards_dir() / "keys" / "test-ca-public.json").string();
  const fs::path file = dir() / "other-terminal.json";
  std::ofstream(file) << config.dump(2) << "\n";

  const std::vector<std::string> mentions = {"500152000101", "500152000199", file.string()};
  expect_one_line_error(this->run({sscard_binary(), "read", "--config", file.string(), "--card",
                                   card("sc-chengdu-gen2")}),
                        1, "sscard read", mentions);
  expect_setup_failure_of_a_json_read(this->run({sscard_binary(), "read", "--config", file.string(), "--card",
                                                 card("sc-chengdu-gen2"), "--format", "json"}),
                                      mentions);
  expect_one_line_error(this->run({sscard_binary(), "query", "--config", file.string(), "--card",
                                   card("sc-chengdu-gen2")}),
                        1, "sscard query", mentions);
  // The same file without its PSAM reads (it is the PSAM's number that is refused).
  auto no_psam = this->run({sscard_binary(), "read", "--config", file.string(), "--card", card("sc-chengdu-gen2"),
                            "--no-psam", "--format", "json"});
  EXPECT_EQ(no_psam.exit_code, 0) << no_psam.err;
}

// ---------------------------------------------------------------------------------------------------------
// Real processes on loopback: `sscard-sim host --province cq|sc` and `sscard-sim hub`.

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return 0;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string at(std::uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

class HostProcesses : public ProgramTest {
 protected:
  void SetUp() override {
    cq_port_ = free_port();
    sc_port_ = free_port();
    hub_port_ = free_port();
    ASSERT_NE(cq_port_, 0);
    ASSERT_NE(sc_port_, 0);
    ASSERT_NE(hub_port_, 0);
    start_host("cq", {});
    start_host("sc", {});
    start_hub({});
  }
  void TearDown() override {
    cq_.reset();
    sc_.reset();
    hub_.reset();
  }

  static bool listening(const BackgroundProcess& p) { return p.out().find(" listening on ") != std::string::npos; }

  std::unique_ptr<BackgroundProcess> start_server(const std::vector<std::string>& argv, const std::string& says) {
    auto p = start(argv);
    EXPECT_TRUE(p->started());
    EXPECT_TRUE(wait_until([&] { return listening(*p); }, 20s)) << p->err();
    EXPECT_EQ(p->out(), says + "\n");
    return p;
  }

  void start_host(const std::string& which, const std::vector<std::string>& extra) {
    const std::uint16_t port = which == "cq" ? cq_port_ : sc_port_;
    std::vector<std::string> argv = {sscard_sim_binary(), "host", "--province", which, "--listen", at(port),
                                     "--db", db(which).string(), "--hub", at(hub_port_), "--forward-timeout-ms",
                                     "2000"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const std::string says = which == "cq" ? "Chongqing host 500000000000 listening on " + at(port)
                                           : "Sichuan host 510000000000 listening on " + at(port);
    (which == "cq" ? cq_ : sc_) = start_server(argv, says);
  }
  void start_hub(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {sscard_sim_binary(), "hub", "--listen", at(hub_port_), "--cq", at(cq_port_),
                                     "--sc", at(sc_port_), "--forward-timeout-ms", "2000"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    hub_ = start_server(argv, "hub listening on " + at(hub_port_));
  }
  static void kill9(std::unique_ptr<BackgroundProcess>& p) {
    ASSERT_TRUE(p->signal(SIGKILL));
    ASSERT_TRUE(p->wait(10s).has_value());
    p.reset();
  }

  fs::path db(const std::string& which) const { return dir() / (which + "-host.db"); }
  fs::path journal() const { return dir() / "kiosk-journal.db"; }
  static std::string config_of(const std::string& site) {
    return kiosk_config(site == "cq" ? "cq-tongnan" : "sc-suining");
  }

  std::vector<std::string> kiosk(const std::string& command, const std::string& profile,
                                 const std::string& site = "cq") const {
    return {sscard_binary(), command, "--config", config_of(site), "--card", card(profile), "--host",
            at(site == "cq" ? cq_port_ : sc_port_), "--journal", journal().string(), "--timeout-ms", "1500",
            "--attempts", "2", "--format", "json"};
  }
  json kiosk_json(const std::string& command, const std::string& profile, const std::string& site = "cq",
                  int expected_exit = 0) const {
    return parse_service_json(run(kiosk(command, profile, site)), command, expected_exit);
  }
  std::vector<std::string> recover(const std::string& site = "cq") const {
    return {sscard_binary(), "recover", "--config", config_of(site), "--host", at(site == "cq" ? cq_port_ : sc_port_),
            "--journal", journal().string()};
  }
  std::optional<long long> stored_requests(const std::string& which) const {
    return sql_int(db(which), "SELECT count(*) FROM requests");
  }
  std::optional<long long> pending_in_journal() const {
    return sql_int(journal(), "SELECT count(*) FROM requests WHERE state = 'pending'");
  }

  std::uint16_t cq_port_ = 0, sc_port_ = 0, hub_port_ = 0;
  std::unique_ptr<BackgroundProcess> cq_, sc_, hub_;
};

TEST_F(HostProcesses, RoutesBothWaysThroughTheHub) {
  json sc_at_cq = kiosk_json("query", "sc-mianyang-gen1", "cq");
  EXPECT_EQ(sc_at_cq["home_issuer"], "Sichuan");
  EXPECT_EQ(sc_at_cq["served_by"], "Chongqing");
  EXPECT_EQ(sc_at_cq["medical_balance"],
            yuan(profile_benefits("sc-mianyang-gen1")["medical_balance_fen"].get<std::uint64_t>()));
  json cq_at_sc = kiosk_json("query", "cq-yuzhong-gen2", "sc");
  EXPECT_EQ(cq_at_sc["home_issuer"], "Chongqing");
  EXPECT_EQ(cq_at_sc["served_by"], "Sichuan");
  EXPECT_EQ(cq_at_sc["terminal"], "510900000101");
  json own = kiosk_json("query", "cq-yuzhong-gen2", "cq");
  EXPECT_EQ(own["home_issuer"], "Chongqing");
  EXPECT_EQ(own["served_by"], "Chongqing");
  // --host took the place of the configuration's simulated issuers: none were made in the state folder.
  EXPECT_FALSE(fs::exists(sscard_state() / "world"));
}

// A kiosk provisioned for a new terminal number talks to the host processes with the link key derived for
// it; the same file with one hex digit of its link key changed is refused by the host (bad MAC).
TEST_F(HostProcesses, AProvisionedKioskIsServedAndAChangedLinkKeyIsRefused) {
  const fs::path config = dir() / "k.json";
  auto provision = run({sscard_sim_binary(), "provision", "--terminal", "500152000207", "--region", "500152", "--out",
                        config.string(), "--host", at(cq_port_)});
  ASSERT_EQ(provision.exit_code, 0) << provision.err;
  EXPECT_EQ(provision.err, "");
  EXPECT_NE(provision.out.find(config.string()), std::string::npos) << provision.out;
  EXPECT_NE(provision.out.find("500152000207"), std::string::npos) << provision.out;
  // It holds a key: readable by its owner only.
  EXPECT_EQ(fs::status(config).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  const json written = read_json(config);
  EXPECT_EQ(written["terminal"], "500152000207");
  EXPECT_EQ(written["region"], "500152");
  EXPECT_EQ(written["province"], "500000");
  EXPECT_EQ(written["host"]["address"], at(cq_port_));
  // An existing file is not replaced without --force.
  expect_one_line_error(run({sscard_sim_binary(), "provision", "--terminal", "500152000207", "--region", "500152",
                             "--out", config.string(), "--host", at(cq_port_)}),
                        1, "sscard-sim provision", {config.string(), "--force"});

  const ProcessOutput served = run({sscard_binary(), "query", "--config", config.string(), "--card",
                                    card("sc-chengdu-gen2"), "--format", "json"});
  EXPECT_EQ(served.err, "");
  const json out = parse_service_json(served, "query", 0);
  EXPECT_EQ(out["outcome"], "done");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(out["served_by"], "Chongqing");
  EXPECT_EQ(out["terminal"], "500152000207");
  EXPECT_EQ(out["kiosk"], written["id"]);
  EXPECT_EQ(out["name"], "陈静");

  // One hex digit of "link_key" changed, everything else as written.
  std::string text = read_file(config);
  const std::string key = written["link_key"];
  ASSERT_EQ(key.size(), 32u);
  const auto at_key = text.find("\"" + key + "\"");
  ASSERT_NE(at_key, std::string::npos);
  char& digit = text[at_key + 1 + 7];
  digit = digit == '0' ? '1' : '0';
  const fs::path tampered = dir() / "k-tampered.json";
  std::ofstream(tampered) << text;
  ASSERT_EQ(read_json(tampered)["link_key"].get<std::string>().size(), 32u);
  ASSERT_NE(read_json(tampered)["link_key"], key);

  const auto refused = run({sscard_binary(), "query", "--config", tampered.string(), "--card", card("sc-chengdu-gen2")});
  expect_one_line_error(refused, 1, "sscard query", {"link key", "bad MAC", tampered.string(), "500152000207"});
}

// The home issuer applies the loss report and the hub is killed before it relays the answer: the kiosk
// keeps the request pending; after the hub is back, recovery gets the stored answer and nothing is applied
// twice.
TEST_F(HostProcesses, HubKilledMidRequestLeavesTheRequestDoneOnceAfterRecovery) {
  kill9(hub_);
  start_hub({"--stall-ms", "60000"});
  auto report = start(kiosk("report-loss", "sc-chengdu-gen2"));
  ASSERT_TRUE(wait_until([&] { return stored_requests("sc") == 1; }, 20s)) << report->err();
  kill9(hub_);

  const auto code = report->wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3) << report->out() << report->err();  // sent, not answered: kept in the journal
  const ProcessOutput ended{*code, report->out(), report->err()};
  expect_one_stderr_line(ended, 3, "sscard report-loss", {journal().string(), "sscard recover"});
  EXPECT_EQ(json::parse(ended.out)["outcome"], "host_unreachable") << ended.out;
  EXPECT_EQ(pending_in_journal(), 1);
  EXPECT_EQ(sql_text(db("sc"), "SELECT card_state FROM holders WHERE ssn='510107199006110026'"), "loss_reported");

  start_hub({});
  const auto recovered = run(recover());
  EXPECT_EQ(recovered.exit_code, 0) << recovered.err;
  EXPECT_EQ(recovered.err, "");
  EXPECT_NE(recovered.out.find("earlier report-loss"), std::string::npos) << recovered.out;
  EXPECT_NE(recovered.out.find("stored answer"), std::string::npos) << recovered.out;
  EXPECT_EQ(pending_in_journal(), 0);
  EXPECT_EQ(stored_requests("sc"), 1);
  EXPECT_EQ(sql_text(db("sc"), "SELECT card_state FROM holders WHERE ssn='510107199006110026'"), "loss_reported");

  // Nothing is left: a second recovery says so.
  const auto nothing = run(recover());
  EXPECT_EQ(nothing.exit_code, 0) << nothing.err;
  EXPECT_EQ(nothing.out, "nothing pending in the journal\n");

  // A new request (new key) sees the state the first one left: a loss already reported.
  json again = kiosk_json("report-loss", "sc-chengdu-gen2", "cq", 1);
  EXPECT_EQ(again["result"], "invalid_state");
}

// The home host is killed after committing and before answering; restarted on the same database, it answers
// the kiosk's retry from what it stored.
TEST_F(HostProcesses, HomeHostKilledAfterCommitAnswersTheRetryFromItsDatabase) {
  kill9(sc_);
  start_host("sc", {"--stall-ms", "60000"});
  auto certify = start([&] {
    auto argv = kiosk("certify", "sc-mianyang-gen1");
    argv.insert(argv.end(), {"--pinpad", "sim:135790"});
    return argv;
  }());
  ASSERT_TRUE(wait_until([&] { return stored_requests("sc") == 1; }, 20s)) << certify->err();
  kill9(sc_);
  const auto code = certify->wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3) << certify->out() << certify->err();
  EXPECT_EQ(pending_in_journal(), 1);

  // While the host is down, recovery keeps it pending (exit 3, one line).
  const auto too_early = run(recover());
  EXPECT_EQ(too_early.exit_code, 3) << too_early.err << too_early.out;
  EXPECT_EQ(std::count(too_early.err.begin(), too_early.err.end(), '\n'), 1) << too_early.err;
  EXPECT_NE(too_early.err.find("still pending"), std::string::npos) << too_early.err;
  EXPECT_EQ(pending_in_journal(), 1);

  start_host("sc", {});
  const auto recovered = run(recover());
  EXPECT_EQ(recovered.exit_code, 0) << recovered.err;
  EXPECT_NE(recovered.out.find("certify"), std::string::npos) << recovered.out;
  EXPECT_NE(recovered.out.find("stored answer"), std::string::npos) << recovered.out;
  EXPECT_EQ(stored_requests("sc"), 1);
  EXPECT_EQ(pending_in_journal(), 0);
}

// The kiosk itself dies (kill -9) while waiting; its journal survives and the next run finishes the request
// (and the card, whose memory the killed run held, works in the next run).
TEST_F(HostProcesses, KioskKilledMidRequestFinishesItAfterRestart) {
  kill9(hub_);
  start_hub({"--stall-ms", "60000"});
  auto report = start(kiosk("report-loss", "sc-liangshan-longname-gen2"));
  ASSERT_TRUE(wait_until([&] { return stored_requests("sc") == 1; }, 20s)) << report->err();
  ASSERT_TRUE(report->signal(SIGKILL));
  ASSERT_TRUE(report->wait(10s).has_value());
  EXPECT_EQ(pending_in_journal(), 1);

  kill9(hub_);
  start_hub({});
  // Any next service run finishes the journal first (a note), then serves its own request.
  const auto next = run(kiosk("query", "sc-liangshan-longname-gen2"));
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(std::count(next.err.begin(), next.err.end(), '\n'), 1) << next.err;
  EXPECT_EQ(next.err.rfind("sscard query: note: earlier report-loss ", 0), 0u) << next.err;
  EXPECT_NE(next.err.find("done"), std::string::npos) << next.err;
  EXPECT_EQ(json::parse(next.out)["card_state"], "loss_reported");
  EXPECT_EQ(pending_in_journal(), 0);
  EXPECT_EQ(stored_requests("sc"), 1);
}

// The documented operator step for a held activation (docs/RELIABILITY.md "Held activations"): one UPDATE of the
// kiosk's journal. Returns how many rows it changed (-1 on error).
int operator_sql(const fs::path& db, const std::string& statement) {
  sqlite3* handle = nullptr;
  int changed = -1;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(handle, 2000);
    if (sqlite3_exec(handle, statement.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK) changed = sqlite3_changes(handle);
  }
  sqlite3_close(handle);
  return changed;
}

// The idempotency key of the line "earlier activate KEY: awaiting_card ..." of `sscard recover`.
std::string held_key(const std::string& out) {
  const std::string prefix = "earlier activate ";
  const auto at = out.find(prefix);
  if (at == std::string::npos) return {};
  return out.substr(at + prefix.size(), 32);
}

constexpr char kTongnanSsn[] = "500223198807150019";

// An activation killed after CHANGE PIN is held at the card step: `sscard recover` says so apart from requests
// the host did not answer (exit 3 while one of those is left, exit 4 when only the held one is), and the
// documented operator step releases it to the issuer.
TEST_F(HostProcesses, RecoverReportsAHeldActivationApartAndTheOperatorReleasesIt) {
  environment().set("SSCARD_TEST_CRASH_AT", "before-journal-card-step");
  auto activate = kiosk("activate", "cq-tongnan-gen3");
  activate.insert(activate.end(), {"--pinpad", "sim:123456,975318,975318"});
  const auto killed = run(activate);
  environment().unset("SSCARD_TEST_CRASH_AT");
  ASSERT_EQ(killed.exit_code, -1) << killed.out << killed.err;  // SIGKILL at the point
  EXPECT_EQ(sql_int(journal(), "SELECT count(*) FROM requests WHERE state = 'pending' AND step = 'card'"), 1);

  // A second request the host does not answer: its own host is down.
  kill9(cq_);
  const auto unanswered = run(kiosk("report-loss", "sc-liangshan-longname-gen2"));
  EXPECT_EQ(unanswered.exit_code, 3) << unanswered.out << unanswered.err;

  // Both left: exit 3 (running again helps the unanswered one), one line for each, each with its own remedy.
  const auto both = run(recover());
  EXPECT_EQ(both.exit_code, 3) << both.out << both.err;
  EXPECT_EQ(std::count(both.err.begin(), both.err.end(), '\n'), 2) << both.err;
  std::istringstream lines(both.err);
  std::string held_line, unanswered_line;
  std::getline(lines, held_line);
  std::getline(lines, unanswered_line);
  EXPECT_EQ(held_line.rfind("sscard recover: 1 activation is held at the card step", 0), 0u) << held_line;
  EXPECT_NE(held_line.find("\"Held activations\""), std::string::npos) << held_line;
  EXPECT_NE(held_line.find(journal().string()), std::string::npos) << held_line;
  EXPECT_EQ(held_line.find("did not answer"), std::string::npos) << held_line;
  EXPECT_EQ(unanswered_line,
            "sscard recover: 1 request is still pending: the host did not answer; run `sscard recover` again later");
  const std::string key = held_key(both.out);
  ASSERT_EQ(key.size(), 32u) << both.out;
  EXPECT_NE(both.out.find("earlier activate " + key + ": awaiting_card (held for an operator; not sent)"),
            std::string::npos)
      << both.out;

  // The host back: the unanswered request is done; the held one is all that is left (exit 4, one line).
  start_host("cq", {});
  const auto held = run(recover());
  EXPECT_EQ(held.exit_code, 4) << held.out << held.err;
  EXPECT_EQ(std::count(held.err.begin(), held.err.end(), '\n'), 1) << held.err;
  EXPECT_EQ(held.err.rfind(held_line, 0), 0u) << held.err;
  EXPECT_NE(held.out.find("earlier report-loss"), std::string::npos) << held.out;
  EXPECT_EQ(sql_text(db("cq"), std::string("SELECT card_state FROM holders WHERE ssn = '") + kTongnanSsn + "'"),
            "not_activated");  // the issuer was never told

  // The operator's check: the card takes the new PIN, so it did its part; release the entry to the issuer.
  const auto verify = run({sscard_binary(), "pin", "verify", "--card", card("cq-tongnan-gen3"), "--pinpad",
                           "sim:975318"});
  ASSERT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_EQ(operator_sql(journal(), "UPDATE requests SET step = 'issuer' WHERE hex(idem_key) = '" + key +
                                        "' AND state = 'pending' AND step = 'card'"),
            1);
  const auto released = run(recover());
  EXPECT_EQ(released.exit_code, 0) << released.out << released.err;
  EXPECT_EQ(released.err, "");
  EXPECT_NE(released.out.find("earlier activate " + key + ": done"), std::string::npos) << released.out;
  EXPECT_EQ(sql_text(db("cq"), std::string("SELECT card_state FROM holders WHERE ssn = '") + kTongnanSsn + "'"),
            "active");
  EXPECT_EQ(pending_in_journal(), 0);
}

// Killed before CHANGE PIN: the card keeps its initial PIN; the operator drops the entry and the holder
// activates again.
TEST_F(HostProcesses, AHeldActivationTheCardNeverDidIsDroppedAndActivatedAgain) {
  environment().set("SSCARD_TEST_CRASH_AT", "journal-record");
  auto activate = kiosk("activate", "cq-tongnan-gen3");
  activate.insert(activate.end(), {"--pinpad", "sim:123456,975318,975318"});
  const auto killed = run(activate);
  environment().unset("SSCARD_TEST_CRASH_AT");
  ASSERT_EQ(killed.exit_code, -1) << killed.out << killed.err;

  const auto held = run(recover());
  EXPECT_EQ(held.exit_code, 4) << held.out << held.err;
  EXPECT_EQ(std::count(held.err.begin(), held.err.end(), '\n'), 1) << held.err;
  EXPECT_NE(held.err.find("held at the card step"), std::string::npos) << held.err;
  const std::string key = held_key(held.out);
  ASSERT_EQ(key.size(), 32u) << held.out;

  // The card still takes the initial PIN (right, but refused for use: -35): it never changed it; drop the entry.
  const auto verify = run({sscard_binary(), "pin", "verify", "--card", card("cq-tongnan-gen3"), "--pinpad",
                           "sim:123456"});
  EXPECT_EQ(verify.exit_code, 1) << verify.err;
  EXPECT_EQ(verify.err, "sscard pin verify: the PIN is still the initial PIN: change it first (-35)\n");
  EXPECT_EQ(operator_sql(journal(), "UPDATE requests SET state = 'failed', failure = 'operator: card step not done' "
                                    "WHERE hex(idem_key) = '" + key + "' AND state = 'pending' AND step = 'card'"),
            1);
  const auto nothing = run(recover());
  EXPECT_EQ(nothing.exit_code, 0) << nothing.out << nothing.err;
  EXPECT_EQ(nothing.out, "nothing pending in the journal\n");
  EXPECT_EQ(nothing.err, "");

  const auto again = run(activate);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_EQ(sql_text(db("cq"), std::string("SELECT card_state FROM holders WHERE ssn = '") + kTongnanSsn + "'"),
            "active");
  EXPECT_EQ(pending_in_journal(), 0);
}

// A request is answered the same way however often it arrives: a byte-identical replay is refused, a new frame
// with the same idempotency key gets the stored answer, and a forged MAC is refused without any change.
TEST_F(HostProcesses, ReplayedForgedAndMalformedMessagesAreRefused) {
  auto crypto = crypto::make_openssl_crypto();
  const json keys = read_json(cards_dir() / "keys" / "test-link-keys.json");
  Bytes master(16);
  ASSERT_TRUE(from_hex(keys["master"].get<std::string>(), master).ok());
  auto link = wire::derive_link_key(*crypto, master, "500152000101");
  ASSERT_TRUE(link.ok());

  wire::Request request;
  request.operation = wire::Operation::kReportLoss;
  ASSERT_TRUE(crypto->random(request.key).ok());
  request.terminal = "500152000101";
  request.serving_province = "500000";
  request.card_region = "500103";
  request.ssn = "50010319620315422X";
  request.card_number = "CQ1506011";
  request.date = "20261127";
  const json profile = read_json(card("cq-yuzhong-gen2"));
  request.card_id = *from_hex("500103D156000005" + profile["issuer"]["card_serial"].get<std::string>());
  Bytes payload;
  ASSERT_TRUE(wire::encode(request, payload).ok());
  auto seal = [&](const wire::LinkKey& key) {
    wire::FrameHeader header;
    header.kind = wire::FrameKind::kRequest;
    header.sender = "500152000101";
    header.nonce = wire::fresh_nonce(*crypto);
    header.timestamp_ms = wire::now_ms();
    return *wire::seal(*crypto, header, payload, key);
  };
  wire::TcpChannel to_cq(*wire::Address::parse(at(cq_port_)));
  auto frame_of = [](const Bytes& message) { return ByteSpan(message).subspan(4); };

  wire::LinkKey wrong = *link;
  wrong[0] ^= 0x01;
  auto forged = to_cq.exchange(seal(wrong), 3s);
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(wire::refusal_reason(frame_of(*forged)).value(), wire::RefusalReason::kBadMac);
  EXPECT_EQ(stored_requests("cq"), 0);

  const Bytes first = seal(*link);
  auto answer = to_cq.exchange(first, 3s);
  ASSERT_TRUE(answer.ok());
  auto opened = wire::open(*crypto, frame_of(*answer), *link);
  ASSERT_TRUE(opened.ok());
  auto response = wire::decode_response(opened->payload);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->result, wire::ResultCode::kOk);
  EXPECT_FALSE(response->duplicate);

  auto replay = to_cq.exchange(first, 3s);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(wire::refusal_reason(frame_of(*replay)).value(), wire::RefusalReason::kReplay);

  auto retry = to_cq.exchange(seal(*link), 3s);  // same key, new frame
  ASSERT_TRUE(retry.ok());
  auto retried = wire::decode_response(wire::open(*crypto, frame_of(*retry), *link)->payload);
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(retried->result, wire::ResultCode::kOk);
  EXPECT_TRUE(retried->duplicate);
  EXPECT_EQ(retried->card_state, wire::CardState::kLossReported);
  EXPECT_EQ(stored_requests("cq"), 1);

  Bytes garbage = {0x00, 0x00, 0x00, 0x30};
  garbage.resize(4 + 0x30, 0xA5);
  auto malformed = to_cq.exchange(garbage, 3s);
  ASSERT_TRUE(malformed.ok());
  EXPECT_EQ(wire::refusal_reason(frame_of(*malformed)).value(), wire::RefusalReason::kMalformed);
  EXPECT_EQ(stored_requests("cq"), 1);
  // The host still serves after all of it.
  EXPECT_EQ(kiosk_json("query", "cq-yuzhong-gen2")["card_state"], "loss_reported");
}

}  // namespace
}  // namespace sscard::test
