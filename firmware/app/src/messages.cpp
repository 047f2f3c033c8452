#include "sscard/app/messages.h"

namespace sscard::app {

std::string read_failure_message(Status status) {
  switch (status.code()) {
    case Error::kNoCard: return "no card in the reader";
    case Error::kCardRemoved: return "the card was removed during the read; insert it again";
    case Error::kReaderUnavailable: return "the card reader is not available";
    case Error::kTimeout: return "the card did not answer in time";
    case Error::kNotFound: return "not a social-security card (no SSSE application)";
    case Error::kMalformed:
    case Error::kTruncated: return "the card returned malformed data";
    case Error::kCardStatus: return "the card refused a command";
    case Error::kSecurity: return "the card requires an authentication this terminal cannot perform";
    case Error::kUnsupported: return "the card uses a feature this terminal does not support";
    default: break;
  }
  return "card read failed (" + std::string(status.name()) + ")";
}

}  // namespace sscard::app
