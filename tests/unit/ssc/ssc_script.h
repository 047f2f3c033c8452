// Test data access for the SSC tests: paths under tests/data/ssc and the exchanges of a card script as a
// list, for tests that replay a documented card with one exchange changed.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sscard/core/bytes.h"

namespace sscard::ssc {

inline std::string data_path(const std::string& name) { return std::string(SSCARD_TEST_DATA_DIR) + "/ssc/" + name; }

struct ScriptedExchange {
  Bytes command;
  Bytes response;
};

// The "> command" / "< response" pairs of a script file (scripts used this way hold no "*" or "!" lines).
inline std::vector<ScriptedExchange> load_exchanges(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<ScriptedExchange> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 2 || (line[0] != '>' && line[0] != '<')) continue;
    Bytes bytes = from_hex(line.substr(1)).value();
    if (line[0] == '>') {
      out.push_back(ScriptedExchange{std::move(bytes), {}});
    } else {
      if (out.empty()) throw std::runtime_error("response before command in " + path);
      out.back().response = std::move(bytes);
    }
  }
  return out;
}

}  // namespace sscard::ssc
