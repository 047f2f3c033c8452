#include "state_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <thread>

namespace sscard::sim::detail {
namespace {

std::error_code last_error() { return {errno, std::generic_category()}; }

void put_be(MutableByteSpan out, std::uint64_t value) {
  for (std::size_t i = out.size(); i-- > 0;) {
    out[i] = static_cast<std::uint8_t>(value & 0xFF);
    value >>= 8;
  }
}

std::uint64_t get_be(ByteSpan in) {
  std::uint64_t value = 0;
  for (std::uint8_t b : in) value = (value << 8) | b;
  return value;
}

// Writes all of `bytes` at `offset`, through short writes and signals.
bool pwrite_all(int fd, ByteSpan bytes, off_t offset) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::error_code fsync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return last_error();
  std::error_code ec;
  if (::fsync(fd) != 0) ec = last_error();
  ::close(fd);
  return ec;
}

long read_pid(int fd) {
  char text[24] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return 0;
  long pid = 0;
  const auto [end, ec] = std::from_chars(text, text + n, pid);
  (void)end;
  return ec == std::errc() && pid > 0 ? pid : 0;
}

std::filesystem::path temp_of(const std::filesystem::path& file) {
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  return tmp;
}

}  // namespace

Bytes encode_header(const StateHeader& header) {
  Bytes out(kHeaderSize, 0x00);
  std::copy(kMagic.begin(), kMagic.end(), out.begin());
  const MutableByteSpan h(out);
  put_be(h.subspan(8, 2), header.version);
  put_be(h.subspan(12, 4), header.eeprom_size);
  put_be(h.subspan(16, 4), header.page_size);
  std::copy(header.fingerprint.begin(), header.fingerprint.end(), out.begin() + 20);
  return out;
}

Result<StateHeader, std::string> decode_state(ByteSpan file) {
  if (file.empty()) return std::string("the file is empty");
  if (file.size() < kHeaderSize) {
    return "truncated: " + std::to_string(file.size()) + " bytes, shorter than the " + std::to_string(kHeaderSize) +
           "-byte header";
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), file.begin())) return std::string("not a saved card memory");
  StateHeader h;
  h.version = static_cast<std::uint16_t>(get_be(file.subspan(8, 2)));
  if (h.version != kFormatVersion) {
    return "format version " + std::to_string(h.version) + ", this program reads version " +
           std::to_string(kFormatVersion);
  }
  h.eeprom_size = static_cast<std::uint32_t>(get_be(file.subspan(12, 4)));
  h.page_size = static_cast<std::uint32_t>(get_be(file.subspan(16, 4)));
  if (h.eeprom_size == 0 || h.page_size == 0) return std::string("the header gives an empty memory");
  const std::uint64_t expected = kHeaderSize + std::uint64_t{h.eeprom_size};
  if (file.size() != expected) {
    return (file.size() < expected ? "truncated: " : "too long: ") + std::to_string(file.size()) + " of " +
           std::to_string(expected) + " bytes";
  }
  std::copy_n(file.begin() + 20, kFingerprintSize, h.fingerprint.begin());
  return h;
}

std::optional<std::uint16_t> older_format_version(ByteSpan file) {
  if (file.size() < kHeaderSize || !std::equal(kMagic.begin(), kMagic.end(), file.begin())) return std::nullopt;
  const auto version = static_cast<std::uint16_t>(get_be(file.subspan(8, 2)));
  if (version == 0 || version >= kFormatVersion) return std::nullopt;
  return version;
}

Result<Fingerprint> fingerprint(crypto::Crypto& crypto, ByteSpan atr, CardProtocol protocol, ByteSpan image) {
  if (atr.size() > 0xFF) return Error::kInvalidArgument;
  Bytes input;
  input.reserve(4 + atr.size() + image.size());
  input.push_back(static_cast<std::uint8_t>(kFormatVersion >> 8));
  input.push_back(static_cast<std::uint8_t>(kFormatVersion & 0xFF));
  input.push_back(static_cast<std::uint8_t>(atr.size()));
  input.insert(input.end(), atr.begin(), atr.end());
  input.push_back(protocol == CardProtocol::kT0 ? 0x00 : 0x01);
  input.insert(input.end(), image.begin(), image.end());
  Fingerprint out{};
  SSCARD_TRY_ASSIGN(const std::size_t n, crypto.digest(crypto::Hash::kSha256, input, out));
  // The image holds the card's keys and PIN.
  secure_wipe(input);
  if (n != out.size()) return Error::kInternal;
  return out;
}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

FileLock::~FileLock() {
  // Closing the descriptor releases the flock.
  if (fd_ >= 0) ::close(fd_);
}

Result<FileLock, FileLock::Failure> FileLock::acquire(const std::filesystem::path& file,
                                                      std::chrono::milliseconds wait) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Failure{false, 0, last_error()};
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) {
      Failure f{false, 0, last_error()};
      ::close(fd);
      return f;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      Failure f{true, read_pid(fd), {}};
      ::close(fd);
      return f;
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(deadline - now,
                                                                            std::chrono::milliseconds(20)));
  }
  // Who holds it, for the message of the next run that has to wait. Best effort: the lock is what counts.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) (void)pwrite_all(fd, as_bytes(pid), 0);
  return FileLock(fd);
}

std::optional<long> FileLock::holder(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<long> out;
  int r = 0;
  do {
    r = ::flock(fd, LOCK_SH | LOCK_NB);
  } while (r != 0 && errno == EINTR);
  if (r == 0) {
    ::flock(fd, LOCK_UN);
  } else if (errno == EWOULDBLOCK) {
    out = read_pid(fd);
  }
  ::close(fd);
  return out;
}

StateFile::~StateFile() { close_fd(fd_); }

Status StateFile::write(std::size_t offset, ByteSpan bytes) {
  if (!pwrite_all(fd_, bytes, static_cast<off_t>(kHeaderSize + offset))) return Error::kIo;
  return kOk;
}

Status StateFile::sync() {
  if (!durable_) return kOk;
  int r = 0;
  do {
    r = ::fdatasync(fd_);
  } while (r != 0 && errno == EINTR);
  return r == 0 ? kOk : Status(Error::kIo);
}

std::error_code make_private_dirs(const std::filesystem::path& dir) {
  std::filesystem::path at;
  for (const auto& part : dir) {
    at /= part;
    if (::mkdir(at.c_str(), 0700) == 0) continue;
    const std::error_code mkdir_error = last_error();
    std::error_code ec;
    if (std::filesystem::is_directory(at, ec)) continue;
    return mkdir_error.value() == EEXIST ? std::make_error_code(std::errc::not_a_directory) : mkdir_error;
  }
  return {};
}

Result<int, std::error_code> create_atomically(const std::filesystem::path& file, ByteSpan contents) {
  const std::filesystem::path tmp = temp_of(file);
  const int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return last_error();
  std::error_code ec;
  if (!pwrite_all(fd, contents, 0) || ::fsync(fd) != 0 || ::rename(tmp.c_str(), file.c_str()) != 0) {
    ec = last_error();
    ::close(fd);
    ::unlink(tmp.c_str());
    return ec;
  }
  // The rename itself lasts only once the folder is synced.
  if (ec = fsync_dir(file.parent_path().empty() ? "." : file.parent_path()); ec) {
    ::close(fd);
    return ec;
  }
  return fd;
}

Result<OpenedFile, std::error_code> open_and_read(const std::filesystem::path& file, bool writable) {
  OpenedFile out;
  out.fd = ::open(file.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (out.fd < 0) return last_error();
  struct stat st {};
  if (::fstat(out.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const std::error_code ec = S_ISREG(st.st_mode) ? last_error() : std::make_error_code(std::errc::invalid_argument);
    ::close(out.fd);
    return ec;
  }
  out.contents.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.contents.size()) {
    const ssize_t n = ::pread(out.fd, out.contents.data() + done, out.contents.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const std::error_code ec = last_error();
      ::close(out.fd);
      return ec;
    }
    if (n == 0) break;  // shorter than fstat said: what is there is the file
    done += static_cast<std::size_t>(n);
  }
  out.contents.resize(done);
  return out;
}

void close_fd(int fd) {
  if (fd >= 0) ::close(fd);
}

Result<bool, std::error_code> remove_state(const std::filesystem::path& file) {
  bool existed = true;
  if (::unlink(file.c_str()) != 0) {
    if (errno != ENOENT) return last_error();
    existed = false;
  }
  ::unlink(temp_of(file).c_str());
  if (existed) {
    if (const std::error_code ec = fsync_dir(file.parent_path().empty() ? "." : file.parent_path()); ec) return ec;
  }
  return existed;
}

}  // namespace sscard::sim::detail
