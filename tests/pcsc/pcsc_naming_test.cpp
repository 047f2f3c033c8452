// Which PC/SC reader of a dual-interface pair is the contactless field, by its name (docs/CONTACTLESS.md §1.1):
// vendors' conventions, no pcscd needed.
#include <gtest/gtest.h>

#include "sscard/hal/pcsc_reader.h"

namespace sscard::hal {
namespace {

TEST(PcscReaderNames, ContactlessReadersAreRecognisedByTheirNames) {
  for (const char* name : {"ACS ACR1281 1S Dual Reader PICC 0", "OMNIKEY CardMan 5x21-CL 0",
                           "Identiv uTrust 3700 F CL Reader [uTrust 3700 F CL Reader] 00 00",
                           "Generic Contactless Reader 01 00", "SCM Microsystems SCL011 00 00",
                           "Vendor Dual RF 00 01", "ACS ACR122U NFC Reader 00 00", "acme picc slot"}) {
    EXPECT_TRUE(looks_contactless(name)) << name;
  }
}

TEST(PcscReaderNames, ContactReadersAreNot) {
  for (const char* name : {"ACS ACR1281 1S Dual Reader ICC 0", "Virtual PCD 00 00", "Virtual PCD 00 01",
                           "Gemalto PC Twin Reader 00 00", "Alcor Micro AU9540 00 00", "ACS ACR39U ICC Reader 00 00",
                           "Broadcom Corp 58200 [Contacted SmartCard] (0123456789ABCD) 00 00"}) {
    EXPECT_FALSE(looks_contactless(name)) << name;
  }
}

}  // namespace
}  // namespace sscard::hal
