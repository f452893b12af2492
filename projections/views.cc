#include "projections/views.h"

#include <rocksdb/convenience.h>
#include <rocksdb/env.h>
#include <rocksdb/sst_file_writer.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "projections/lesson_generation.h"
#include "projections/rule_book.h"
#include "projections/view_keys.h"
#include "schemas/big_endian.h"
#include "schemas/rocksdb_status.h"

namespace ejournal::school {
v1::LessonView LessonViewOf(const Validity& state, const School& school, const Lesson& l) {
  v1::LessonView v;
  v.set_lesson_id(l.id);
  v.set_class_id(l.class_id);
  v.set_subgroup_id(l.subgroup_id);
  v.set_subject_id(l.subject_id);
  v.set_teacher_id(l.teacher_id);
  *v.mutable_date() = DateOf(l.date);
  v.set_period(l.period);
  v.set_cancelled(l.cancelled);
  if (!l.planned_topic.empty() || school.plans.empty()) {
    v.set_planned_topic(l.planned_topic);
  } else {
    v.set_planned_topic(PlannedTopicOf(school, l));
  }
  if (const auto* rec = l.record.Current(state); rec != nullptr) {
    v.set_topic(rec->value.topic);
    v.set_kind(rec->value.kind);
    v.set_order_number(rec->value.order_number);
    for (auto w : rec->value.works) v.add_works(w);
    v.set_record_sequence(rec->value_seq);
  }
  for (const Homework* h : l.homework) {
    const auto* cur = h->Current(state);
    if (cur == nullptr) continue;
    auto* hv = v.add_homework();
    hv->set_homework_id(h->homework_id);
    hv->set_text(cur->value.text);
    if (cur->value.due != kNoDay) *hv->mutable_due_date() = DateOf(cur->value.due);
    hv->set_due_lesson_id(cur->value.due_lesson_id);
    for (const auto& s : cur->value.student_ids) hv->add_student_ids(s);
    hv->set_sequence(cur->value_seq);
    hv->set_attachments(static_cast<int32_t>(cur->value.attachments.size()));
    for (const AttachmentRef& a : cur->value.attachments) {
      v1::DocumentRef* f = hv->add_files();
      f->set_sha256(a.sha256);
      f->set_file_name(a.file_name);
      f->set_media_type(a.media_type);
      f->set_size_bytes(a.size_bytes);
    }
  }
  for (const auto& sid : l.substitution_ids) {
    auto s = school.substitutions.find(sid);
    if (s == school.substitutions.end() || s->second.cancelled || state.IsInvalid(s->second.seq)) {
      continue;
    }
    v.add_substitution_ids(sid);
    v.add_substitute_teacher_ids(s->second.substitute_teacher_id);
  }
  return v;
}

// The cell, or nullopt when it shows nothing (no valid marks, present).
std::optional<v1::CellView> CellViewOf(const Validity& state, const School& school, const Lesson& l,
                                       const std::string& student) {
  std::optional<v1::CellView> c;
  if (!CellViewInto(state, school, l, student, c.emplace())) c.reset();
  return c;
}

bool CellViewInto(const Validity& state, const School& school, const Lesson& l,
                  const std::string& student, v1::CellView& c) {
  return CellViewInto(state, school, l, student, 0, c);
}

bool CellViewInto(const Validity& state, const School& school, const Lesson& l,
                  const std::string& student, uint32_t student_name, v1::CellView& c) {
  c.Clear();
  c.set_lesson_id(l.id);
  c.set_student_id(student);
  const bool by_name = student_name != 0 && l.mark_students.size() == l.marks.size();
  for (size_t i = 0; i < l.marks.size(); ++i) {
    if (by_name && l.mark_students[i] != student_name) continue;
    const Mark* m = l.marks[i];
    if (m->student_id != student) continue;
    const auto* cur = m->Current(state);
    if (cur == nullptr) continue;
    auto* mv = c.add_marks();
    mv->set_mark_id(m->mark_id.data(), m->mark_id.size());
    mv->set_value(cur->value.value);
    mv->set_second_value(cur->value.second_value);
    mv->set_work_type(cur->value.work_type);
    mv->set_weight_percent(school.policy.WeightOf(cur->value));
    mv->set_sequence(cur->value_seq);
    mv->set_corrected(cur->effective_seq != cur->value_seq ||
                      &*m->versions.begin() != static_cast<const void*>(cur));
    mv->set_comment(cur->value.comment);
  }
  // Most cells have no attendance record (a record is made for an absence or a lateness): for a
  // lesson of the school state, whose `attendance_students` lists every student that has one,
  // the school's attendance table is not searched for the others (a replay builds millions of
  // cells, and the search missed the cache).
  if (student_name != 0 && std::find(l.attendance_students.begin(), l.attendance_students.end(),
                                     student) == l.attendance_students.end()) {
    return !c.marks().empty();
  }
  thread_local std::string key;  // built in place: a page or a replay asks for thousands of cells
  AttendanceKeyInto(l.id, student, key);
  auto a = school.attendance.find(key);
  if (a != school.attendance.end()) {
    if (const auto* cur = a->second.Current(state); cur != nullptr) {
      c.set_attendance(cur->value.status);
      c.set_minutes_late(cur->value.minutes_late);
      c.set_attendance_sequence(cur->value_seq);
      c.set_absence_reason(a->second.Reason(state));
    }
  }
  return !c.marks().empty() || c.attendance() != v1::ATTENDANCE_STATUS_UNSPECIFIED;
}

std::optional<v1::AttestationView> AttestationViewOf(const Validity& state,
                                                     const AttestationMark& m) {
  const auto* cur = m.Current(state);
  if (cur == nullptr) return std::nullopt;
  v1::AttestationView v;
  v.set_student_id(m.student_id);
  v.set_subject_id(m.subject_id);
  v.set_key(m.key);
  v.set_value(cur->value.value);
  v.set_status(cur->value.status);
  v.set_sequence(cur->value_seq);
  return v;
}

std::string DayPeriodKey(Day day, int period) {
  // "%06d%02d" of (day + 100000, period in 0..99), without snprintf: every view key written has
  // one, and a replay writes millions (snprintf was a tenth of the views' instructions).
  const int64_t shifted = int64_t{day} + 100000;
  if (shifted < 0 || shifted > 999999) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%06lld%02d", static_cast<long long>(shifted),
                  std::clamp(period, 0, 99));
    return buf;
  }
  std::string out(8, '0');
  auto v = static_cast<uint32_t>(shifted);
  for (int i = 5; i >= 0; --i, v /= 10)
    out[static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
  const auto p = static_cast<uint32_t>(std::clamp(period, 0, 99));
  out[6] = static_cast<char>('0' + p / 10);
  out[7] = static_cast<char>('0' + p % 10);
  return out;
}

bool ViewBatchWriter::MustWriteBefore(const v1::EventBody& body) {
  // The only event that fills Touched::moved (SchoolState::ApplyPayload).
  return body.payload_case() == v1::EventBody::kLessonMoved;
}

void ViewBatchWriter::Gather(const SchoolState& state, uint64_t seq) {
  const Touched& t = state.touched();
  last_seq_ = seq;
  ++gathered_;
  if (t.empty()) return;
  Pending& p = schools_[t.school];
  p.lessons.insert(t.lessons.begin(), t.lessons.end());
  p.cells.insert(t.cells.begin(), t.cells.end());
  p.attestation.insert(t.attestation.begin(), t.attestation.end());
  p.moved.insert(p.moved.end(), t.moved.begin(), t.moved.end());
}

namespace {

// The view operations of one write: each view's key and serialized value appended to two buffers
// kept by the caller from write to write (not a string each: two allocations and frees per view
// fewer), the operations listed as offsets into them, then handed over in key order, the last
// operation on each key only (a later Put of a key replaces an earlier Delete, as writing each
// entry's views in turn would), so that sorted keys insert into a memtable or a table file next
// to each other. ViewBatchWriter::Write (a group's or a chunk's views) and ViewBulkBuilder (a
// bucket's) build their views through it.
class ViewOps {
 public:
  ViewOps(std::string& keys, std::string& values) : keys_(keys), values_(values) {
    keys_.clear();
    values_.clear();
  }
  void Reserve(size_t ops) { ops_.reserve(ops); }

  // The lesson's column (L), at its current date and period.
  void LessonColumn(const SchoolState& state, const School& school, const Lesson& l) {
    const size_t key_at = keys_.size(), value_at = values_.size();
    AppendLessonKey(keys_, school.id, l, l.date, l.period);
    LessonViewOf(state, school, l).AppendToString(&values_);
    Add(key_at, value_at, true);
  }
  // The lesson's entry in its class's diary index (K).
  void ClassDay(const School& school, const Lesson& l) {
    const size_t key_at = keys_.size(), value_at = values_.size();
    AppendClassDayKey(keys_, school.id, l, l.date, l.period);
    Append(values_, {school.id, "/", l.class_id, "/", l.subgroup_id, "/", l.subject_id, "/"});
    Add(key_at, value_at, true);
  }
  // Deletes of the lesson's column and diary entry under the date and period it had.
  void MovedLesson(const School& school, const Lesson& l, Day old_day, int old_period) {
    size_t key_at = keys_.size();
    AppendLessonKey(keys_, school.id, l, old_day, old_period);
    Add(key_at, values_.size(), false);
    key_at = keys_.size();
    AppendClassDayKey(keys_, school.id, l, old_day, old_period);
    Add(key_at, values_.size(), false);
  }
  // The cell (C) of the interned `student_id`: a Put, or if it shows nothing a Delete when
  // `delete_empty` (else no operation). `cell` is the caller's message, cleared and refilled for
  // every cell: its strings and marks keep their memory (a replay writes millions of cells; a new
  // message's allocations and destructor were a sixth of the views' instructions, callgrind).
  void Cell(const SchoolState& state, const School& school, const Lesson& l, uint32_t student_id,
            v1::CellView& cell, bool delete_empty) {
    const std::string& student = state.Name(student_id);
    const size_t key_at = keys_.size(), value_at = values_.size();
    AppendCellKey(keys_, school.id, l, student);
    const bool shown = CellViewInto(state, school, l, student, student_id, cell);
    if (shown) cell.AppendToString(&values_);
    if (shown || delete_empty) {
      Add(key_at, value_at, shown);
    } else {
      keys_.resize(key_at);
    }
  }
  // The attestation mark (T) under `key` (TermKey / ExamKey), if the school has it: a Put, or if
  // it has no current value a Delete when `delete_empty` (else no operation).
  void Attestation(const SchoolState& state, const School& school, const std::string& key,
                   bool delete_empty) {
    auto it = school.attestation.find(key);
    if (it == school.attestation.end()) return;
    auto view = AttestationViewOf(state, it->second);
    if (!view && !delete_empty) return;
    const size_t key_at = keys_.size(), value_at = values_.size();
    AppendAttestationKey(keys_, school.id, it->second.student_id, key);
    if (view) view->AppendToString(&values_);
    Add(key_at, value_at, view.has_value());
  }

  // fn(key, value, put) for the last operation on each key, in key order.
  template <typename Fn>
  void InKeyOrder(Fn&& fn) const {
    // Sorted as (key view, position) pairs (by key, then position: the last of equal keys is the
    // latest), so that the sort moves small pairs and compares without going through `ops_`.
    std::vector<std::pair<std::string_view, uint32_t>> order(ops_.size());
    for (uint32_t i = 0; i < order.size(); ++i) {
      order[i] = {std::string_view(keys_).substr(ops_[i].key_at, ops_[i].key_size), i};
    }
    std::sort(order.begin(), order.end());
    for (size_t i = 0; i < order.size(); ++i) {
      if (i + 1 < order.size() && order[i + 1].first == order[i].first) continue;
      const Op& o = ops_[order[i].second];
      fn(order[i].first, std::string_view(values_).substr(o.value_at, o.value_size), o.put);
    }
  }

 private:
  struct Op {
    uint32_t key_at, key_size, value_at, value_size;
    bool put;
  };
  // After a key was appended to `keys_`: a Put of what was appended to `values_` since
  // `value_at`, or a Delete.
  void Add(size_t key_at, size_t value_at, bool put) {
    ops_.push_back(Op{static_cast<uint32_t>(key_at), static_cast<uint32_t>(keys_.size() - key_at),
                      static_cast<uint32_t>(value_at),
                      static_cast<uint32_t>(values_.size() - value_at), put});
  }

  std::string& keys_;
  std::string& values_;
  std::vector<Op> ops_;
};

}  // namespace

void ViewBatchWriter::Write(const SchoolState& state, rocksdb::WriteBatch& batch) {
  if (gathered_ == 0) return;
  // Each gathered view once, from the state as it is now, in key order: the same as writing each
  // entry's views in turn.
  ViewOps ops(keys_, values_);
  ops.Reserve(gathered_ * 2);
  v1::CellView cell;
  for (const auto& [school_index, t] : schools_) {
    const School* school = state.FindSchool(state.Name(school_index));
    if (school == nullptr) continue;
    for (const auto& [lesson_id, old_day, old_period] : t.moved) {
      const Lesson* l = school->FindLesson(state.Name(lesson_id));
      if (l != nullptr) ops.MovedLesson(*school, *l, old_day, old_period);
    }
    for (uint32_t lesson_id : t.lessons) {
      const Lesson* l = school->FindLesson(state.Name(lesson_id));
      if (l == nullptr) continue;
      ops.LessonColumn(state, *school, *l);
      ops.ClassDay(*school, *l);
    }
    for (const auto& [lesson_id, student_id] : t.cells) {
      const Lesson* l = school->FindLesson(state.Name(lesson_id));
      if (l != nullptr) ops.Cell(state, *school, *l, student_id, cell, /*delete_empty=*/true);
    }
    for (uint32_t key_id : t.attestation) {
      ops.Attestation(state, *school, state.Name(key_id), /*delete_empty=*/true);
    }
  }
  ops.InKeyOrder([&](std::string_view key, std::string_view value, bool put) {
    if (put) {
      (void)batch.Put(cf_, key, value);
      ++written_.puts;
      written_.bytes += key.size() + value.size();
    } else {
      (void)batch.Delete(cf_, key);
      ++written_.deletes;
      written_.bytes += key.size();
    }
  });
  ++written_.batches;
  (void)batch.Put(cf_, kViewsAppliedKey, EncodeBigEndian64(last_seq_));
  schools_.clear();
  gathered_ = 0;
}

void ViewBulkBuilder::Gather(const SchoolState& state, uint64_t seq) {
  last_seq_ = seq;
  const Touched& t = state.touched();
  // Touched::moved is not needed: no view was written under a moved lesson's old key.
  if (t.lessons.empty() && t.cells.empty() && t.attestation.empty()) return;
  if (last_ == nullptr || t.school != last_school_) {
    last_ = &schools_[t.school];
    last_school_ = t.school;
  }
  last_->lessons.insert(last_->lessons.end(), t.lessons.begin(), t.lessons.end());
  last_->cells.insert(last_->cells.end(), t.cells.begin(), t.cells.end());
  last_->attestation.insert(last_->attestation.end(), t.attestation.begin(), t.attestation.end());
}

namespace {

// Runs fn(0) ... fn(n - 1) on up to `threads` threads (the caller's among them).
void RunOnThreads(size_t threads, size_t n, const std::function<void(size_t)>& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < std::min(threads, n); ++i) helpers.emplace_back(work);
  work();
  for (std::thread& t : helpers) t.join();
}

template <typename T>
void SortUnique(std::vector<T>& v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// The views of one key range: a class's lesson columns (L), cells (C) or diary index (K), or a
// school's attestation marks (T). Every key of the bucket starts with `prefix`, and no prefix is a
// prefix of another (ids hold no '/'), so buckets sorted by prefix are in key order.
struct Bucket {
  std::string prefix;
  char kind = 0;
  const School* school = nullptr;
  std::vector<const Lesson*> lessons;                     // L, K
  std::vector<std::pair<const Lesson*, uint32_t>> cells;  // C: (lesson, interned student)
  std::vector<uint32_t> attestation;                      // T: interned TermKey / ExamKey
  // Rough cost of building the bucket's views (a lesson column is the largest view).
  size_t weight() const { return 3 * lessons.size() + cells.size() + attestation.size() + 1; }
};

// One school's buckets, in no order.
std::vector<Bucket> BucketsOf(const SchoolState& state, const School& school,
                              std::vector<uint32_t>& lessons,
                              std::vector<std::pair<uint32_t, uint32_t>>& cells,
                              std::vector<uint32_t>& attestation) {
  SortUnique(lessons);
  SortUnique(cells);
  SortUnique(attestation);
  std::vector<Bucket> out;
  std::map<std::pair<char, std::string_view>, size_t> index;  // (kind, class) -> bucket
  auto bucket = [&](char kind, std::string_view cls) -> Bucket& {
    auto [it, inserted] = index.try_emplace({kind, cls}, out.size());
    if (inserted) {
      Bucket& b = out.emplace_back();
      b.kind = kind;
      b.school = &school;
      Append(b.prefix, {std::string_view(&kind, 1), "/", school.id, "/", cls, "/"});
    }
    return out[it->second];
  };
  for (uint32_t id : lessons) {
    const Lesson* l = school.FindLesson(state.Name(id));
    if (l == nullptr) continue;
    bucket('L', l->class_id).lessons.push_back(l);
    bucket('K', l->class_id).lessons.push_back(l);
  }
  // Sorted by lesson: each lesson is looked up once for its cells.
  for (size_t i = 0; i < cells.size();) {
    const uint32_t lesson_id = cells[i].first;
    const Lesson* l = school.FindLesson(state.Name(lesson_id));
    Bucket* b = l == nullptr ? nullptr : &bucket('C', l->class_id);
    for (; i < cells.size() && cells[i].first == lesson_id; ++i) {
      if (b != nullptr) b->cells.emplace_back(l, cells[i].second);
    }
  }
  if (!attestation.empty()) {
    Bucket& t = out.emplace_back();
    t.kind = 'T';
    t.school = &school;
    Append(t.prefix, {"T/", school.id, "/"});
    t.attestation = std::move(attestation);
  }
  return out;
}

// Appends the views of `b` to the table file, in key order (a view that shows nothing is not
// written: there is nothing under its key to delete). Buffers are the caller's, reused.
rocksdb::Status WriteBucket(const SchoolState& state, const Bucket& b, rocksdb::SstFileWriter& file,
                            std::string& keys, std::string& values, v1::CellView& cell,
                            ViewBatchWriter::Written& written) {
  ViewOps ops(keys, values);
  const School& school = *b.school;
  switch (b.kind) {
    case 'L':
      for (const Lesson* l : b.lessons) ops.LessonColumn(state, school, *l);
      break;
    case 'K':
      for (const Lesson* l : b.lessons) ops.ClassDay(school, *l);
      break;
    case 'C':
      for (const auto& [l, student_id] : b.cells) {
        ops.Cell(state, school, *l, student_id, cell, /*delete_empty=*/false);
      }
      break;
    case 'T':
      for (uint32_t key_id : b.attestation) {
        ops.Attestation(state, school, state.Name(key_id), /*delete_empty=*/false);
      }
      break;
  }
  rocksdb::Status s;
  ops.InKeyOrder([&](std::string_view key, std::string_view value, bool) {
    if (!s.ok()) return;
    s = file.Put(key, value);
    ++written.puts;
    written.bytes += key.size() + value.size();
  });
  return s;
}

}  // namespace

Result<std::vector<std::string>> ViewBulkBuilder::WriteTableFiles(const SchoolState& state,
                                                                  const rocksdb::Options& options,
                                                                  rocksdb::ColumnFamilyHandle* cf,
                                                                  const std::string& path_prefix,
                                                                  size_t threads) {
  threads = std::max<size_t>(1, threads);
  // 1. Each school's gathered ids deduplicated and resolved into buckets (schools in parallel).
  std::vector<std::pair<const School*, Gathered*>> schools;
  for (auto& [school_index, g] : schools_) {
    const School* school = state.FindSchool(state.Name(school_index));
    if (school != nullptr) schools.emplace_back(school, &g);
  }
  std::vector<std::vector<Bucket>> per_school(schools.size());
  RunOnThreads(threads, schools.size(), [&](size_t i) {
    Gathered& g = *schools[i].second;
    per_school[i] = BucketsOf(state, *schools[i].first, g.lessons, g.cells, g.attestation);
  });
  std::vector<Bucket> buckets;
  for (auto& v : per_school) {
    for (Bucket& b : v) buckets.push_back(std::move(b));
  }
  std::sort(buckets.begin(), buckets.end(),
            [](const Bucket& a, const Bucket& b) { return a.prefix < b.prefix; });
  // 2. Runs of consecutive buckets, a table file each: about four a thread, for the threads to
  // even out.
  size_t total = 0;
  for (const Bucket& b : buckets) total += b.weight();
  const size_t target = std::max<size_t>(1, total / (threads * 4));
  std::vector<std::pair<size_t, size_t>> segments;  // [first, last) buckets
  for (size_t i = 0; i < buckets.size();) {
    size_t j = i, w = 0;
    while (j < buckets.size() && (j == i || w < target)) w += buckets[j++].weight();
    segments.emplace_back(i, j);
    i = j;
  }
  // 3. The files, in parallel; an empty one (nothing shown in its range) is not kept.
  const rocksdb::Options& file_options = options;
  const rocksdb::EnvOptions env_options(file_options);
  std::vector<std::string> paths(segments.size() + 1);
  std::vector<Status> failed(segments.size() + 1);
  std::vector<ViewBatchWriter::Written> written(segments.size() + 1);
  RunOnThreads(threads, segments.size(), [&](size_t i) {
    rocksdb::SstFileWriter file(env_options, file_options, cf);
    const std::string path = path_prefix + std::to_string(i) + ".sst.tmp";
    rocksdb::Status s = file.Open(path);
    std::string keys, values;
    v1::CellView cell;
    for (size_t b = segments[i].first; s.ok() && b < segments[i].second; ++b) {
      s = WriteBucket(state, buckets[b], file, keys, values, cell, written[i]);
    }
    if (s.ok() && written[i].puts == 0) {
      (void)file.Finish();  // fails on no entries; the file is removed below
      (void)file_options.env->DeleteFile(path);
      return;
    }
    if (s.ok()) s = file.Finish();  // synced
    if (!s.ok()) {
      failed[i] = FromRocks(s, "writing the views' table file " + path);
      (void)file_options.env->DeleteFile(path);
      return;
    }
    paths[i] = path;
    ++written[i].batches;
  });
  // 4. The applied position, alone in the last file ('~' sorts after every view's kind letter).
  {
    rocksdb::SstFileWriter file(env_options, file_options, cf);
    const std::string path = path_prefix + std::to_string(segments.size()) + ".sst.tmp";
    rocksdb::Status s = file.Open(path);
    if (s.ok()) s = file.Put(kViewsAppliedKey, EncodeBigEndian64(last_seq_));
    if (s.ok()) s = file.Finish();
    if (s.ok()) {
      paths.back() = path;
    } else {
      failed.back() = FromRocks(s, "writing the views' table file " + path);
      (void)file_options.env->DeleteFile(path);
    }
  }
  std::vector<std::string> made;
  Status first_error;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (!failed[i].ok() && first_error.ok()) first_error = failed[i];
    if (!paths[i].empty()) made.push_back(paths[i]);
    written_.puts += written[i].puts;
    written_.bytes += written[i].bytes;
    written_.batches += written[i].batches;
  }
  if (!first_error.ok()) {
    for (const std::string& path : made) (void)file_options.env->DeleteFile(path);
    return Err(first_error);
  }
  schools_.clear();
  last_ = nullptr;
  return made;
}

Result<uint64_t> ViewsAppliedPosition(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf, kViewsAppliedKey, &value);
  if (s.IsNotFound()) return 0;
  EJ_RETURN_IF_ERROR(FromRocks(s, "reading the views' position"));
  return DecodeBigEndian(value);
}

Status ClearViews(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  // Every key starts with a printable byte below 0x7f ('~applied' included).
  const std::string begin(1, '\0'), end(1, '\x7f');
  // The table files of the old views are dropped at once (a MANIFEST edit): otherwise the replay's
  // final compaction reads them all again only to drop them under the range deletion (on the
  // 5-million-event ledger, half of that compaction's input records: docs/BENCHMARKS.md). Files it
  // does not drop (being compacted) and the memtable are covered by the range deletion below.
  const rocksdb::Slice from(begin), to(end);
  EJ_RETURN_IF_ERROR(
      FromRocks(rocksdb::DeleteFilesInRange(db, cf, &from, &to), "dropping the views' files"));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return FromRocks(db->DeleteRange(wo, cf, begin, end), "clearing the views");
}

Result<std::vector<std::pair<std::string, std::string>>> DumpViews(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) {
  std::vector<std::pair<std::string, std::string>> out;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out.emplace_back(it->key().ToString(), it->value().ToString());
  }
  EJ_RETURN_IF_ERROR(FromRocks(it->status(), "dumping the views"));
  return out;
}

}  // namespace ejournal::school
