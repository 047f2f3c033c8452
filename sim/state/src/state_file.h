// Internal: the state file's bytes (header, fingerprint), its lock, and the Eeprom backing that writes
// pages into it. POSIX file calls; errors as std::error_code for the caller's messages.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <utility>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/sim/card.h"
#include "sscard/sim/eeprom.h"

namespace sscard::sim::detail {

// Layout (cards/README.md "A simulated card's memory between runs"), integers big-endian:
//   0  8  magic "SSCSTATE"      8  2  format version       10  2  00 00
//  12  4  Eeprom size          16  4  page size           20 32  fingerprint     52 12  00..00
//  64  the Eeprom image, byte i of the memory at file offset 64 + i
// 64 bytes keep the image's pages aligned in the file as they are in the memory.
inline constexpr std::size_t kHeaderSize = 64;
// Version 2: the payment application's state record grew (electronic cash, docs/CONTACTLESS.md §2.5); a
// version 1 memory is of the older layout and is refused, never converted.
inline constexpr std::uint16_t kFormatVersion = 2;
inline constexpr std::array<std::uint8_t, 8> kMagic = {'S', 'S', 'C', 'S', 'T', 'A', 'T', 'E'};
inline constexpr std::size_t kFingerprintSize = 32;
using Fingerprint = std::array<std::uint8_t, kFingerprintSize>;

struct StateHeader {
  std::uint16_t version = kFormatVersion;
  std::uint32_t eeprom_size = 0;
  std::uint32_t page_size = 0;
  Fingerprint fingerprint{};
};

// The header's 64 bytes.
Bytes encode_header(const StateHeader& header);

// Checks a whole file's bytes: magic, version, sizes and that the image is complete. The error is a short
// phrase for a message ("truncated: 100 of 32832 bytes").
Result<StateHeader, std::string> decode_state(ByteSpan file);

// The format version of a saved memory written by an older program (right magic, version below
// kFormatVersion); nullopt for anything else.
std::optional<std::uint16_t> older_format_version(ByteSpan file);

// SHA-256 of: format version (2 bytes) || ATR length (1 byte) || ATR || protocol (00 T=0, 01 T=1) || image.
Result<Fingerprint> fingerprint(crypto::Crypto& crypto, ByteSpan atr, CardProtocol protocol, ByteSpan image);

// An exclusive flock on a lock file next to the state file; the holder writes its process id into it.
class FileLock {
 public:
  struct Failure {
    bool busy = false;  // another holder kept it for the whole wait
    long holder = 0;    // busy: its process id, 0 if unknown
    std::error_code error;  // not busy: why the lock file could not be used
  };
  FileLock() = default;
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  // Polls until the lock is free or `wait` has passed.
  static Result<FileLock, Failure> acquire(const std::filesystem::path& file, std::chrono::milliseconds wait);

  // Who holds the lock on `file` now: nullopt when nobody does (or the file does not exist), else the
  // process id it recorded (0 if unreadable). Takes no lock that outlives the call.
  static std::optional<long> holder(const std::filesystem::path& file);

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// The open, locked state file. As the Eeprom's backing it writes each page at 64 + offset.
class StateFile final : public EepromBacking {
 public:
  StateFile(int fd, FileLock lock, bool durable) : fd_(fd), lock_(std::move(lock)), durable_(durable) {}
  StateFile(const StateFile&) = delete;
  StateFile& operator=(const StateFile&) = delete;
  ~StateFile() override;

  Status write(std::size_t offset, ByteSpan bytes) override;
  Status sync() override;

 private:
  int fd_;
  FileLock lock_;  // released after the file is closed
  bool durable_;
};

// Creates the folder and any missing parent with mode 0700 (XDG Base Directory).
std::error_code make_private_dirs(const std::filesystem::path& dir);

// Writes `contents` to `<file>.tmp`, fsyncs it, renames it over `file` and fsyncs the folder: a reader
// sees the old file or the whole new one. Returns the open (read-write) descriptor of the new file.
Result<int, std::error_code> create_atomically(const std::filesystem::path& file, ByteSpan contents);

// Opens `file` read-write (or read-only) and reads all of it. The descriptor is closed on error.
struct OpenedFile {
  int fd = -1;
  Bytes contents;
};
Result<OpenedFile, std::error_code> open_and_read(const std::filesystem::path& file, bool writable);

void close_fd(int fd);

// Removes `file` (and a leftover `<file>.tmp`) and fsyncs the folder. Returns whether `file` existed.
Result<bool, std::error_code> remove_state(const std::filesystem::path& file);

}  // namespace sscard::sim::detail
