// Every fuzz target's corpus, replayed through its entry point in the ordinary test suite (and so under ASan and
// UBSan in the sanitizer build, and under qemu in the cross builds): the corpora are regression tests too.
// The fuzz_<name>.cpp sources are compiled into this program with LLVMFuzzerTestOneInput renamed to
// sscard_fuzz_<name> (tests/fuzz/CMakeLists.txt); fuzz_targets.inc lists the targets.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_wire.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/wire/wire.h"

#define SSCARD_FUZZ_TARGET(name) extern "C" int sscard_fuzz_##name(const std::uint8_t* data, std::size_t size);
#include "fuzz_targets.inc"
#undef SSCARD_FUZZ_TARGET
// fuzz_evil_card.cpp: 1 when an input's flow reaches its end.
extern "C" int sscard_evil_card_reaches_end(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

struct FuzzTarget {
  const char* name;
  int (*entry)(const std::uint8_t*, std::size_t);
};

const std::vector<FuzzTarget>& targets() {
#define SSCARD_FUZZ_TARGET(name) {#name, &sscard_fuzz_##name},
  static const std::vector<FuzzTarget> all = {
#include "fuzz_targets.inc"
  };
#undef SSCARD_FUZZ_TARGET
  return all;
}

const fs::path kCorpora = SSCARD_FUZZ_CORPUS_DIR;

std::vector<fs::path> corpus_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::uint8_t> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class CorpusReplay : public ::testing::TestWithParam<FuzzTarget> {};

TEST_P(CorpusReplay, EveryFileReturnsZero) {
  const FuzzTarget& target = GetParam();
  const fs::path dir = kCorpora / target.name;
  ASSERT_TRUE(fs::is_directory(dir)) << dir << ": every fuzz target has a corpus folder";
  const std::vector<fs::path> files = corpus_files(dir);
  ASSERT_FALSE(files.empty()) << dir << " has no files";
  for (const fs::path& file : files) {
    const std::vector<std::uint8_t> bytes = read_file(file);
    // An allocation of exactly the input's size, as libFuzzer passes it, so ASan sees any over-read.
    auto copy = std::make_unique<std::uint8_t[]>(bytes.size());
    std::copy(bytes.begin(), bytes.end(), copy.get());
    EXPECT_EQ(target.entry(copy.get(), bytes.size()), 0) << file;
  }
  RecordProperty("files", static_cast<int>(files.size()));
}

INSTANTIATE_TEST_SUITE_P(Corpora, CorpusReplay, ::testing::ValuesIn(targets()),
                         [](const ::testing::TestParamInfo<FuzzTarget>& param) { return std::string(param.param.name); });

TEST(CorpusFolders, EachBelongsToAFuzzTarget) {
  for (const auto& entry : fs::directory_iterator(kCorpora)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    const bool known = std::any_of(targets().begin(), targets().end(),
                                   [&](const FuzzTarget& t) { return name == t.name; });
    EXPECT_TRUE(known) << entry.path() << " is not replayed: add its fuzz target to tests/fuzz/CMakeLists.txt";
  }
}

// The wire seeds are frames sealed under the fuzz key, so the fuzzer starts past the MAC check.
TEST(WireSeeds, SomeFramesOpenWithTheFuzzKey) {
  const auto crypto = sscard::crypto::make_default_crypto();
  ASSERT_NE(crypto, nullptr);
  int opened = 0;
  for (const fs::path& file : corpus_files(kCorpora / "wire")) {
    const std::vector<std::uint8_t> frame = read_file(file);
    if (sscard::wire::open(*crypto, frame, sscard::fuzz::kWireFuzzKey).ok()) ++opened;
  }
  EXPECT_GE(opened, 5);
}

// The evil_card seeds are real cards' answers (card_seeds.cpp): each still carries its flow to the end, so the
// fuzzer starts deep in the identity read, the PIN check and both payment kernels. Every flow has seeds.
TEST(EvilCardSeeds, EachReachesTheEndOfItsFlow) {
  std::vector<int> per_flow(6, 0);
  for (const fs::path& file : corpus_files(kCorpora / "evil_card")) {
    if (file.filename().string().rfind("crash-", 0) == 0 || file.filename().string().rfind("regression-", 0) == 0) {
      continue;  // regression inputs found by the fuzzer go anywhere
    }
    const std::vector<std::uint8_t> bytes = read_file(file);
    ASSERT_FALSE(bytes.empty()) << file;
    EXPECT_EQ(sscard_evil_card_reaches_end(bytes.data(), bytes.size()), 1) << file << " (flow " << int{bytes[0]} << ")";
    const std::size_t flow = bytes[0];
    if (flow < per_flow.size()) ++per_flow[flow];
  }
  for (std::size_t flow = 0; flow < per_flow.size(); ++flow) EXPECT_GE(per_flow[flow], 1) << "flow " << flow;
}

}  // namespace
