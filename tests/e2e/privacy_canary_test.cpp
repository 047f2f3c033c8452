// The privacy canary (docs/SECURITY.md "Secrets", "The APDU trace"): a copy of the bundled cards in which
// sc-suining-gen3 has a distinctive payment PIN, activated with a distinctive social-security PIN, is run
// through every terminal flow of `sscard` with --trace. Then every byte the terminal left behind (standard
// output and error of every run, the trace files, the kiosk's journals and logs, any core file) is searched for
// the PINs and the PAN in every encoding a leak could take. The kiosk's journals and the validator's ride log
// keep what they owe an issuer sealed (docs/SECURITY.md "Card data at rest", PCI DSS v4.0 requirement 3.5.1), so
// they are searched like every other file: one hit anywhere fails. The simulated card's memory and the simulated
// issuers' databases hold both by their nature: they are searched too, as the proof that the search finds them.
//
// The PAN: the simulated card's PAN is made from its profile (issuing region and card number, docs/PAYMENT.md
// §3) and the bundled issuer certificates and accounts are made for it, so the bundled PAN is the canary.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "payment_crash_support.h"
#include "program_test.h"

namespace sscard::test {
namespace {

namespace fs = std::filesystem;

// Eight digits, so that their four packed bytes cannot turn up by chance in the random bytes (MACs,
// cryptograms, keys) of the files searched.
constexpr const char* kPin = "73914628";         // the payment PIN, and the social-security PIN after activation
constexpr const char* kSecondPin = "58260417";   // the social-security PIN for one change and back
constexpr const char* kPan = "6200515109004011018";  // sc-suining-gen3 (620051 ... 1018)
constexpr const char* kCard = "sc-suining-gen3";

std::string hex_upper(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0F];
  }
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "739146" -> 73 91 46; an odd count of digits ends with F (cn, EMV Book 3 4.3).
std::string packed(std::string digits, char pad = 'F') {
  if (digits.size() % 2 != 0) digits += pad;
  std::string out;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    const auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };  // int
    out += static_cast<char>((nib(digits[i]) << 4) | nib(digits[i + 1]));
  }
  return out;
}

// ISO 9564-1 PIN blocks, computed here from the PIN and the PAN (not with the firmware's code).
std::string pin_field(char format, const std::string& pin) {
  std::string digits = std::string(1, format) + static_cast<char>('0' + pin.size()) + pin;
  digits.resize(16, 'F');
  return packed(digits);
}
std::string format0_block(const std::string& pin, const std::string& pan) {
  // The 12 rightmost PAN digits without the check digit, behind four zeros.
  const std::string body = pan.substr(0, pan.size() - 1);
  const std::string pan_field = packed("0000" + body.substr(body.size() - 12));
  std::string block = pin_field('0', pin);
  for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(block[i] ^ pan_field[i]);
  return block;
}

struct Needle {
  std::string name;
  std::string bytes;
  bool pan = false;  // a PAN encoding (else a PIN's)
};

// Every encoding of the secrets, raw and as the hex text of a trace or a log (upper, lower, spaced).
std::vector<Needle> needles() {
  std::vector<Needle> raw;
  for (const std::string pin : {kPin, kSecondPin}) {
    raw.push_back({"PIN " + pin + " as ASCII digits", pin});
    raw.push_back({"PIN " + pin + " packed BCD (the card's PIN field)", packed(pin)});
    raw.push_back({"PIN " + pin + " ISO 9564 format 0 block", format0_block(pin, kPan)});
    // Format 1 ends with random digits: its first bytes (control, length, PIN) are what can be searched.
    raw.push_back({"PIN " + pin + " ISO 9564 format 1 block (head)",
                   pin_field('1', pin).substr(0, 1 + pin.size() / 2)});
    raw.push_back({"PIN " + pin + " ISO 9564 format 2 block (offline plaintext PIN)", pin_field('2', pin)});
  }
  const std::string pan = kPan;
  const std::string middle = pan.substr(6, pan.size() - 10);  // all digits but the first 6 and the last 4
  raw.push_back({"PAN as ASCII digits", pan, true});
  raw.push_back({"PAN packed BCD, F-padded (5A)", packed(pan), true});
  raw.push_back({"PAN middle digits " + middle + " as ASCII", middle, true});
  // The middle as it sits packed in 5A: from digit 6 (a byte boundary) and from digit 7.
  raw.push_back({"PAN middle digits packed from digit 7", packed(pan.substr(6, 8)), true});
  raw.push_back({"PAN middle digits packed from digit 8", packed(pan.substr(7, 8)), true});

  std::vector<Needle> all = raw;
  for (const Needle& n : raw) {
    const std::string h = hex_upper(n.bytes);
    std::string spaced;
    for (std::size_t i = 0; i < h.size(); i += 2) spaced += (i == 0 ? "" : " ") + h.substr(i, 2);
    all.push_back({n.name + ", hex", h, n.pan});
    all.push_back({n.name + ", lower-case hex", lower(h), n.pan});
    all.push_back({n.name + ", spaced hex (trace)", spaced, n.pan});
  }
  return all;
}

struct Hit {
  std::string where;
  std::size_t offset = 0;
  std::string needle;
  bool pan = false;
};

void search(const std::string& where, const std::string& data, const std::vector<Needle>& needles,
            std::vector<Hit>& hits) {
  for (const Needle& n : needles) {
    for (std::size_t at = data.find(n.bytes); at != std::string::npos; at = data.find(n.bytes, at + 1)) {
      hits.push_back({where, at, n.name, n.pan});
    }
  }
}

std::string describe(const std::vector<Hit>& hits) {
  std::ostringstream s;
  for (const Hit& h : hits) s << "\n  " << h.where << " at offset " << h.offset << ": " << h.needle;
  return s.str();
}

bool under(const fs::path& p, const fs::path& folder) {
  const auto rel = p.lexically_relative(folder);
  return !rel.empty() && *rel.begin() != "..";
}

std::string mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return "missing";
  std::ostringstream s;
  s << std::oct << (st.st_mode & 07777);
  return s.str();
}

class PrivacyCanary : public ProgramTest {
 protected:
  void SetUp() override {
    cards_ = dir() / "cards";
    fs::copy(cards_dir(), cards_, fs::copy_options::recursive);
    const fs::path profile = cards_ / (std::string(kCard) + ".json");
    nlohmann::json doc = nlohmann::json::parse(read_file(profile));
    ASSERT_EQ(doc["pin"]["value"], "123456");  // not activated yet: activation sets the canary
    doc["payment"]["pin"] = kPin;
    std::ofstream(profile) << doc.dump(2);
    trace_ = dir() / "trace.txt";
  }

  std::string card() const { return (cards_ / (std::string(kCard) + ".json")).string(); }
  std::string kiosk() const { return (cards_ / "kiosks" / "cq-tongnan.json").string(); }
  std::string in_cards(const std::string& rel) const { return (cards_ / rel).string(); }

  // Runs sscard with its arguments and the trace; keeps what it printed for the search.
  ProcessOutput sscard(std::vector<std::string> args, bool traced = true) {
    args.insert(args.begin(), sscard_binary());
    if (traced) {
      args.push_back("--trace");
      args.push_back(trace_.string());
    }
    ProcessOutput out = run(args);
    // "run 7 (sscard pin change)": the command's words, up to its first option.
    std::string line = "run " + std::to_string(outputs_.size() / 2 + 1) + " (sscard";
    for (std::size_t i = 1; i < args.size() && args[i].rfind("--", 0) != 0; ++i) line += " " + args[i];
    line += ")";
    outputs_.push_back({"stdout of " + line, out.out});
    outputs_.push_back({"stderr of " + line, out.err});
    return out;
  }

  fs::path cards_;
  fs::path trace_;
  std::vector<std::pair<std::string, std::string>> outputs_;
};

nlohmann::json json_of(const ProcessOutput& out) { return nlohmann::json::parse(out.out, nullptr, false); }

TEST_F(PrivacyCanary, NoFlowLeavesAPinOrThePanInTheTerminalsOutputTraceOrFiles) {
  const std::string pin = kPin;
  const std::string second = kSecondPin;
  const std::vector<std::string> k = {"--config", kiosk()};
  const auto with = [&](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };

  // Read: plain, with the kiosk's PSAM (3rd generation: external authentication), on the contactless side.
  ProcessOutput r = sscard({"read", "--card", card(), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json_of(r)["card_number"], "");  // withheld without a PSAM (3rd generation)
  r = sscard(with({"read", "--card", card(), "--format", "json"}, k));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json_of(r)["card_number"], "SN2401101");
  r = sscard(with({"read", "--contactless", "--card", card()}, k));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // Card services and the PIN services: activation sets the canary PIN.
  r = sscard(with({"activate", "--card", card(), "--pinpad", "sim:123456," + pin + "," + pin}, k));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard({"pin", "verify", "--card", card(), "--pinpad", "sim:" + pin});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "PIN verified\n");
  r = sscard({"pin", "change", "--card", card(), "--pinpad", "sim:" + pin + "," + second + "," + second});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "PIN changed\n");
  r = sscard({"pin", "change", "--card", card(), "--pinpad", "sim:" + second + "," + pin + "," + pin});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard({"pin", "unblock", "--card", card(), "--psam", in_cards("psam/sc-kiosk.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // PIN RELOAD: the new PIN also goes to the PSAM inside the message of its MAC.
  r = sscard({"pin", "reload", "--card", card(), "--psam", in_cards("psam/sc-kiosk.json"), "--pinpad",
              "sim:" + pin + "," + pin});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "PIN reloaded\n");
  r = sscard(with({"query", "--card", card(), "--format", "json"}, k));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard(with({"certify", "--card", card(), "--pinpad", "sim:" + pin}, k));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard(with({"report-loss", "--card", card()}, k));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard(with({"cancel-loss", "--card", card(), "--pinpad", "sim:" + pin}, k));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // Payments: contact (offline PIN to the card), contactless, e-cash (online PIN to the issuer), settlement.
  r = sscard(with({"pay", "--card", card(), "--amount", "12.34", "--pinpad", "sim:" + pin, "--format", "json"}, k));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json paid = json_of(r);
  EXPECT_EQ(paid["outcome"], "approved") << r.out;
  EXPECT_EQ(paid["pan"], "620051*********1018");
  EXPECT_EQ(paid["cvm"], "offline-pin");
  r = sscard(with({"pay", "--contactless", "--card", card(), "--amount", "2.00", "--format", "json"}, k));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json_of(r)["outcome"], "approved") << r.out;
  r = sscard(with({"ecash", "balance", "--card", card(), "--format", "json"}, k));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard(with({"ecash", "load", "--card", card(), "--amount", "100", "--pinpad", "sim:" + pin, "--format", "json"},
                  k));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json_of(r)["outcome"], "approved") << r.out;
  r = sscard(with({"settle", "--card", card(), "--total", "14000", "--category", "inpatient", "--pinpad",
                   "sim:" + pin + "," + pin, "--format", "json"},
                  k));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(json_of(r)["outcome"], "approved") << r.out;

  // The transit validator and the scenic-spot gate (contactless), the uploads and the kiosk's bookkeeping.
  const std::vector<std::string> bus = {"--config", in_cards("validators/cq-bus-0101.json")};
  r = sscard(with({"transit", "tap", "--card", card(), "--format", "json"}, bus));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard(with({"transit", "upload", "--format", "json"}, bus), false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard(with({"transit", "log", "--format", "json"}, bus), false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard({"gate", "enter", "--config", in_cards("gates/cq-dazu-rock-carvings.json"), "--card", card(),
              "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard(with({"recover"}, k), false);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sscard(with({"totals", "--date", crash::today_cst(), "--format", "json"}, k), false);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  // The search.
  const std::vector<Needle> all = needles();
  const fs::path simulated_cards = sscard_state() / "cards";  // the simulated card's own memory
  const fs::path issuers = sscard_state() / "world";          // the simulated issuers' databases
  std::vector<Hit> terminal_hits, control_hits;
  std::size_t files = 0, bytes = 0, outputs = 0, output_bytes = 0, cores = 0, traces = 0, databases = 0;
  std::size_t store_and_forward = 0;  // the kiosk's and the validator's journals and the ride log
  for (const auto& [where, text] : outputs_) {
    ++outputs;
    output_bytes += text.size();
    search(where, text, all, terminal_hits);
  }
  std::vector<fs::path> found;
  for (const auto& entry : fs::recursive_directory_iterator(dir())) {
    if (entry.is_regular_file()) found.push_back(entry.path());
  }
  for (const auto& entry : fs::directory_iterator(fs::current_path())) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && (name == "core" || name.rfind("core.", 0) == 0)) found.push_back(entry.path());
  }
  for (const fs::path& p : found) {
    if (under(p, cards_)) continue;  // the profiles we wrote: the canary's source
    const std::string data = read_file(p);
    const std::string name = p.filename().string();
    if (under(p, simulated_cards) || under(p, issuers)) {
      search(p.lexically_relative(dir()).string(), data, all, control_hits);
      continue;
    }
    ++files;
    bytes += data.size();
    if (name == "core" || name.rfind("core.", 0) == 0) ++cores;
    if (p.extension() == ".txt") ++traces;
    if (p.extension() == ".db" || name.ends_with("-wal") || name.ends_with("-journal")) ++databases;
    if (p.extension() == ".db" && (name.rfind("journal-", 0) == 0 || name.rfind("rides-", 0) == 0)) {
      ++store_and_forward;
    }
    search(p.lexically_relative(dir()).string(), data, all, terminal_hits);
  }

  std::cout << "[ canary   ] searched " << all.size() << " encodings of 2 PINs and 1 PAN in " << outputs
            << " outputs (" << output_bytes << " bytes) and " << files << " files (" << bytes << " bytes: " << traces
            << " traces, " << databases << " databases, " << cores << " core files)\n"
            << "[ canary   ] hits: " << terminal_hits.size() << " (" << store_and_forward
            << " store-and-forward databases among the files)\n"
            << "[ canary   ] control (simulated card and issuers, which hold them by nature): " << control_hits.size()
            << " hits\n";
  EXPECT_TRUE(terminal_hits.empty()) << terminal_hits.size() << " hits:" << describe(terminal_hits);
  EXPECT_EQ(traces, 1u);
  EXPECT_GE(databases, 4u);  // the kiosk's and the validator's journals, the ride log, the gate's log
  EXPECT_GE(store_and_forward, 3u);
  // The device's storage key that seals them: owner-only, 32 bytes, beside them in the state folder.
  EXPECT_EQ(mode_of(sscard_state() / "storage.key"), "600");
  EXPECT_EQ(read_file(sscard_state() / "storage.key").size(), 32u);
  EXPECT_GT(read_file(trace_).size(), 20000u);
  // The search works: the issuer's account keeps the PIN and the PAN, the card's memory the packed PIN.
  const auto found_in = [&](const std::string& file_part, const std::string& needle_part) {
    return std::any_of(control_hits.begin(), control_hits.end(), [&](const Hit& h) {
      return h.where.find(file_part) != std::string::npos && h.needle.find(needle_part) != std::string::npos;
    });
  };
  EXPECT_TRUE(found_in("world/sc-host.db", "PIN " + pin + " as ASCII digits")) << describe(control_hits);
  EXPECT_TRUE(found_in("cards/", "PIN " + pin + " packed BCD")) << describe(control_hits);
  EXPECT_TRUE(found_in("world/sc-host.db", "PAN as ASCII digits")) << describe(control_hits);
}

// The trace: owner-only (a file others may read is refused), appended to, SSCARD_TRACE read as the library
// reads it, the option winning; the holder's identity masked unless --trace-identity full.
TEST_F(PrivacyCanary, TheTraceIsOwnerOnlyAppendedAndMasksTheIdentityUnlessAskedInFull) {
  const std::vector<std::string> read = {sscard_binary(), "read", "--card", card(), "--psam",
                                         in_cards("psam/cq-kiosk.json")};
  const auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> a = read;
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  ProcessOutput r = run(with({"--trace", trace_.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mode_of(trace_), "600");
  // Each read draws new challenges and process factors: runs are compared by their exchanges' count.
  const std::string once = read_file(trace_);
  const std::size_t lines = lines_of(once).size();
  ASSERT_GE(lines, 40u);  // two lines per exchange: 30 exchanges for this PSAM-mode read today
  r = run(with({"--trace", trace_.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string twice = read_file(trace_);
  EXPECT_EQ(twice.substr(0, once.size()), once) << "the second run appends";
  EXPECT_EQ(lines_of(twice).size(), 2 * lines);
  EXPECT_EQ(mode_of(trace_), "600");

  // The masked records: EF05 07 card number, EF06 08 SSN, 09 name, 0D birth date (sc-suining-gen3).
  const std::vector<std::string> masked = {
      "< 07 09 ** ** ** ** ** ** ** ** ** 90 00",
      "< 08 12 ** ** ** ** ** ** ** ** ** ** ** ** ** ** ** ** ** ** 90 00",
      "< 0D 04 ** ** ** ** 90 00",
  };
  // SN2401101, 510902195503020033, 王德全 in GBK, 19550302.
  const std::vector<std::string> shown = {
      "< 07 09 53 4E 32 34 30 31 31 30 31 90 00",
      "< 08 12 35 31 30 39 30 32 31 39 35 35 30 33 30 32 30 30 33 33 90 00",
      "< 09 1E CD F5 B5 C2 C8 AB 00",
      "< 0D 04 19 55 03 02 90 00",
  };
  for (const std::string& line : masked) EXPECT_NE(once.find(line), std::string::npos) << line << "\n" << once;
  for (const std::string& line : shown) EXPECT_EQ(once.find(line), std::string::npos) << line;
  EXPECT_EQ(once.find("CD F5 B5 C2"), std::string::npos);
  EXPECT_NE(once.find("< 09 1E ** **"), std::string::npos);

  const fs::path full = dir() / "full.txt";
  r = run(with({"--trace", full.string(), "--trace-identity", "full"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string full_trace = read_file(full);
  for (const std::string& line : shown) EXPECT_NE(full_trace.find(line), std::string::npos) << line;
  // Secrets stay masked even then: the cryptograms of both authentications.
  EXPECT_NE(full_trace.find("> 00 82 00 0A 11 ** **"), std::string::npos) << full_trace;
  EXPECT_NE(full_trace.find("> 00 88 00 00 10 ** **"), std::string::npos);

  // An existing file that others may read is refused and left as it was; made owner-only, it is appended to.
  const fs::path wide = dir() / "wide.txt";
  std::ofstream(wide) << "earlier\n";
  fs::permissions(wide,
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  ASSERT_EQ(mode_of(wide), "644");
  r = run(with({"--trace", wide.string()}));
  expect_one_line_error(r, 1, "sscard read", {wide.string(), "mode 0644", "chmod 600"});
  EXPECT_EQ(mode_of(wide), "644");
  EXPECT_EQ(read_file(wide), "earlier\n");
  fs::permissions(wide, fs::perms::owner_read | fs::perms::owner_write);
  r = run(with({"--trace", wide.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string appended = read_file(wide);
  EXPECT_EQ(appended.rfind("earlier\n", 0), 0u);
  EXPECT_EQ(lines_of(appended).size(), 1 + lines);

  // SSCARD_TRACE, as the library reads it; --trace wins over it.
  const fs::path from_env = dir() / "env.txt";
  environment().set("SSCARD_TRACE", from_env.string());
  r = run(read);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string env_trace = read_file(from_env);
  EXPECT_EQ(lines_of(env_trace).size(), lines);
  EXPECT_NE(env_trace.find(masked[1]), std::string::npos);
  EXPECT_EQ(mode_of(from_env), "600");
  const fs::path option = dir() / "option.txt";
  r = run(with({"--trace", option.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(read_file(option)).size(), lines);
  EXPECT_EQ(read_file(from_env), env_trace) << "the option's run did not write SSCARD_TRACE's file";
  environment().set("SSCARD_TRACE_IDENTITY", "full");
  const fs::path env_full = dir() / "env-full.txt";
  r = run(with({"--trace", env_full.string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_file(env_full).find(shown[0]), std::string::npos);
  r = run(with({"--trace", option.string(), "--trace-identity", "masked"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string option_trace = read_file(option);
  EXPECT_EQ(lines_of(option_trace).size(), 2 * lines);
  EXPECT_EQ(option_trace.find(shown[1]), std::string::npos) << "the option wins over SSCARD_TRACE_IDENTITY";
}

// A trace that cannot be written stops the command before the card is touched: one line saying what to do.
TEST_F(PrivacyCanary, AnUnwritableTraceIsOneLineAndNothingIsDone) {
  const fs::path folder = dir() / "a-folder";
  fs::create_directory(folder);
  ProcessOutput r = run({sscard_binary(), "pin", "verify", "--card", card(), "--pinpad", "sim:123456", "--trace",
                         folder.string()});
  expect_one_line_error(r, 1, "sscard pin verify", {"cannot write the APDU trace", folder.string(), "--trace"});
  r = run({sscard_binary(), "read", "--card", card(), "--trace", (dir() / "no" / "such" / "t.txt").string()});
  expect_one_line_error(r, 1, "sscard read", {"cannot write the APDU trace", "No such file or directory"});
  // The card was not touched: its try counter is whole, and a read without a trace works.
  EXPECT_FALSE(fs::exists(sscard_state() / "cards")) << "the card was opened";

  environment().set("SSCARD_TRACE", folder.string());
  r = run({sscard_binary(), "gate", "enter", "--config", in_cards("gates/cq-dazu-rock-carvings.json"), "--card",
           card()});
  expect_one_line_error(r, 1, "sscard gate enter", {"cannot write the APDU trace", "SSCARD_TRACE"});
  environment().unset("SSCARD_TRACE");

  r = run({sscard_binary(), "read", "--card", card(), "--trace", ""});
  expect_one_line_error(r, 2, "sscard read", {"--trace"});
  r = run({sscard_binary(), "read", "--card", card(), "--trace-identity", "everything"});
  expect_one_line_error(r, 2, "sscard read", {"--trace-identity"});
  r = run({sscard_binary(), "totals", "--config", kiosk(), "--date", "20260101", "--trace", "x.txt"});
  expect_one_line_error(r, 2, "sscard totals", {"--trace"});  // no card, no trace
}

}  // namespace
}  // namespace sscard::test
