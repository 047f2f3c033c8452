// BER-TLV decoder and builder: decoding never reads past the input, and whatever decodes re-encodes with the
// Builder into bytes that decode to the same tree.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "sscard/core/tlv.h"

namespace {

using sscard::ByteSpan;
using namespace sscard::tlv;

constexpr int kMaxDepth = 8;  // the Builder's nesting limit

struct Node {
  Tag tag;
  bool constructed;
  ByteSpan value;
  int depth;
};

// Flattens the tree in pre-order. Returns false on a decode error or nesting beyond the Builder's limit.
bool flatten(ByteSpan data, int depth, std::vector<Node>& out) {
  Elements elements(data);
  for (const Element& e : elements) {
    out.push_back({e.tag, e.constructed, e.value, depth});
    if (e.constructed && (depth + 1 == kMaxDepth || !flatten(e.value, depth + 1, out))) return false;
  }
  return elements.status().ok();
}

void rebuild(ByteSpan data, Builder& b) {
  for (const Element& e : Elements(data)) {
    if (e.constructed) {
      b.open(e.tag);
      rebuild(e.value, b);
      b.close();
    } else {
      b.add(e.tag, e.value);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan in(data, size);
  (void)decode(in);
  (void)find(in, 0x9F0C);
  (void)find_recursive(in, 0xDF8101);

  std::vector<Node> original;
  if (!flatten(in, 0, original)) return 0;

  std::vector<std::uint8_t> buffer(size);  // minimal lengths and no padding never need more room
  Builder b(buffer);
  rebuild(in, b);
  if (!b.status().ok()) __builtin_trap();

  std::vector<Node> again;
  if (!flatten(b.bytes(), 0, again) || again.size() != original.size()) __builtin_trap();
  for (std::size_t i = 0; i < again.size(); ++i) {
    const Node& x = original[i];
    const Node& y = again[i];
    if (x.tag != y.tag || x.constructed != y.constructed || x.depth != y.depth) __builtin_trap();
    if (x.constructed) continue;  // its size may shrink: padding dropped, lengths made minimal
    if (x.value.size() != y.value.size()) __builtin_trap();
    if (!x.value.empty() && std::memcmp(x.value.data(), y.value.data(), x.value.size()) != 0) __builtin_trap();
  }
  return 0;
}
