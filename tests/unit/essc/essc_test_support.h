// What the tests of firmware/essc share: the crypto backends of the build, the test keys of
// tests/data/essc/keys.txt, a code signed with the national platform's test key, a temporary folder.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "sscard/crypto/crypto.h"
#include "sscard/crypto/openssl.h"
#include "sscard/essc/check.h"
#include "sscard/essc/code.h"
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
#include "sscard/crypto/mbedtls.h"
#endif
#include "vector_file.h"

namespace sscard::essc::support {

struct Backend {
  std::string name;
  std::unique_ptr<crypto::Crypto> (*make)();
};

inline void PrintTo(const Backend& b, std::ostream* os) { *os << b.name; }

inline std::vector<Backend> all_backends() {
  return {
      {"openssl", &crypto::make_openssl_crypto},
#if defined(SSCARD_CRYPTO_HAVE_MBEDTLS)
      {"mbedtls", &crypto::make_mbedtls_crypto},
#endif
  };
}

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) { return info.param.name; }

// The vectors of tests/data/essc/<name>, in vector_file.h's format and with its rules (a missing file or a line
// with another number of fields stops the program). Read here rather than with load_vector_file: GCC 12 at -O2
// warns, wrongly, of a copy out of bounds in that function's path concatenation when it is inlined into these
// tests (GCC bug 105651), which -Werror makes an error.
inline std::vector<sscard::test::Vector> vectors(const std::string& name, std::size_t field_count) {
  const std::filesystem::path path = std::filesystem::path(SSCARD_TEST_DATA_DIR) / "essc" / name;
  std::ifstream in(path);
  if (!in) {
    std::cerr << "cannot open test vectors " << path << "\n";
    std::abort();
  }
  std::vector<sscard::test::Vector> out;
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    const std::string t = sscard::test::trim(text);
    if (t.empty() || t[0] == '#') continue;
    sscard::test::Vector v{name, line, {}};
    std::string_view rest = text;
    for (;;) {
      const std::size_t bar = rest.find('|');
      v.fields.push_back(sscard::test::trim(rest.substr(0, bar)));
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
    if (v.fields.size() != field_count) {
      std::cerr << path << ":" << line << ": expected " << field_count << " fields\n";
      std::abort();
    }
    out.push_back(std::move(v));
  }
  return out;
}

struct KeyPair {
  std::string platform;
  std::uint8_t index = 0;
  Bytes private_key;
  TrustedKey trusted;  // the public key as a kiosk's configuration holds it
};

// Line `n` (0-based) of tests/data/essc/keys.txt: 0 the national platform's key 1, 1 a key it does not hold.
inline KeyPair key_pair(std::size_t n) {
  const auto lines = vectors("keys.txt", 5);
  const sscard::test::Vector& v = lines.at(n);
  KeyPair k;
  k.platform = v[1];
  k.index = static_cast<std::uint8_t>(std::stoi(v[2]));
  k.private_key = sscard::test::hex(v[3]);
  const Bytes point = sscard::test::hex(v[4]);
  k.trusted.platform = k.platform;
  k.trusted.index = k.index;
  if (point.size() == k.trusted.public_key.size()) std::copy(point.begin(), point.end(), k.trusted.public_key.begin());
  return k;
}
inline KeyPair platform_key() { return key_pair(0); }
inline KeyPair foreign_key() { return key_pair(1); }

// A query code of the national platform's key 1 for a Chongqing (Yuzhong) card, issued at `issued_at`, not yet
// signed.
inline Code sample_code(std::uint32_t issued_at = 1765000000) {
  Code c;
  c.purpose = Purpose::kQuery;
  c.platform = "000000";
  c.key_index = 1;
  c.region = "500103";
  for (std::size_t i = 0; i < c.reference.size(); ++i) c.reference[i] = static_cast<std::uint8_t>(0xA0 + i);
  c.issued_at = issued_at;
  c.validity_minutes = 5;
  c.nonce = {0x10, 0x32, 0x54, 0x76, 0x98, 0xBA, 0xDC, 0xFE};
  return c;
}

// A fresh folder under the temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("sscard-essc-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace sscard::essc::support
