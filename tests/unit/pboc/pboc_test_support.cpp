#include "pboc_test_support.h"

namespace sscard::pboc::testing {

std::string sfi3_record(int record, const std::string& ca_index) {
  auto filler = [](std::size_t n, const char* byte) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += byte;
    return s;
  };
  switch (record) {
    case 2: return "700D8F01" + ca_index + "9F3201039204A1B2C3D4";
    case 3: return "7081B39081B0" + filler(176, "5C");
    case 4: return "7081939381" "90" + filler(144, "6D");
    case 5: return "7081949F468190" + filler(144, "7E");
    case 6: return "70219F4701039F481A" + filler(26, "8F");
    default: return "";
  }
}

TransactionRequest test_request(std::uint64_t amount_fen) {
  TransactionRequest r;
  r.amount_fen = amount_fen;
  r.date = {0x26, 0x01, 0x15};
  r.time = {0x10, 0x30, 0x00};
  r.unpredictable_number = std::array<std::uint8_t, 4>{0x1A, 0x2B, 0x3C, 0x4D};
  return r;
}

void expect_selection_and_gpo(sscard::testing::ScriptedSlot& slot, const char* gpo_answer) {
  slot.expect(kSelectPse, kPseFci)
      .expect(kReadDirectory1, kDirectoryRecord1)
      .expect(kReadDirectory2, "6A83")
      .expect(kSelectAid, std::string(kGen2Fci) + "9000")
      .expect(kGpo, gpo_answer);
}

void expect_records(sscard::testing::ScriptedSlot& slot, const std::string& sfi2_record1,
                    const std::string& ca_index) {
  slot.expect("00B2010C00", std::string(kSfi1Record1) + "9000")
      .expect("00B2011400", sfi2_record1 + "9000")
      .expect("00B2021400", std::string(kSfi2Record2) + "9000")
      .expect("00B2011C00", std::string(kSfi3Record1) + "9000");
  for (int record = 2; record <= 6; ++record) {
    const std::string command = "00B20" + std::to_string(record) + "1C00";
    slot.expect(command, sfi3_record(record, ca_index) + "9000");
  }
  slot.expect("00B2012C00", std::string(kSfi5Record1) + "9000");
}

void expect_plaintext_pin_ok(sscard::testing::ScriptedSlot& slot) {
  slot.expect("80CA9F1700", "9F1701039000").expect("002000800826246810FFFFFFFF", "9000");
}

void expect_velocity(sscard::testing::ScriptedSlot& slot) {
  slot.expect("80CA9F3600", "9F360200059000").expect("80CA9F1300", "9F130200049000");
}

}  // namespace sscard::pboc::testing
