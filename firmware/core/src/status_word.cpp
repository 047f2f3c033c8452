#include "sscard/core/status_word.h"

#include <array>

namespace sscard {
namespace {

// One row per status word or family of status words. A family row matches every value v with
// (v & mask) == value; rows are searched in order, so exact words come before the families that
// would cover them.
struct Meaning {
  std::uint16_t value;
  std::uint16_t mask;
  std::string_view text;
};

constexpr std::uint16_t kExact = 0xFFFF;
constexpr std::uint16_t kSw1Family = 0xFF00;  // SW2 is a parameter (61xx, 6Cxx)
constexpr std::uint16_t kCounter = 0xFFF0;    // low nibble of SW2 is a parameter (63Cx)

// ISO/IEC 7816-4:2013 section 5.6, table 6 (interindustry values), then the PBOC / JR/T 0025 additions
// (JR/T 0025.5 and the electronic purse part) that social-security and bank applications answer with.
constexpr std::array kTable{
    Meaning{0x9000, kExact, "normal processing"},
    Meaning{0x6100, kSw1Family, "response bytes still available (SW2 = count, 00 = 256 or more)"},
    // Warnings, state of non-volatile memory unchanged.
    Meaning{0x6200, kExact, "warning: no information given, state unchanged"},
    Meaning{0x6281, kExact, "warning: part of returned data may be corrupted"},
    Meaning{0x6282, kExact, "warning: end of file or record reached before reading Ne bytes"},
    Meaning{0x6283, kExact, "warning: selected file deactivated"},
    Meaning{0x6284, kExact, "warning: file control information not formatted"},
    Meaning{0x6285, kExact, "warning: selected file in termination state"},
    Meaning{0x6286, kExact, "warning: no input data available from a sensor"},
    // Warnings, state of non-volatile memory changed.
    Meaning{0x6300, kExact, "warning: no information given, state changed"},
    Meaning{0x6381, kExact, "warning: file filled up by the last write"},
    Meaning{0x63C0, kCounter, "verification failed (SW2 low nibble = tries left)"},
    // Execution errors.
    Meaning{0x6400, kExact, "execution error: state unchanged"},
    Meaning{0x6581, kExact, "execution error: memory failure"},
    // Checking errors.
    Meaning{0x6700, kExact, "wrong length"},
    Meaning{0x6881, kExact, "logical channel not supported"},
    Meaning{0x6882, kExact, "secure messaging not supported"},
    Meaning{0x6883, kExact, "last command of the chain expected"},
    Meaning{0x6884, kExact, "command chaining not supported"},
    Meaning{0x6900, kExact, "command not allowed: no information given"},
    Meaning{0x6981, kExact, "command incompatible with file structure"},
    Meaning{0x6982, kExact, "security status not satisfied"},
    Meaning{0x6983, kExact, "authentication method blocked"},
    Meaning{0x6984, kExact, "reference data not usable"},
    Meaning{0x6985, kExact, "conditions of use not satisfied"},
    Meaning{0x6986, kExact, "command not allowed (no current EF)"},
    Meaning{0x6987, kExact, "expected secure messaging data objects missing"},
    Meaning{0x6988, kExact, "incorrect secure messaging data objects (bad MAC)"},
    Meaning{0x6A80, kExact, "incorrect parameters in the command data field"},
    Meaning{0x6A81, kExact, "function not supported"},
    Meaning{0x6A82, kExact, "file or application not found"},
    Meaning{0x6A83, kExact, "record not found"},
    Meaning{0x6A84, kExact, "not enough memory space in the file"},
    Meaning{0x6A85, kExact, "Nc inconsistent with TLV structure"},
    Meaning{0x6A86, kExact, "incorrect parameters P1-P2"},
    Meaning{0x6A87, kExact, "Nc inconsistent with parameters P1-P2"},
    Meaning{0x6A88, kExact, "referenced data or reference data not found"},
    Meaning{0x6A89, kExact, "file already exists"},
    Meaning{0x6A8A, kExact, "DF name already exists"},
    Meaning{0x6B00, kExact, "wrong parameters P1-P2"},
    Meaning{0x6C00, kSw1Family, "wrong Le field (SW2 = exact length, 00 = 256)"},
    Meaning{0x6D00, kExact, "instruction code not supported or invalid"},
    Meaning{0x6E00, kExact, "class not supported"},
    Meaning{0x6F00, kExact, "no precise diagnosis"},
    // PBOC (JR/T 0025) application-specific values.
    Meaning{0x9302, kExact, "PBOC: MAC invalid"},
    Meaning{0x9303, kExact, "PBOC: application permanently blocked"},
    Meaning{0x9401, kExact, "PBOC: insufficient balance"},
    Meaning{0x9403, kExact, "PBOC: key index not supported"},
    Meaning{0x9406, kExact, "PBOC: required MAC unavailable"},
};

}  // namespace

std::string_view describe(StatusWord sw) {
  for (const Meaning& m : kTable) {
    if ((sw.value() & m.mask) == m.value) return m.text;
  }
  return "unknown status word";
}

}  // namespace sscard
