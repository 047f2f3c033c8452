// Test support for the terminal side of docs/SECURITY.md: the worked examples of
// tests/data/security/vectors.txt (computed with the openssl CLI), the four cards they describe, a crypto
// backend whose "random" bytes are the examples' PF and D, and scripted card / PSAM exchanges built from
// those values.
#pragma once

#include <deque>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "scripted/scripted_reader.h"
#include "sscard/core/bytes.h"
#include "sscard/crypto/crypto.h"

namespace sscard::ssc::testdata {

// One line of vectors.txt: name | algorithm | key=value ... | expected.
struct Vector {
  std::string algorithm;
  std::map<std::string, std::string> inputs;
  std::string expected;
  const std::string& in(const std::string& key) const {
    auto it = inputs.find(key);
    if (it == inputs.end()) throw std::runtime_error("vector input missing: " + key);
    return it->second;
  }
};

inline std::string trim(std::string s) {
  while (!s.empty() && (s.front() == ' ')) s.erase(s.begin());
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

inline const std::map<std::string, Vector>& vectors() {
  static const std::map<std::string, Vector> all = [] {
    std::map<std::string, Vector> out;
    const std::string path = std::string(SSCARD_TEST_DATA_DIR) + "/security/vectors.txt";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> parts;
      std::stringstream ss(line);
      std::string part;
      while (std::getline(ss, part, '|')) parts.push_back(trim(part));
      if (parts.size() != 4) throw std::runtime_error("bad vector line: " + line);
      Vector v{parts[1], {}, parts[3]};
      std::stringstream kv(parts[2]);
      std::string item;
      while (kv >> item) {
        const auto eq = item.find('=');
        if (eq == std::string::npos) throw std::runtime_error("bad vector input: " + item);
        v.inputs[item.substr(0, eq)] = item.substr(eq + 1);
      }
      out[parts[0]] = v;
    }
    return out;
  }();
  return all;
}

inline const Vector& vec(const std::string& name) {
  auto it = vectors().find(name);
  if (it == vectors().end()) throw std::runtime_error("no vector " + name);
  return it->second;
}

// The four cards of vectors.txt, with the record values of their profiles under cards/.
struct VectorCard {
  std::string name;        // profile name, prefix of the vector names
  std::string algorithm;   // "01" or "03"
  int generation;
  std::string region;
  std::string card_id;     // 卡识别码, 32 hex
  std::string historical;  // ATR historical bytes, hex
  std::string card_number;
  std::string ssn;
  std::string name_gbk_hex;
  std::string name_utf8;

  std::string atr() const { return "3B6D0000" + historical; }  // T=0, 13 historical bytes
  std::string v(const std::string& what) const { return name + "." + what; }
  std::string spec_version() const { return std::to_string(generation) + ".00"; }
};

inline const std::vector<VectorCard>& vector_cards() {
  static const std::vector<VectorCard> cards = {
      {"sc-suining-gen3", "03", 3, "510900", "510900D1560000050000048A5D6E7F80", "00904A3001866033110000048A",
       "SN2401101", "510902195503020033", "CDF5B5C2C8AB", "王德全"},
      {"cq-tongnan-gen3", "03", 3, "500152", "500152D1560000055200A1C3D4E5F601", "008C544CB386844150015200A1",
       "TN2303151", "500152200001010011", "D5C5C8FD", "张三"},
      {"cq-yuzhong-gen2", "01", 2, "500103", "500103D15600000500BF7C7A48FB4966", "00814E43238697159900BF7C7A",
       "CQ1506011", "50010319620315422X", "C0EED0E3D3A2", "李秀英"},
      {"sc-chengdu-gen2", "01", 2, "510100", "510100D1560000051809AB12CD34EF56", "0086544C3086845101001809AB",
       "CD1809201", "510107199006110026", "B3C2BEB2", "陈静"},
  };
  return cards;
}

inline std::string ascii_hex(const std::string& text) { return to_hex(as_bytes(text)); }
inline std::string len_hex(std::size_t n) {
  const char* digits = "0123456789ABCDEF";
  return std::string{digits[(n >> 4) & 0xF], digits[n & 0xF]};
}
// A record answer: tag, length, value, 9000.
inline std::string record(const std::string& tag, const std::string& value_hex) {
  return tag + len_hex(value_hex.size() / 2) + value_hex + "9000";
}
inline std::string padded(const std::string& hex, std::size_t bytes) {
  std::string out = hex;
  while (out.size() < 2 * bytes) out += "00";
  return out;
}

inline std::string select_ssse_command() { return "00A404000F7378312E73682EC9E7BBE1B1A3D5CF"; }
inline std::string fci(const std::string& algorithm) {
  return "6F19840F7378312E73682EC9E7BBE1B1A3D5CFA5069F0C038601" + algorithm + "9000";
}

// SELECT SSSE and EF05 records 01 and 03 (open_card()).
inline void expect_open(testing::ScriptedSlot& card, const VectorCard& c) {
  card.expect(select_ssse_command(), fci(c.algorithm));
  card.expect("00B2012812", record("01", c.card_id));
  card.expect("00B2032806", record("03", ascii_hex(c.spec_version())));
}

// The records read after authentication (everything but 01 and 03), in read_identity()'s order.
inline void expect_remaining_records(testing::ScriptedSlot& card, const VectorCard& c) {
  card.expect("00B2022803", record("02", ascii_hex("1")));
  card.expect("00B204280E", record("04", ascii_hex(c.region + "000001")));
  card.expect("00B2052806", record("05", "20240110"));
  card.expect("00B2062806", record("06", "20340110"));
  card.expect("00B207280B", record("07", ascii_hex(c.card_number)));
  card.expect("00B2083014", record("08", ascii_hex(c.ssn)));
  card.expect("00B2093020", record("09", padded(c.name_gbk_hex, 30)));
  card.expect("00B24E3016", "6A83");
  card.expect("00B20A3003", record("0A", ascii_hex("1")));
  card.expect("00B20B3003", record("0B", "01"));
  card.expect("00B20C3005", record("0C", "510902"));
  card.expect("00B20D3006", record("0D", "19550302"));
}

// The PSAM's numbers used by the scripts: EF16 terminal number, EF15 serial.
inline constexpr char kTerminalNumber[] = "510900813475";
inline constexpr char kPsamSerial[] = "0102030405060708090A";

inline void expect_psam_numbers(testing::ScriptedSlot& psam) {
  psam.expect("00B0960006", std::string(kTerminalNumber) + "9000");
  psam.expect("00B095000A", std::string(kPsamSerial) + "9000");
}

inline std::string environment_command(const std::string& algorithm) {
  return "00A404000F7378" + std::string(algorithm == "03" ? "33" : "31") + "2E73682EC9E7BBE1B1A3D5CF";
}

inline std::string city_factor_hex(const VectorCard& c) { return vec(c.v("irk.city")).in("factor"); }
inline std::string card_factor_hex(const VectorCard& c) { return vec(c.v("card_factor")).expected; }

// A crypto backend whose random() hands out queued bytes (the vectors' PF and D); everything else is
// unsupported: the terminal never computes with keys.
class FakeCrypto final : public crypto::Crypto {
 public:
  void queue_random(const std::string& hex) {
    Bytes b = from_hex(hex).value();
    random_.insert(random_.end(), b.begin(), b.end());
  }
  std::size_t random_left() const { return random_.size(); }
  bool fail_random = false;

  std::string_view name() const override { return "fake"; }
  Status encrypt_ecb(crypto::Cipher, ByteSpan, ByteSpan, MutableByteSpan) override { return Error::kUnsupported; }
  Status decrypt_ecb(crypto::Cipher, ByteSpan, ByteSpan, MutableByteSpan) override { return Error::kUnsupported; }
  Status encrypt_cbc(crypto::Cipher, ByteSpan, ByteSpan, ByteSpan, MutableByteSpan) override {
    return Error::kUnsupported;
  }
  Status decrypt_cbc(crypto::Cipher, ByteSpan, ByteSpan, ByteSpan, MutableByteSpan) override {
    return Error::kUnsupported;
  }
  Result<std::size_t> digest(crypto::Hash, ByteSpan, MutableByteSpan) override { return Error::kUnsupported; }
  Result<std::size_t> rsa_public(ByteSpan, ByteSpan, ByteSpan, MutableByteSpan) override { return Error::kUnsupported; }
  Result<std::size_t> rsa_private(ByteSpan, ByteSpan, ByteSpan, MutableByteSpan) override { return Error::kUnsupported; }
  Status rsa_verify_pkcs1(crypto::Hash, ByteSpan, ByteSpan, ByteSpan, ByteSpan) override { return Error::kUnsupported; }
  Status sm2_verify(ByteSpan, std::string_view, ByteSpan, ByteSpan) override { return Error::kUnsupported; }
  Status sm2_sign(ByteSpan, std::string_view, ByteSpan, MutableByteSpan) override { return Error::kUnsupported; }
  Status sm2_public_key(ByteSpan, MutableByteSpan) override { return Error::kUnsupported; }
  Status random(MutableByteSpan out) override {
    if (fail_random || random_.size() < out.size()) return Error::kInternal;
    for (auto& b : out) {
      b = random_.front();
      random_.pop_front();
    }
    return kOk;
  }

 private:
  std::deque<std::uint8_t> random_;
};

}  // namespace sscard::ssc::testdata
