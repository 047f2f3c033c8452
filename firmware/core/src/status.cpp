#include "sscard/core/status.h"

namespace sscard {

std::string_view error_name(Error e) {
  switch (e) {
    case Error::kOk: return "ok";
    case Error::kInvalidArgument: return "invalid_argument";
    case Error::kBufferTooSmall: return "buffer_too_small";
    case Error::kMalformed: return "malformed";
    case Error::kTruncated: return "truncated";
    case Error::kNotFound: return "not_found";
    case Error::kNoCard: return "no_card";
    case Error::kCardRemoved: return "card_removed";
    case Error::kReaderUnavailable: return "reader_unavailable";
    case Error::kTimeout: return "timeout";
    case Error::kCardStatus: return "card_status";
    case Error::kUnsupported: return "unsupported";
    case Error::kSecurity: return "security";
    case Error::kIo: return "io";
    case Error::kInternal: return "internal";
  }
  return "unknown";
}

}  // namespace sscard
