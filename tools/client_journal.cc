// The journal's writes on lessons (mark, absence, lesson, homework), the classification of
// absences (reason), and the corrections of marks (correct, approve, reject).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "tools/client_internal.h"

namespace ejournal::client {
namespace {

using nlohmann::json;

// Fills the payload of an event on a lesson from the flags.
using LessonFill = Status (*)(const Flags& f, v1::EventBody& b);

// The run of a verb that records an event on a lesson: the envelope, the lesson's date and the
// re-entered event (R-SEC-4) here, the payload by `fill`.
std::function<int()> LessonEvent(std::shared_ptr<Common> c, std::shared_ptr<Flags> f,
                                 LessonFill fill) {
  return [c, f, fill] {
    auto s = Resolve(*c, true, false);
    if (!s) return Fail(s.error());
    auto date = DateArg(f->date, c->zone);
    if (!date) return Fail(date.error());
    v1::EventBody b = NewBody(*s);
    *b.mutable_business_date() = *date;
    b.set_reenters_event_id(f->reenters);  // R-SEC-4
    if (Status st = fill(*f, b); !st.ok()) return Fail(st);
    return Submit(*c, *s, b);
  };
}

// The flags every event on a lesson takes.
void LessonFlags(Flags& f, CLI::App* cmd) {
  cmd->add_option("--lesson", f.lesson, "lesson id")->required();
  cmd->add_option("--date", f.date, "the lesson's date, YYYY-MM-DD (default: today)");
  cmd->add_option("--substitution", f.id, "the substitution you write under (R-SUB-1)");
  cmd->add_option("--reenters", f.reenters,
                  "re-enter this invalidated event of yours (R-SEC-4; see `report "
                  "awaiting-reentry`)");
}

Status FillMark(const Flags& f, v1::EventBody& b) {
  auto work = WorkArg(f.work);
  if (!work) return work.error();
  auto* m = b.mutable_mark_recorded();
  m->set_mark_id(f.mark_id.empty() ? "m-" + NewId() : f.mark_id);
  m->set_lesson_id(f.lesson);
  m->set_student_id(f.student);
  m->mutable_value()->set_value(f.value);
  m->mutable_value()->set_second_value(f.second);
  m->set_work_type(*work);
  if (!f.id.empty()) b.set_substitution_id(f.id);
  return Status::Ok();
}

Status FillAbsence(const Flags& f, v1::EventBody& b) {
  auto* a = b.mutable_attendance_recorded();
  a->set_lesson_id(f.lesson);
  a->set_student_id(f.student);
  a->set_status(f.late >= 0 ? v1::ATTENDANCE_STATUS_LATE : v1::ATTENDANCE_STATUS_ABSENT);
  if (f.late >= 0) a->set_minutes_late(f.late);
  if (!f.id.empty()) b.set_substitution_id(f.id);
  return Status::Ok();
}

Status FillLesson(const Flags& f, v1::EventBody& b) {
  auto* l = b.mutable_lesson_conducted();
  l->set_lesson_id(f.lesson);
  l->set_topic(f.topic);
  l->set_kind(f.kind == "distance"          ? v1::LESSON_KIND_DISTANCE
              : f.kind == "extracurricular" ? v1::LESSON_KIND_EXTRACURRICULAR
                                            : v1::LESSON_KIND_REGULAR);
  l->set_order_number(f.order);
  if (!f.id.empty()) b.set_substitution_id(f.id);
  return Status::Ok();
}

Status FillHomework(const Flags& f, v1::EventBody& b) {
  auto* h = b.mutable_homework_assigned();
  h->set_homework_id(f.mark_id.empty() ? "hw-" + NewId() : f.mark_id);
  h->set_lesson_id(f.lesson);
  h->set_text(f.text);
  for (const auto& st : Split(f.students)) h->add_student_ids(st);
  if (!f.id.empty()) b.set_substitution_id(f.id);
  return Status::Ok();
}

// A file's media type by its extension (the attachment store checks it against the bytes).
std::string MediaTypeOf(const std::string& path) {
  static const std::map<std::string, std::string> kTypes = {
      {"pdf", "application/pdf"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"txt", "text/plain"},
      {"doc", "application/msword"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
      {"odt", "application/vnd.oasis.opendocument.text"},
      {"ods", "application/vnd.oasis.opendocument.spreadsheet"},
      {"odp", "application/vnd.oasis.opendocument.presentation"},
  };
  std::string ext = std::filesystem::path(path).extension().string();
  if (!ext.empty()) ext.erase(0, 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

// 64 hex digits as 32 bytes; nullopt otherwise.
std::optional<std::string> Sha256FromHex(const std::string& hex) {
  if (hex.size() != 64) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    const auto digit = [](char ch) {
      return ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
    };
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// Homework (R-HW-1), with --attach: each file is uploaded to the node's attachment store first and
// the signed event carries its hash, name, type and size (never the bytes).
int Homework(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, !f.attach.empty());
  if (!s) return Fail(s.error());
  auto date = DateArg(f.date, c.zone);
  if (!date) return Fail(date.error());
  v1::EventBody b = NewBody(*s);
  *b.mutable_business_date() = *date;
  b.set_reenters_event_id(f.reenters);
  if (Status st = FillHomework(f, b); !st.ok()) return Fail(st);
  for (const auto& path : Split(f.attach)) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail(InvalidArgument("Не удалось прочитать файл " + path));
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string type = MediaTypeOf(path);
    auto answer = Exchange(c, *s, "POST", "/api/v1/schools/" + s->school_id + "/attachments", bytes,
                           type, Bearer(*s));
    if (!answer) return Fail(answer.error().WithContext(path));
    const auto j = nlohmann::json::parse(*answer, nullptr, false);
    auto sha = Sha256FromHex(j.is_object() ? Str(j, "sha256") : "");
    if (!sha) return Fail(Internal("the server's answer names no file hash"));
    auto* ref = b.mutable_homework_assigned()->add_attachments();
    ref->set_title(std::filesystem::path(path).filename().string());
    ref->set_sha256(*sha);
    ref->set_file_name(std::filesystem::path(path).filename().string());
    ref->set_media_type(type);
    ref->set_size_bytes(static_cast<int64_t>(bytes.size()));
  }
  if (b.homework_assigned().text().empty() && b.homework_assigned().attachments().empty()) {
    return Fail(InvalidArgument("Укажите текст задания (--text) или прикрепите файл (--attach)"));
  }
  return Submit(c, *s, b);
}

// A homework's file, downloaded into --out.
int HomeworkFile(const Common& c, const Flags& f) {
  auto s = ResolveReader(c);
  if (!s) return Fail(s.error());
  auto bytes =
      Exchange(c, *s, "GET",
               "/api/v1/schools/" + s->school_id + "/homework/" + f.mark_id + "/files/" + f.sha256,
               "", "", Bearer(*s));
  if (!bytes) return Fail(bytes.error());
  std::ofstream out(f.out, std::ios::binary | std::ios::trunc);
  out << *bytes;
  out.close();
  if (!out) return Fail(IoError("Не удалось записать " + f.out));
  std::cout << "Файл сохранён: " << f.out << " (" << bytes->size() << " байт)\n";
  return 0;
}

int Reason(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, false);
  if (!s) return Fail(s.error());
  v1::EventBody b = NewBody(*s);
  auto* r = b.mutable_absence_reason_set();
  r->set_student_id(f.student);
  r->set_reason(f.reason == "illness" ? v1::ABSENCE_REASON_ILLNESS
                : f.reason == "valid" ? v1::ABSENCE_REASON_VALID
                                      : v1::ABSENCE_REASON_NOT_VALID);
  for (const auto& l : Split(f.lessons)) r->add_lesson_ids(l);
  return Submit(c, *s, b);
}

// The current event id of a mark, from the cell's history.
Result<std::string> CurrentMarkEvent(const Common& c, const Session& s, const std::string& lesson,
                                     const std::string& student, const std::string& mark_id,
                                     int* value) {
  EJ_ASSIGN_OR_RETURN(json h, GetJson(c, s,
                                      "/api/v1/schools/" + s.school_id + "/lessons/" + lesson +
                                          "/students/" + student + "/history"));
  std::string seq;
  for (const auto& m : h.value("current", json::object()).value("marks", json::array())) {
    if (m.value("mark_id", "") == mark_id) {
      seq = Str(m, "sequence");
      if (value != nullptr) *value = m.value("value", 0);
    }
  }
  if (seq.empty()) return Err(NotFound("the cell shows no mark " + mark_id));
  for (const auto& e : h.value("events", json::array())) {
    if (Str(e, "sequence") == seq) return Str(e, "event_id");
  }
  return Err(NotFound("the history of the cell lacks entry " + seq));
}

// A correction request for a mark: the mark the cell shows now is looked up in its history, so
// the request names the event it corrects.
int Correct(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, true);
  if (!s) return Fail(s.error());
  int old_value = 0;
  // R-MARK-3: a mark past its window enters as a request with no original (a new mark id).
  Result<std::string> original = std::string();
  if (!f.late_entry) {
    original = CurrentMarkEvent(c, *s, f.lesson, f.student, f.mark_id, &old_value);
  }
  if (!original) return Fail(original.error());
  auto date = DateArg(f.date, c.zone);
  if (!date) return Fail(date.error());
  auto work = WorkArg(f.work);
  if (!work) return Fail(work.error());
  v1::EventBody b = NewBody(*s);
  *b.mutable_business_date() = *date;
  auto* r = b.mutable_correction_requested();
  r->set_request_id(f.request.empty() ? "rq-" + NewId() : f.request);
  r->mutable_target()->set_mark_id(f.mark_id);
  r->set_original_event_id(*original);
  r->set_reason(f.reason);
  auto* m = r->mutable_mark();
  m->set_mark_id(f.mark_id);
  m->set_lesson_id(f.lesson);
  m->set_student_id(f.student);
  m->mutable_value()->set_value(f.value);
  m->mutable_value()->set_second_value(f.second);
  m->set_work_type(*work);
  if (f.late_entry) {
    std::printf("Заявка на позднюю отметку %d (срок выставления прошёл): её утверждает завуч\n",
                f.value);
  } else {
    std::printf("Заявка на исправление отметки %d → %d: её утверждает завуч\n", old_value, f.value);
  }
  return Submit(c, *s, b);
}

int Decide(const Common& c, const Flags& f, bool approve) {
  auto s = Resolve(c, true, false);
  if (!s) return Fail(s.error());
  v1::EventBody b = NewBody(*s);
  if (approve) {
    b.mutable_correction_approved()->set_request_id(f.request);
    b.mutable_correction_approved()->set_comment(f.reason);
  } else {
    b.mutable_correction_rejected()->set_request_id(f.request);
    b.mutable_correction_rejected()->set_reason(f.reason);
  }
  return Submit(c, *s, b);
}

}  // namespace

void AddJournalCommands(Verbs& v) {
  auto c = v.c;
  auto f = v.f;
  auto* mark =
      v.Add("mark", "record a mark (R-MARK-1..5)", Use::kSigning, LessonEvent(c, f, FillMark));
  LessonFlags(*f, mark);
  mark->add_option("--student", f->student, "student id")->required();
  mark->add_option("--value", f->value, "1..5")->required();
  mark->add_option("--second", f->second, "the second part of a two-part mark (5/4)");
  mark->add_option("--work", f->work, "answer, control, dictation, homework, ...")
      ->capture_default_str();
  mark->add_option("--mark-id", f->mark_id, "the mark's id (default: a new one)");

  auto* absence = v.Add("absence", "record an absence, or lateness with --late (R-ATT-1)",
                        Use::kSigning, LessonEvent(c, f, FillAbsence));
  LessonFlags(*f, absence);
  absence->add_option("--student", f->student, "student id")->required();
  absence->add_option("--late", f->late, "minutes late (lateness instead of an absence)");

  auto* lesson = v.Add("lesson", "record that a lesson was held, with its topic (R-LES-1..3)",
                       Use::kSigning, LessonEvent(c, f, FillLesson));
  LessonFlags(*f, lesson);
  lesson->add_option("--topic", f->topic, "the topic (from the КТП)")->required();
  lesson->add_option("--kind", f->kind, "regular, distance, extracurricular")
      ->capture_default_str();
  lesson->add_option("--order", f->order, "the order number (distance learning)");

  auto* homework = v.Add("homework", "assign homework (R-HW-1)", Use::kSigning,
                         [c, f] { return Homework(*c, *f); });
  LessonFlags(*f, homework);
  homework->add_option("--text", f->text, "what to do");
  homework->add_option("--attach", f->attach,
                       "files to attach (a.pdf,b.png): uploaded, then signed by hash");
  homework->add_option("--students", f->students, "only for these students (a,b,c)");
  homework->add_option("--homework-id", f->mark_id, "the homework's id (default: a new one)");

  auto* file = v.Add("homework-file", "download a file attached to homework", Use::kReading,
                     [c, f] { return HomeworkFile(*c, *f); });
  file->add_option("--homework", f->mark_id, "the homework's id")->required();
  file->add_option("--sha256", f->sha256, "the file's SHA-256 (hex), as the lesson lists it")
      ->required();
  file->add_option("--out", f->out, "where to save it")->required();

  auto* reason = v.Add("reason", "classify a student's absences (class teacher, R-ATT-2)",
                       Use::kSigning, [c, f] { return Reason(*c, *f); });
  reason->add_option("--student", f->student, "student id")->required();
  reason->add_option("--lessons", f->lessons, "the absences' lessons (a,b,c)")->required();
  reason->add_option("--reason", f->reason, "illness, valid, not-valid")->required();
}

void AddCorrectionCommands(Verbs& v) {
  auto c = v.c;
  auto f = v.f;
  auto* correct = v.Add("correct", "ask to correct a mark (R-COR-1): the deputy decides",
                        Use::kSigning, [c, f] { return Correct(*c, *f); });
  correct->add_option("--lesson", f->lesson, "the mark's lesson")->required();
  correct->add_option("--date", f->date, "the lesson's date, YYYY-MM-DD (default: today)");
  correct->add_option("--student", f->student, "the student")->required();
  correct->add_option("--mark-id", f->mark_id, "the mark")->required();
  correct->add_option("--value", f->value, "the proposed value")->required();
  correct->add_option("--second", f->second, "the proposed second part");
  correct->add_option("--work", f->work, "the work type")->capture_default_str();
  correct->add_option("--reason", f->reason, "why")->required();
  correct->add_option("--request", f->request, "the request's id (default: a new one)");
  correct->add_flag("--late-entry", f->late_entry,
                    "a new mark past its window (R-MARK-3): --mark-id names the new mark");

  auto* approve = v.Add("approve", "approve a correction (deputy, not the requester)",
                        Use::kSigning, [c, f] { return Decide(*c, *f, true); });
  approve->add_option("--request", f->request, "the request")->required();
  approve->add_option("--comment", f->reason, "a comment");
  auto* reject = v.Add("reject", "reject a correction, with the reason", Use::kSigning,
                       [c, f] { return Decide(*c, *f, false); });
  reject->add_option("--request", f->request, "the request")->required();
  reject->add_option("--reason", f->reason, "why")->required();
}

}  // namespace ejournal::client
