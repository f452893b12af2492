// The read side of the views: a journal page (ViewReader::JournalPage, with the R-TERM-1 column)
// and a student's diary week (ViewReader::DiaryWeek), from the stored views; the page frame and
// finishing shared with the as-of page.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "projections/rule_book.h"
#include "projections/view_keys.h"
#include "projections/views.h"
#include "schemas/rocksdb_status.h"

namespace ejournal::school {
namespace {

// ReadArena's first block, one per thread that reads, made at its first read (256 KiB: a page
// of 40 students × 40 lessons fits).
constexpr size_t kReadBufferSize = 256 << 10;
thread_local std::unique_ptr<char[]> read_buffer;
thread_local bool buffer_in_use = false;

}  // namespace

Result<PageFrame> ResolvePage(const SchoolState& state, std::string_view school_id,
                              std::string_view class_id, std::string_view subgroup_id,
                              std::string_view subject_id, int term_number) {
  PageFrame f;
  f.school = state.FindSchool(school_id);
  if (f.school == nullptr) return Err(NotFound("no school " + std::string(school_id)));
  auto cls = f.school->classes.find(std::string(class_id));
  if (cls == f.school->classes.end()) return Err(NotFound("no class " + std::string(class_id)));
  f.cls = &cls->second;
  if (!f.school->subjects.contains(std::string(subject_id))) {
    return Err(NotFound("no subject " + std::string(subject_id)));
  }
  if (std::string_view student = HomePageStudent(subgroup_id); !student.empty()) {
    const auto& members = f.school->MembersOf(class_id);
    if (std::find(members.begin(), members.end(), student) == members.end()) {
      return Err(NotFound("no home-schooling page " + std::string(subgroup_id)));
    }
    f.home_student = std::string(student);
  } else if (!subgroup_id.empty()) {
    auto g = f.school->subgroups.find(std::string(subgroup_id));
    if (g == f.school->subgroups.end() || g->second.class_id != class_id) {
      return Err(NotFound("no subgroup " + std::string(subgroup_id)));
    }
    f.subgroup = &g->second;
  }
  auto year = f.school->years.find(f.cls->year_id);
  const TermScheme* scheme =
      year == f.school->years.end() ? nullptr : year->second.SchemeFor(f.cls->grade);
  if (scheme != nullptr) {
    for (const auto& t : scheme->terms) {
      if (t.number == term_number) f.term = &t;
    }
  }
  if (f.term == nullptr) return Err(NotFound("no term " + std::to_string(term_number)));
  f.subgroup_id = std::string(subgroup_id);
  f.subject_id = std::string(subject_id);
  f.term_number = term_number;
  f.group = GroupOf(school_id, class_id, subgroup_id, subject_id);
  return f;
}

namespace {

// The page's rows besides whoever has a cell: the class's (subgroup's) students at any time in
// the term, looked up through the class's members rather than the whole school; a home-schooled
// student's page has that student's row only, and the class's pages no row of a student who is
// home-schooled for the whole term (R-LES-2).
void AppendPageStudents(const PageFrame& f, std::vector<std::string>& out) {
  if (!f.home_student.empty()) {
    out.push_back(f.home_student);
    return;
  }
  for (const std::string& sid : f.school->MembersOf(f.cls->id)) {
    auto st = f.school->students.find(sid);
    if (st == f.school->students.end()) continue;
    bool member = false;
    for (const auto& m : st->second.memberships) {
      member |= m.class_id == f.cls->id && !m.home_schooling && m.from <= f.term->last &&
                m.to >= f.term->first;
    }
    if (member && (f.subgroup == nullptr || f.subgroup->students.contains(sid))) {
      out.push_back(sid);
    }
  }
}

}  // namespace

v1::JournalPageView NewPage(const PageFrame& f, uint64_t as_of_sequence) {
  v1::JournalPageView page;
  page.set_school_id(f.school->id);
  page.set_class_id(f.cls->id);
  page.set_subgroup_id(f.subgroup_id);
  page.set_subject_id(f.subject_id);
  page.set_term_number(f.term_number);
  *page.mutable_dates()->mutable_first_day() = DateOf(f.term->first);
  *page.mutable_dates()->mutable_last_day() = DateOf(f.term->last);
  page.set_as_of_sequence(as_of_sequence);
  auto name = [&](const std::string& id, std::string text) {
    if (id.empty()) return;
    auto* n = page.add_names();
    n->set_id(id);
    n->set_name(std::move(text));
  };
  name(f.cls->id, f.school->ClassLabel(f.cls->id));
  name(f.subject_id, f.school->SubjectName(f.subject_id));
  if (f.subgroup != nullptr || !f.home_student.empty()) {
    name(f.subgroup_id, f.school->PageGroupName(f.subgroup_id));
  }
  name("term", f.school->PeriodName(*f.cls, f.term_number));
  return page;
}

void AddEditingDetails(const SchoolState& state, v1::JournalPageView& page) {
  for (auto& lesson : *page.mutable_lessons()) {
    if (lesson.record_sequence() != 0) {
      lesson.set_record_event_id(std::string(state.EventIdOf(lesson.record_sequence())));
    }
  }
  auto f = ResolvePage(state, page.school_id(), page.class_id(), page.subgroup_id(),
                       page.subject_id(), page.term_number());
  if (!f) return;
  const School& school = *f->school;
  auto y = school.years.find(f->cls->year_id);
  const TermScheme* scheme = y == school.years.end() ? nullptr : y->second.SchemeFor(f->cls->grade);
  if (scheme == nullptr || scheme->terms.empty()) return;
  int last = 0;
  for (const auto& t : scheme->terms) last = std::max(last, t.number);
  if (last != f->term_number) return;
  v1::PeriodRef period;
  period.set_academic_year_id(f->cls->year_id);
  const auto current = [&](const std::string& key) -> const AttestationValue* {
    auto it = school.attestation.find(key);
    if (it == school.attestation.end()) return nullptr;
    const auto* v = it->second.Current(state);
    return v == nullptr ? nullptr : &v->value;
  };
  for (auto& row : *page.mutable_rows()) {
    int sum = 0, n = 0;
    period.set_kind(v1::PERIOD_KIND_TERM);
    for (const auto& t : scheme->terms) {
      period.set_term_number(t.number);
      const AttestationValue* v = current(TermKey(row.student_id(), f->subject_id, period));
      if (v != nullptr && v->value > 0) sum += v->value, ++n;
    }
    if (n > 0) {
      const int mean_x100 = (sum * 100 + n / 2) / n;
      row.set_period_marks_mean_x100(mean_x100);
      row.set_suggested_year_mark((mean_x100 + 50) / 100);
    }
    period.set_kind(v1::PERIOD_KIND_YEAR);
    period.set_term_number(0);
    const std::string year_key = TermKey(row.student_id(), f->subject_id, period);
    if (const AttestationValue* v = current(year_key)) {
      v1::AttestationView* ym = row.mutable_year_mark();
      ym->set_student_id(row.student_id());
      ym->set_subject_id(f->subject_id);
      ym->set_key(year_key);
      ym->set_value(v->value);
      ym->set_status(v->status);
    }
  }
}

void FinishPage(
    const PageFrame& f, std::vector<v1::CellView*> cells,
    const std::function<std::optional<v1::AttestationView>(const std::string&)>& term_mark_of,
    v1::JournalPageView& page) {
  const School& school = *f.school;
  // The lessons' teachers by name (NewPage named the page itself).
  // An id the page named already (a subject and a teacher may share an id) keeps that name.
  std::set<std::string> teachers;
  for (const auto& l : page.lessons()) teachers.insert(l.teacher_id());
  teachers.erase("");
  for (const auto& n : page.names()) teachers.erase(n.id());
  for (const auto& t : teachers) {
    auto* n = page.add_names();
    n->set_id(t);
    n->set_name(school.UserName(t));
  }
  // Rows: the students of the class (subgroup) at any time in the term.
  std::vector<std::string> students;
  AppendPageStudents(f, students);
  for (const auto* c : cells) students.push_back(c->student_id());
  std::sort(students.begin(), students.end());
  students.erase(std::unique(students.begin(), students.end()), students.end());
  std::unordered_map<std::string, v1::JournalRowView*> rows;
  for (const auto& sid : students) {
    auto* row = page.add_rows();
    row->set_student_id(sid);
    if (const User* u = school.FindUser(sid)) row->set_student_name(u->display_name);
    rows[sid] = row;
  }
  for (v1::CellView* cell : cells) rows[cell->student_id()]->mutable_cells()->AddAllocated(cell);
  // The term-mark column (R-TERM-1): counts, the weighted mean, the suggestion, attendance.
  const int hours = school.WeeklyHours(f.cls->id, f.subgroup_id, f.subject_id, f.term->last);
  int held = 0;
  for (const auto& l : page.lessons()) {
    if (!l.cancelled() && l.record_sequence() != 0) ++held;
  }
  v1::PeriodRef period;
  period.set_academic_year_id(f.cls->year_id);
  period.set_kind(v1::PERIOD_KIND_TERM);
  period.set_term_number(f.term_number);
  for (auto& row : *page.mutable_rows()) {
    int64_t weighted = 0, weights = 0;
    int count = 0, missed = 0;
    bool valid_absence = false;
    for (const auto& cell : row.cells()) {
      for (const auto& m : cell.marks()) {
        for (int v : {m.value(), m.second_value()}) {
          if (v == 0) continue;
          weighted += int64_t{v} * m.weight_percent();
          weights += m.weight_percent();
          ++count;
        }
      }
      if (cell.attendance() == v1::ATTENDANCE_STATUS_ABSENT) {
        ++missed;
        valid_absence |= cell.absence_reason() == v1::ABSENCE_REASON_ILLNESS ||
                         cell.absence_reason() == v1::ABSENCE_REASON_VALID;
      }
    }
    row.set_marks_count(count);
    // R-TERM-1: the same minimum admission applies (fewer after a miss for a valid reason).
    row.set_marks_needed(RuleBook::MinimumMarks(school.policy, hours, valid_absence));
    if (weights > 0) {
      const int64_t mean_x100 = (weighted * 100 + weights / 2) / weights;
      row.set_weighted_mean_x100(static_cast<int>(mean_x100));
      row.set_suggested_mark(static_cast<int>((mean_x100 + 50) / 100));
    }
    row.set_lessons_held(held);
    row.set_lessons_missed(missed);
    auto term_mark = term_mark_of(TermKey(row.student_id(), f.subject_id, period));
    if (term_mark) *row.mutable_term_mark() = std::move(*term_mark);
  }
}

ReadArena::ReadArena() : has_buffer_(!buffer_in_use), arena_(Options(has_buffer_)) {
  if (has_buffer_) buffer_in_use = true;
}

ReadArena::~ReadArena() {
  arena_.Reset();  // before the buffer is free for the next ReadArena of this thread
  if (has_buffer_) buffer_in_use = false;
}

google::protobuf::ArenaOptions ReadArena::Options(bool with_buffer) {
  google::protobuf::ArenaOptions options;
  options.start_block_size = 64 << 10;
  options.max_block_size = 1 << 20;
  if (with_buffer) {
    if (read_buffer == nullptr) read_buffer = std::make_unique<char[]>(kReadBufferSize);
    options.initial_block = read_buffer.get();
    options.initial_block_size = kReadBufferSize;
  }
  return options;
}

Result<v1::JournalPageView> ViewReader::JournalPage(
    const SchoolState& state, std::string_view school_id, std::string_view class_id,
    std::string_view subgroup_id, std::string_view subject_id, int term_number) const {
  ReadArena arena;
  EJ_ASSIGN_OR_RETURN(
      const v1::JournalPageView* page,
      JournalPage(arena.get(), state, school_id, class_id, subgroup_id, subject_id, term_number));
  return v1::JournalPageView(*page);
}

Result<v1::JournalPageView*> ViewReader::JournalPage(
    google::protobuf::Arena* arena, const SchoolState& state, std::string_view school_id,
    std::string_view class_id, std::string_view subgroup_id, std::string_view subject_id,
    int term_number) const {
  EJ_ASSIGN_OR_RETURN(
      PageFrame f, ResolvePage(state, school_id, class_id, subgroup_id, subject_id, term_number));
  auto* page_ptr = google::protobuf::Arena::CreateMessage<v1::JournalPageView>(arena);
  v1::JournalPageView& page = *page_ptr;
  page = NewPage(f, state.size());
  const std::string from = DayPeriodKey(f.term->first, 0);
  const std::string to = DayPeriodKey(f.term->last + 1, 0);
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_));
  const std::string lprefix = "L/" + f.group;
  for (it->Seek(lprefix + from); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(lprefix) || key.substr(lprefix.size()) >= to) break;
    if (!page.add_lessons()->ParseFromArray(it->value().data(),
                                            static_cast<int>(it->value().size()))) {
      return Err(DataLoss("view " + std::string(key) + " does not parse"));
    }
  }
  EJ_RETURN_IF_ERROR(FromRocks(it->status(), "reading a journal page"));
  std::vector<v1::CellView*> cells;  // on the arena: the page takes them
  const std::string cprefix = "C/" + f.group;
  for (it->Seek(cprefix + from); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(cprefix) || key.substr(cprefix.size()) >= to) break;
    cells.push_back(google::protobuf::Arena::CreateMessage<v1::CellView>(arena));
    if (!cells.back()->ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return Err(DataLoss("view " + std::string(key) + " does not parse"));
    }
  }
  EJ_RETURN_IF_ERROR(FromRocks(it->status(), "reading a journal page"));
  // The rows' term marks in one MultiGet: the rows are the class's (subgroup's) students of the
  // term and whoever has a cell (FinishPage); any other row falls back to a Get below.
  v1::PeriodRef period;
  period.set_academic_year_id(f.cls->year_id);
  period.set_kind(v1::PERIOD_KIND_TERM);
  period.set_term_number(f.term_number);
  std::vector<std::string> row_students;
  AppendPageStudents(f, row_students);
  for (const auto* c : cells) row_students.push_back(c->student_id());
  std::sort(row_students.begin(), row_students.end());
  row_students.erase(std::unique(row_students.begin(), row_students.end()), row_students.end());
  std::unordered_map<std::string, size_t> prefetched;  // term key -> index
  std::vector<std::string> term_keys;
  for (const auto& sid : row_students) {
    std::string term_key = TermKey(sid, f.subject_id, period);
    term_keys.push_back(AttestationKey(school_id, sid, term_key));
    prefetched.emplace(std::move(term_key), term_keys.size() - 1);
  }
  std::vector<rocksdb::Slice> slices(term_keys.begin(), term_keys.end());
  std::vector<rocksdb::PinnableSlice> values(term_keys.size());
  std::vector<rocksdb::Status> statuses(term_keys.size());
  if (!term_keys.empty()) {
    db_->MultiGet(ro, cf_, term_keys.size(), slices.data(), values.data(), statuses.data());
  }
  Status failed;
  FinishPage(
      f, std::move(cells),
      [&](const std::string& term_key) -> std::optional<v1::AttestationView> {
        if (auto p = prefetched.find(term_key); p != prefetched.end()) {
          const rocksdb::Status& s = statuses[p->second];
          if (s.IsNotFound()) return std::nullopt;
          v1::AttestationView v;
          if (!s.ok() || !v.ParseFromArray(values[p->second].data(),
                                           static_cast<int>(values[p->second].size()))) {
            failed = FromRocks(s, "reading a term mark");
            return std::nullopt;
          }
          return v;
        }
        std::string value;
        const std::string student = term_key.substr(0, term_key.find('/'));
        rocksdb::Status s = db_->Get(ro, cf_, AttestationKey(school_id, student, term_key), &value);
        if (s.IsNotFound()) return std::nullopt;
        v1::AttestationView v;
        if (!s.ok() || !v.ParseFromString(value)) {
          failed = FromRocks(s, "reading a term mark");
          return std::nullopt;
        }
        return v;
      },
      page);
  EJ_RETURN_IF_ERROR(failed);
  return page_ptr;
}

namespace {

// The latest ledger entry that a diary lesson shows (its record, homework, marks, attendance).
uint64_t LastChangeOf(const v1::DiaryLessonView& dl) {
  uint64_t last = dl.lesson().record_sequence();
  for (const auto& h : dl.lesson().homework()) last = std::max(last, h.sequence());
  for (const auto& m : dl.cell().marks()) last = std::max(last, m.sequence());
  return std::max(last, dl.cell().attendance_sequence());
}

}  // namespace

Result<v1::DiaryWeekView> ViewReader::DiaryWeek(const SchoolState& state,
                                                std::string_view school_id,
                                                std::string_view student_id, Day week_start) const {
  ReadArena arena;
  EJ_ASSIGN_OR_RETURN(const v1::DiaryWeekView* week,
                      DiaryWeek(arena.get(), state, school_id, student_id, week_start));
  return v1::DiaryWeekView(*week);
}

Result<v1::DiaryWeekView*> ViewReader::DiaryWeek(google::protobuf::Arena* arena,
                                                 const SchoolState& state,
                                                 std::string_view school_id,
                                                 std::string_view student_id,
                                                 Day week_start) const {
  const School* school = state.FindSchool(school_id);
  if (school == nullptr) return Err(NotFound("no school " + std::string(school_id)));
  auto st = school->students.find(std::string(student_id));
  if (st == school->students.end()) return Err(NotFound("no student " + std::string(student_id)));
  auto* week_ptr = google::protobuf::Arena::CreateMessage<v1::DiaryWeekView>(arena);
  v1::DiaryWeekView& week = *week_ptr;
  week.set_school_id(std::string(school_id));
  week.set_student_id(std::string(student_id));
  *week.mutable_week_start() = DateOf(week_start);
  week.set_as_of_sequence(state.size());
  // R-ACK-1: what the guardians acknowledged of this week; later changes show as new.
  uint64_t acknowledged_at = 0;
  if (auto acks = school->acks_by_student_week.find(AckKey(student_id, week_start));
      acks != school->acks_by_student_week.end()) {
    for (size_t i : acks->second) {
      const DiaryAck& ack = school->acks[i];
      if (state.IsInvalid(ack.seq)) continue;
      auto* av = week.add_acknowledgements();
      av->set_guardian_id(ack.guardian_id);
      av->set_as_of_sequence(ack.as_of_sequence);
      av->set_channel(ack.channel);
      av->set_sequence(ack.seq);
      acknowledged_at = std::max(acknowledged_at, ack.as_of_sequence);
    }
  }
  rocksdb::ReadOptions ro;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, cf_));
  // The week's lessons from the diary index, then their columns and the student's cells in one
  // MultiGet.
  std::vector<std::string> keys;  // per lesson: its column, then the student's cell
  std::vector<int> day_of;        // per lesson: the day's index in the week
  for (Day day = week_start; day < week_start + 7; ++day) {
    auto* dv = week.add_days();
    *dv->mutable_date() = DateOf(day);
    const Membership* m = st->second.On(day);
    if (m == nullptr) continue;
    const std::string prefix = ClassDayPrefix(school_id, m->class_id);
    const std::string from = prefix + DayPeriodKey(day, 0);
    const std::string to = prefix + DayPeriodKey(day + 1, 0);
    for (it->Seek(from); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      if (key >= to) break;
      std::string_view rest = key.substr(prefix.size());  // <day><period>/<lesson>
      std::string lesson_id(rest.substr(rest.find('/') + 1));
      const Lesson* l = school->FindLesson(lesson_id);
      if (l == nullptr || !school->InLesson(*l, student_id)) continue;
      std::string dp(rest.substr(0, rest.find('/')));
      std::string group(it->value().data(), it->value().size());
      keys.push_back(LessonKeyOfGroup(group, dp, lesson_id));
      keys.push_back(CellKeyOfGroup(group, dp, lesson_id, student_id));
      day_of.push_back(day - week_start);
    }
    EJ_RETURN_IF_ERROR(FromRocks(it->status(), "reading the diary index"));
  }
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  if (!keys.empty()) {
    db_->MultiGet(ro, cf_, keys.size(), slices.data(), values.data(), statuses.data());
  }
  for (size_t i = 0; i < day_of.size(); ++i) {
    const rocksdb::Status& ls = statuses[2 * i];
    if (!ls.ok()) return Err(FromRocks(ls, "reading a lesson view"));
    auto* dl = week.mutable_days(day_of[i])->add_lessons();
    v1::LessonView* lv = dl->mutable_lesson();
    const rocksdb::PinnableSlice& lesson_bytes = values[2 * i];
    if (!lv->ParseFromArray(lesson_bytes.data(), static_cast<int>(lesson_bytes.size()))) {
      return Err(DataLoss("lesson view does not parse"));
    }
    // Individual homework shows only to the students it names.
    auto* hw = lv->mutable_homework();
    hw->erase(std::remove_if(hw->begin(), hw->end(),
                             [&](const v1::HomeworkView& h) {
                               return !h.student_ids().empty() &&
                                      std::find(h.student_ids().begin(), h.student_ids().end(),
                                                student_id) == h.student_ids().end();
                             }),
              hw->end());
    const rocksdb::Status& cs = statuses[2 * i + 1];
    if (cs.ok()) {
      const rocksdb::PinnableSlice& cell_bytes = values[2 * i + 1];
      if (!dl->mutable_cell()->ParseFromArray(cell_bytes.data(),
                                              static_cast<int>(cell_bytes.size()))) {
        return Err(DataLoss("cell does not parse"));
      }
    } else if (!cs.IsNotFound()) {
      return Err(FromRocks(cs, "reading a cell"));
    }
    if (week.acknowledgements_size() > 0) {
      dl->set_new_since_acknowledgement(LastChangeOf(*dl) > acknowledged_at);
    }
  }
  // Term marks of the student.
  const std::string tprefix = AttestationPrefix(school_id, student_id);
  for (it->Seek(tprefix); it->Valid() && it->key().starts_with(tprefix); it->Next()) {
    if (!week.add_term_marks()->ParseFromArray(it->value().data(),
                                               static_cast<int>(it->value().size()))) {
      return Err(DataLoss("term mark view does not parse"));
    }
  }
  EJ_RETURN_IF_ERROR(FromRocks(it->status(), "reading term marks"));
  std::map<std::string, std::string> names;
  names[std::string(student_id)] = school->UserName(student_id);
  // Subjects before people: an id both a subject and a teacher have keeps the subject's name.
  for (const auto& d : week.days()) {
    for (const auto& dl : d.lessons()) {
      names.emplace(dl.lesson().subject_id(), school->SubjectName(dl.lesson().subject_id()));
    }
  }
  for (const auto& d : week.days()) {
    for (const auto& dl : d.lessons()) {
      names.emplace(dl.lesson().teacher_id(), school->UserName(dl.lesson().teacher_id()));
    }
  }
  // Who entered each mark shown (a substitute is not the lesson's teacher), named like the rest.
  for (auto& d : *week.mutable_days()) {
    for (auto& dl : *d.mutable_lessons()) {
      if (!dl.has_cell()) continue;  // no cell of this student: none is made
      for (auto& mark : *dl.mutable_cell()->mutable_marks()) {
        const EventInfo* entry = state.Event(mark.sequence());
        if (entry == nullptr) continue;
        const std::string& author = state.ActorOf(*entry);
        mark.set_recorded_by(author);
        if (!names.contains(author)) names.emplace(author, school->UserName(author));
      }
    }
  }
  // The period of each term mark, under its key ("student/subject/year/kind/term").
  const SchoolClass* cls = nullptr;
  if (auto pupil = school->students.find(std::string(student_id));
      pupil != school->students.end() && !pupil->second.memberships.empty()) {
    auto c = school->classes.find(pupil->second.memberships.back().class_id);
    if (c != school->classes.end()) cls = &c->second;
  }
  for (const auto& t : week.term_marks()) {
    names.emplace(t.subject_id(), school->SubjectName(t.subject_id()));
    std::vector<std::string> key;
    for (size_t from = 0;;) {
      const size_t slash = t.key().find('/', from);
      key.push_back(t.key().substr(from, slash - from));
      if (slash == std::string::npos) break;
      from = slash + 1;
    }
    if (key.size() == 5) {
      names[t.key()] = key[3] == "2"    ? "год"
                       : key[3] == "3"  ? "итоговая"
                       : cls != nullptr ? school->PeriodName(*cls, std::atoi(key[4].c_str()))
                                        : key[4] + "-й период";
    }
  }
  for (const auto& a : week.acknowledgements()) {
    names[a.guardian_id()] = school->UserName(a.guardian_id());
  }
  names.erase("");
  for (const auto& [id, name] : names) {
    auto* n = week.add_names();
    n->set_id(id);
    n->set_name(name);
  }
  return week_ptr;
}

}  // namespace ejournal::school
