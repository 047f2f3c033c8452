// The state one transaction carries from step to step (internal to the kernel).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

#include "sscard/core/apdu.h"
#include "sscard/core/bytes.h"
#include "sscard/crypto/crypto.h"
#include "sscard/pboc/kernel.h"
#include "sscard/pboc/selection.h"
#include "sscard/pboc/tag_store.h"
#include "oda_keys.h"

namespace sscard::pboc::detail {


struct Session {
  Session(KernelContext& context, const TransactionRequest& request, TransactionRecord& record)
      : ctx(context), req(request), rec(record) {}

  KernelContext& ctx;
  const TransactionRequest& req;
  TransactionRecord& rec;

  SelectedApplication app;
  TagStore card;      // data elements from the card
  TagStore terminal;  // the terminal's data elements, the dynamic ones (95, 9B, 9F34, 8A) kept current

  Bytes pdol_data;   // sent in the GPO (CDA hashes it)
  Bytes cdol1_data;  // sent in GAC1
  Bytes cdol2_data;  // sent in GAC2

  // Static data to authenticate ([5] 9.2.2 / [7] 5): ODA records' values in AFL order, then the AIP.
  Bytes static_data;
  bool static_data_invalid = false;  // an ODA record was not a 70 template, or 9F4A lists other than 82

  bool cda_requested = false;  // CDA chosen and not failed before GAC1
  std::optional<RsaKey> icc_key;
  std::optional<RsaKey> issuer_key;
  std::unique_ptr<crypto::Sm2PublicKey> icc_sm2_key;

  std::optional<std::array<std::uint8_t, 8>> online_pin_block;
  Bytes scripts;  // the issuer's 71 / 72 templates, run after the second GENERATE AC

  std::array<std::uint8_t, apdu::kMaxShortResponseSize> buffer{};

  // Sends a command; the response views `buffer` and is valid until the next send.
  Result<apdu::Response> send(const apdu::Command& command) { return ctx.card.transmit(command, buffer); }

  void note(Step step, bool ok, std::string_view text) { rec.steps.push_back(StepRecord{step, ok, text}); }
  // Ends the transaction as failed at `step`.
  bool fail(Step step, Reason reason, std::string_view text, Status status = {}, StatusWord last_sw = {}) {
    note(step, false, text);
    rec.outcome = Outcome::kFailed;
    rec.reason = reason;
    rec.failed_step = step;
    rec.status = status;
    rec.last_sw = last_sw;
    return false;
  }
  bool communication_failure(Step step, Status status) {
    return fail(step, Reason::kCardCommunication, "the card exchange failed", status);
  }
  bool unexpected_status(Step step, StatusWord sw) {
    return fail(step, Reason::kUnexpectedStatus, "the card answered an unexpected status word", {}, sw);
  }

  // Puts the current TVR, TSI, CVM results and ARC into `terminal` (before any DOL is built).
  void refresh_terminal_data();
  // The DOL source: terminal data first, then the card's.
  std::optional<ByteSpan> dol_value(tlv::Tag tag) const;
  // Builds DOL data into `out` (a new Bytes). Errors as build_dol_data.
  Result<Bytes> build_dol(ByteSpan dol);
};

// Steps, in order. Each returns false when the transaction ended (the record says how).
bool initiate(Session& s);                    // PDOL, GPO
bool read_application_data(Session& s);       // READ RECORD per AFL, mandatory data
bool authenticate_offline(Session& s);        // ODA (SDA/DDA here; CDA keys here, signature at GAC)
void check_restrictions(Session& s);          // versions, AUC, dates
bool verify_cardholder(Session& s);           // CVM list
bool manage_terminal_risk(Session& s);        // floor limit, random selection, velocity
std::uint8_t analyse_terminal_action(Session& s);  // the cryptogram to ask for at GAC1 (kGac* without CDA bit)
bool complete_with_card(Session& s, std::uint8_t gac1_p1);  // GAC1, online, issuer authentication, GAC2, scripts

// ODA helpers used at GENERATE AC.
// Recovers the ICC RSA public key (issuer certificate then ICC certificate) if not done; false on failure.
bool recover_icc_rsa_key(Session& s);
// Checks a CDA signed answer (format 2 with 9F4B) of GAC `gac_data` (the CDOL data sent in this GAC, after
// CDOL1 for GAC2); fills `answer.cryptogram` from the signed data. false on any failure.
bool verify_cda(Session& s, ByteSpan gac_template, GacAnswer& answer, bool second_gac);

// Script processing after the final GAC (tag 72 only, P46).
void run_scripts(Session& s, ByteSpan scripts);

// Date of the transaction as YYYYMMDD, and a card date YYMMDD (n6) as YYYYMMDD ([EMV-4] 6.7.3: YY < 50 is
// 20YY). nullopt for a date that is not BCD.
std::optional<std::uint32_t> card_date(ByteSpan yymmdd);
std::uint32_t digits_value(std::string_view digits);

}  // namespace sscard::pboc::detail
