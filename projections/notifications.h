// Who is told of what (DOMAIN.md R-MSG-4: parents learn of marks, absences and homework in good
// time, by the channels they chose; R-MSG-3: the class teacher and the parents learn of a student
// who fails or misses lessons): the notices one ledger event gives, one per person told. The one
// place of these rules; api/notifier.h delivers the notices (the in-app feed, e-mail) by each
// person's settings and the school's quiet hours.
//
//   mark          a mark of the student: the student and their guardians;
//   absence       an «н» (not a late arrival): the student and their guardians;
//   homework      homework of a lesson: its students (or the students it names) and their
//                 guardians;
//   correction    a correction decided by the deputy: the teacher who asked; when approved, also
//                 the student and guardians whose record it changes;
//   announcement  an announcement or a calendar event: its audience (R-MSG-2), not its author;
//   message       a message: the other people of the conversation;
//   survey        a survey of a class's parents: the guardians of the class's students;
//   alert         a journal alert (projections/alerts.h): the class teacher and the guardians,
//                 once per alert (Notice::key).
// A notice names people and subjects, never ids, and carries no erasable content (a message's
// or an announcement's text stays in the message store, R-MSG-5): it says who wrote and where to
// read it.
//
// Pure functions of the school state: the caller holds whatever lock guards it.
#ifndef EJOURNAL_PROJECTIONS_NOTIFICATIONS_H_
#define EJOURNAL_PROJECTIONS_NOTIFICATIONS_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ejournal/v1/event.pb.h"
#include "projections/school_state.h"

namespace ejournal::school {

enum class NoticeKind {
  kMark,
  kAbsence,
  kHomework,
  kCorrection,
  kAnnouncement,
  kMessage,
  kSurvey,
  kAlert,
};
inline constexpr std::array<NoticeKind, 8> kNoticeKinds = {
    NoticeKind::kMark,         NoticeKind::kAbsence, NoticeKind::kHomework, NoticeKind::kCorrection,
    NoticeKind::kAnnouncement, NoticeKind::kMessage, NoticeKind::kSurvey,   NoticeKind::kAlert};
// "mark", "absence", ... (the API's and the settings' names).
std::string_view NoticeKindName(NoticeKind kind);
std::optional<NoticeKind> NoticeKindNamed(std::string_view name);
// «Оценки», «Пропуски», ... (the settings page's and the mail's words).
std::string_view NoticeKindText(NoticeKind kind);

struct Notice {
  std::string user_id;
  NoticeKind kind = NoticeKind::kMark;
  // In Russian, with names: «Иванов Пётр: оценка 5 — Математика, 06.10.2025».
  std::string text;
  // The page to read it on, a route of the web pages: "#/diary?student=s1&week=2025-10-06".
  std::string link;
  // An alert's identity (kind, student, day, subject): the person is told of it once. Else "".
  std::string key;
};

// The notices of `body` (already folded into `school`), recorded at `at_us`.
std::vector<Notice> NoticesOf(const SchoolState& state, const School& school,
                              const v1::EventBody& body, int64_t at_us);

// The students whose alerts an event may change (its marks and absences): AlertNotices of each
// is asked after it. Empty for other events.
std::vector<std::string> StudentsAlertedBy(const School& school, const v1::EventBody& body);

// R-MSG-3: a notice to the class teacher and each guardian of every alert the journal raises about
// `student_id` on `today` (their keys tell the caller which were told already).
std::vector<Notice> AlertNotices(const SchoolState& state, const School& school,
                                 std::string_view student_id, Day today);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_NOTIFICATIONS_H_
