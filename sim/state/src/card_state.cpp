// Opening, resetting and inspecting simulated cards with memory (card_state.h).
#include "sscard/sim/card_state.h"

#include "sscard/core/state_dir.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>

#include "sscard/crypto/openssl.h"
#include "sscard/sim/profile.h"
#include "sscard/sim/psam_profile.h"
#include "state_file.h"

namespace sscard::sim {

namespace detail {

struct StateOpener {
  static PersistentCard make(std::shared_ptr<CardOs> card, std::shared_ptr<StateFile> file, std::string description,
                             std::filesystem::path state_file, bool started_from_profile) {
    PersistentCard out;
    out.card_ = std::move(card);
    out.file_ = std::move(file);
    out.description_ = std::move(description);
    out.state_file_ = std::move(state_file);
    out.started_from_profile_ = started_from_profile;
    return out;
  }
};

}  // namespace detail

namespace {

using detail::Fingerprint;

// A card freshly personalised from its profile, and what the messages need to name it.
struct Personalised {
  std::filesystem::path profile;
  std::shared_ptr<CardOs> card;
  std::shared_ptr<crypto::Crypto> crypto;
  std::string description;
  std::string file_name;  // "<卡识别码>.card" or "psam-<serial>.card"
  std::string flag;       // how `sscard-sim card reset` names the profile: --card or --psam
  Bytes atr;
  CardProtocol protocol = CardProtocol::kT0;
  std::optional<std::string> pin;  // the profile's PIN (holder cards)
  std::optional<NodeId> ssse;      // holder cards
};

StateError error(StateError::Kind kind, std::string message) { return StateError{kind, std::move(message)}; }

std::string advice(const Personalised& p) {
  return "start it again from the profile with `sscard-sim card reset " + p.flag + " " + p.profile.string() +
         "` or run with --fresh";
}

std::shared_ptr<crypto::Crypto> backend(const std::shared_ptr<crypto::Crypto>& given) {
  if (given) return given;
  return crypto::make_openssl_crypto();
}

Result<Personalised, StateError> personalise_holder(const std::filesystem::path& file,
                                                    std::shared_ptr<crypto::Crypto> crypto) {
  auto loaded = load_profile(file);
  if (!loaded.ok()) return error(StateError::Kind::kProfile, loaded.error().to_string());
  const HolderProfile& profile = loaded.value();
  if (!crypto) return error(StateError::Kind::kIo, file.string() + ": no crypto backend for the simulated card");
  Personalised p;
  p.profile = file;
  p.card = make_card_os(profile, crypto);
  if (!p.card) return error(StateError::Kind::kProfile, file.string() + ": cannot personalise the card");
  p.crypto = std::move(crypto);
  p.description = profile.description;
  p.file_name = to_hex(profile.card_identification_code()) + ".card";
  p.flag = "--card";
  p.atr = profile.atr;
  p.protocol = profile.protocol;
  p.pin = profile.pin;
  p.ssse = p.card->file_system().df_by_name(ssse_df_name());
  return p;
}

Result<Personalised, StateError> personalise_psam(const std::filesystem::path& file,
                                                  std::shared_ptr<crypto::Crypto> crypto) {
  auto loaded = load_psam_profile(file);
  if (!loaded.ok()) return error(StateError::Kind::kProfile, loaded.error().to_string());
  const PsamProfile& profile = loaded.value();
  if (!crypto) return error(StateError::Kind::kIo, file.string() + ": no crypto backend for the simulated PSAM");
  Personalised p;
  p.profile = file;
  p.card = make_psam_card_os(profile, crypto);
  if (!p.card) return error(StateError::Kind::kProfile, file.string() + ": cannot personalise the PSAM");
  p.crypto = std::move(crypto);
  p.description = profile.description;
  p.file_name = "psam-" + to_hex(profile.serial) + ".card";
  p.flag = "--psam";
  p.atr = profile.atr;
  p.protocol = profile.protocol;
  return p;
}

Result<std::filesystem::path, StateError> state_dir_or_default(const std::filesystem::path& given) {
  if (!given.empty()) return given;
  return default_card_state_dir();
}

std::filesystem::path lock_file_of(const std::filesystem::path& state_file) {
  std::filesystem::path lock = state_file;
  lock += ".lock";
  return lock;
}

Result<Fingerprint, StateError> fingerprint_of(const Personalised& p) {
  auto fp = detail::fingerprint(*p.crypto, p.atr, p.protocol, p.card->eeprom().image());
  if (!fp.ok()) {
    return error(StateError::Kind::kIo, p.profile.string() + ": cannot compute the fingerprint of the card (" +
                                            std::string(fp.status().name()) + ")");
  }
  return *fp;
}

// Whether `contents` is a saved memory of this personalisation.
Result<void, StateError> check_saved(ByteSpan contents, const Personalised& p, const Fingerprint& fp,
                                     const std::filesystem::path& file) {
  if (const auto older = detail::older_format_version(contents)) {
    // Memory of an older layout (another Eeprom layout of the applications): refused, never mixed in.
    return error(StateError::Kind::kChanged,
                 file.string() + ": the saved memory of the simulated card of " + p.profile.string() +
                     " has the layout of an older sscard-sim (format version " + std::to_string(*older) +
                     ", this program reads version " + std::to_string(detail::kFormatVersion) + "); " + advice(p));
  }
  auto header = detail::decode_state(contents);
  if (!header.ok()) {
    return error(StateError::Kind::kCorrupt, file.string() + ": the saved memory of the simulated card of " +
                                                 p.profile.string() + " is damaged (" + header.error() + "); " +
                                                 advice(p));
  }
  const Eeprom& eeprom = p.card->eeprom();
  if (header->eeprom_size != eeprom.size() || header->page_size != eeprom.page_size() ||
      header->fingerprint != fp) {
    return error(StateError::Kind::kChanged,
                 p.profile.string() + " changed since its simulated card was saved in " + file.string() +
                     " (or another profile has the same card); " + advice(p));
  }
  return {};
}

StateError io_error(const std::filesystem::path& path, std::string_view what, const std::error_code& ec) {
  return error(StateError::Kind::kIo, path.string() + ": " + std::string(what) + ": " + ec.message());
}

StateError lock_error(const Personalised& p, const std::filesystem::path& lock_file,
                      const detail::FileLock::Failure& f) {
  if (!f.busy) return io_error(lock_file, "cannot lock the simulated card", f.error);
  const std::string who = f.holder != 0 ? "process " + std::to_string(f.holder) : std::string("another process");
  return error(StateError::Kind::kBusy, "the simulated card of " + p.profile.string() + " is in use by " + who +
                                            " (lock " + lock_file.string() + "); wait for it to finish or stop it");
}

Result<PersistentCard, StateError> open_personalised(Personalised p, const PersistentCardOptions& options) {
  SSCARD_TRY_ASSIGN(const std::filesystem::path dir, state_dir_or_default(options.state_dir));
  if (const std::error_code ec = detail::make_private_dirs(dir); ec) {
    return io_error(dir, "cannot create the folder of saved simulated cards", ec);
  }
  const std::filesystem::path file = dir / p.file_name;
  const std::filesystem::path lock_file = lock_file_of(file);
  auto lock = detail::FileLock::acquire(lock_file, options.lock_wait);
  if (!lock.ok()) return lock_error(p, lock_file, lock.error());
  SSCARD_TRY_ASSIGN(const Fingerprint fp, fingerprint_of(p));

  std::error_code ec;
  const bool exists = std::filesystem::exists(file, ec);
  if (ec) return io_error(file, "cannot look for the saved memory", ec);
  int fd = -1;
  const bool start_from_profile = options.fresh || !exists;
  if (start_from_profile) {
    detail::StateHeader header;
    header.eeprom_size = static_cast<std::uint32_t>(p.card->eeprom().size());
    header.page_size = static_cast<std::uint32_t>(p.card->eeprom().page_size());
    header.fingerprint = fp;
    Bytes contents = detail::encode_header(header);
    const ByteSpan image = p.card->eeprom().image();
    contents.insert(contents.end(), image.begin(), image.end());
    auto created = detail::create_atomically(file, contents);
    secure_wipe(contents);
    if (!created.ok()) return io_error(file, "cannot save the simulated card", created.error());
    fd = *created;
  } else {
    auto opened = detail::open_and_read(file, true);
    if (!opened.ok()) return io_error(file, "cannot read the saved memory", opened.error());
    detail::OpenedFile& f = opened.value();
    fd = f.fd;
    const auto checked = check_saved(f.contents, p, fp, file);
    const Status loaded = checked.ok() ? p.card->eeprom().load_image(ByteSpan(f.contents).subspan(detail::kHeaderSize))
                                       : Status(kOk);
    secure_wipe(f.contents);
    if (!checked.ok()) {
      detail::close_fd(fd);
      return checked.error();
    }
    if (!loaded.ok()) {
      detail::close_fd(fd);
      return error(StateError::Kind::kCorrupt, file.string() + ": cannot load the saved memory; " + advice(p));
    }
  }
  auto backing = std::make_shared<detail::StateFile>(fd, std::move(lock).value(), options.durable);
  p.card->eeprom().attach_backing(backing);
  return detail::StateOpener::make(std::move(p.card), std::move(backing), std::move(p.description), file,
                                   start_from_profile);
}

Result<ResetOutcome, StateError> reset_personalised(const Personalised& p, const std::filesystem::path& state_dir,
                                                    std::chrono::milliseconds lock_wait) {
  SSCARD_TRY_ASSIGN(const std::filesystem::path dir, state_dir_or_default(state_dir));
  ResetOutcome out;
  out.state_file = dir / p.file_name;
  std::error_code ec;
  // Nothing saved: no folder or lock file is made just to say so.
  if (!std::filesystem::exists(out.state_file, ec)) {
    if (ec) return io_error(out.state_file, "cannot look for the saved memory", ec);
    return out;
  }
  const std::filesystem::path lock_file = lock_file_of(out.state_file);
  auto lock = detail::FileLock::acquire(lock_file, lock_wait);
  if (!lock.ok()) return lock_error(p, lock_file, lock.error());
  auto removed = detail::remove_state(out.state_file);
  if (!removed.ok()) return io_error(out.state_file, "cannot remove the saved memory", removed.error());
  out.removed = *removed;
  // The lock file stays: removing it would let a waiting run lock a file nobody else sees.
  return out;
}

Result<CardStateReport, StateError> inspect_personalised(const Personalised& p,
                                                         const std::filesystem::path& state_dir) {
  SSCARD_TRY_ASSIGN(const std::filesystem::path dir, state_dir_or_default(state_dir));
  CardStateReport report;
  report.state_file = dir / p.file_name;
  report.description = p.description;
  SSCARD_TRY_ASSIGN(const Fingerprint fp, fingerprint_of(p));

  struct stat st {};
  if (::stat(report.state_file.c_str(), &st) == 0) {
    report.saved = true;
    report.in_use_by = detail::FileLock::holder(lock_file_of(report.state_file));
    auto opened = detail::open_and_read(report.state_file, false);
    if (!opened.ok()) return io_error(report.state_file, "cannot read the saved memory", opened.error());
    detail::OpenedFile& f = opened.value();
    detail::close_fd(f.fd);
    report.size_bytes = static_cast<std::uintmax_t>(st.st_size);
    report.modified = std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::system_clock::duration>(
        std::chrono::seconds(st.st_mtim.tv_sec) + std::chrono::nanoseconds(st.st_mtim.tv_nsec)));
    const auto checked = check_saved(f.contents, p, fp, report.state_file);
    if (checked.ok()) {
      // The fresh card without a backing: loading the image changes nothing on disk.
      report.matches_profile = p.card->eeprom().load_image(ByteSpan(f.contents).subspan(detail::kHeaderSize)).ok();
      // What the card will hold at its next power-on: a command cut short is undone (in memory only).
      if (report.matches_profile) (void)p.card->eeprom().recover();
    } else {
      report.problem = checked.error();
    }
    secure_wipe(f.contents);
  } else if (errno != ENOENT) {
    return io_error(report.state_file, "cannot look for the saved memory", std::error_code(errno, std::generic_category()));
  }

  const CardOs& card = *p.card;
  report.pin_tries_left = card.pin_tries_left();
  if (report.pin_tries_left) {
    report.pin_max_tries = card.pin_max_tries();
    if (p.pin) report.pin_is_initial = card.pin_matches(*p.pin);
  }
  if (p.ssse) report.ssse_block_state = card.block_state(*p.ssse);
  return report;
}

}  // namespace

std::string_view state_error_name(StateError::Kind kind) {
  switch (kind) {
    case StateError::Kind::kProfile: return "profile";
    case StateError::Kind::kChanged: return "changed";
    case StateError::Kind::kCorrupt: return "corrupt";
    case StateError::Kind::kBusy: return "busy";
    case StateError::Kind::kIo: return "io";
  }
  return "io";
}

Result<std::filesystem::path, StateError> default_card_state_dir() {
  auto dir = state_dir();
  if (!dir.ok()) {
    return error(StateError::Kind::kIo,
                 "no folder for saved simulated cards: neither XDG_STATE_HOME nor HOME is an absolute path; "
                 "set one or give a state folder");
  }
  return *dir / "cards";
}

Result<PersistentCard, StateError> open_persistent_card(const std::filesystem::path& profile,
                                                         const PersistentCardOptions& options) {
  SSCARD_TRY_ASSIGN(Personalised p, personalise_holder(profile, backend(options.crypto)));
  return open_personalised(std::move(p), options);
}

Result<PersistentCard, StateError> open_persistent_psam(const std::filesystem::path& profile,
                                                         const PersistentCardOptions& options) {
  SSCARD_TRY_ASSIGN(Personalised p, personalise_psam(profile, backend(options.crypto)));
  return open_personalised(std::move(p), options);
}

Result<ResetOutcome, StateError> reset_card_state(const std::filesystem::path& profile,
                                                  const std::filesystem::path& state_dir,
                                                  std::chrono::milliseconds lock_wait) {
  SSCARD_TRY_ASSIGN(const Personalised p, personalise_holder(profile, backend(nullptr)));
  return reset_personalised(p, state_dir, lock_wait);
}

Result<ResetOutcome, StateError> reset_psam_state(const std::filesystem::path& profile,
                                                  const std::filesystem::path& state_dir,
                                                  std::chrono::milliseconds lock_wait) {
  SSCARD_TRY_ASSIGN(const Personalised p, personalise_psam(profile, backend(nullptr)));
  return reset_personalised(p, state_dir, lock_wait);
}

Result<CardStateReport, StateError> inspect_card_state(const std::filesystem::path& profile,
                                                       const std::filesystem::path& state_dir) {
  SSCARD_TRY_ASSIGN(const Personalised p, personalise_holder(profile, backend(nullptr)));
  return inspect_personalised(p, state_dir);
}

Result<CardStateReport, StateError> inspect_psam_state(const std::filesystem::path& profile,
                                                       const std::filesystem::path& state_dir) {
  SSCARD_TRY_ASSIGN(const Personalised p, personalise_psam(profile, backend(nullptr)));
  return inspect_personalised(p, state_dir);
}

}  // namespace sscard::sim
