// Shared pieces of the kiosk-client tests: a crypto backend, a sample request, temporary journal files.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "fake_host.h"
#include "sscard/crypto/openssl.h"
#include "sscard/host/client.h"
#include "sscard/host/journal.h"
#include "sscard/wire/messages.h"

namespace sscard::host::testing {

inline constexpr char kKioskTerminal[] = "500152000101";

inline crypto::Crypto& test_crypto() {
  static const std::unique_ptr<crypto::Crypto> c = crypto::make_openssl_crypto();
  return *c;
}

inline KioskIdentity kiosk_identity(wire::LinkKey key = test_link_key()) {
  return KioskIdentity{kKioskTerminal, std::string(wire::kChongqing), key};
}

// Fast retries: the tests never wait on a backoff.
inline RetryPolicy no_wait(int attempts = 3) { return RetryPolicy{std::chrono::milliseconds(100), attempts,
                                                                  std::chrono::milliseconds(0)}; }

inline wire::IdempotencyKey key_of(std::uint8_t seed) {
  wire::IdempotencyKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed ^ (i * 13));
  return k;
}

// A request for the Tongnan card of cards/cq-tongnan-gen3.json.
inline wire::Request sample_request(wire::Operation op, wire::IdempotencyKey key, std::string card_number = "CQ0152301") {
  wire::Request r;
  r.operation = op;
  r.key = key;
  r.terminal = kKioskTerminal;
  r.serving_province = std::string(wire::kChongqing);
  r.card_region = "500152";
  r.ssn = "500223198807150019";
  r.card_number = std::move(card_number);
  r.card_id = from_hex("500152D1560000055200A1C3D4E5F601").value();
  r.date = "20250115";
  if (op == wire::Operation::kCertify) r.residence = "500152";
  return r;
}

// A fresh folder under the temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("sscard-host-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path file(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// A journal the test cannot go on without: a failure to open it ends the test program.
inline Journal open_or_die(const std::string& path) {
  auto j = Journal::open(path);
  if (!j.ok()) {
    ADD_FAILURE() << "open " << path << ": " << j.status().name();
    std::abort();
  }
  return std::move(j).value();
}

}  // namespace sscard::host::testing
