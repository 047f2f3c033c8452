// submit(), deliver() and recover(): HOST-PROTOCOL.md "Exactly once", the kiosk's side.
#include "sscard/host/journal.h"

namespace sscard::host {

namespace {

HostError local_error(Status status) {
  HostError e;
  e.kind = HostError::Kind::kLocal;
  e.status = status;
  return e;
}

// deliver() that also tells whether the answer made it into the journal.
Result<wire::Response, HostError> deliver_and_complete(HostClient& client, Journal& journal, const wire::Request& request,
                                          Status& completion) {
  completion = kOk;
  if (Status s = journal.note_attempt(request.key); !s.ok()) return local_error(s);
  auto answer = client.send(request);
  if (answer.ok()) completion = journal.complete(request.key, *answer);
  return answer;
}

}  // namespace

Result<wire::Response, HostError> deliver(HostClient& client, Journal& journal, const wire::Request& request) {
  Status completion;
  return deliver_and_complete(client, journal, request, completion);
}

Result<Submission, HostError> submit(HostClient& client, Journal& journal, const wire::Request& request) {
  Submission submission;
  submission.key = request.key;
  if (wire::changes_state(request.operation)) {
    if (Status s = journal.record(request); !s.ok()) return local_error(s);
    submission.journaled = true;
    auto answer = deliver(client, journal, request);
    if (!answer.ok()) return answer.error();
    submission.response = std::move(answer).value();
    return submission;
  }
  auto answer = client.send(request);
  if (!answer.ok()) return answer.error();
  submission.response = std::move(answer).value();
  return submission;
}

std::string_view recovery_kind_name(Recovery::Kind kind) {
  switch (kind) {
    case Recovery::Kind::kDone: return "done";
    case Recovery::Kind::kUnreachable: return "unreachable";
    case Recovery::Kind::kRefused: return "refused";
    case Recovery::Kind::kBadAnswer: return "bad_answer";
    case Recovery::Kind::kAwaitingCard: return "awaiting_card";
    case Recovery::Kind::kCorrupt: return "corrupt";
    case Recovery::Kind::kGaveUp: return "gave_up";
    case Recovery::Kind::kJournalError: return "journal_error";
  }
  return "unknown";
}

Result<std::vector<Recovery>> recover(HostClient& client, Journal& journal, int max_attempts) {
  // A reversal still armed was left by a run that ended before it could decide: reverse, reason 04
  // (PAYMENT.md §10). Nothing else of this process can be mid-payment here.
  if (auto armed = journal.activate_all(wire::ReversalReason::kRestart); !armed.ok()) return armed.status();
  auto entries = journal.pending();
  if (!entries.ok()) return entries.status();

  std::vector<Recovery> out;
  out.reserve(entries->size());
  for (const Entry& entry : *entries) {
    Recovery r;
    r.row = entry.row;
    if (entry.corrupt()) {
      // Resending cannot repair a row: retire it so it is reported once, not on every restart.
      r.kind = Recovery::Kind::kCorrupt;
      r.status = entry.status;
      (void)journal.fail_row(entry.row, "corrupt journal entry");
      out.push_back(std::move(r));
      continue;
    }
    r.key = entry.key;
    r.operation = entry.operation;
    if (entry.step == Step::kCard) {
      // The card command may not have run: telling the issuer now could record a change the card never made.
      r.kind = Recovery::Kind::kAwaitingCard;
      out.push_back(std::move(r));
      continue;
    }
    if (entry.attempts >= max_attempts) {
      r.status = journal.fail(entry.key, "retry budget spent; outcome unknown");
      r.kind = r.status.ok() ? Recovery::Kind::kGaveUp : Recovery::Kind::kJournalError;
      out.push_back(std::move(r));
      continue;
    }

    Status completion;
    auto answer = deliver_and_complete(client, journal, entry.request, completion);
    if (answer.ok()) {
      r.kind = completion.ok() ? Recovery::Kind::kDone : Recovery::Kind::kJournalError;
      r.status = completion;
      r.response = std::move(answer).value();
    } else {
      r.error = answer.error();
      r.status = answer.error().status;
      switch (answer.error().kind) {
        case HostError::Kind::kLocal: r.kind = Recovery::Kind::kJournalError; break;
        case HostError::Kind::kUnreachable: r.kind = Recovery::Kind::kUnreachable; break;
        case HostError::Kind::kRefused: r.kind = Recovery::Kind::kRefused; break;
        case HostError::Kind::kBadAnswer: r.kind = Recovery::Kind::kBadAnswer; break;
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sscard::host
