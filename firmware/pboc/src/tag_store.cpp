#include "sscard/pboc/tag_store.h"

#include <algorithm>

namespace sscard::pboc {

TagStore::Entry* TagStore::lookup(tlv::Tag tag) {
  for (std::size_t i = 0; i < count_; ++i) {
    if (entries_[i].tag == tag) return &entries_[i];
  }
  return nullptr;
}

std::optional<ByteSpan> TagStore::find(tlv::Tag tag) const {
  for (std::size_t i = 0; i < count_; ++i) {
    if (entries_[i].tag == tag) return ByteSpan(bytes_.data() + entries_[i].offset, entries_[i].length);
  }
  return std::nullopt;
}

Status TagStore::add(tlv::Tag tag, ByteSpan value) {
  if (lookup(tag) != nullptr) return Error::kMalformed;
  return put(tag, value);
}

Status TagStore::put(tlv::Tag tag, ByteSpan value) {
  Entry* entry = lookup(tag);
  if (entry != nullptr && entry->length >= value.size()) {
    // Overwrite in place: a shorter value keeps its slot.
    std::copy(value.begin(), value.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(entry->offset));
    entry->length = value.size();
    return kOk;
  }
  if (value.size() > kCapacity - used_) return Error::kBufferTooSmall;
  if (entry == nullptr) {
    if (count_ == kMaxEntries) return Error::kBufferTooSmall;
    entry = &entries_[count_++];
    entry->tag = tag;
  }
  entry->offset = used_;
  entry->length = value.size();
  std::copy(value.begin(), value.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(used_));
  used_ += value.size();
  return kOk;
}

}  // namespace sscard::pboc
