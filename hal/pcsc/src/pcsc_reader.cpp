#include "sscard/hal/pcsc_reader.h"

#include <winscard.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string>
#include <cstring>
#include <type_traits>
#include <utility>

namespace sscard::hal {
namespace {

// The public header keeps pcsc-lite's types out; these must match what it stands in for them.
static_assert(std::is_same_v<LONG, PcscCode>);
static_assert(std::is_same_v<SCARDCONTEXT, long>);
static_assert(std::is_same_v<SCARDHANDLE, long>);
static_assert(std::is_same_v<DWORD, unsigned long>);

// pcsc-lite wakes a blocked SCardGetStatusChange on SCardCancel; a cancel that lands just before the call
// blocks is caught by re-checking the flag at least this often.
constexpr std::chrono::milliseconds kWaitSlice{200};

bool service_lost(LONG rv) {
  return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED || rv == SCARD_E_INVALID_HANDLE;
}

// The reader's state word carries an event counter in its upper 16 bits (pcsc-lite, winscard_clnt.c).
constexpr DWORD kStateMask = 0xFFFF;

}  // namespace

std::string_view pcsc_error_name(PcscCode code) {
  switch (code) {
#define SSCARD_PCSC_NAME(c) \
  case c:                   \
    return #c;
    SSCARD_PCSC_NAME(SCARD_S_SUCCESS)
    SSCARD_PCSC_NAME(SCARD_F_INTERNAL_ERROR)
    SSCARD_PCSC_NAME(SCARD_E_CANCELLED)
    SSCARD_PCSC_NAME(SCARD_E_INVALID_HANDLE)
    SSCARD_PCSC_NAME(SCARD_E_INVALID_PARAMETER)
    SSCARD_PCSC_NAME(SCARD_E_INVALID_TARGET)
    SSCARD_PCSC_NAME(SCARD_E_NO_MEMORY)
    SSCARD_PCSC_NAME(SCARD_F_WAITED_TOO_LONG)
    SSCARD_PCSC_NAME(SCARD_E_INSUFFICIENT_BUFFER)
    SSCARD_PCSC_NAME(SCARD_E_UNKNOWN_READER)
    SSCARD_PCSC_NAME(SCARD_E_TIMEOUT)
    SSCARD_PCSC_NAME(SCARD_E_SHARING_VIOLATION)
    SSCARD_PCSC_NAME(SCARD_E_NO_SMARTCARD)
    SSCARD_PCSC_NAME(SCARD_E_UNKNOWN_CARD)
    SSCARD_PCSC_NAME(SCARD_E_CANT_DISPOSE)
    SSCARD_PCSC_NAME(SCARD_E_PROTO_MISMATCH)
    SSCARD_PCSC_NAME(SCARD_E_NOT_READY)
    SSCARD_PCSC_NAME(SCARD_E_INVALID_VALUE)
    SSCARD_PCSC_NAME(SCARD_E_SYSTEM_CANCELLED)
    SSCARD_PCSC_NAME(SCARD_F_COMM_ERROR)
    SSCARD_PCSC_NAME(SCARD_F_UNKNOWN_ERROR)
    SSCARD_PCSC_NAME(SCARD_E_INVALID_ATR)
    SSCARD_PCSC_NAME(SCARD_E_NOT_TRANSACTED)
    SSCARD_PCSC_NAME(SCARD_E_READER_UNAVAILABLE)
    SSCARD_PCSC_NAME(SCARD_P_SHUTDOWN)
    SSCARD_PCSC_NAME(SCARD_E_PCI_TOO_SMALL)
    SSCARD_PCSC_NAME(SCARD_E_READER_UNSUPPORTED)
    SSCARD_PCSC_NAME(SCARD_E_DUPLICATE_READER)
    SSCARD_PCSC_NAME(SCARD_E_CARD_UNSUPPORTED)
    SSCARD_PCSC_NAME(SCARD_E_NO_SERVICE)
    SSCARD_PCSC_NAME(SCARD_E_SERVICE_STOPPED)
    SSCARD_PCSC_NAME(SCARD_E_UNSUPPORTED_FEATURE)  // same value as SCARD_E_UNEXPECTED
    SSCARD_PCSC_NAME(SCARD_E_ICC_INSTALLATION)
    SSCARD_PCSC_NAME(SCARD_E_ICC_CREATEORDER)
    SSCARD_PCSC_NAME(SCARD_E_DIR_NOT_FOUND)
    SSCARD_PCSC_NAME(SCARD_E_FILE_NOT_FOUND)
    SSCARD_PCSC_NAME(SCARD_E_NO_DIR)
    SSCARD_PCSC_NAME(SCARD_E_NO_FILE)
    SSCARD_PCSC_NAME(SCARD_E_NO_ACCESS)
    SSCARD_PCSC_NAME(SCARD_E_WRITE_TOO_MANY)
    SSCARD_PCSC_NAME(SCARD_E_BAD_SEEK)
    SSCARD_PCSC_NAME(SCARD_E_INVALID_CHV)
    SSCARD_PCSC_NAME(SCARD_E_UNKNOWN_RES_MNG)
    SSCARD_PCSC_NAME(SCARD_E_NO_SUCH_CERTIFICATE)
    SSCARD_PCSC_NAME(SCARD_E_CERTIFICATE_UNAVAILABLE)
    SSCARD_PCSC_NAME(SCARD_E_NO_READERS_AVAILABLE)
    SSCARD_PCSC_NAME(SCARD_E_COMM_DATA_LOST)
    SSCARD_PCSC_NAME(SCARD_E_NO_KEY_CONTAINER)
    SSCARD_PCSC_NAME(SCARD_E_SERVER_TOO_BUSY)
    SSCARD_PCSC_NAME(SCARD_W_UNSUPPORTED_CARD)
    SSCARD_PCSC_NAME(SCARD_W_UNRESPONSIVE_CARD)
    SSCARD_PCSC_NAME(SCARD_W_UNPOWERED_CARD)
    SSCARD_PCSC_NAME(SCARD_W_RESET_CARD)
    SSCARD_PCSC_NAME(SCARD_W_REMOVED_CARD)
    SSCARD_PCSC_NAME(SCARD_W_SECURITY_VIOLATION)
    SSCARD_PCSC_NAME(SCARD_W_WRONG_CHV)
    SSCARD_PCSC_NAME(SCARD_W_CHV_BLOCKED)
    SSCARD_PCSC_NAME(SCARD_W_EOF)
    SSCARD_PCSC_NAME(SCARD_W_CANCELLED_BY_USER)
    SSCARD_PCSC_NAME(SCARD_W_CARD_NOT_AUTHENTICATED)
#undef SSCARD_PCSC_NAME
    default:
      return "SCARD_E_<unknown>";
  }
}

Error map_pcsc_error(PcscCode code, PcscOperation operation) {
  switch (code) {
    case SCARD_S_SUCCESS:
      return Error::kOk;
    case SCARD_E_NO_SMARTCARD:
    case SCARD_W_REMOVED_CARD:
      return operation == PcscOperation::kExchange ? Error::kCardRemoved : Error::kNoCard;
    case SCARD_E_UNKNOWN_READER:
    case SCARD_E_NO_READERS_AVAILABLE:
      return operation == PcscOperation::kLookup ? Error::kNotFound : Error::kReaderUnavailable;
    case SCARD_E_READER_UNAVAILABLE:
    case SCARD_E_NO_SERVICE:
    case SCARD_E_SERVICE_STOPPED:
    case SCARD_E_INVALID_HANDLE:
    case SCARD_P_SHUTDOWN:
      return Error::kReaderUnavailable;
    case SCARD_E_SHARING_VIOLATION:
      return Error::kIo;
    case SCARD_E_TIMEOUT:
    case SCARD_E_CANCELLED:
    case SCARD_E_NOT_TRANSACTED:
    case SCARD_F_COMM_ERROR:
    case SCARD_E_COMM_DATA_LOST:
      return Error::kTimeout;
    case SCARD_W_UNRESPONSIVE_CARD:
    case SCARD_W_UNPOWERED_CARD:
    case SCARD_W_UNSUPPORTED_CARD:
    case SCARD_E_PROTO_MISMATCH:
    case SCARD_E_CARD_UNSUPPORTED:
      return operation == PcscOperation::kConnect ? Error::kUnsupported : Error::kTimeout;
    case SCARD_E_INSUFFICIENT_BUFFER:
      return Error::kBufferTooSmall;
    default:
      return Error::kInternal;
  }
}

// ---------------------------------------------------------------------------------------------------
// PcscContext

Result<PcscContext> PcscContext::establish() {
  SCARDCONTEXT handle = 0;
  const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &handle);
  if (rv != SCARD_S_SUCCESS) return map_pcsc_error(rv, PcscOperation::kLookup);
  return PcscContext(handle);
}

PcscContext::PcscContext(PcscContext&& other) noexcept
    : handle_(std::exchange(other.handle_, 0)), last_error_(other.last_error_) {}

PcscContext& PcscContext::operator=(PcscContext&& other) noexcept {
  if (this != &other) {
    release();
    handle_ = std::exchange(other.handle_, 0);
    last_error_ = other.last_error_;
  }
  return *this;
}

PcscContext::~PcscContext() { release(); }

void PcscContext::release() {
  // A context of a pcscd that has gone away fails to release; there is nothing left to free then.
  if (handle_ != 0) (void)SCardReleaseContext(handle_);
  handle_ = 0;
}

Status PcscContext::reestablish() {
  release();
  SCARDCONTEXT handle = 0;
  const LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &handle);
  if (rv != SCARD_S_SUCCESS) {
    last_error_ = rv;
    return map_pcsc_error(rv, PcscOperation::kLookup);
  }
  handle_ = handle;
  return kOk;
}

Result<std::vector<std::string>> PcscContext::list_readers() const {
  std::vector<std::string> names;
  if (handle_ == 0) return Error::kReaderUnavailable;
  // The list can grow between the two calls (a reader plugged in): retry on a short buffer.
  for (int attempt = 0; attempt < 3; ++attempt) {
    DWORD size = 0;
    LONG rv = SCardListReaders(handle_, nullptr, nullptr, &size);
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return names;
    if (rv != SCARD_S_SUCCESS) {
      last_error_ = rv;
      return map_pcsc_error(rv, PcscOperation::kLookup);
    }
    std::string multi(size, '\0');
    rv = SCardListReaders(handle_, nullptr, multi.data(), &size);
    if (rv == SCARD_E_INSUFFICIENT_BUFFER) continue;
    if (rv == SCARD_E_NO_READERS_AVAILABLE) return names;
    if (rv != SCARD_S_SUCCESS) {
      last_error_ = rv;
      return map_pcsc_error(rv, PcscOperation::kLookup);
    }
    // A multi-string: names separated by NUL, ended by an empty name (PC/SC part 5, SCardListReaders).
    std::size_t pos = 0;
    while (pos < multi.size() && multi[pos] != '\0') {
      const std::size_t end = multi.find('\0', pos);
      const std::size_t stop = end == std::string::npos ? multi.size() : end;
      names.emplace_back(multi, pos, stop - pos);
      pos = stop + 1;
    }
    return names;
  }
  return Error::kReaderUnavailable;
}

Result<bool> PcscContext::card_present(std::string_view reader) const {
  if (handle_ == 0) return Error::kReaderUnavailable;
  const std::string name(reader);
  SCARD_READERSTATE state{};
  state.szReader = name.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  const LONG rv = SCardGetStatusChange(handle_, 0, &state, 1);
  if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
    last_error_ = rv;
    return map_pcsc_error(rv, PcscOperation::kLookup);
  }
  if ((state.dwEventState & SCARD_STATE_UNKNOWN) != 0) return Error::kNotFound;
  if ((state.dwEventState & SCARD_STATE_UNAVAILABLE) != 0) return Error::kReaderUnavailable;
  return (state.dwEventState & SCARD_STATE_PRESENT) != 0;
}

Result<std::string> PcscContext::select_reader(std::string_view wanted, const std::vector<std::string>& skip) const {
  SSCARD_TRY_ASSIGN(std::vector<std::string> names, list_readers());
  names.erase(std::remove_if(names.begin(), names.end(),
                             [&skip](const std::string& n) { return std::find(skip.begin(), skip.end(), n) != skip.end(); }),
              names.end());
  if (names.empty()) return Error::kNotFound;
  if (wanted.empty()) {
    for (const std::string& name : names) {
      const Result<bool> present = card_present(name);
      if (present.ok() && *present) return name;
    }
    return names.front();
  }
  for (const std::string& name : names) {
    if (name == wanted) return name;
  }
  for (const std::string& name : names) {
    if (name.find(wanted) != std::string::npos) return name;
  }
  return Error::kNotFound;
}

bool looks_contactless(std::string_view reader_name) {
  std::string lower(reader_name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  constexpr std::string_view kHints[] = {"contactless", "picc", "cl", " rf", "nfc"};
  for (std::string_view hint : kHints) {
    if (lower.find(hint) != std::string::npos) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------
// PcscSlot

PcscSlot::PcscSlot(PcscContext context, std::string reader_name, SlotKind kind)
    : context_(std::move(context)),
      reader_name_(std::move(reader_name)),
      kind_(kind),
      receive_buffer_(MAX_BUFFER_SIZE_EXTENDED) {}

PcscSlot::~PcscSlot() { (void)do_power_down(); }

Status PcscSlot::fail(PcscCode code, PcscOperation operation) {
  last_error_ = code;
  return map_pcsc_error(code, operation);
}

void PcscSlot::forget_card() {
  if (card_ != 0) (void)SCardDisconnect(card_, SCARD_LEAVE_CARD);
  card_ = 0;
  active_protocol_ = 0;
}

std::optional<unsigned long> PcscSlot::reader_state() const {
  SCARD_READERSTATE state{};
  state.szReader = reader_name_.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  const LONG rv = SCardGetStatusChange(context_.handle(), 0, &state, 1);
  if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) return std::nullopt;
  return static_cast<unsigned long>(state.dwEventState);
}

Result<bool> PcscSlot::do_card_present() {
  if (!context_.valid()) SSCARD_TRY(context_.reestablish());
  Result<bool> present = context_.card_present(reader_name_);
  if (!present.ok()) {
    last_error_ = context_.last_pcsc_error();
    if (service_lost(last_error_)) {
      // pcscd restarted: a fresh context sees the new daemon.
      SSCARD_TRY(context_.reestablish());
      present = context_.card_present(reader_name_);
    }
  }
  if (!present.ok() && present.status() == Error::kNotFound) return Error::kReaderUnavailable;
  return present;
}

Result<std::size_t> PcscSlot::do_power_up(MutableByteSpan atr) {
  if (!context_.valid()) SSCARD_TRY(context_.reestablish());
  DWORD protocol = 0;
  LONG rv = SCARD_E_NO_SMARTCARD;
  if (card_ != 0) {
    // Already connected: a cold reset (ISO/IEC 7816-3 6.2.2) through the same handle.
    rv = SCardReconnect(card_, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                        SCARD_UNPOWER_CARD, &protocol);
    if (rv != SCARD_S_SUCCESS) forget_card();  // the card or the daemon changed: start over below
  }
  if (card_ == 0) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      SCARDHANDLE handle = 0;
      rv = SCardConnect(context_.handle(), reader_name_.c_str(), SCARD_SHARE_SHARED,
                        SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &handle, &protocol);
      if (rv == SCARD_S_SUCCESS) {
        card_ = handle;
        break;
      }
      if (attempt == 0 && service_lost(rv)) {
        // pcscd restarted since this context was made: the old context is dead, a new one works.
        if (!context_.reestablish().ok()) break;
        continue;
      }
      break;
    }
  }
  if (rv != SCARD_S_SUCCESS) {
    card_ = 0;
    return fail(rv, PcscOperation::kConnect);
  }
  active_protocol_ = protocol;
  protocol_ = protocol == SCARD_PROTOCOL_T0 ? Protocol::kT0 : Protocol::kT1;

  std::array<char, MAX_READERNAME + 1> name{};
  DWORD name_length = name.size();
  DWORD state = 0;
  DWORD status_protocol = 0;
  std::array<BYTE, MAX_ATR_SIZE> atr_buffer{};
  DWORD atr_length = atr_buffer.size();
  rv = SCardStatus(card_, name.data(), &name_length, &state, &status_protocol, atr_buffer.data(),
                   &atr_length);
  if (rv != SCARD_S_SUCCESS) {
    forget_card();
    return fail(rv, PcscOperation::kConnect);
  }
  if (kind_ == SlotKind::kContactless) {
    // The event count of the card just powered: a card that leaves the field (or a new tap) changes it.
    const std::optional<unsigned long> now = reader_state();
    powered_events_ = now ? (*now & ~kStateMask) : 0;
  }
  if (atr_length > atr.size()) return Error::kBufferTooSmall;
  std::copy_n(atr_buffer.begin(), atr_length, atr.begin());
  last_error_ = SCARD_S_SUCCESS;
  return static_cast<std::size_t>(atr_length);
}

Status PcscSlot::do_power_down() {
  if (card_ == 0) return kOk;
  // Removed cards and vanished readers make this fail; the handle is gone either way.
  (void)SCardDisconnect(card_, SCARD_UNPOWER_CARD);
  card_ = 0;
  active_protocol_ = 0;
  return kOk;
}

Result<std::size_t> PcscSlot::do_transmit(ByteSpan command, MutableByteSpan response) {
  if (card_ == 0) return Error::kNoCard;
  if (command.size() > MAX_BUFFER_SIZE_EXTENDED) return Error::kInvalidArgument;
  if (kind_ == SlotKind::kContactless) {
    // A card that left the field since it was powered: nothing is sent (docs/CONTACTLESS.md §1.1).
    const std::optional<unsigned long> now = reader_state();
    if (now && ((*now & SCARD_STATE_PRESENT) == 0 || (*now & ~kStateMask) != powered_events_)) {
      last_error_ = SCARD_W_REMOVED_CARD;
      forget_card();
      return Error::kCardRemoved;
    }
  }

  DWORD received = 0;
  LONG rv = SCARD_S_SUCCESS;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const SCARD_IO_REQUEST* pci = active_protocol_ == SCARD_PROTOCOL_T0   ? SCARD_PCI_T0
                                  : active_protocol_ == SCARD_PROTOCOL_T1 ? SCARD_PCI_T1
                                                                          : SCARD_PCI_RAW;
    received = static_cast<DWORD>(receive_buffer_.size());
    rv = SCardTransmit(card_, pci, command.data(), static_cast<DWORD>(command.size()), nullptr,
                       receive_buffer_.data(), &received);
    if (rv != SCARD_W_RESET_CARD || attempt == 1) break;
    // Another application reset the card; the command was not sent. Reconnect once and send it again.
    DWORD protocol = 0;
    const LONG reconnect = SCardReconnect(card_, SCARD_SHARE_SHARED,
                                          SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD,
                                          &protocol);
    if (reconnect != SCARD_S_SUCCESS) {
      rv = reconnect;
      break;
    }
    active_protocol_ = protocol;
    protocol_ = protocol == SCARD_PROTOCOL_T0 ? Protocol::kT0 : Protocol::kT1;
  }

  if (rv != SCARD_S_SUCCESS) {
    Status status = fail(rv, PcscOperation::kExchange);
    if (status == Error::kTimeout) {
      // vpcd and many drivers report a card pulled mid-exchange as a communication error: ask whether
      // the card is still there before calling it a mute card.
      const Result<bool> present = context_.card_present(reader_name_);
      if (present.ok() && !*present) status = Error::kCardRemoved;
    }
    if (status == Error::kCardRemoved || status == Error::kReaderUnavailable) {
      // The handle is useless now; the next transmit answers kNoCard until power_up succeeds.
      forget_card();
    }
    return status;
  }
  last_error_ = SCARD_S_SUCCESS;
  if (received == 0) {
    // No byte at all is no answer from a card. vpcd (vsmartcard 3.3) reports a card that left during
    // the exchange exactly like this, as a successful exchange of 0 bytes.
    last_error_ = SCARD_W_REMOVED_CARD;
    forget_card();
    return Error::kCardRemoved;
  }
  // ISO/IEC 7816-4 5.1: every response ends with SW1 SW2.
  if (received < 2) return Error::kMalformed;
  if (received > response.size()) return Error::kBufferTooSmall;
  std::copy_n(receive_buffer_.begin(), received, response.begin());
  return static_cast<std::size_t>(received);
}

// ---------------------------------------------------------------------------------------------------
// PcscReader

Result<std::unique_ptr<PcscReader>> PcscReader::open(const Options& options) {
  SSCARD_TRY_ASSIGN(PcscContext contact_context, PcscContext::establish());
  std::unique_ptr<PcscReader> reader(new PcscReader());
  std::vector<std::string> taken;  // readers already given a slot
  if (!options.contactless_reader.empty() || options.with_contactless) {
    std::string field_name;
    if (!options.contactless_reader.empty()) {
      SSCARD_TRY_ASSIGN(field_name, contact_context.select_reader(options.contactless_reader));
    } else {
      SSCARD_TRY_ASSIGN(const std::vector<std::string> names, contact_context.list_readers());
      for (const std::string& n : names) {
        // A reader the caller named as the contact one is not the field, whatever its name says.
        if (looks_contactless(n) && (options.reader.empty() || n.find(options.reader) == std::string::npos)) {
          field_name = n;
          break;
        }
      }
    }
    if (!field_name.empty()) {
      SSCARD_TRY_ASSIGN(PcscContext field_context, PcscContext::establish());
      reader->contactless_ = std::make_unique<PcscSlot>(std::move(field_context), field_name, SlotKind::kContactless);
      taken.push_back(field_name);
    }
  }
  Result<std::string> contact_name = contact_context.select_reader(options.reader, taken);
  if (!contact_name.ok()) {
    // A lone contactless reader: no contact slot. Anything else is the caller's reader missing.
    if (!(contact_name.status() == Error::kNotFound && options.reader.empty() && reader->contactless_)) {
      return contact_name.status();
    }
  } else {
    taken.push_back(*contact_name);
  }
  if (!options.sam_reader.empty()) {
    SSCARD_TRY_ASSIGN(PcscContext sam_context, PcscContext::establish());
    SSCARD_TRY_ASSIGN(const std::string sam_name, sam_context.select_reader(options.sam_reader));
    if (std::find(taken.begin(), taken.end(), sam_name) != taken.end()) return Error::kInvalidArgument;
    reader->sam_ = std::make_unique<PcscSlot>(std::move(sam_context), sam_name, SlotKind::kSam);
  }
  if (contact_name.ok()) {
    reader->contact_ = std::make_unique<PcscSlot>(std::move(contact_context), *contact_name, SlotKind::kContact);
  }
  for (PcscSlot* s : {reader->contact_.get(), reader->sam_.get(), reader->contactless_.get()}) {
    if (s != nullptr) reader->slots_.push_back(s);
  }
  SSCARD_TRY_ASSIGN(reader->monitor_, PcscContext::establish());
  reader->monitor_handle_.store(reader->monitor_.handle());
  return reader;
}

Result<CardChange> PcscReader::wait_for_card_change(std::chrono::milliseconds timeout, SlotKind kind) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + timeout;
  const PcscSlot* watched = kind == SlotKind::kContactless ? contactless_.get()
                            : kind == SlotKind::kSam       ? sam_.get()
                                                           : contact_.get();
  if (watched == nullptr) return Error::kNotFound;
  if (!monitor_.valid()) {
    SSCARD_TRY(monitor_.reestablish());
    monitor_handle_.store(monitor_.handle());
  }
  const std::string name(watched->name());
  SCARD_READERSTATE state{};
  state.szReader = name.c_str();
  state.dwCurrentState = SCARD_STATE_UNAWARE;
  LONG rv = SCardGetStatusChange(monitor_.handle(), 0, &state, 1);
  if (service_lost(rv)) {
    // pcscd restarted: the monitor context is dead; one fresh context, then report what it sees.
    SSCARD_TRY(monitor_.reestablish());
    monitor_handle_.store(monitor_.handle());
    state.dwCurrentState = SCARD_STATE_UNAWARE;
    rv = SCardGetStatusChange(monitor_.handle(), 0, &state, 1);
  }
  if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) return map_pcsc_error(rv, PcscOperation::kExchange);

  for (;;) {
    if ((state.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_UNAVAILABLE)) != 0) {
      return Error::kReaderUnavailable;
    }
    if (cancel_requested_.exchange(false)) return CardChange::kCancelled;
    const Clock::time_point now = Clock::now();
    if (now >= deadline) return Error::kTimeout;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    const auto slice = std::max(std::chrono::milliseconds(1), std::min(left, kWaitSlice));

    const DWORD before = state.dwEventState;
    state.dwCurrentState = before & ~static_cast<DWORD>(SCARD_STATE_CHANGED);
    rv = SCardGetStatusChange(monitor_.handle(), static_cast<DWORD>(slice.count()), &state, 1);
    if (rv == SCARD_E_TIMEOUT) continue;
    if (rv == SCARD_E_CANCELLED) {
      cancel_requested_.store(false);
      return CardChange::kCancelled;
    }
    if (rv != SCARD_S_SUCCESS) return map_pcsc_error(rv, PcscOperation::kExchange);

    const bool was_present = (before & SCARD_STATE_PRESENT) != 0;
    const bool is_present = (state.dwEventState & SCARD_STATE_PRESENT) != 0;
    if (was_present != is_present) return is_present ? CardChange::kInserted : CardChange::kRemoved;
    // Same presence but a new event count: the card was swapped between two looks; a card is there.
    const bool counted = (before & ~kStateMask) != (state.dwEventState & ~kStateMask);
    if (counted && is_present) return CardChange::kInserted;
  }
}

void PcscReader::cancel_wait() {
  cancel_requested_.store(true);
  const long handle = monitor_handle_.load();
  if (handle != 0) (void)SCardCancel(handle);
}

}  // namespace sscard::hal
