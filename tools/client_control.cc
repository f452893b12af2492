// The school's control of the journal: substitutions and parents' acknowledgements (substitute,
// ack), a compromised login and its Act (report-compromise, act), and term marks with the
// director's order correcting a final one (term-mark, order-final).
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "tools/client_internal.h"

namespace ejournal::client {
namespace {

using nlohmann::json;

int Substitute(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, false);
  if (!s) return Fail(s.error());
  v1::EventBody b = NewBody(*s);
  auto* sub = b.mutable_substitution_assigned();
  sub->set_substitution_id(f.id.empty() ? "sub-" + NewId() : f.id);
  for (const auto& l : Split(f.lessons)) sub->add_lesson_ids(l);
  sub->set_absent_teacher_id(f.absent);
  sub->set_substitute_teacher_id(f.substitute);
  sub->set_reason(f.reason);
  return Submit(c, *s, b);
}

// The week acknowledged is the diary's week as the server shows it now, up to its entry.
int Ack(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, true);
  if (!s) return Fail(s.error());
  auto week = GetJson(c, *s,
                      "/api/v1/schools/" + s->school_id + "/students/" + f.student + "/diary" +
                          (f.week.empty() ? "" : "?week=" + f.week));
  if (!week) return Fail(week.error());
  v1::EventBody b = NewBody(*s);
  auto* a = b.mutable_diary_acknowledged();
  a->set_guardian_id(s->user_id);
  a->set_student_id(f.student);
  v1::Date start;
  start.set_year((*week)["week_start"].value("year", 0));
  start.set_month((*week)["week_start"].value("month", 0));
  start.set_day((*week)["week_start"].value("day", 0));
  *a->mutable_week_start() = start;
  *b.mutable_business_date() = start;
  a->set_as_of_sequence(std::stoull(Str(*week, "as_of_sequence")));
  a->set_channel(v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC);
  return Submit(c, *s, b);
}

int ReportCompromise(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, false);
  if (!s) return Fail(s.error());
  auto discovered = MomentArg(f.discovered, c.zone);
  if (!discovered) return Fail(discovered.error());
  int64_t reported = 0;  // 0: the moment the ledger records the report
  if (!f.reported.empty()) {
    auto r = MomentArg(f.reported, c.zone);
    if (!r) return Fail(r.error());
    reported = *r;
  }
  v1::EventBody b = NewBody(*s);
  auto* r = b.mutable_credential_compromise_reported();
  r->set_report_id(f.report.empty() ? "report-" + NewId() : f.report);
  r->set_user_id(f.user.empty() ? s->user_id : f.user);
  for (const auto& cr : Split(f.credentials)) r->add_credential_ids(cr);
  r->set_discovered_at_us(*discovered);
  r->set_reported_at_us(reported);
  r->set_reported_to_id(f.reported_to);
  r->set_circumstances(f.reason);
  std::printf("Сообщение о компрометации учётной записи «%s»\n", r->user_id().c_str());
  return Submit(c, *s, b);
}

// The Act's dry run: the server lists the entries it would invalidate (R-SEC-3); nothing is
// recorded.
int PreviewAct(const Common& c, const Session& s, const v1::CredentialCompromiseActRecorded& a) {
  std::string body;
  (void)google::protobuf::util::MessageToJsonString(a, &body);
  auto answer = Exchange(c, s, "POST", "/api/v1/schools/" + s.school_id + "/acts:preview", body,
                         "application/json", Bearer(s));
  if (!answer) return Fail(answer.error());
  if (c.json) {
    std::printf("%s\n", answer->c_str());
    return 0;
  }
  json j = json::parse(*answer, nullptr, false);
  const auto events = j.value("events", json::array());
  std::printf("Акт признает недействительными записей: %zu (R-SEC-3):\n", events.size());
  for (const auto& e : events) {
    // R-ACC-4: who by name.
    const std::string who =
        Str(e, "actor_name").empty() ? Str(e, "actor_id") : Str(e, "actor_name");
    static const std::map<std::string, std::string> kTypes = {
        {"mark_recorded", "отметка"},
        {"attendance_recorded", "пропуск/опоздание"},
        {"lesson_conducted", "тема урока"},
        {"homework_assigned", "домашнее задание"},
        {"absence_reason_set", "причина пропуска"},
        {"correction_requested", "заявка на исправление"},
        {"correction_approved", "заявка одобрена"},
        {"correction_rejected", "заявка отклонена"},
        {"term_mark_recorded", "отметка за период"}};
    const auto type = kTypes.find(Str(e, "type"));
    std::printf("  запись %s  %s %s %s\n", Str(e, "sequence").c_str(),
                Column(type == kTypes.end() ? Str(e, "type") : type->second, 22).c_str(),
                Column(who, 24).c_str(),
                Str(e, "because_of").empty() || Str(e, "because_of") == "0"
                    ? "подписана скомпрометированным ключом"
                    : ("опирается на запись " + Str(e, "because_of")).c_str());
  }
  return 0;
}

// The Act, recorded or (--dry-run) previewed; the preview needs a session's token.
int Act(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, f.dry_run);
  if (!s) return Fail(s.error());
  auto from = MomentArg(f.from, c.zone);
  if (!from) return Fail(from.error());
  auto today = DateArg(f.date, c.zone);
  if (!today) return Fail(today.error());
  v1::EventBody b = NewBody(*s);
  *b.mutable_business_date() = *today;
  auto* a = b.mutable_credential_compromise_act_recorded();
  a->set_act_id(f.id.empty() ? "act-" + NewId() : f.id);
  a->set_act_number(f.number);
  *a->mutable_act_date() = *today;
  for (const auto& m : Split(f.commission)) a->add_commission()->set_user_id(m);
  a->set_affected_user_id(f.user);
  for (const auto& cr : Split(f.credentials)) a->add_affected_credential_ids(cr);
  a->set_invalid_from_us(*from);
  a->set_report_id(f.report);
  a->set_circumstances(f.reason);
  if (!f.dry_run) return Submit(c, *s, b);
  return PreviewAct(c, *s, *a);
}

// --status na (н/а), --status exempt (осв), or else the --value.
void SetAttestationMark(const Flags& f, v1::AttestationMark* mark) {
  if (f.status == "na") {
    mark->set_status(v1::ATTESTATION_STATUS_NOT_ATTESTED);
  } else if (f.status == "exempt") {
    mark->set_status(v1::ATTESTATION_STATUS_EXEMPT);
  } else {
    mark->set_value(f.value);
  }
}

int TermMark(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, false);
  if (!s) return Fail(s.error());
  v1::EventBody b = NewBody(*s);
  auto* t = b.mutable_term_mark_recorded();
  t->set_student_id(f.student);
  t->set_subject_id(f.subject);
  t->mutable_period()->set_academic_year_id(f.cls);
  t->mutable_period()->set_kind(f.period_kind == "year"    ? v1::PERIOD_KIND_YEAR
                                : f.period_kind == "final" ? v1::PERIOD_KIND_FINAL
                                                           : v1::PERIOD_KIND_TERM);
  t->mutable_period()->set_term_number(f.period_kind == "term" ? f.term : 0);
  SetAttestationMark(f, t->mutable_mark());
  return Submit(c, *s, b);
}

// The event of the term mark the cell `target` shows now: the student's term marks in the diary
// of the week of `date` name its entry, and the entry its event.
Result<std::string> ShownTermMarkEvent(const Common& c, const Session& s,
                                       const v1::TermMarkRef& target, const v1::Date& date) {
  const std::string key = target.student_id() + "/" + target.subject_id() + "/" +
                          target.period().academic_year_id() + "/" +
                          std::to_string(target.period().kind()) + "/" +
                          std::to_string(target.period().term_number());
  EJ_ASSIGN_OR_RETURN(json week, GetJson(c, s,
                                         "/api/v1/schools/" + s.school_id + "/students/" +
                                             target.student_id() + "/diary?week=" + DayText(date)));
  std::string seq;
  for (const auto& t : week.value("term_marks", json::array())) {
    if (t.value("key", "") == key) seq = Str(t, "sequence");
  }
  if (seq.empty()) return Err(Status(StatusCode::kNotFound, "no recorded mark " + key, "R-COR-2"));
  EJ_ASSIGN_OR_RETURN(json entry, GetJson(c, s, "/api/v1/ledger/entries/" + seq));
  return Str(entry["body"], "event_id");
}

int OrderFinal(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, false);  // the diary read below signs without a token
  if (!s) return Fail(s.error());
  auto date = DateArg(f.date, c.zone);
  if (!date) return Fail(date.error());
  v1::EventBody b = NewBody(*s);
  *b.mutable_business_date() = *date;
  auto* o = b.mutable_final_mark_correction_ordered();
  o->set_order_number(f.number);
  *o->mutable_order_date() = *date;
  o->mutable_target()->set_student_id(f.student);
  o->mutable_target()->set_subject_id(f.subject);
  o->mutable_target()->mutable_period()->set_academic_year_id(f.cls);
  o->mutable_target()->mutable_period()->set_kind(f.order_period == "year" ? v1::PERIOD_KIND_YEAR
                                                  : f.order_period == "term"
                                                      ? v1::PERIOD_KIND_TERM
                                                      : v1::PERIOD_KIND_FINAL);
  o->mutable_target()->mutable_period()->set_term_number(f.order_period == "term" ? f.term : 0);
  std::string original = f.request;
  if (original.empty()) {
    auto shown = ShownTermMarkEvent(c, *s, o->target(), *date);
    if (!shown) return Fail(shown.error());
    original = *shown;
  }
  o->set_original_event_id(original);
  SetAttestationMark(f, o->mutable_new_mark());
  o->set_teacher_id(f.absent);
  o->mutable_teacher_explanation()->set_title(f.text);
  o->set_deputy_id(f.user);
  o->mutable_deputy_explanation()->set_title(f.topic);
  o->set_reason(f.reason);
  return Submit(c, *s, b);
}

}  // namespace

void AddControlCommands(Verbs& v) {
  auto c = v.c;
  auto f = v.f;
  auto* substitute = v.Add("substitute", "record a substitution (methodist, R-SUB-1)",
                           Use::kSigning, [c, f] { return Substitute(*c, *f); });
  substitute->add_option("--id", f->id, "the substitution's id (default: a new one)");
  substitute->add_option("--lessons", f->lessons, "the lessons (a,b)")->required();
  substitute->add_option("--absent", f->absent, "the absent teacher")->required();
  substitute->add_option("--substitute", f->substitute, "the substituting teacher")->required();
  substitute->add_option("--reason", f->reason, "why");

  auto* ack = v.Add("ack", "acknowledge a diary week as a parent (ознакомлен, R-ACK-1)",
                    Use::kSigning, [c, f] { return Ack(*c, *f); });
  ack->add_option("--student", f->student, "your child")->required();
  ack->add_option("--week", f->week, "a day of the week (default: this week)");
}

void AddCompromiseCommands(Verbs& v) {
  auto c = v.c;
  auto f = v.f;
  auto* compromise =
      v.Add("report-compromise",
            "report an exposed login (R-SEC-1): yours, or as the director for an employee",
            Use::kSigning, [c, f] { return ReportCompromise(*c, *f); });
  compromise->add_option("--user", f->user, "whose login (default: yours)");
  compromise->add_option("--credentials", f->credentials,
                         "the exposed credentials (a,b; default: the login itself)");
  compromise
      ->add_option("--discovered", f->discovered,
                   "when the exposure was discovered, \"YYYY-MM-DD HH:MM\" school time")
      ->required();
  compromise->add_option("--reported", f->reported,
                         "when it was reported to you (default: now, as recorded)");
  compromise->add_option("--to", f->reported_to, "whom it was reported to (director, admin)");
  compromise->add_option("--id", f->report, "the report's id (default: a new one)");
  compromise->add_option("--circumstances", f->reason, "what happened");

  auto* act = v.Add("act", "the credential-compromise Act (director, R-SEC-2/3), or its dry run",
                    Use::kSigning, [c, f] { return Act(*c, *f); });
  act->add_option("--user", f->user, "the affected user")->required();
  act->add_option("--credentials", f->credentials, "the compromised credentials (a,b)")->required();
  act->add_option("--from", f->from, "invalid from, \"YYYY-MM-DD HH:MM\" school time")->required();
  act->add_option("--number", f->number, "the Act's number");
  act->add_option("--date", f->date, "the Act's date, YYYY-MM-DD (default: today)");
  act->add_option("--commission", f->commission, "the commission's users (a,b,c)");
  act->add_option("--report", f->report, "the compromise report's id");
  act->add_option("--circumstances", f->reason, "what happened");
  act->add_option("--id", f->id, "the Act's id (default: a new one)");
  act->add_flag("--dry-run", f->dry_run, "show what it would invalidate; record nothing");
}

void AddFinalMarkCommands(Verbs& v) {
  auto c = v.c;
  auto f = v.f;
  auto* term_mark = v.Add("term-mark", "record a term or year mark (R-TERM-1)", Use::kSigning,
                          [c, f] { return TermMark(*c, *f); });
  term_mark->add_option("--student", f->student, "student")->required();
  term_mark->add_option("--subject", f->subject, "subject")->required();
  term_mark->add_option("--year", f->cls, "academic year id, e.g. 2025")->required();
  term_mark->add_option("--period", f->period_kind, "term, year or final (grades 9 and 11)")
      ->capture_default_str();
  term_mark->add_option("--term", f->term, "term number")->capture_default_str();
  term_mark->add_option("--value", f->value, "1..5");
  term_mark->add_option("--status", f->status, "na (н/а) or exempt (осв)");

  auto* order = v.Add("order-final",
                      "the director's order correcting a final mark in grade 9 or 11 (R-COR-2)",
                      Use::kSigning, [c, f] { return OrderFinal(*c, *f); });
  order->add_option("--student", f->student, "student")->required();
  order->add_option("--subject", f->subject, "subject")->required();
  order->add_option("--year", f->cls, "academic year id, e.g. 2025")->required();
  order->add_option("--period", f->order_period, "final, year or term")->capture_default_str();
  order->add_option("--term", f->term, "term number (--period term)");
  order->add_option("--value", f->value, "the corrected mark, 1..5");
  order->add_option("--status", f->status, "na (н/а) or exempt (осв)");
  order->add_option("--order", f->number, "the order's number, e.g. \"Приказ № 77\"")->required();
  order->add_option("--date", f->date, "the order's date, YYYY-MM-DD (default: today)");
  order->add_option("--teacher", f->absent, "the teacher who explained in writing");
  order->add_option("--teacher-explanation", f->text, "the teacher's explanation (title, date)");
  order->add_option("--deputy", f->user, "the deputy who explained in writing");
  order->add_option("--deputy-explanation", f->topic, "the deputy's explanation (title, date)");
  order->add_option("--reason", f->reason, "the grounds in short");
  order->add_option("--original", f->request,
                    "the event the cell shows now (default: looked up in the diary)");
}

}  // namespace ejournal::client
