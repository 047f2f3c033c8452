// ProfileError: how every loader of sim/profile (holder cards, PSAMs, root-key files) reports a bad file
// without throwing, as the error of a Result<T, ProfileError>: the file, the field and what is wrong with it.
// It is the project's one document error (firmware/jsondoc).
#pragma once

#include "sscard/core/result.h"
#include "sscard/jsondoc/doc_error.h"

namespace sscard::sim {

using ProfileError = jsondoc::DocError;

}  // namespace sscard::sim
