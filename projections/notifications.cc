#include "projections/notifications.h"

#include <set>

#include "projections/alerts.h"
#include "projections/communication.h"

namespace ejournal::school {
namespace {

constexpr size_t kHomeworkQuoteChars = 200;

// The active users among the student and their guardians.
std::vector<const User*> FamilyOf(const School& school, std::string_view student_id) {
  std::vector<const User*> out;
  if (const User* u = school.FindUser(student_id); u != nullptr && u->active) out.push_back(u);
  auto st = school.students.find(student_id);
  if (st == school.students.end()) return out;
  for (const std::string& g : st->second.guardians) {
    if (const User* u = school.FindUser(g); u != nullptr && u->active) out.push_back(u);
  }
  return out;
}

std::string DiaryLink(std::string_view student_id, Day day) {
  std::string link = "#/diary?student=" + std::string(student_id);
  if (day != kNoDay) link += "&week=" + DayString(WeekStart(day));
  return link;
}

std::string MarkText(const v1::MarkValue& v) {
  std::string s = std::to_string(v.value());
  if (v.second_value() != 0) s += "/" + std::to_string(v.second_value());
  return s;
}

// «Математика, 06.10.2025, 2-й урок»: a lesson as a family reads it (their class goes unsaid).
std::string LessonForFamily(const School& school, const Lesson& lesson) {
  return school.SubjectName(lesson.subject_id) + ", " + RuDate(lesson.date) + ", " +
         std::to_string(lesson.period) + "-й урок";
}

// A UTF-8 prefix of at most `chars` characters, with «…» when cut.
std::string Quote(std::string_view text, size_t chars) {
  size_t i = 0, n = 0;
  while (i < text.size() && n < chars) {
    const auto c = static_cast<unsigned char>(text[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++n;
  }
  if (i >= text.size()) return std::string(text);
  return std::string(text.substr(0, i)) + "…";
}

void ToFamily(const School& school, std::string_view student_id, NoticeKind kind,
              const std::string& text, const std::string& link, std::vector<Notice>& out) {
  const std::string name = school.UserName(student_id);
  for (const User* u : FamilyOf(school, student_id)) {
    out.push_back(Notice{u->id, kind, u->id == student_id ? text : name + ": " + text, link, {}});
  }
}

// The student a correction's proposal changes a record of, or "".
std::string StudentOfCorrection(const CorrectionRequest& r) {
  if (r.body == nullptr) return {};
  if (r.body->has_mark()) return r.body->mark().student_id();
  if (r.body->has_attendance()) return r.body->attendance().student_id();
  if (r.body->target().has_attendance()) return r.body->target().attendance().student_id();
  return {};
}

}  // namespace

std::string_view NoticeKindName(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::kMark:
      return "mark";
    case NoticeKind::kAbsence:
      return "absence";
    case NoticeKind::kHomework:
      return "homework";
    case NoticeKind::kCorrection:
      return "correction";
    case NoticeKind::kAnnouncement:
      return "announcement";
    case NoticeKind::kMessage:
      return "message";
    case NoticeKind::kSurvey:
      return "survey";
    case NoticeKind::kAlert:
      return "alert";
  }
  return "";
}

std::optional<NoticeKind> NoticeKindNamed(std::string_view name) {
  for (NoticeKind k : kNoticeKinds) {
    if (NoticeKindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string_view NoticeKindText(NoticeKind kind) {
  switch (kind) {
    case NoticeKind::kMark:
      return "Оценки";
    case NoticeKind::kAbsence:
      return "Пропуски уроков";
    case NoticeKind::kHomework:
      return "Домашние задания";
    case NoticeKind::kCorrection:
      return "Исправления в журнале";
    case NoticeKind::kAnnouncement:
      return "Объявления и события";
    case NoticeKind::kMessage:
      return "Сообщения";
    case NoticeKind::kSurvey:
      return "Опросы";
    case NoticeKind::kAlert:
      return "Тревожные сигналы об учёбе";
  }
  return "";
}

std::vector<Notice> NoticesOf(const SchoolState& state, const School& school,
                              const v1::EventBody& body, int64_t at_us) {
  std::vector<Notice> out;
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kMarkRecorded: {
      const auto& m = body.mark_recorded();
      const Lesson* lesson = school.FindLesson(m.lesson_id());
      if (lesson == nullptr) break;
      ToFamily(school, m.student_id(), NoticeKind::kMark,
               "оценка " + MarkText(m.value()) + " — " + LessonForFamily(school, *lesson),
               DiaryLink(m.student_id(), lesson->date), out);
      break;
    }
    case B::kAttendanceRecorded: {
      const auto& a = body.attendance_recorded();
      if (a.status() != v1::ATTENDANCE_STATUS_ABSENT) break;
      const Lesson* lesson = school.FindLesson(a.lesson_id());
      if (lesson == nullptr) break;
      ToFamily(school, a.student_id(), NoticeKind::kAbsence,
               "отсутствие («н») — " + LessonForFamily(school, *lesson),
               DiaryLink(a.student_id(), lesson->date), out);
      break;
    }
    case B::kHomeworkAssigned: {
      const auto& h = body.homework_assigned();
      const Lesson* lesson = school.FindLesson(h.lesson_id());
      if (lesson == nullptr) break;
      Day due = kNoDay;
      if (const Lesson* d = school.FindLesson(h.due_lesson_id())) due = d->date;
      if (h.due_date().year() != 0) {
        if (auto d = DayOf(h.due_date()); d.has_value()) due = *d;
      }
      std::string text = "домашнее задание — " + school.SubjectName(lesson->subject_id);
      if (due != kNoDay) text += " к " + RuDate(due);
      if (!h.text().empty()) text += ": " + Quote(h.text(), kHomeworkQuoteChars);
      std::vector<std::string> students(h.student_ids().begin(), h.student_ids().end());
      if (students.empty()) {
        for (const std::string& sid : school.MembersOf(lesson->class_id)) {
          if (school.InLesson(*lesson, sid)) students.push_back(sid);
        }
      }
      for (const std::string& sid : students) {
        ToFamily(school, sid, NoticeKind::kHomework, text,
                 DiaryLink(sid, due == kNoDay ? lesson->date : due), out);
      }
      break;
    }
    case B::kCorrectionApproved:
    case B::kCorrectionRejected: {
      const bool approved = body.has_correction_approved();
      const std::string& id = approved ? body.correction_approved().request_id()
                                       : body.correction_rejected().request_id();
      auto r = school.requests.find(id);
      if (r == school.requests.end()) break;
      const std::string where = r->second.lesson_id.empty()
                                    ? std::string()
                                    : " — " + school.LessonText(r->second.lesson_id);
      const std::string deputy = school.UserName(body.actor_id());
      if (const User* t = school.FindUser(r->second.requester_id); t != nullptr && t->active) {
        out.push_back(
            Notice{t->id,
                   NoticeKind::kCorrection,
                   std::string(approved ? "Исправление одобрено" : "Исправление отклонено") + " (" +
                       deputy + ")" + where,
                   "#/corrections",
                   {}});
      }
      const std::string student = StudentOfCorrection(r->second);
      if (approved && !student.empty()) {
        const Lesson* lesson = school.FindLesson(r->second.lesson_id);
        ToFamily(school, student, NoticeKind::kCorrection,
                 "запись в журнале исправлена с разрешения заместителя директора" +
                     (lesson == nullptr ? std::string() : " — " + LessonForFamily(school, *lesson)),
                 DiaryLink(student, lesson == nullptr ? kNoDay : lesson->date), out);
      }
      break;
    }
    case B::kAnnouncementPublished: {
      auto it = school.announcement_index.find(body.announcement_published().announcement_id());
      if (it == school.announcement_index.end()) break;
      const Announcement& a = school.announcements[it->second];
      const Day today = school.zone.LocalDay(at_us);
      const bool everyone =
          a.audience == v1::AUDIENCE_KIND_SCHOOL || a.audience == v1::AUDIENCE_KIND_STAFF;
      std::string text =
          (a.event_day == kNoDay ? "Объявление: " : "Событие " + RuDate(a.event_day) + ": ") +
          AudienceText(school, a.audience, a.grade, a.class_id) + ", от " +
          school.UserName(a.author_id);
      for (const auto& [uid, u] : school.users) {
        if (uid == a.author_id || !Reaches(school, a, u, today)) continue;
        // The administration sees every announcement; it is told of those addressed to it (the
        // school, the staff) or to it as a parent or class teacher.
        if (IsAdministration(u) && !everyone) {
          User plain = u;
          plain.roles &=
              ~(RoleBit(v1::ROLE_DIRECTOR) | RoleBit(v1::ROLE_DEPUTY) | RoleBit(v1::ROLE_ADMIN));
          if (!Reaches(school, a, plain, today)) continue;
        }
        out.push_back(Notice{uid, NoticeKind::kAnnouncement, text, "#/news", {}});
      }
      break;
    }
    case B::kMessageSent: {
      const auto& m = body.message_sent();
      auto c = school.conversations.find(m.conversation_id());
      if (c == school.conversations.end()) break;
      const std::string text = "Новое сообщение от " + school.UserName(body.actor_id());
      for (const std::string& uid : c->second.participants) {
        if (uid == body.actor_id()) continue;
        if (const User* u = school.FindUser(uid); u == nullptr || !u->active) continue;
        out.push_back(
            Notice{uid, NoticeKind::kMessage, text, "#/messages?c=" + m.conversation_id(), {}});
      }
      break;
    }
    case B::kSurveyPublished: {
      auto it = school.survey_index.find(body.survey_published().survey_id());
      if (it == school.survey_index.end()) break;
      const Survey& v = school.surveys[it->second];
      const std::string text =
          "Опрос родителей " + school.ClassLabel(v.class_id) + " от " +
          school.UserName(v.author_id) +
          (v.closes_on == kNoDay ? std::string() : ": ответьте до " + RuDate(v.closes_on));
      std::set<std::string> told;
      for (const std::string& sid : SurveyFamilies(school, v, school.zone.LocalDay(at_us))) {
        auto st = school.students.find(sid);
        for (const std::string& g : st->second.guardians) {
          const User* u = school.FindUser(g);
          if (u == nullptr || !u->active || !told.insert(g).second) continue;
          out.push_back(Notice{g, NoticeKind::kSurvey, text, "#/news", {}});
        }
      }
      break;
    }
    default:
      break;
  }
  (void)state;
  return out;
}

std::vector<std::string> StudentsAlertedBy(const School& school, const v1::EventBody& body) {
  (void)school;
  switch (body.payload_case()) {
    case v1::EventBody::kMarkRecorded:
      return {body.mark_recorded().student_id()};
    case v1::EventBody::kAttendanceRecorded:
      return {body.attendance_recorded().student_id()};
    default:
      return {};
  }
}

std::vector<Notice> AlertNotices(const SchoolState& state, const School& school,
                                 std::string_view student_id, Day today) {
  std::vector<Notice> out;
  const std::vector<Alert> alerts = AlertsOf(state, school, student_id, today);
  if (alerts.empty()) return out;
  std::vector<std::string> told;
  auto st = school.students.find(student_id);
  if (st == school.students.end()) return out;
  if (const Membership* m = st->second.On(today)) {
    if (auto c = school.classes.find(m->class_id); c != school.classes.end()) {
      if (!c->second.class_teacher_id.empty()) told.push_back(c->second.class_teacher_id);
    }
  }
  for (const std::string& g : st->second.guardians) told.push_back(g);
  const std::string name = school.UserName(student_id);
  for (const Alert& a : alerts) {
    const std::string key =
        a.kind + "|" + std::string(student_id) + "|" + DayString(a.day) + "|" + a.subject_id;
    for (const std::string& uid : told) {
      const User* u = school.FindUser(uid);
      if (u == nullptr || !u->active) continue;
      out.push_back(
          Notice{uid, NoticeKind::kAlert, name + ": " + a.text, DiaryLink(student_id, a.day), key});
    }
  }
  return out;
}

}  // namespace ejournal::school
