// Card services across the Chuan-Yu border with the real `sscard` binary: in-process issuers, and real
// `sscard host` / `sscard hub` processes on loopback that are killed with SIGKILL in the middle of a request.
// Expected holder data comes from the card profiles' "benefits" blocks, read here with a JSON parser.
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

#include "background_process.h"
#include "run_process.h"
#include "sscard/crypto/openssl.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/tcp.h"
#include "sscard/wire/wire.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

const fs::path kCards = SSCARD_CARDS_DIR;

std::string card(const std::string& name) { return (kCards / (name + ".json")).string(); }

json read_json(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

json profile_benefits(const std::string& name) { return read_json(kCards / (name + ".json"))["benefits"]; }

std::string yuan(std::uint64_t fen) {
  std::ostringstream s;
  s << fen / 100 << '.' << (fen % 100 < 10 ? "0" : "") << fen % 100;
  return s.str();
}

json run_json(const std::vector<std::string>& argv, int expected_exit = 0) {
  const auto result = run_process(argv);
  EXPECT_EQ(result.exit_code, expected_exit) << result.err << result.out;
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

// ---------------------------------------------------------------------------------------------------------
// In-process issuers (the default of the CLI).

TEST(ServicesCli, SichuanCardAtAChongqingKioskIsAnsweredBySichuan) {
  const json out = run_json({sscard_binary(), "query", "--card", card("sc-suining-gen3"), "--kiosk", "cq",
                             "--format", "json"});
  const json benefits = profile_benefits("sc-suining-gen3");
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
  EXPECT_TRUE(out["contributions"].is_array());
}

TEST(ServicesCli, ChongqingCardAtASichuanKioskIsAnsweredByChongqing) {
  const json out = run_json({sscard_binary(), "query", "--card", card("cq-yuzhong-gen2"), "--kiosk", "sc",
                             "--format", "json"});
  const json benefits = profile_benefits("cq-yuzhong-gen2");
  EXPECT_EQ(out["region"], "500103");
  EXPECT_EQ(out["home_issuer"], "Chongqing");
  EXPECT_EQ(out["served_by"], "Sichuan");
  EXPECT_EQ(out["terminal"], "510900000101");
  EXPECT_EQ(out["name"], "李秀英");
  EXPECT_EQ(out["pension"]["status"], benefits["pension"]["status"]);
  EXPECT_EQ(out["pension"]["monthly"], yuan(benefits["pension"]["monthly_fen"].get<std::uint64_t>()));
  EXPECT_EQ(out["medical_balance"], yuan(benefits["medical_balance_fen"].get<std::uint64_t>()));
}

TEST(ServicesCli, ContributionsComeNewestFirstFromTheHomeIssuer) {
  const json out = run_json({sscard_binary(), "query", "--card", card("sc-chengdu-gen2"), "--kiosk", "cq",
                             "--format", "json"});
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

TEST(ServicesCli, StateChangesPersistInTheStateFolder) {
  const fs::path state = fs::temp_directory_path() / ("sscard-state-" + std::to_string(getpid()));
  fs::remove_all(state);
  const std::vector<std::string> common = {"--card", card("sc-chengdu-gen2"), "--kiosk", "cq", "--state",
                                           state.string(), "--format", "json"};
  auto with = [&](std::vector<std::string> argv) {
    argv.insert(argv.end(), common.begin(), common.end());
    return argv;
  };
  json lost = run_json(with({sscard_binary(), "report-loss"}));
  EXPECT_EQ(lost["result"], "ok");
  EXPECT_EQ(lost["card_state"], "loss_reported");
  EXPECT_EQ(lost["home_issuer"], "Sichuan");

  // The loss report holds: the Sichuan issuer refuses to certify the card, and a second report is refused.
  json again = run_json(with({sscard_binary(), "report-loss"}), 1);
  EXPECT_EQ(again["result"], "invalid_state");
  json certify = run_json(with({sscard_binary(), "certify", "--pinpad", "sim:246810"}), 1);
  EXPECT_EQ(certify["result"], "card_not_active_for_change");
  json query = run_json(with({sscard_binary(), "query"}));
  EXPECT_EQ(query["card_state"], "loss_reported");

  // Lifting it needs the card's PIN; a wrong PIN sends nothing to the issuer.
  json wrong = run_json(with({sscard_binary(), "cancel-loss", "--pinpad", "sim:111111"}), 1);
  EXPECT_EQ(wrong["outcome"], "card_fault");
  EXPECT_FALSE(wrong.contains("result"));
  json lifted = run_json(with({sscard_binary(), "cancel-loss", "--pinpad", "sim:246810"}));
  EXPECT_EQ(lifted["card_state"], "active");
  EXPECT_EQ(sql_text(state / "sc-host.db", "SELECT card_state FROM holders WHERE ssn='510107199006110026'"),
            "active");
  EXPECT_EQ(sql_int(state / "cq-host.db", "SELECT count(*) FROM holders WHERE ssn='510107199006110026'"), 0)
      << "a Chongqing host never holds a Sichuan card's record";
  fs::remove_all(state);
}

// Activation across the border: the Sichuan issuer records it, the card takes the new PIN, and neither the
// PINs nor the link key appear in what the kiosk prints or keeps in its journal.
TEST(ServicesCli, ActivationAtTheOtherProvincesKioskLeavesNoPinBehind) {
  const fs::path state = fs::temp_directory_path() / ("sscard-activate-" + std::to_string(getpid()));
  fs::remove_all(state);
  const auto run = run_process({sscard_binary(), "activate", "--card", card("sc-suining-gen3"), "--kiosk", "cq",
                                "--state", state.string(), "--pinpad", "sim:123456,975318,975318", "--format",
                                "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const json out = json::parse(run.out);
  EXPECT_EQ(out["result"], "ok");
  EXPECT_EQ(out["card_state"], "active");
  EXPECT_EQ(out["home_issuer"], "Sichuan");
  EXPECT_EQ(sql_text(state / "sc-host.db", "SELECT card_state FROM holders WHERE ssn='510902195503020033'"),
            "active");
  EXPECT_EQ(sql_text(state / "journal-500152000101.db", "SELECT state FROM requests"), "done");
  const json keys = read_json(kCards / "keys" / "test-link-keys.json");
  for (const std::string& secret : std::vector<std::string>{"975318", "123456", keys["master"].get<std::string>()}) {
    EXPECT_EQ(run.out.find(secret), std::string::npos) << secret;
    EXPECT_EQ(run.err.find(secret), std::string::npos) << secret;
    for (const auto& entry : fs::directory_iterator(state)) {
      std::ifstream in(entry.path(), std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      EXPECT_EQ(bytes.find(secret), std::string::npos) << secret << " in " << entry.path();
    }
  }
  fs::remove_all(state);
}

TEST(ServicesCli, AnUnknownRegionGetsAClearError) {
  const json out = run_json({sscard_binary(), "query", "--card", (kCards / "test" / "bj-chaoyang-gen2.json").string(),
                             "--kiosk", "cq", "--no-psam", "--format", "json"},
                            1);
  EXPECT_EQ(out["region"], "110105");
  EXPECT_EQ(out["result"], "unknown_region");
  EXPECT_EQ(out["home_issuer"], "");
}

TEST(ServicesCli, TheDemoServesEachProvincesCardInTheOther) {
  const auto run = run_process({sscard_binary(), "demo"});
  ASSERT_EQ(run.exit_code, 0) << run.err << run.out;
  const auto sc_at_cq = run.out.find("sc-suining-gen3.json at a Chongqing kiosk:");
  const auto cq_at_sc = run.out.find("cq-yuzhong-gen2.json at a Sichuan kiosk:");
  ASSERT_NE(sc_at_cq, std::string::npos) << run.out;
  ASSERT_NE(cq_at_sc, std::string::npos) << run.out;
  EXPECT_NE(run.out.find("home issuer Sichuan, served by Chongqing", sc_at_cq), std::string::npos);
  EXPECT_NE(run.out.find("home issuer Chongqing, served by Sichuan", cq_at_sc), std::string::npos);
}

TEST(ServicesCli, AKioskNeedsToKnowWhereItIs) {
  const auto result = run_process({sscard_binary(), "query", "--card", card("sc-suining-gen3")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--kiosk cq|sc"), std::string::npos) << result.err;
}

// ---------------------------------------------------------------------------------------------------------
// Real processes on loopback.

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

class HostProcesses : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sscard-hosts-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    cq_port_ = free_port();
    sc_port_ = free_port();
    hub_port_ = free_port();
    ASSERT_NE(cq_port_, 0);
    start_host("cq", {});
    start_host("sc", {});
    start_hub({});
  }
  void TearDown() override {
    cq_.reset();
    sc_.reset();
    hub_.reset();
    fs::remove_all(dir_);
  }

  static bool listening(const BackgroundProcess& p) { return p.out().find("listening on") != std::string::npos; }

  std::unique_ptr<BackgroundProcess> start(std::vector<std::string> argv) {
    auto p = std::make_unique<BackgroundProcess>(argv);
    EXPECT_TRUE(p->started());
    EXPECT_TRUE(wait_until([&] { return listening(*p); }, 20s)) << p->err();
    return p;
  }

  void start_host(const std::string& which, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {sscard_binary(), "host", "--province", which, "--listen",
                                     at(which == "cq" ? cq_port_ : sc_port_), "--db", db(which).string(),
                                     "--hub", at(hub_port_), "--forward-timeout-ms", "2000"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    (which == "cq" ? cq_ : sc_) = start(argv);
  }
  void start_hub(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {sscard_binary(), "hub", "--listen", at(hub_port_), "--cq", at(cq_port_),
                                     "--sc", at(sc_port_), "--forward-timeout-ms", "2000"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    hub_ = start(argv);
  }
  static void kill9(std::unique_ptr<BackgroundProcess>& p) {
    ASSERT_TRUE(p->signal(SIGKILL));
    ASSERT_TRUE(p->wait(10s).has_value());
    p.reset();
  }

  fs::path db(const std::string& which) const { return dir_ / (which + "-host.db"); }
  fs::path journal() const { return dir_ / "kiosk-journal.db"; }

  std::vector<std::string> kiosk(const std::string& command, const std::string& profile,
                                 const std::string& site = "cq") const {
    return {sscard_binary(), command, "--card", card(profile), "--kiosk", site, "--host",
            at(site == "cq" ? cq_port_ : sc_port_), "--journal", journal().string(), "--timeout-ms", "1500",
            "--attempts", "2", "--format", "json"};
  }
  std::vector<std::string> recover(const std::string& site = "cq") const {
    return {sscard_binary(), "recover", "--kiosk", site, "--host", at(site == "cq" ? cq_port_ : sc_port_),
            "--journal", journal().string()};
  }
  std::optional<long long> stored_requests(const std::string& which) const {
    return sql_int(db(which), "SELECT count(*) FROM requests");
  }
  std::optional<long long> pending_in_journal() const {
    return sql_int(journal(), "SELECT count(*) FROM requests WHERE state = 'pending'");
  }

  fs::path dir_;
  std::uint16_t cq_port_ = 0, sc_port_ = 0, hub_port_ = 0;
  std::unique_ptr<BackgroundProcess> cq_, sc_, hub_;
};

TEST_F(HostProcesses, RoutesBothWaysThroughTheHub) {
  json sc_at_cq = run_json(kiosk("query", "sc-mianyang-gen1", "cq"));
  EXPECT_EQ(sc_at_cq["home_issuer"], "Sichuan");
  EXPECT_EQ(sc_at_cq["served_by"], "Chongqing");
  EXPECT_EQ(sc_at_cq["medical_balance"],
            yuan(profile_benefits("sc-mianyang-gen1")["medical_balance_fen"].get<std::uint64_t>()));
  json cq_at_sc = run_json(kiosk("query", "cq-yuzhong-gen2", "sc"));
  EXPECT_EQ(cq_at_sc["home_issuer"], "Chongqing");
  EXPECT_EQ(cq_at_sc["served_by"], "Sichuan");
  json own = run_json(kiosk("query", "cq-yuzhong-gen2", "cq"));
  EXPECT_EQ(own["home_issuer"], "Chongqing");
  EXPECT_EQ(own["served_by"], "Chongqing");
}

// The home issuer applies the loss report and the hub is killed before it relays the answer: the kiosk
// keeps the request pending; after the hub is back, recovery gets the stored answer and nothing is applied
// twice.
TEST_F(HostProcesses, HubKilledMidRequestLeavesTheRequestDoneOnceAfterRecovery) {
  kill9(hub_);
  start_hub({"--stall-ms", "60000"});
  BackgroundProcess report(kiosk("report-loss", "sc-chengdu-gen2"));
  ASSERT_TRUE(wait_until([&] { return stored_requests("sc") == 1; }, 20s)) << report.err();
  kill9(hub_);

  const auto code = report.wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3) << report.out() << report.err();  // sent, not answered: kept in the journal
  EXPECT_EQ(pending_in_journal(), 1);
  EXPECT_EQ(sql_text(db("sc"), "SELECT card_state FROM holders WHERE ssn='510107199006110026'"), "loss_reported");

  start_hub({});
  const auto recovered = run_process(recover());
  EXPECT_EQ(recovered.exit_code, 0) << recovered.err;
  EXPECT_NE(recovered.out.find("report-loss"), std::string::npos) << recovered.out;
  EXPECT_NE(recovered.out.find("stored answer"), std::string::npos) << recovered.out;
  EXPECT_EQ(pending_in_journal(), 0);
  EXPECT_EQ(stored_requests("sc"), 1);
  EXPECT_EQ(sql_text(db("sc"), "SELECT card_state FROM holders WHERE ssn='510107199006110026'"), "loss_reported");

  // A new request (new key) sees the state the first one left: a loss already reported.
  json again = run_json(kiosk("report-loss", "sc-chengdu-gen2"), 1);
  EXPECT_EQ(again["result"], "invalid_state");
}

// The home host is killed after committing and before answering; restarted on the same database, it answers
// the kiosk's retry from what it stored.
TEST_F(HostProcesses, HomeHostKilledAfterCommitAnswersTheRetryFromItsDatabase) {
  kill9(sc_);
  start_host("sc", {"--stall-ms", "60000"});
  BackgroundProcess certify([&] {
    auto argv = kiosk("certify", "sc-mianyang-gen1");
    argv.insert(argv.end(), {"--pinpad", "sim:135790"});
    return argv;
  }());
  ASSERT_TRUE(wait_until([&] { return stored_requests("sc") == 1; }, 20s)) << certify.err();
  kill9(sc_);
  const auto code = certify.wait(30s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 3) << certify.out() << certify.err();
  EXPECT_EQ(pending_in_journal(), 1);

  start_host("sc", {});
  const auto recovered = run_process(recover());
  EXPECT_EQ(recovered.exit_code, 0) << recovered.err;
  EXPECT_NE(recovered.out.find("certify"), std::string::npos) << recovered.out;
  EXPECT_NE(recovered.out.find("stored answer"), std::string::npos) << recovered.out;
  EXPECT_EQ(stored_requests("sc"), 1);
  EXPECT_EQ(pending_in_journal(), 0);
}

// The kiosk itself dies (kill -9) while waiting; its journal survives and the next run finishes the request.
TEST_F(HostProcesses, KioskKilledMidRequestFinishesItAfterRestart) {
  kill9(hub_);
  start_hub({"--stall-ms", "60000"});
  BackgroundProcess report(kiosk("report-loss", "sc-liangshan-longname-gen2"));
  ASSERT_TRUE(wait_until([&] { return stored_requests("sc") == 1; }, 20s)) << report.err();
  ASSERT_TRUE(report.signal(SIGKILL));
  ASSERT_TRUE(report.wait(10s).has_value());
  EXPECT_EQ(pending_in_journal(), 1);

  kill9(hub_);
  start_hub({});
  // Any next service run finishes the journal first, then serves its own request.
  const auto next = run_process(kiosk("query", "sc-liangshan-longname-gen2"));
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_NE(next.err.find("earlier report-loss"), std::string::npos) << next.err;
  EXPECT_NE(next.err.find("done"), std::string::npos) << next.err;
  EXPECT_EQ(json::parse(next.out)["card_state"], "loss_reported");
  EXPECT_EQ(pending_in_journal(), 0);
  EXPECT_EQ(stored_requests("sc"), 1);
}

// A request is answered the same way however often it arrives: a byte-identical replay is refused, a new frame
// with the same idempotency key gets the stored answer, and a forged MAC is refused without any change.
TEST_F(HostProcesses, ReplayedForgedAndMalformedMessagesAreRefused) {
  auto crypto = crypto::make_openssl_crypto();
  const json keys = read_json(kCards / "keys" / "test-link-keys.json");
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
  const json profile = read_json(kCards / "cq-yuzhong-gen2.json");
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
  EXPECT_EQ(run_json(kiosk("query", "cq-yuzhong-gen2"))["card_state"], "loss_reported");
}

}  // namespace
}  // namespace sscard::test
