// The "essc" section of a terminal's configuration (KIOSK-CONFIG.md "essc"): the electronic-card platform keys
// the terminal trusts. Shared by the kiosk's and the gate's configuration parsers, which read JSON with jsondoc.
#pragma once

#include <vector>

#include "sscard/essc/check.h"
#include "sscard/jsondoc/jsondoc.h"

namespace sscard::config {

// "essc": {"keys": [{"platform": "000000", "index": 1, "public_key": "<128 hex digits>"}, ...]} of `parent`:
// a non-empty list, no (platform, index) twice. Fails (jsondoc::fail) naming the field.
std::vector<essc::TrustedKey> essc_keys(jsondoc::Object& parent);

}  // namespace sscard::config
