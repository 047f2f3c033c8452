#include "pcsc_backend.h"

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "card_backends.h"
#include "pcscd_daemon.h"
#include "pcscd_required.h"
#include "sscard/hal/pcsc_reader.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/vicc.h"

namespace sscard::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// pcscd notices an inserted card at its next presence poll (every 400 ms) after vpcd accepted the
// connection (also in that poll), and a removed one at the next poll: generous deadlines for a loaded CI.
constexpr auto kPresenceDeadline = 5s;
constexpr auto kPresencePoll = 2ms;

// The contacts of the virtual reader lead to whichever card was put in last. The bridge thread calls the
// Card functions, the test thread swaps: one mutex keeps each call on one card.
class SwappableCard final : public sim::Card {
 public:
  explicit SwappableCard(std::shared_ptr<sim::Card> card) : card_(std::move(card)) {}

  void swap(std::shared_ptr<sim::Card> card) {
    const std::lock_guard lock(mutex_);
    card_ = std::move(card);
  }

  Bytes power_on() override {
    const std::lock_guard lock(mutex_);
    return card_->power_on();
  }
  void power_off() override {
    const std::lock_guard lock(mutex_);
    card_->power_off();
  }
  bool powered() const override {
    const std::lock_guard lock(mutex_);
    return card_->powered();
  }
  sim::CardProtocol protocol() const override {
    const std::lock_guard lock(mutex_);
    return card_->protocol();
  }
  Bytes process(ByteSpan command) override {
    const std::lock_guard lock(mutex_);
    return card_->process(command);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<sim::Card> card_;
};

// The process-wide pcscd, bridge thread and presence monitor.
class PcscWorld {
 public:
  // Starts pcscd and the bridge with `first_card` in the reader and waits until pcscd sees the card.
  // Throws std::runtime_error if any of that fails.
  explicit PcscWorld(std::shared_ptr<sim::Card> first_card)
      : card_(std::make_shared<SwappableCard>(std::move(first_card))) {
    if (std::string missing = sscard::testing::pcscd_missing(); !missing.empty()) throw std::runtime_error(missing);
    const auto started = Clock::now();
    if (std::string error = daemon_.start(); !error.empty()) throw std::runtime_error("pcscd: " + error);
    const auto daemon_up = Clock::now();
    stats_.daemon_start_time = std::chrono::duration_cast<std::chrono::microseconds>(daemon_up - started);
    // Only now, with the machine-wide pcscd lock held: before, the vpcd port could be someone else's.
    // vpcd accepts the connection at its next presence poll; measured ~400 ms after pcscd listens,
    // whether the bridge knocks before or after that.
    sim::ViccOptions options;
    options.reconnect_initial = 2ms;
    options.reconnect_max = 50ms;
    bridge_ = std::make_unique<sim::ViccBridge>(card_, options);
    thread_ = std::thread([this] { (void)bridge_->run(); });
    ++stats_.daemon_starts;
    try {
      auto context = hal::PcscContext::establish();
      if (!context.ok()) throw std::runtime_error("no PC/SC context: " + std::string(context.status().name()));
      monitor_ = std::move(*context);
      wait_for_presence(true);
    } catch (...) {
      stop_bridge();  // a joinable std::thread must not be destroyed; pcscd stops with daemon_
      throw;
    }
    stats_.first_card_time = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - daemon_up);
  }

  ~PcscWorld() {
    stop_bridge();
    monitor_ = hal::PcscContext();
    daemon_.stop();
  }

  PcscWorld(const PcscWorld&) = delete;
  PcscWorld& operator=(const PcscWorld&) = delete;

  // Puts `card` into the reader and leaves `slot` disconnected, with pcscd holding the card unpowered.
  void put(std::shared_ptr<sim::Card> card, hal::PcscSlot& slot) {
    if (pulled_) {
      // A real insertion: the card is in before the bridge connects, so pcscd's power-up at insertion
      // reads its ATR.
      card_->swap(std::move(card));
      bridge_->insert_card();
      wait_for_presence(true);
      pulled_ = false;
      ++stats_.reinsertions;
      unpower(slot);
    } else {
      unpower(slot);
      card_->swap(std::move(card));
      ++stats_.swaps;
    }
  }

  // Takes the card out (the bridge closes its connection) and waits until pcscd reports the slot empty.
  void pull() {
    if (pulled_) return;
    bridge_->pull_card();
    pulled_ = true;
    wait_for_presence(false);
  }

  PcscBackendStats stats() const {
    PcscBackendStats s = stats_;
    s.bridge_connections = bridge_ ? bridge_->connections() : 0;
    return s;
  }

  // The backend that uses the reader now, or nullptr.
  const void* owner = nullptr;

 private:
  // Connects and disconnects with SCARD_UNPOWER_CARD: pcscd powers the card down at once (vpcd sends
  // "power off") and marks it unpowered, whether it had kept it powered since the insertion or not; its
  // next SCardConnect powers the card up again and reads the ATR anew.
  static void unpower(hal::PcscSlot& slot) {
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    const Result<std::size_t> n = slot.power_up(atr);
    if (!n.ok()) throw std::runtime_error("cannot connect to the card: " + std::string(n.status().name()));
    (void)slot.power_down();
  }

  void stop_bridge() {
    if (!bridge_) return;
    bridge_->stop();
    thread_.join();
    bridge_.reset();
  }

  void wait_for_presence(bool wanted) {
    const auto deadline = Clock::now() + kPresenceDeadline;
    for (;;) {
      const Result<bool> present = monitor_.card_present(kPcscVirtualReader);
      if (present.ok() && *present == wanted) return;
      if (Clock::now() > deadline) {
        throw std::runtime_error(std::string("pcscd did not report the card ") + (wanted ? "inserted" : "removed") +
                                 " within 5 s (" +
                                 (present.ok() ? "it reports the opposite" : std::string(present.status().name())) +
                                 "); see " + daemon_.log_path());
      }
      std::this_thread::sleep_for(kPresencePoll);
    }
  }

  sscard::testing::PcscdDaemon daemon_{sscard::testing::PcscdOptions{}};
  std::shared_ptr<SwappableCard> card_;
  hal::PcscContext monitor_;
  std::unique_ptr<sim::ViccBridge> bridge_;
  std::thread thread_;
  bool pulled_ = false;
  PcscBackendStats stats_;
};

// Started by the first insert(), stopped at exit (static destruction, after every test has ended).
std::unique_ptr<PcscWorld>& world_slot() {
  static std::unique_ptr<PcscWorld> world;
  return world;
}
// Why the world could not start; later inserts fail at once with the same message.
std::string& world_error() {
  static std::string error;
  return error;
}

PcscWorld& world_with(std::shared_ptr<sim::Card> first_card) {
  auto& world = world_slot();
  if (world) return *world;
  if (!world_error().empty()) throw std::runtime_error(world_error());
  try {
    world = std::make_unique<PcscWorld>(std::move(first_card));
  } catch (const std::exception& e) {
    world_error() = e.what();
    throw;
  }
  return *world;
}

class PcscBackend final : public CardBackend {
 public:
  ~PcscBackend() override {
    reader_.reset();  // disconnects, powering the card down
    if (world_slot() && world_slot()->owner == this) world_slot()->owner = nullptr;
  }

  hal::Slot& insert(const std::filesystem::path& profile) override {
    auto loaded = sim::load_profile(profile);
    if (!loaded.ok()) throw std::runtime_error(loaded.error().to_string());
    std::shared_ptr<sim::Card> card = sim::make_card(loaded.value());
    PcscWorld& world = world_with(card);
    if (world.owner != nullptr && world.owner != this) {
      throw std::runtime_error("another pcsc card backend is using the virtual reader");
    }
    world.owner = this;
    if (!reader_) {
      auto opened = hal::PcscReader::open({kPcscVirtualReader, ""});
      if (!opened.ok()) {
        throw std::runtime_error(std::string("cannot open ") + kPcscVirtualReader + ": " +
                                 std::string(opened.status().name()));
      }
      reader_ = std::move(*opened);
    }
    world.put(std::move(card), reader_->contact());
    return reader_->contact();
  }

  void remove() override {
    if (world_slot() && world_slot()->owner == this) world_slot()->pull();
  }

  std::string name() const override { return kPcscBackendName; }

 private:
  std::unique_ptr<hal::PcscReader> reader_;
};

const bool kPcscRegistered = register_card_backend(kPcscBackendName, [] { return std::make_unique<PcscBackend>(); });

}  // namespace

PcscBackendStats pcsc_backend_stats() {
  (void)kPcscRegistered;
  return world_slot() ? world_slot()->stats() : PcscBackendStats{};
}

}  // namespace sscard::test
