#include "program_test.h"

#include <stdlib.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <fstream>
#include <sstream>
#include <system_error>

namespace sscard::test {

namespace fs = std::filesystem;

fs::path ProgramTest::make_temp_dir() {
  std::string pattern = (fs::temp_directory_path() / "sscard-e2e-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  fs::create_directory(fs::path(pattern) / "state");
  return fs::absolute(pattern);
}

ProgramTest::ProgramTest() : dir_(make_temp_dir()), environment_(dir_ / "state") {}

ProgramTest::~ProgramTest() {
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

fs::path cards_dir() { return SSCARD_CARDS_DIR; }
std::string card(const std::string& name) { return (cards_dir() / (name + ".json")).string(); }
std::string psam(const std::string& name) { return (cards_dir() / "psam" / (name + ".json")).string(); }
std::string kiosk_config(const std::string& name) { return (cards_dir() / "kiosks" / (name + ".json")).string(); }

std::vector<std::string> holder_profile_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(cards_dir())) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") names.push_back(entry.path().stem());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

void expect_one_stderr_line(const ProcessOutput& run, int code, const std::string& command,
                            const std::vector<std::string>& mentions) {
  EXPECT_EQ(run.exit_code, code) << run.err << run.out;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  ASSERT_FALSE(run.err.empty());
  EXPECT_EQ(run.err.back(), '\n') << run.err;
  EXPECT_EQ(run.err.rfind(command + ": ", 0), 0u) << "the line should start with \"" << command << ": \": " << run.err;
  for (const auto& m : mentions) EXPECT_NE(run.err.find(m), std::string::npos) << "no \"" << m << "\" in " << run.err;
}

void expect_one_line_error(const ProcessOutput& run, int code, const std::string& command,
                           const std::vector<std::string>& mentions) {
  EXPECT_TRUE(run.out.empty()) << run.out;
  expect_one_stderr_line(run, code, command, mentions);
}

void expect_setup_failure_of_a_json_read(const ProcessOutput& run, const std::vector<std::string>& mentions) {
  expect_one_stderr_line(run, 1, "sscard read", mentions);
  if (run.out.empty()) return;
  const auto doc = nlohmann::json::parse(run.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << run.out;
  ASSERT_EQ(doc.size(), 1u) << run.out;
  ASSERT_TRUE(doc.contains("error")) << run.out;
  EXPECT_TRUE(doc["error"]["code"].is_number_integer()) << run.out;
  ASSERT_TRUE(doc["error"]["message"].is_string()) << run.out;
  EXPECT_NE(run.err.find(doc["error"]["message"].get<std::string>()), std::string::npos) << run.err;
}

}  // namespace sscard::test
