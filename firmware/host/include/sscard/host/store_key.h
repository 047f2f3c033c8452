// The key that protects what a terminal keeps at rest (docs/SECURITY.md "Card data at rest"): the kiosk's
// journal and the transit validator's ride log hold the requests they still owe an issuer or acquirer, and
// those carry the PAN, so every such value is sealed (AES-256-GCM) before it is written and opened after it is
// read, and values looked up by PAN are found through a keyed digest (HMAC-SHA-256) instead of the PAN.
//
// One random 32-byte key per device, in the file `storage.key` in the database's folder (the state folder),
// owner-only. A database records which key it was sealed with (its binding: a random database id and the key's
// check value), so a missing or different key is told apart from damage and refused with a StoreError, never
// replaced behind the rows it protects.
//
// Not thread-safe: one StoreKey serves the one database object that owns it.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/crypto/crypto.h"
#include "sscard/crypto/secret_bytes.h"

namespace sscard::host {

// Why a protected database (journal, ride log) was not opened. Nothing in the database or the key file was
// changed in any of these cases.
struct StoreError {
  enum class Kind : std::uint8_t {
    kIo,               // the database or the key file cannot be opened, read or written (`error_number`)
    kNewerSchema,      // the database was written by a newer program
    kKeyMissing,       // the database holds `sealed_rows` sealed rows and its key file is gone: they cannot be
                       // read or resent without it, so no new key is made
    kKeyNotOwnerOnly,  // the key file's mode lets the group or others in (`mode`): refused, not changed
    kKeyNotAFile,      // the key file is not a regular file owned by this user
    kKeyMalformed,     // the key file is not exactly 32 bytes
    kKeyMismatch,      // the key file is not the key this database was sealed with
    kNoCrypto,         // no crypto backend could be made (out of memory, no entropy)
  };
  Kind kind = Kind::kIo;
  std::string file;  // the database or the key file concerned
  int error_number = 0;
  unsigned mode = 0;
  std::int64_t sealed_rows = 0;

  // kIo; kUnsupported (newer schema); kSecurity (every key problem); kInternal (no crypto).
  Status status() const;
  // One line for an operator: the file, what is wrong and what to do.
  std::string message() const;
};

// What a database keeps about its key (its table store_key): a random id of the database, which enters every
// sealed value's associated data so that values cannot be moved between databases sharing the key, and the
// key's check value, HKDF-Expand(K, "sscard store/1 check"), which says nothing about K.
struct StoreBinding {
  std::array<std::uint8_t, 16> database_id{};
  std::array<std::uint8_t, 32> key_check{};
};

class StoreKey {
 public:
  static constexpr std::size_t kKeySize = 32;
  static constexpr std::string_view kKeyFileName = "storage.key";
  // A sealed value: version (01) || 12-byte nonce || ciphertext || 16-byte tag.
  static constexpr std::uint8_t kSealedVersion = 0x01;
  static constexpr std::size_t kSealedOverhead = 1 + crypto::kAeadNonceSize + crypto::kAeadTagSize;
  using Digest = std::array<std::uint8_t, 32>;

  // The key file of the database at `database_path`: storage.key in its folder. Empty for ":memory:" or "".
  static std::filesystem::path key_file_for(const std::string& database_path);

  // The key of the database at `database_path`, whose binding is `bound` (nullopt: none yet: a new database or
  // one written before its values were sealed) and which holds `sealed_rows` rows with sealed values.
  //   ":memory:" or "": a random key kept in memory only.
  //   The key file exists: read and checked (regular, owned by this user, mode 0600 or narrower, 32 bytes) and
  //   compared with the binding (kKeyMismatch).
  //   The key file is missing: kKeyMissing when the database is bound and holds sealed rows; otherwise a random
  //   key is written to a new file, created owner-only and published with link(2), which fails rather than
  //   replace a file another process made first (that one is used then).
  // On success binding() is what the database must keep; needs_binding_write() says it is new.
  static Result<std::unique_ptr<StoreKey>, StoreError> open(const std::string& database_path,
                                                            const std::optional<StoreBinding>& bound,
                                                            std::int64_t sealed_rows);

  StoreKey(const StoreKey&) = delete;
  StoreKey& operator=(const StoreKey&) = delete;
  ~StoreKey();

  const StoreBinding& binding() const { return binding_; }
  bool needs_binding_write() const { return write_binding_; }

  // Seals `plaintext` as the value of `column` in the row named by `row_key` (its primary key): AES-256-GCM
  // under the sealing key with a fresh random nonce, the associated data naming the database, the column and the
  // row, so a value copied to another row, column or database does not open. kInternal: the backend failed.
  Result<Bytes> seal(std::string_view column, ByteSpan row_key, ByteSpan plaintext);
  // Opens what seal() wrote for the same column and row. kMalformed: not a sealed value (too short, another
  // version); kSecurity: it does not authenticate (changed, moved, or sealed under another key).
  Result<Bytes> open(std::string_view column, ByteSpan row_key, ByteSpan sealed);
  // HMAC-SHA-256 under the lookup key of `purpose` || 00 || `data`: stored instead of a PAN that rows are
  // looked up by. Equal inputs give equal digests on this device only.
  Result<Digest> lookup_digest(std::string_view purpose, ByteSpan data);

 private:
  StoreKey() = default;
  Bytes associated_data(std::string_view column, ByteSpan row_key) const;

  std::unique_ptr<crypto::Crypto> crypto_;
  crypto::SecretBytes<kKeySize> sealing_key_;
  crypto::SecretBytes<kKeySize> lookup_key_;
  StoreBinding binding_;
  bool write_binding_ = false;
};

// A row key of a row named by a number (a ride number, the one-row tables): 8 bytes big-endian.
std::array<std::uint8_t, 8> row_number_key(std::uint64_t n);

}  // namespace sscard::host
