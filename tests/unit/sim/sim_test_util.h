// Test utilities for the simulator: hex in, hex out, and the " | "-separated vector files.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/sim/card.h"

namespace sscard::sim::testing {

inline Bytes hex(std::string_view text) {
  auto b = from_hex(text);
  EXPECT_TRUE(b.ok()) << "bad hex in test: " << text;
  return b.ok() ? *b : Bytes{};
}

// Sends a command given in hex; returns the whole response in upper-case hex (data + SW).
inline std::string send(Card& card, std::string_view command_hex) {
  return to_hex(card.process(hex(command_hex)));
}

// Lines of a vector file split at " | "; blank lines and '#' comments skipped.
inline std::vector<std::vector<std::string>> read_vectors(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (true) {
      const std::size_t bar = line.find(" | ", start);
      fields.push_back(line.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
      if (bar == std::string::npos) break;
      start = bar + 3;
    }
    // A trailing " |" with nothing after it is an empty last field.
    if (!fields.empty() && fields.back().ends_with(" |")) {
      fields.back().resize(fields.back().size() - 2);
      fields.emplace_back();
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

}  // namespace sscard::sim::testing
