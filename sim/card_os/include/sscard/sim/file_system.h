// The card's file system (ISO/IEC 7816-4 section 7.1): the MF 3F00, DFs found by file identifier or DF
// name, transparent EFs and linear variable-length record EFs with short EF identifiers.
//
// The structure (tree, identifiers, names, access conditions) is personalisation and lives in RAM; the
// contents (bytes of transparent EFs, records) live in the Eeprom so that power cuts affect them as on a chip.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"
#include "sscard/sim/eeprom.h"

namespace sscard::sim {

// Who may perform an operation on a file or record.
struct AccessCondition {
  enum class Kind : std::uint8_t {
    kAlways,  // no condition
    kNever,   // nobody, ever
    kPin,     // the PIN was verified since power-on and since the current DF was selected
    kKey,     // external authentication with key `key_id` succeeded (same lifetime as kPin)
  };
  Kind kind = Kind::kAlways;
  std::uint8_t key_id = 0;

  static constexpr AccessCondition always() { return {Kind::kAlways, 0}; }
  static constexpr AccessCondition never() { return {Kind::kNever, 0}; }
  static constexpr AccessCondition pin() { return {Kind::kPin, 0}; }
  static constexpr AccessCondition key(std::uint8_t id) { return {Kind::kKey, id}; }

  // The profile spelling: "always", "never", "pin", "key:XX" (XX two hex digits). nullopt otherwise.
  static std::optional<AccessCondition> from_text(std::string_view text);
  std::string to_text() const;

  friend bool operator==(const AccessCondition&, const AccessCondition&) = default;
};

enum class FileKind : std::uint8_t { kDf, kTransparent, kLinearVariable };

using NodeId = std::size_t;
inline constexpr NodeId kMfNode = 0;
inline constexpr std::uint16_t kMfFid = 0x3F00;
inline constexpr std::size_t kMaxDfNameSize = 16;   // ISO/IEC 7816-4 5.3.1.3
inline constexpr std::size_t kMaxRecordSize = 255;  // a record must fit a short response with its length byte

struct DfSpec {
  std::optional<std::uint16_t> fid;  // a DF may be reachable by name only
  Bytes name;                        // DF name (AID); empty for none
  Bytes proprietary;                 // contents of the A5 template in its FCI; empty for none
};

struct EfSpec {
  std::uint16_t fid = 0;
  std::uint8_t sfi = 0;  // 1..30; 0 = no short EF identifier
  AccessCondition read = AccessCondition::always();
  AccessCondition update = AccessCondition::never();
};

struct RecordSlot {
  std::size_t offset = 0;    // Eeprom: one length byte, then `capacity` bytes
  std::size_t capacity = 0;
  std::optional<AccessCondition> read;  // overrides the EF's read condition for this record
};

struct FileNode {
  FileKind kind = FileKind::kDf;
  std::optional<std::uint16_t> fid;
  Bytes name;
  Bytes proprietary;
  std::uint8_t sfi = 0;
  AccessCondition read = AccessCondition::always();
  AccessCondition update = AccessCondition::never();
  NodeId parent = kMfNode;
  std::vector<NodeId> children;
  std::size_t offset = 0;  // transparent EF: contents in the Eeprom
  std::size_t size = 0;
  std::vector<RecordSlot> records;  // record EF, in record-number order
};

class FileSystem {
 public:
  // Creates the MF (3F00). `eeprom` must outlive the FileSystem.
  explicit FileSystem(Eeprom& eeprom);

  // Personalisation. Every function returns kInvalidArgument for: a parent that is not a DF, a FID already
  // used by the parent, a sibling or the parent itself (or 3F00, FFFF), a DF name used elsewhere or longer
  // than 16 bytes, an SFI outside 1..30 or already used in the DF. kBufferTooSmall: the Eeprom is full.
  Result<NodeId> add_df(NodeId parent, const DfSpec& spec);
  // `size` is the file size (at least contents.size()); the rest is filled with 00.
  Result<NodeId> add_transparent_ef(NodeId parent, const EfSpec& spec, ByteSpan contents, std::size_t size);
  Result<NodeId> add_record_ef(NodeId parent, const EfSpec& spec);
  // Appends a record. kInvalidArgument: `ef` is not a record EF; `record` is not one simple-TLV element
  // (tag, length, value with that length); capacity < record size or > kMaxRecordSize.
  Status add_record(NodeId ef, ByteSpan record, std::size_t capacity,
                    std::optional<AccessCondition> read = std::nullopt);

  const FileNode& node(NodeId id) const { return nodes_[id]; }
  std::size_t node_count() const { return nodes_.size(); }

  // Look-ups among the children of DF `df`.
  std::optional<NodeId> child_by_fid(NodeId df, std::uint16_t fid) const;
  std::optional<NodeId> child_by_sfi(NodeId df, std::uint8_t sfi) const;
  // Any DF in the tree with this DF name.
  std::optional<NodeId> df_by_name(ByteSpan name) const;

  // Contents. Views are valid until the next write.
  ByteSpan binary(NodeId ef) const;
  // kInvalidArgument: not a transparent EF or the range goes past its end. kIo: power lost mid-write.
  Status write_binary(NodeId ef, std::size_t offset, ByteSpan data);
  std::size_t record_count(NodeId ef) const;
  ByteSpan record(NodeId ef, std::size_t index) const;  // index 0 = record number 1
  // kInvalidArgument: no such record or data longer than its capacity. kIo: power lost mid-write.
  Status write_record(NodeId ef, std::size_t index, ByteSpan data);

 private:
  Result<NodeId> add_node(NodeId parent, FileNode node);

  Eeprom& eeprom_;
  std::vector<FileNode> nodes_;
};

// True if `bytes` is exactly one simple-TLV element: tag (not 00 or FF), 1-byte length, that many bytes.
bool is_simple_tlv_record(ByteSpan bytes);

}  // namespace sscard::sim
