// Scans a database file and its write-ahead log, read as raw bytes, for a card number in the encodings a
// careless store would leave: ASCII, packed BCD (F-padded), and its middle digits (all but the first 6 and the
// last 4, which a masked form may show) as ASCII and packed from either nibble. Also what the tests of stores
// at rest share: a file's mode, and SQL run behind the store's back to tamper with its rows.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace sscard::testing {

// (name, bytes) pairs to look for.
using Needles = std::vector<std::pair<std::string, std::string>>;

// Digits packed two to a byte, an odd count padded with F.
inline std::string packed_bcd(std::string digits) {
  if (digits.size() % 2 != 0) digits += 'F';
  std::string out;
  for (std::size_t i = 0; i < digits.size(); i += 2) {
    const auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'A' + 10; };
    out += static_cast<char>((nibble(digits[i]) << 4) | nibble(digits[i + 1]));
  }
  return out;
}

inline Needles pan_needles(const std::string& pan) {
  return {{"PAN as ASCII", pan},
          {"PAN packed BCD", packed_bcd(pan)},
          {"PAN middle digits as ASCII", pan.substr(6, pan.size() - 10)},
          {"PAN middle digits packed from digit 7", packed_bcd(pan.substr(6, 8))},
          {"PAN middle digits packed from digit 8", packed_bcd(pan.substr(7, 8))}};
}

inline std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// "FILE: NAME" for every needle found in `db` or `db`-wal.
inline std::vector<std::string> at_rest_hits(const std::filesystem::path& db, const Needles& needles) {
  std::vector<std::string> hits;
  for (const std::string suffix : {"", "-wal"}) {
    const std::filesystem::path p = db.string() + suffix;
    if (!std::filesystem::exists(p)) continue;
    const std::string data = file_bytes(p);
    for (const auto& [name, needle] : needles) {
      if (data.find(needle) != std::string::npos) hits.push_back(p.filename().string() + ": " + name);
    }
  }
  return hits;
}

inline std::string hits_text(const std::vector<std::string>& hits) {
  std::string s;
  for (const std::string& h : hits) s += "\n  " + h;
  return s;
}

// The permission bits of `p` (0xFFFF if it cannot be read).
inline unsigned mode_of(const std::filesystem::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0xFFFF;
  return static_cast<unsigned>(st.st_mode & 07777);
}

// Runs `sql` on the database `file` directly, as an attacker with the file would.
inline void run_sql(const std::filesystem::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

}  // namespace sscard::testing
