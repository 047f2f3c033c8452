// libsscard_iface: the standard terminal interface (sscard_iface.h) on the sscard firmware. Configuration
// comes from the environment (firmware/iface/README.md); the card, PSAM and PIN pad stay open between
// calls while their variables keep their values, so a simulated card keeps its state (PIN, counters).
#include "sscard_iface.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "sscard/devices/card_source.h"
#include "sscard/devices/pinpad.h"
#include "sscard/core/gbk.h"
#include "sscard/crypto/default_crypto.h"
#include "sscard/hal/sim_pinpad.h"
#include "sscard/psam/psam.h"
#include "sscard/ssc/fault.h"
#include "sscard/ssc/identity.h"
#include "sscard/ssc/interface_code.h"
#include "sscard/ssc/pin.h"
#include "sscard/ssc/security.h"
#include "sscard/transport/trace_file.h"
#include "sscard/transport/transport.h"

namespace sscard::iface {
namespace {

using ssc::InterfaceCode;

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Where "sim:NAME" profiles are looked up: $SSCARD_CARDS_DIR, else ./cards.
std::filesystem::path cards_dir() {
  const std::string dir = env("SSCARD_CARDS_DIR");
  return dir.empty() ? std::filesystem::path("cards") : std::filesystem::path(dir);
}

// "sim:NAME" names a file: a path if it looks like one, else NAME.json in `folder`.
std::filesystem::path profile_path(std::string_view name, const std::filesystem::path& folder) {
  const std::filesystem::path given{std::string(name)};
  if (name.find('/') != std::string_view::npos || given.extension() == ".json") return given;
  return folder / (std::string(name) + ".json");
}

// Everything the library keeps between calls.
struct Context {
  std::mutex mutex;
  std::string card_spec;
  std::unique_ptr<devices::CardSource> card;
  std::string psam_spec;
  std::unique_ptr<devices::CardSource> psam;
  std::string pinpad_spec;
  std::unique_ptr<hal::PinPad> pinpad;
  std::unique_ptr<crypto::Crypto> crypto;
  // HSM mode: the card stays powered between Step1 and Step2.
  ssc::HsmSession hsm;
  hal::Slot* hsm_slot = nullptr;
  std::unique_ptr<transport::Transport> hsm_transport;
};

Context& context() {
  static Context* c = new Context();  // never destroyed: callers may call from atexit handlers
  return *c;
}

// The outcome of one call: a code (an InterfaceCode or minus a status word) and the text for pOutInfo
// (UTF-8 until written).
struct Reply {
  long code = ssc::to_long(InterfaceCode::kOk);
  std::string text;

  bool ok() const { return code == ssc::to_long(InterfaceCode::kOk); }
};

Reply fail(InterfaceCode code, std::string text) { return Reply{ssc::to_long(code), std::move(text)}; }
Reply done(std::string text) { return Reply{ssc::to_long(InterfaceCode::kOk), std::move(text)}; }
Reply fault_reply(const ssc::Fault& f) { return Reply{ssc::interface_code(f), ssc::describe(f)}; }

// Writes the reply into pOutInfo in the configured encoding, cut to SSCARD_IFACE_OUT_SIZE - 1 bytes.
long write_reply(const Reply& reply, char* out) {
  if (out == nullptr) return reply.ok() ? ssc::to_long(InterfaceCode::kReaderConnection) : reply.code;
  std::string text = reply.text;
  const std::string encoding = env("SSCARD_IFACE_ENCODING");
  const bool utf8 = encoding == "UTF-8" || encoding == "utf-8" || encoding == "UTF8" || encoding == "utf8";
  if (!utf8) {
    auto converted = gbk::from_utf8(text);
    if (converted.ok()) text.assign(converted->begin(), converted->end());
  }
  std::size_t n = std::min<std::size_t>(text.size(), SSCARD_IFACE_OUT_SIZE - 1);
  if (n < text.size()) {
    // Do not cut a multi-byte character: back off to a lead byte (ASCII in either encoding).
    while (n > 0 && static_cast<unsigned char>(text[n]) >= 0x80) --n;
  }
  std::memcpy(out, text.data(), n);
  out[n] = '\0';
  return reply.code;
}

// Opens (or keeps) the card source of SSCARD_CARD.
Reply ensure_card(Context& c) {
  std::string spec = env("SSCARD_CARD");
  if (spec.empty()) spec = "pcsc";
  const std::string field = env("SSCARD_CONTACTLESS_READER");
  const std::string key = spec + '\n' + field;  // a change of either reopens the reader
  if (c.card && key == c.card_spec) return {};
  c.card.reset();
  c.hsm.clear();
  c.hsm_transport.reset();
  Result<std::unique_ptr<devices::CardSource>, devices::DeviceError> opened = devices::DeviceError{};
  if (starts_with(spec, "sim:")) {
    opened = devices::open_simulated_card(profile_path(std::string_view(spec).substr(4), cards_dir()));
  } else if (spec == "pcsc" || starts_with(spec, "pcsc:")) {
    // The holder's reader with its contactless field (iType 2, 3, 4): SSCARD_CONTACTLESS_READER names it,
    // else a reader named like one (docs/CONTACTLESS.md §1.1); without one, iType 2 finds no card.
    opened = devices::open_pcsc_card_reader(
        {spec.size() > 5 ? spec.substr(5) : std::string(), field, false});
  } else {
    return fail(InterfaceCode::kReaderConnection, "SSCARD_CARD must be sim:PROFILE, pcsc or pcsc:NAME");
  }
  if (!opened.ok()) return fail(InterfaceCode::kReaderConnection, opened.error().message);
  c.card = std::move(opened).value();
  c.card_spec = key;
  return {};
}

// Opens (or keeps) the PSAM of SSCARD_PSAM; no PSAM configured is -2201.
Reply ensure_psam(Context& c) {
  const std::string spec = env("SSCARD_PSAM");
  if (spec.empty() || spec == "none") {
    c.psam.reset();
    c.psam_spec.clear();
    return fail(InterfaceCode::kNoPsam, "no PSAM configured (SSCARD_PSAM)");
  }
  if (c.psam && spec == c.psam_spec) return {};
  c.psam.reset();
  Result<std::unique_ptr<devices::CardSource>, devices::DeviceError> opened = devices::DeviceError{};
  if (starts_with(spec, "sim:")) {
    opened = devices::open_simulated_psam(profile_path(std::string_view(spec).substr(4), cards_dir() / "psam"));
  } else if (starts_with(spec, "pcsc:")) {
    opened = devices::open_pcsc(spec.substr(5));
  } else {
    return fail(InterfaceCode::kNoPsam, "SSCARD_PSAM must be sim:PSAM_PROFILE, pcsc:NAME or none");
  }
  if (!opened.ok()) return fail(InterfaceCode::kNoPsam, opened.error().message);
  c.psam = std::move(opened).value();
  c.psam_spec = spec;
  return {};
}

hal::PinPad& ensure_pinpad(Context& c) {
  const std::string spec = env("SSCARD_PINPAD");
  if (!c.pinpad || spec != c.pinpad_spec) {
    if (starts_with(spec, "sim:")) {
      c.pinpad = std::make_unique<hal::SimPinPad>(hal::SimPinPad::from_list(std::string_view(spec).substr(4)));
    } else {
      c.pinpad = std::make_unique<hal::SimPinPad>(hal::SimPinPad::disconnected());
    }
    c.pinpad_spec = spec;
  }
  return *c.pinpad;
}

crypto::Crypto* ensure_crypto(Context& c) {
  if (!c.crypto) c.crypto = crypto::make_default_crypto();
  return c.crypto.get();
}

// An APDU trace of every exchange appended to $SSCARD_TRACE, when set: owner-only (mode 0600), secrets and
// (unless $SSCARD_TRACE_IDENTITY=full) the holder's identity masked, as sscard --trace writes it. A file that
// cannot be written is no trace: the interface's calls go on.
class TraceFile {
 public:
  TraceFile() {
    const std::string path = env("SSCARD_TRACE");
    if (path.empty()) return;
    auto opened = transport::TraceFile::open(path.c_str());
    if (opened.ok()) file_ = std::move(opened).value();
    show_identity_ = env("SSCARD_TRACE_IDENTITY") == "full";
  }
  TraceFile(const TraceFile&) = delete;
  TraceFile& operator=(const TraceFile&) = delete;
  transport::TraceSink* sink() { return file_.get(); }

  // Traces the card's transport (nullptr: no trace).
  void attach_card(transport::Transport& t) {
    t.set_trace(sink());
    t.set_redactor(show_identity_ ? &transport::identity_showing_redactor() : nullptr);
  }

 private:
  std::unique_ptr<transport::TraceFile> file_;
  bool show_identity_ = false;
};

// The slot of iType with a card in it, powered up; its ATR in `atr`.
struct PoweredCard {
  hal::Slot* slot = nullptr;
  Bytes atr;
};

Reply power_card(Context& c, int type, PoweredCard& out) {
  if (type < 1 || type > 4) {
    return fail(InterfaceCode::kWrongCardType, "iType must be 1 (contact), 2 (contactless), 3 or 4 (auto)");
  }
  hal::Slot* contact = c.card->reader().find_slot(hal::SlotKind::kContact);
  hal::Slot* contactless = c.card->reader().find_slot(hal::SlotKind::kContactless);
  std::array<hal::Slot*, 2> order{};
  switch (type) {
    case 1: order = {contact, nullptr}; break;
    case 2: order = {contactless, nullptr}; break;
    case 3: order = {contact, contactless}; break;
    default: order = {contactless, contact}; break;
  }
  Status last = Error::kNoCard;
  for (hal::Slot* slot : order) {
    if (slot == nullptr) continue;
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    auto n = slot->power_up(atr);
    if (n.ok()) {
      out.slot = slot;
      out.atr.assign(atr.begin(), atr.begin() + static_cast<std::ptrdiff_t>(*n));
      return {};
    }
    last = n.status();
  }
  if (last == Error::kNoCard) return fail(InterfaceCode::kNoCard, "no card in the reader");
  return fail(InterfaceCode::kReaderConnection, "card reader failure (" + std::string(last.name()) + ")");
}

// The card, the transport to it (traced), and the powered PSAM when `with_psam`.
struct Session {
  PoweredCard card;
  std::unique_ptr<transport::Transport> card_transport;
  std::unique_ptr<transport::Transport> psam_transport;
  std::unique_ptr<psam::Psam> psam;
  TraceFile trace;

  ~Session() {
    if (card.slot != nullptr) (void)card.slot->power_down();
    if (psam_transport) (void)psam_transport->slot().power_down();
  }
};

Reply open_session(Context& c, int type, bool with_psam, Session& s) {
  Reply r = ensure_card(c);
  if (!r.ok()) return r;
  if (with_psam) {
    r = ensure_psam(c);
    if (!r.ok()) return r;
  }
  r = power_card(c, type, s.card);
  if (!r.ok()) return r;
  s.card_transport = std::make_unique<transport::Transport>(*s.card.slot);
  s.trace.attach_card(*s.card_transport);
  if (with_psam) {
    std::array<std::uint8_t, hal::kMaxAtrSize> atr{};
    auto n = c.psam->slot().power_up(atr);
    if (!n.ok()) {
      return fail(InterfaceCode::kNoPsam, "the PSAM does not answer (" + std::string(n.status().name()) + ")");
    }
    s.psam_transport = std::make_unique<transport::Transport>(c.psam->slot());
    s.psam = std::make_unique<psam::Psam>(*s.psam_transport);
    s.psam_transport->set_trace(s.trace.sink());
  }
  return {};
}

bool is_hex_field(std::string_view f) {
  if (f.size() != 32) return false;
  for (char ch : f) {
    if (!std::isxdigit(static_cast<unsigned char>(ch))) return false;
  }
  return true;
}

// pCardInfo: NULL or "" names any card; otherwise its 32-hex-digit field must be the card's 卡识别码.
bool card_matches(const char* card_info, const ssc::CardId& card_id_bytes) {
  const std::string card_id = to_hex(card_id_bytes);
  if (card_info == nullptr || *card_info == '\0') return true;
  std::string_view info(card_info);
  while (!info.empty()) {
    const std::size_t bar = info.find('|');
    const std::string_view field = info.substr(0, bar);
    if (is_hex_field(field)) {
      for (std::size_t i = 0; i < field.size(); ++i) {
        if (std::toupper(static_cast<unsigned char>(field[i])) != card_id[i]) return false;
      }
      return true;
    }
    if (bar == std::string_view::npos) break;
    info.remove_prefix(bar + 1);
  }
  return false;
}

Reply identity_reply(const ssc::AuthenticatedIdentity& id) {
  return done(ssc::format_iface_line(id.identity, id.terminal_number, id.device_number));
}

Reply read_card_bas(int type) {
  Context& c = context();
  Session s;
  Reply r = open_session(c, type, true, s);
  if (!r.ok()) return r;
  crypto::Crypto* crypto = ensure_crypto(c);
  if (crypto == nullptr) return fail(InterfaceCode::kReaderConnection, "no random number generator");
  auto read = ssc::read_identity_with_psam(*s.card_transport, s.card.atr, *s.psam, *crypto);
  if (!read.ok()) return fault_reply(read.error());
  return identity_reply(*read);
}

Reply verify(int type) {
  Context& c = context();
  Session s;
  Reply r = open_session(c, type, false, s);
  if (!r.ok()) return r;
  const ssc::Fault f = ssc::verify_pin(*s.card_transport, ensure_pinpad(c));
  return f.ok() ? done("PIN verified") : fault_reply(f);
}

Reply change(int type) {
  Context& c = context();
  Session s;
  Reply r = open_session(c, type, false, s);
  if (!r.ok()) return r;
  const ssc::Fault f = ssc::change_pin(*s.card_transport, ensure_pinpad(c));
  return f.ok() ? done("PIN changed") : fault_reply(f);
}

Reply with_psam_context(int type, const char* card_info, bool reload) {
  Context& c = context();
  Session s;
  Reply r = open_session(c, type, true, s);
  if (!r.ok()) return r;
  auto opened = ssc::open_card(*s.card_transport, s.card.atr);
  if (!opened.ok()) return fault_reply(opened.error());
  if (!card_matches(card_info, opened->identity.card_id)) {
    return fault_reply(ssc::Fault::of(ssc::Failure::kWrongCard));
  }
  const ssc::Fault f = reload ? ssc::pin_reload(*s.card_transport, *s.psam, *opened, ensure_pinpad(c))
                              : ssc::pin_unblock(*s.card_transport, *s.psam, *opened);
  if (!f.ok()) return fault_reply(f);
  return done(reload ? "PIN reloaded" : "PIN unblocked");
}

Reply hsm_step1(int type) {
  Context& c = context();
  c.hsm.clear();
  c.hsm_transport.reset();
  const std::string device_number = env("SSCARD_DEVICE_NUMBER");
  if (!ssc::valid_device_number(device_number)) {
    return fail(InterfaceCode::kInvalidInput,
                "SSCARD_DEVICE_NUMBER must be at most 32 printable ASCII characters other than '|'");
  }
  Reply r = ensure_card(c);
  if (!r.ok()) return r;
  PoweredCard card;
  r = power_card(c, type, card);
  if (!r.ok()) return r;
  crypto::Crypto* crypto = ensure_crypto(c);
  if (crypto == nullptr) return fail(InterfaceCode::kReaderConnection, "no random number generator");
  auto t = std::make_unique<transport::Transport>(*card.slot);
  TraceFile trace;
  trace.attach_card(*t);
  auto line = ssc::hsm_step1(*t, card.atr, *crypto, device_number, c.hsm);
  t->set_trace(nullptr);
  if (!line.ok()) {
    (void)card.slot->power_down();
    return fault_reply(line.error());
  }
  // The card stays powered for Step2.
  c.hsm_slot = card.slot;
  c.hsm_transport = std::move(t);
  return done(*line);
}

Reply hsm_step2(const char* key) {
  Context& c = context();
  if (!c.hsm_transport || !c.hsm.active()) return fault_reply(ssc::Fault::of(ssc::Failure::kHsmBadInput));
  TraceFile trace;
  trace.attach_card(*c.hsm_transport);
  auto read = ssc::hsm_step2(*c.hsm_transport, c.hsm, key == nullptr ? std::string_view() : std::string_view(key));
  c.hsm_transport->set_trace(nullptr);
  (void)c.hsm_slot->power_down();
  c.hsm_transport.reset();
  if (!read.ok()) return fault_reply(read.error());
  return identity_reply(*read);
}

}  // namespace
}  // namespace sscard::iface

using sscard::iface::context;
using sscard::iface::write_reply;

extern "C" {

long iReadCardBas(int iType, char* pOutInfo) {
  std::lock_guard<std::mutex> lock(context().mutex);
  return write_reply(sscard::iface::read_card_bas(iType), pOutInfo);
}

long iVerifyPIN(int iType, char* pOutInfo) {
  std::lock_guard<std::mutex> lock(context().mutex);
  return write_reply(sscard::iface::verify(iType), pOutInfo);
}

long iChangePIN(int iType, char* pOutInfo) {
  std::lock_guard<std::mutex> lock(context().mutex);
  return write_reply(sscard::iface::change(iType), pOutInfo);
}

long iReloadPIN(int iType, char* pCardInfo, char* pOutInfo) {
  std::lock_guard<std::mutex> lock(context().mutex);
  return write_reply(sscard::iface::with_psam_context(iType, pCardInfo, true), pOutInfo);
}

long iUnblockPIN(int iType, char* pCardInfo, char* pOutInfo) {
  std::lock_guard<std::mutex> lock(context().mutex);
  return write_reply(sscard::iface::with_psam_context(iType, pCardInfo, false), pOutInfo);
}

long iReadCardBas_HSM_Step1(int iType, char* pOutInfo) {
  std::lock_guard<std::mutex> lock(context().mutex);
  return write_reply(sscard::iface::hsm_step1(iType), pOutInfo);
}

long iReadCardBas_HSM_Step2(char* pKey, char* pOutInfo) {
  std::lock_guard<std::mutex> lock(context().mutex);
  return write_reply(sscard::iface::hsm_step2(pKey), pOutInfo);
}

}  // extern "C"
