#include "sscard/host/store_key.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "sscard/crypto/default_crypto.h"
#include "sscard/crypto/hmac.h"

namespace sscard::host {
namespace {

using Kind = StoreError::Kind;

// Labels of the keys derived from the device key K (RFC 5869 HKDF-Expand, one block each; K is 32 random
// bytes, so the Extract step is not needed: RFC 5869 3.3).
constexpr std::string_view kSealingLabel = "sscard store/1 sealing";
constexpr std::string_view kLookupLabel = "sscard store/1 lookup";
constexpr std::string_view kCheckLabel = "sscard store/1 check";
// The start of every sealed value's associated data.
constexpr std::string_view kAadLabel = "sscard store/1";

bool in_memory(const std::string& path) { return path.empty() || path == ":memory:"; }

StoreError key_error(Kind kind, const std::filesystem::path& file, int error_number = 0, unsigned mode = 0) {
  StoreError e;
  e.kind = kind;
  e.file = file.string();
  e.error_number = error_number;
  e.mode = mode;
  return e;
}

// Reads exactly `out.size()` bytes (a short file is malformed).
bool read_all(int fd, MutableByteSpan out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool write_all(int fd, ByteSpan in) {
  std::size_t done = 0;
  while (done < in.size()) {
    const ssize_t n = ::write(fd, in.data() + done, in.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The key file's key. kKeyMissing (with no other field set) when it does not exist.
Result<crypto::SecretBytes<StoreKey::kKeySize>, StoreError> read_key_file(const std::filesystem::path& file) {
  const Fd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (fd.get() < 0) {
    if (errno == ENOENT) return key_error(Kind::kKeyMissing, file);
    return key_error(Kind::kIo, file, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return key_error(Kind::kIo, file, errno);
  if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) return key_error(Kind::kKeyNotAFile, file);
  // Like the APDU trace: a key others may read protects nothing, and its mode is not ours to change.
  if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    return key_error(Kind::kKeyNotOwnerOnly, file, 0, static_cast<unsigned>(st.st_mode & 07777));
  }
  if (st.st_size != static_cast<off_t>(StoreKey::kKeySize)) return key_error(Kind::kKeyMalformed, file);
  crypto::SecretBytes<StoreKey::kKeySize> key;
  if (!read_all(fd.get(), key.span())) return key_error(Kind::kKeyMalformed, file);
  return key;
}

// Writes a new random key to `file`. It is written whole and synced in a temporary file made with O_EXCL and
// mode 0600, then published with link(2), which never replaces an existing file: when another process
// published its key first, that key is read and used.
Result<crypto::SecretBytes<StoreKey::kKeySize>, StoreError> create_key_file(crypto::Crypto& crypto,
                                                                          const std::filesystem::path& file) {
  crypto::SecretBytes<StoreKey::kKeySize> key;
  std::array<std::uint8_t, 8> tag{};
  if (!crypto.random(key.span()).ok() || !crypto.random(tag).ok()) return key_error(Kind::kNoCrypto, file);
  const std::filesystem::path temporary = file.string() + ".new-" + to_hex(tag);
  {
    const Fd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, S_IRUSR | S_IWUSR));
    if (fd.get() < 0) return key_error(Kind::kIo, file, errno);
    // The umask can only narrow the mode; fchmod makes sure the owner can read it back.
    if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0 || !write_all(fd.get(), key.span()) || ::fsync(fd.get()) != 0) {
      const int e = errno;
      ::unlink(temporary.c_str());
      return key_error(Kind::kIo, file, e);
    }
  }
  const int linked = ::link(temporary.c_str(), file.c_str());
  const int link_errno = errno;
  ::unlink(temporary.c_str());
  if (linked != 0) {
    if (link_errno == EEXIST) return read_key_file(file);
    return key_error(Kind::kIo, file, link_errno);
  }
  // The new name is durable only once its folder is.
  const std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) return key_error(Kind::kIo, file, errno);
  return key;
}

}  // namespace

Status StoreError::status() const {
  switch (kind) {
    case Kind::kIo: return Error::kIo;
    case Kind::kNewerSchema: return Error::kUnsupported;
    case Kind::kNoCrypto: return Error::kInternal;
    case Kind::kKeyMissing:
    case Kind::kKeyNotOwnerOnly:
    case Kind::kKeyNotAFile:
    case Kind::kKeyMalformed:
    case Kind::kKeyMismatch: return Error::kSecurity;
  }
  return Error::kInternal;
}

std::string StoreError::message() const {
  switch (kind) {
    case Kind::kIo:
      return file + ": cannot be opened or written" + (error_number != 0 ? std::string(" (") + std::strerror(error_number) + ")" : "") +
             ": check that its folder exists and is writable";
    case Kind::kNewerSchema:
      return file + ": written by a newer sscard; use that version";
    case Kind::kKeyMissing:
      return "the storage key " + file + " is missing, and " + std::to_string(sealed_rows) +
             " stored row(s) can only be read with it: restore the file from the device's backup (nothing was "
             "changed; moving the database aside starts an empty one and abandons those rows)";
    case Kind::kKeyNotOwnerOnly: {
      char octal[8];
      std::snprintf(octal, sizeof octal, "%04o", mode & 07777u);
      return "the storage key " + file + " has mode " + octal +
             ": the group or others may read it; run chmod 600 on it (it was not used or changed)";
    }
    case Kind::kKeyNotAFile:
      return "the storage key " + file + " is not a regular file owned by this user: refused";
    case Kind::kKeyMalformed:
      return "the storage key " + file + " is not 32 bytes: damaged or not a storage key; restore it from backup";
    case Kind::kKeyMismatch:
      return "the storage key " + file + " is not the key this database was written with: restore the right key";
    case Kind::kNoCrypto:
      return "no crypto backend for the storage key of " + file + " (out of memory or no entropy)";
  }
  return file + ": cannot be opened";
}

std::filesystem::path StoreKey::key_file_for(const std::string& database_path) {
  if (in_memory(database_path)) return {};
  return std::filesystem::path(database_path).parent_path() / kKeyFileName;
}

Result<std::unique_ptr<StoreKey>, StoreError> StoreKey::open(const std::string& database_path,
                                                             const std::optional<StoreBinding>& bound,
                                                             std::int64_t sealed_rows) {
  const std::filesystem::path file = key_file_for(database_path);
  std::unique_ptr<StoreKey> key(new (std::nothrow) StoreKey());
  if (key) key->crypto_ = crypto::make_default_crypto();
  if (!key || !key->crypto_) return key_error(Kind::kNoCrypto, file.empty() ? std::filesystem::path(database_path) : file);
  crypto::Crypto& c = *key->crypto_;

  crypto::SecretBytes<kKeySize> device_key;
  if (in_memory(database_path)) {
    if (!c.random(device_key.span()).ok()) return key_error(Kind::kNoCrypto, database_path);
  } else {
    auto read = read_key_file(file);
    if (!read.ok() && read.error().kind == Kind::kKeyMissing) {
      if (bound && sealed_rows > 0) {
        StoreError e = read.error();
        e.sealed_rows = sealed_rows;
        return e;
      }
      read = create_key_file(c, file);
    }
    if (!read.ok()) return read.error();
    device_key = *read;
  }

  StoreBinding binding;
  if (!crypto::hkdf_expand_one(c, crypto::Hash::kSha256, device_key, kSealingLabel, key->sealing_key_.span()).ok() ||
      !crypto::hkdf_expand_one(c, crypto::Hash::kSha256, device_key, kLookupLabel, key->lookup_key_.span()).ok() ||
      !crypto::hkdf_expand_one(c, crypto::Hash::kSha256, device_key, kCheckLabel, binding.key_check).ok()) {
    return key_error(Kind::kNoCrypto, file);
  }
  if (bound && bound->key_check != binding.key_check) {
    // A bound database without sealed rows takes the key it finds (its earlier key is gone with nothing
    // sealed under it); with sealed rows the key must be the one they were sealed with.
    if (sealed_rows > 0) return key_error(Kind::kKeyMismatch, file);
    binding.database_id = bound->database_id;
    key->write_binding_ = true;
  } else if (bound) {
    binding = *bound;
  } else {
    if (!c.random(binding.database_id).ok()) return key_error(Kind::kNoCrypto, file);
    key->write_binding_ = true;
  }
  key->binding_ = binding;
  return key;
}

StoreKey::~StoreKey() = default;  // the SecretBytes members wipe themselves

Bytes StoreKey::associated_data(std::string_view column, ByteSpan row_key) const {
  // label || 00 || database id || column || 00 || row key: the zero bytes end the two texts, so no two
  // (column, row) pairs give the same bytes.
  Bytes aad(kAadLabel.begin(), kAadLabel.end());
  aad.push_back(0x00);
  aad.insert(aad.end(), binding_.database_id.begin(), binding_.database_id.end());
  aad.insert(aad.end(), column.begin(), column.end());
  aad.push_back(0x00);
  aad.insert(aad.end(), row_key.begin(), row_key.end());
  return aad;
}

Result<Bytes> StoreKey::seal(std::string_view column, ByteSpan row_key, ByteSpan plaintext) {
  Bytes out(kSealedOverhead + plaintext.size());
  out[0] = kSealedVersion;
  const MutableByteSpan nonce = MutableByteSpan(out).subspan(1, crypto::kAeadNonceSize);
  // A random 96-bit nonce per value (SP 800-38D 8.2.2); a device seals far fewer than the 2^32 values that
  // section allows under one key.
  if (!crypto_->random(nonce).ok()) return Error::kInternal;
  const Bytes aad = associated_data(column, row_key);
  auto n = crypto_->aead_seal(crypto::Aead::kAesGcm, sealing_key_, nonce, aad, plaintext,
                              MutableByteSpan(out).subspan(1 + crypto::kAeadNonceSize));
  if (!n.ok()) return Error::kInternal;
  return out;
}

Result<Bytes> StoreKey::open(std::string_view column, ByteSpan row_key, ByteSpan sealed) {
  if (sealed.size() < kSealedOverhead || sealed[0] != kSealedVersion) return Error::kMalformed;
  const ByteSpan nonce = sealed.subspan(1, crypto::kAeadNonceSize);
  const ByteSpan body = sealed.subspan(1 + crypto::kAeadNonceSize);
  Bytes plain(body.size() - crypto::kAeadTagSize);
  const Bytes aad = associated_data(column, row_key);
  auto n = crypto_->aead_open(crypto::Aead::kAesGcm, sealing_key_, nonce, aad, body, plain);
  if (!n.ok()) return n.status().code() == Error::kSecurity ? Status(Error::kSecurity) : Status(Error::kInternal);
  return plain;
}

Result<StoreKey::Digest> StoreKey::lookup_digest(std::string_view purpose, ByteSpan data) {
  Bytes message(purpose.begin(), purpose.end());
  message.push_back(0x00);
  message.insert(message.end(), data.begin(), data.end());
  Digest out{};
  auto n = crypto::hmac(*crypto_, crypto::Hash::kSha256, lookup_key_, message, out);
  secure_wipe(message);
  if (!n.ok()) return n.status();
  return out;
}

std::array<std::uint8_t, 8> row_number_key(std::uint64_t n) {
  std::array<std::uint8_t, 8> out{};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(n >> (56 - 8 * i));
  return out;
}

}  // namespace sscard::host
