// GBK <-> UTF-8 through iconv (the card stores names in GBK, GB/T 2312 extended).
#pragma once

#include <string>
#include <string_view>

#include "sscard/core/bytes.h"
#include "sscard/core/result.h"

namespace sscard::gbk {

// kMalformed: `gbk` is not valid GBK (a truncated double-byte character included).
Result<std::string> to_utf8(ByteSpan gbk);

// kMalformed: `utf8` is not valid UTF-8 or holds a character GBK cannot represent.
Result<Bytes> from_utf8(std::string_view utf8);

// The field without its padding: trailing 00 bytes (format `an`) and trailing spaces are dropped.
ByteSpan trim_padding(ByteSpan field);

}  // namespace sscard::gbk
