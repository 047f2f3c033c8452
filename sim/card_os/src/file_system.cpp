#include "sscard/sim/file_system.h"

#include <algorithm>
#include <cstdio>

namespace sscard::sim {
namespace {

std::optional<std::uint8_t> hex_byte(std::string_view two) {
  if (two.size() != 2) return std::nullopt;
  unsigned value = 0;
  for (char c : two) {
    value <<= 4;
    if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
    else if (c >= 'A' && c <= 'F') value |= static_cast<unsigned>(c - 'A' + 10);
    else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
    else return std::nullopt;
  }
  return static_cast<std::uint8_t>(value);
}

}  // namespace

std::optional<AccessCondition> AccessCondition::from_text(std::string_view text) {
  if (text == "always") return always();
  if (text == "never") return never();
  if (text == "pin") return pin();
  if (text.starts_with("key:")) {
    if (auto id = hex_byte(text.substr(4))) return key(*id);
  }
  return std::nullopt;
}

std::string AccessCondition::to_text() const {
  switch (kind) {
    case Kind::kAlways: return "always";
    case Kind::kNever: return "never";
    case Kind::kPin: return "pin";
    case Kind::kKey: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "key:%02X", key_id);
      return buf;
    }
  }
  return "never";
}

bool is_simple_tlv_record(ByteSpan bytes) {
  if (bytes.size() < 2) return false;
  if (bytes[0] == 0x00 || bytes[0] == 0xFF) return false;
  return bytes.size() == 2u + bytes[1];
}

FileSystem::FileSystem(Eeprom& eeprom) : eeprom_(eeprom) {
  FileNode mf;
  mf.kind = FileKind::kDf;
  mf.fid = kMfFid;
  nodes_.push_back(std::move(mf));
}

Result<NodeId> FileSystem::add_node(NodeId parent, FileNode node) {
  if (parent >= nodes_.size() || nodes_[parent].kind != FileKind::kDf) return Error::kInvalidArgument;
  if (node.fid) {
    const std::uint16_t fid = *node.fid;
    if (fid == kMfFid || fid == 0xFFFF) return Error::kInvalidArgument;
    if (nodes_[parent].fid == fid || child_by_fid(parent, fid)) return Error::kInvalidArgument;
  }
  if (node.kind != FileKind::kDf && node.sfi != 0) {
    if (node.sfi > 30 || child_by_sfi(parent, node.sfi)) return Error::kInvalidArgument;
  }
  if (node.kind == FileKind::kDf && !node.name.empty()) {
    if (node.name.size() > kMaxDfNameSize || df_by_name(node.name)) return Error::kInvalidArgument;
  }
  node.parent = parent;
  const NodeId id = nodes_.size();
  nodes_.push_back(std::move(node));
  nodes_[parent].children.push_back(id);
  return id;
}

Result<NodeId> FileSystem::add_df(NodeId parent, const DfSpec& spec) {
  FileNode n;
  n.kind = FileKind::kDf;
  n.fid = spec.fid;
  n.name = spec.name;
  n.proprietary = spec.proprietary;
  return add_node(parent, std::move(n));
}

Result<NodeId> FileSystem::add_transparent_ef(NodeId parent, const EfSpec& spec, ByteSpan contents,
                                              std::size_t size) {
  if (size < contents.size()) return Error::kInvalidArgument;
  FileNode n;
  n.kind = FileKind::kTransparent;
  n.fid = spec.fid;
  n.sfi = spec.sfi;
  n.read = spec.read;
  n.update = spec.update;
  n.size = size;
  SSCARD_TRY_ASSIGN(n.offset, eeprom_.allocate(size));
  Bytes image(size, 0x00);
  std::copy(contents.begin(), contents.end(), image.begin());
  SSCARD_TRY(eeprom_.write(n.offset, image));
  return add_node(parent, std::move(n));
}

Result<NodeId> FileSystem::add_record_ef(NodeId parent, const EfSpec& spec) {
  FileNode n;
  n.kind = FileKind::kLinearVariable;
  n.fid = spec.fid;
  n.sfi = spec.sfi;
  n.read = spec.read;
  n.update = spec.update;
  return add_node(parent, std::move(n));
}

Status FileSystem::add_record(NodeId ef, ByteSpan record, std::size_t capacity,
                              std::optional<AccessCondition> read) {
  if (ef >= nodes_.size() || nodes_[ef].kind != FileKind::kLinearVariable) return Error::kInvalidArgument;
  if (!is_simple_tlv_record(record)) return Error::kInvalidArgument;
  if (capacity < record.size() || capacity > kMaxRecordSize) return Error::kInvalidArgument;
  RecordSlot slot;
  slot.capacity = capacity;
  slot.read = read;
  SSCARD_TRY_ASSIGN(slot.offset, eeprom_.allocate(1 + capacity));
  nodes_[ef].records.push_back(slot);
  return write_record(ef, nodes_[ef].records.size() - 1, record);
}

std::optional<NodeId> FileSystem::child_by_fid(NodeId df, std::uint16_t fid) const {
  for (NodeId c : nodes_[df].children) {
    if (nodes_[c].fid == fid) return c;
  }
  return std::nullopt;
}

std::optional<NodeId> FileSystem::child_by_sfi(NodeId df, std::uint8_t sfi) const {
  if (sfi == 0) return std::nullopt;
  for (NodeId c : nodes_[df].children) {
    if (nodes_[c].kind != FileKind::kDf && nodes_[c].sfi == sfi) return c;
  }
  return std::nullopt;
}

std::optional<NodeId> FileSystem::df_by_name(ByteSpan name) const {
  if (name.empty()) return std::nullopt;
  for (NodeId i = 0; i < nodes_.size(); ++i) {
    const FileNode& n = nodes_[i];
    if (n.kind == FileKind::kDf && std::ranges::equal(n.name, name)) return i;
  }
  return std::nullopt;
}

ByteSpan FileSystem::binary(NodeId ef) const {
  const FileNode& n = nodes_[ef];
  if (n.kind != FileKind::kTransparent) return {};
  return eeprom_.read(n.offset, n.size);
}

Status FileSystem::write_binary(NodeId ef, std::size_t offset, ByteSpan data) {
  const FileNode& n = nodes_[ef];
  if (n.kind != FileKind::kTransparent) return Error::kInvalidArgument;
  if (offset > n.size || data.size() > n.size - offset) return Error::kInvalidArgument;
  return eeprom_.write(n.offset + offset, data);
}

std::size_t FileSystem::record_count(NodeId ef) const { return nodes_[ef].records.size(); }

ByteSpan FileSystem::record(NodeId ef, std::size_t index) const {
  const FileNode& n = nodes_[ef];
  if (index >= n.records.size()) return {};
  const RecordSlot& slot = n.records[index];
  ByteSpan length = eeprom_.read(slot.offset, 1);
  // A torn write can leave a length byte larger than the slot; never read past the slot.
  const std::size_t len = std::min<std::size_t>(length.empty() ? 0 : length[0], slot.capacity);
  return eeprom_.read(slot.offset + 1, len);
}

Status FileSystem::write_record(NodeId ef, std::size_t index, ByteSpan data) {
  const FileNode& n = nodes_[ef];
  if (index >= n.records.size()) return Error::kInvalidArgument;
  const RecordSlot& slot = n.records[index];
  if (data.size() > slot.capacity) return Error::kInvalidArgument;
  Bytes image;
  image.reserve(1 + data.size());
  image.push_back(static_cast<std::uint8_t>(data.size()));
  image.insert(image.end(), data.begin(), data.end());
  return eeprom_.write(slot.offset, image);
}

}  // namespace sscard::sim
