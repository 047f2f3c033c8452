#include "sscard/sim/host/crash_points.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

#include "sscard/core/test_point.h"

namespace sscard::sim::host {
namespace {

struct Plan {
  std::mutex mutex;
  bool list = false;
  std::string role;
  std::string target;  // NAME of NAME#N
  int nth = 1;
  std::map<std::string, int, std::less<>> passes;
};

Plan& plan() {
  static Plan p;
  return p;
}

// Worker threads of a host pass points at the same time: the counts are kept under the lock.
void on_point(std::string_view point) {
  Plan& p = plan();
  std::lock_guard lock(p.mutex);
  if (!p.list && point != p.target) return;
  auto it = p.passes.find(point);
  if (it == p.passes.end()) it = p.passes.emplace(std::string(point), 0).first;
  const int n = ++it->second;
  if (p.list) {
    std::fprintf(stderr, "sscard-crash-point %s %s#%d\n", p.role.c_str(), it->first.c_str(), n);
    std::fflush(stderr);
  } else if (n == p.nth) {
    std::raise(SIGKILL);
  }
}

}  // namespace

void install_crash_points(std::string_view role) {
  static std::once_flag once;
  std::call_once(once, [role] {
    const char* spec = std::getenv("SSCARD_TEST_CRASH_AT");
    if (spec == nullptr || *spec == '\0') return;
    Plan& p = plan();
    p.role = std::string(role);
    const std::string text = spec;
    if (text == "list") {
      p.list = true;
    } else {
      const auto hash = text.rfind('#');
      p.target = text.substr(0, hash);
      if (hash != std::string::npos) p.nth = std::max(1, std::atoi(text.c_str() + hash + 1));
    }
    test_point::install(&on_point);
  });
}

}  // namespace sscard::sim::host
