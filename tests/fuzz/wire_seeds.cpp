// Writes the seed corpus of fuzz_wire (tests/fuzz/corpus/wire): valid requests and responses of the issuer-host
// protocol (every operation, 01-0F, and answers of every shape: wire_samples.h), as frames sealed under the fuzz key (the bytes after LEN, as fuzz_wire takes them), as bare TLV
// payloads, and one refusal frame. Everything is fixed (nonces, times), so the output is the same every time.
//
//   fuzz_wire_seeds DIR           writes the seeds into DIR (file name: 16 hex digits of the content's FNV-1a hash)
//   fuzz_wire_seeds --check DIR   exit status 1 if a seed is missing from DIR (a ctest entry runs this)
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_wire.h"
#include "seed_files.h"
#include "wire_samples.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/wire/messages.h"
#include "sscard/wire/wire.h"

namespace {

using sscard::Bytes;
namespace wire = sscard::wire;

wire::Nonce nonce(std::uint8_t seed) {
  wire::Nonce n{};
  for (std::size_t i = 0; i < n.size(); ++i) n[i] = static_cast<std::uint8_t>(seed + 7 * i);
  return n;
}

bool make_seeds(std::vector<Bytes>& seeds) {
  auto crypto = sscard::crypto::make_default_crypto();
  if (!crypto) return false;
  const std::uint64_t time = 1796380800000;  // 2026-12-04, fixed
  auto frame = [&](wire::FrameKind kind, std::string_view sender, std::uint8_t n, const Bytes& payload) {
    wire::FrameHeader h;
    h.kind = kind;
    h.sender = std::string(sender);
    h.nonce = nonce(n);
    h.timestamp_ms = time + n;
    if (kind == wire::FrameKind::kResponse) h.request_nonce = nonce(static_cast<std::uint8_t>(n - 1));
    auto sealed = wire::seal(*crypto, h, payload, sscard::fuzz::kWireFuzzKey);
    if (!sealed.ok()) return false;
    seeds.emplace_back(sealed->begin() + 4, sealed->end());  // without LEN
    seeds.push_back(payload);
    return true;
  };
  std::uint8_t n = 1;
  for (auto op : {wire::Operation::kQuery, wire::Operation::kActivate, wire::Operation::kReportLoss,
                  wire::Operation::kCancelLoss, wire::Operation::kCertify}) {
    Bytes payload;
    if (!wire::encode(sscard::fuzz::sample_request(op), payload).ok()) return false;
    if (!frame(wire::FrameKind::kRequest, "500152000101", n, payload)) return false;
    n = static_cast<std::uint8_t>(n + 2);
  }
  for (const wire::Response& r : sscard::fuzz::sample_responses()) {
    Bytes payload;
    if (!wire::encode(r, payload).ok()) return false;
    if (!frame(wire::FrameKind::kResponse, wire::kSichuanHostId, n, payload)) return false;
    n = static_cast<std::uint8_t>(n + 2);
  }
  // The payment and contactless operations (06-0F) and their answers.
  for (const wire::Request& r : sscard::fuzz::sample_payment_requests()) {
    Bytes payload;
    if (!wire::encode(r, payload).ok()) {
      std::fprintf(stderr, "fuzz_wire_seeds: request %s does not encode\n", std::string(wire::operation_name(r.operation)).c_str());
      return false;
    }
    if (!frame(wire::FrameKind::kRequest, "500152000101", n, payload)) return false;
    n = static_cast<std::uint8_t>(n + 2);
  }
  int answer = 0;
  for (const wire::Response& r : sscard::fuzz::sample_payment_responses()) {
    Bytes payload;
    if (!wire::encode(r, payload).ok()) {
      std::fprintf(stderr, "fuzz_wire_seeds: payment answer %d does not encode\n", answer);
      return false;
    }
    ++answer;
    if (!frame(wire::FrameKind::kResponse, wire::kSichuanHostId, n, payload)) return false;
    n = static_cast<std::uint8_t>(n + 2);
  }
  const Bytes refusal = wire::refusal(wire::kHubId, nonce(1), wire::RefusalReason::kReplay, time);
  seeds.emplace_back(refusal.begin() + 4, refusal.end());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  const bool check = argc == 3 && std::strcmp(argv[1], "--check") == 0;
  if (argc != 2 && !check) {
    std::fprintf(stderr, "usage: fuzz_wire_seeds [--check] DIR\n");
    return 2;
  }
  const std::filesystem::path dir = argv[argc - 1];
  std::vector<Bytes> seeds;
  if (!make_seeds(seeds)) {
    std::fprintf(stderr, "fuzz_wire_seeds: cannot build the seeds\n");
    return 1;
  }
  int missing = 0;
  for (const Bytes& seed : seeds) {
    const std::filesystem::path path = dir / sscard::fuzz::seed_file_name(seed);
    if (check) {
      std::ifstream in(path, std::ios::binary);
      const Bytes on_disk{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
      if (!in.is_open() || on_disk != seed) {
        std::fprintf(stderr, "missing or different: %s (run fuzz_wire_seeds %s)\n", path.c_str(), dir.c_str());
        ++missing;
      }
      continue;
    }
    if (!sscard::fuzz::write_seed_file(path, seed)) {
      std::fprintf(stderr, "fuzz_wire_seeds: cannot write %s\n", path.c_str());
      return 1;
    }
  }
  std::printf("%zu seeds %s %s\n", seeds.size(), check ? "checked in" : "written to", dir.c_str());
  return missing == 0 ? 0 : 1;
}
