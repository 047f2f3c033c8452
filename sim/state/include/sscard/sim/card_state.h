// A simulated card with memory: its Eeprom image kept in a file between runs, so that a PIN changed, a PIN
// blocked or an application blocked in one run is still so in the next. Personalisation from the profile
// is deterministic; the file holds the Eeprom image and a fingerprint of the personalisation it grew from,
// so a profile edited since is noticed instead of mixed with old memory. The format and the choices are in
// cards/README.md ("A simulated card's memory between runs") and docs/DECISIONS.md.
//
// Every page the card writes goes to the file as it is written (EepromBacking), so the file always holds
// what the card's memory holds, a torn write included: a process killed mid-command is a power cut.
// Runs on the same card are serialised: an opened card holds an exclusive lock until it is gone.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/card.h"
#include "sscard/sim/card_os.h"

namespace sscard::sim {

namespace detail {
class StateFile;
struct StateOpener;
}  // namespace detail

// Why a card with memory could not be opened, reset or inspected. `message` is one line that names the
// file at fault and says what to do.
struct StateError {
  enum class Kind : std::uint8_t {
    kProfile,  // the profile does not load (its ProfileError as the message)
    kChanged,  // the saved memory belongs to another personalisation: the profile was edited since, or the
               // memory has an older layout (an older format version)
    kCorrupt,  // the state file is not a saved card memory (truncated, garbled header, newer format version)
    kBusy,     // another run holds the card and did not let go within the lock wait
    kIo,       // the state folder or file cannot be made, read or written
  };
  Kind kind = Kind::kIo;
  std::string message;
};

// "profile", "changed", "corrupt", "busy", "io".
std::string_view state_error_name(StateError::Kind kind);

inline constexpr std::chrono::milliseconds kDefaultLockWait{5000};

// Where saved cards live (XDG Base Directory): $XDG_STATE_HOME/sscard/cards when XDG_STATE_HOME is set and
// absolute, else $HOME/.local/state/sscard/cards. kIo when neither gives an absolute folder.
Result<std::filesystem::path, StateError> default_card_state_dir();

struct PersistentCardOptions {
  std::filesystem::path state_dir;                   // empty: default_card_state_dir()
  bool fresh = false;                                // discard any saved memory and start from the profile
  std::chrono::milliseconds lock_wait = kDefaultLockWait;  // how long to wait for another run to finish
  bool durable = true;                               // fdatasync the file at the end of every Eeprom write
  std::shared_ptr<crypto::Crypto> crypto;            // the card's backend and the fingerprint's; null: OpenSSL
};

// An opened card with memory. It shares the card with whatever slot it is inserted into; the state file
// stays open and locked until this object and every copy of card() are gone.
class PersistentCard {
 public:
  // For hal::SimSlot::insert, the vicc bridge, or anything else that takes a sim::Card.
  std::shared_ptr<Card> card() const { return card_; }
  // The engine, for inspection and fault injection (Eeprom::cut_power_after_page_writes).
  CardOs& card_os() const { return *card_; }
  // The profile's description.
  const std::string& description() const { return description_; }
  const std::filesystem::path& state_file() const { return state_file_; }
  // True when this open started the card from the profile (no saved memory yet, or `fresh`); false when
  // it took up saved memory.
  bool started_from_profile() const { return started_from_profile_; }

 private:
  friend struct detail::StateOpener;
  PersistentCard() = default;

  std::shared_ptr<CardOs> card_;
  std::shared_ptr<detail::StateFile> file_;  // the open, locked state file (the card's Eeprom shares it)
  std::string description_;
  std::filesystem::path state_file_;
  bool started_from_profile_ = false;
};

// Loads the holder profile (cards/*.json), personalises the card and takes up its saved memory from
// `<state_dir>/<卡识别码 in hex>.card`, or creates that file from the fresh card (atomically).
// kProfile, kChanged and kCorrupt leave the state file as it was; kBusy after waiting `lock_wait`.
Result<PersistentCard, StateError> open_persistent_card(const std::filesystem::path& profile,
                                                         const PersistentCardOptions& options = {});
// The same for a PSAM profile (cards/psam/*.json): `<state_dir>/psam-<serial in hex>.card`.
Result<PersistentCard, StateError> open_persistent_psam(const std::filesystem::path& profile,
                                                         const PersistentCardOptions& options = {});

struct ResetOutcome {
  std::filesystem::path state_file;
  bool removed = false;  // false: nothing was saved for this card
};

// Removes the saved memory of the profile's card (after taking its lock), so the next open starts from
// the profile. A card with nothing saved is not an error. `state_dir` empty: default_card_state_dir().
Result<ResetOutcome, StateError> reset_card_state(const std::filesystem::path& profile,
                                                  const std::filesystem::path& state_dir = {},
                                                  std::chrono::milliseconds lock_wait = kDefaultLockWait);
Result<ResetOutcome, StateError> reset_psam_state(const std::filesystem::path& profile,
                                                  const std::filesystem::path& state_dir = {},
                                                  std::chrono::milliseconds lock_wait = kDefaultLockWait);

// What `sscard-sim card show` prints.
struct CardStateReport {
  std::filesystem::path state_file;
  std::string description;  // the profile's
  bool saved = false;       // a state file exists
  // The saved memory is readable and belongs to this profile's personalisation. When it is not, `problem`
  // says why (kChanged or kCorrupt) and the card fields below describe the card as the profile makes it.
  bool matches_profile = false;
  std::optional<StateError> problem;
  std::optional<long> in_use_by;  // a run holds the card now: its process id (0 if it could not be read)

  // The card: from the saved memory when it matches, else fresh from the profile.
  std::optional<std::uint8_t> pin_tries_left;  // nullopt: the card has no PIN (a PSAM)
  std::uint8_t pin_max_tries = 0;
  std::optional<bool> pin_is_initial;          // still the profile's PIN; nullopt without a PIN
  std::optional<CardOs::BlockState> ssse_block_state;  // the SSSE application; nullopt on a PSAM

  // The state file, when saved.
  std::uintmax_t size_bytes = 0;
  std::optional<std::chrono::system_clock::time_point> modified;
};

// Reads the saved memory without changing it. It does not wait for a run that holds the card: it reads
// what is on disk and says who holds it. kProfile and kIo only; a changed or corrupt file is a report.
Result<CardStateReport, StateError> inspect_card_state(const std::filesystem::path& profile,
                                                       const std::filesystem::path& state_dir = {});
Result<CardStateReport, StateError> inspect_psam_state(const std::filesystem::path& profile,
                                                       const std::filesystem::path& state_dir = {});

}  // namespace sscard::sim
