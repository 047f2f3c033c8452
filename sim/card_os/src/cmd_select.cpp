// SELECT (ISO/IEC 7816-4 11.2.2).
#include "sscard/sim/card_os.h"

namespace sscard::sim {

CardOs::Reply CardOs::select(const apdu::Command& cmd) {
  // P2: b8-b5 0, b4-b3 = 00 return FCI / 11 no response data, b2-b1 = 00 first or only occurrence.
  const bool return_fci = (cmd.p2 == 0x00);
  if (!return_fci && cmd.p2 != 0x0C) return status(sw::kIncorrectP1P2);

  std::optional<NodeId> found;
  auto fid_of = [&]() -> std::uint16_t {
    return static_cast<std::uint16_t>((cmd.data[0] << 8) | cmd.data[1]);
  };
  switch (cmd.p1) {
    case 0x00: {  // MF, DF or EF by file identifier; no data = the MF
      if (cmd.data.empty()) {
        found = kMfNode;
        break;
      }
      if (cmd.data.size() != 2) return status(sw::kWrongLength);
      const std::uint16_t fid = fid_of();
      const FileNode& df = fs_.node(current_df_);
      if (fid == kMfFid) found = kMfNode;
      else if (df.fid == fid) found = current_df_;
      else if (auto child = fs_.child_by_fid(current_df_, fid)) found = child;
      else if (current_df_ != kMfNode && fs_.node(df.parent).fid == fid) found = df.parent;
      break;
    }
    case 0x01: {  // child DF
      if (cmd.data.size() != 2) return status(sw::kWrongLength);
      auto child = fs_.child_by_fid(current_df_, fid_of());
      if (child && fs_.node(*child).kind == FileKind::kDf) found = child;
      break;
    }
    case 0x02: {  // EF under the current DF
      if (cmd.data.size() != 2) return status(sw::kWrongLength);
      auto child = fs_.child_by_fid(current_df_, fid_of());
      if (child && fs_.node(*child).kind != FileKind::kDf) found = child;
      break;
    }
    case 0x03:  // parent DF
      if (!cmd.data.empty()) return status(sw::kWrongLength);
      if (current_df_ != kMfNode) found = fs_.node(current_df_).parent;
      break;
    case 0x04:  // DF name
      if (cmd.data.empty()) return status(sw::kWrongLength);
      found = fs_.df_by_name(cmd.data);
      break;
    default:
      return status(sw::kIncorrectP1P2);
  }
  // A failed selection leaves the current DF and EF as they were (ISO/IEC 7816-4 7.1.1).
  if (!found) return status(sw::kFileNotFound);
  for (const auto& [df, only] : interface_only_) {
    if (df == *found && only != interface_) return status(sw::kFileNotFound);
  }

  if (fs_.node(*found).kind == FileKind::kDf) {
    select_df(*found);
  } else {
    if (current_ef_ != found) current_record_.reset();
    current_ef_ = found;
  }
  // A file of a blocked application is selected but reported invalidated (62 83), FCI and all.
  StatusWord result = in_blocked_application() ? sw::kFileInvalidated : sw::kSuccess;
  // An application with its own handler starts a session and says whether it is blocked.
  std::optional<Bytes> proprietary;
  if (ApplicationHandler* application = handler_of(current_df_); application != nullptr && current_df_ == *found) {
    result = application->selected(*this);
    proprietary = application->fci_proprietary(*this);
  }
  if (!return_fci) return status(result);
  return Reply{proprietary ? fci(*found, ByteSpan(*proprietary)) : fci(*found), result, false};
}

}  // namespace sscard::sim
