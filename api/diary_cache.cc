#include "api/diary_cache.h"

#include <algorithm>

#include "api/metrics.h"

namespace ejournal::api {
namespace {

// The placeholder as protobuf JSON writes it (64-bit integers as strings).
const std::string& PlaceholderJson() {
  static const std::string s = "\"" + std::to_string(DiaryCache::kAsOfPlaceholder) + "\"";
  return s;
}

// Events whose effect on every diary is exactly what SchoolState::touched() lists (the views they
// rewrite), plus, for DiaryAcknowledged, the acknowledged student: they change no roster, user,
// timetable, policy or validity the diary reads. Credential and password events change nothing a
// diary shows (sessions come and go all day; they must not empty the school's cache). Any other
// payload, including one added later, invalidates its whole school.
bool TouchedIsExact(v1::EventBody::PayloadCase payload) {
  using B = v1::EventBody;
  switch (payload) {
    case B::kLessonScheduled:
    case B::kLessonMoved:
    case B::kLessonCancelled:
    case B::kLessonConducted:
    case B::kAttendanceRecorded:
    case B::kAbsenceReasonSet:
    case B::kMarkRecorded:
    case B::kHomeworkAssigned:
    case B::kTermMarkRecorded:
    case B::kExamMarkRecorded:
    case B::kCorrectionRequested:
    case B::kCorrectionApproved:
    case B::kCorrectionRejected:
    case B::kCorrectionWithdrawn:
    case B::kFinalMarkCorrectionOrdered:
    case B::kSubstitutionAssigned:
    case B::kSubstitutionCancelled:
    case B::kDiaryAcknowledged:
    case B::kCredentialIssued:
    case B::kCredentialRevoked:
    case B::kPasswordChanged:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string DiaryCache::Pair(std::string_view a, std::string_view b) {
  std::string out;
  out.reserve(a.size() + 1 + b.size());
  out.append(a);
  out += '\x1f';
  out.append(b);
  return out;
}

std::string DiaryCache::Key(std::string_view school_id, std::string_view student_id,
                            school::Day week_start) {
  std::string out = Pair(school_id, student_id);
  out += '\x1f';
  out += std::to_string(week_start);
  return out;
}

void DiaryCache::Bump(Touches& table, std::string_view key, uint64_t seq) {
  if (auto it = table.find(key); it != table.end()) {
    it->second = seq;
  } else {
    table.emplace(key, seq);
  }
}

void DiaryCache::BumpPair(Touches& table, std::string_view school_id, std::string_view other,
                          uint64_t seq) {
  scratch_.assign(school_id);
  scratch_ += '\x1f';
  scratch_.append(other);
  Bump(table, scratch_, seq);
}

void DiaryCache::OnApplied(const school::SchoolState& state, const v1::EventBody& body,
                           uint64_t seq) {
  if (!enabled()) return;
  const std::string& school_id = body.school_id();
  const school::School* school = state.FindSchool(school_id);
  if (school == nullptr) {
    touched_all_ = seq;
    return;
  }
  if (!TouchedIsExact(body.payload_case())) {
    Bump(touched_school_, school_id, seq);
    return;
  }
  const school::Touched& t = state.touched();
  // A lesson column: every diary of its class (subgroup lessons belong to the class too).
  auto lesson_class = [&](uint32_t lesson) {
    const school::Lesson* l = school->FindLesson(state.Name(lesson));
    if (l == nullptr || l->class_id.empty()) {
      Bump(touched_school_, school_id, seq);
    } else {
      BumpPair(touched_class_, school_id, l->class_id, seq);
    }
  };
  for (uint32_t lesson : t.lessons) lesson_class(lesson);
  for (const auto& moved : t.moved) lesson_class(std::get<0>(moved));
  for (const auto& [lesson, student] : t.cells) {
    BumpPair(touched_student_, school_id, state.Name(student), seq);
  }
  for (uint32_t key : t.attestation) {
    auto it = school->attestation.find(state.Name(key));
    if (it == school->attestation.end()) {
      Bump(touched_school_, school_id, seq);
    } else {
      BumpPair(touched_student_, school_id, it->second.student_id, seq);
    }
  }
  if (body.has_diary_acknowledged()) {
    BumpPair(touched_student_, school_id, body.diary_acknowledged().student_id(), seq);
  }
}

std::vector<std::string> DiaryCache::ClassesOf(const school::School& school,
                                               std::string_view student_id,
                                               school::Day week_start) {
  std::vector<std::string> out;
  auto st = school.students.find(student_id);
  if (st == school.students.end()) return out;
  for (school::Day day = week_start; day < week_start + 7; ++day) {
    const school::Membership* m = st->second.On(day);
    if (m != nullptr && std::find(out.begin(), out.end(), m->class_id) == out.end()) {
      out.push_back(m->class_id);
    }
  }
  return out;
}

uint64_t DiaryCache::TouchOf(const Touches& table, std::string_view key) {
  auto it = table.find(key);
  return it == table.end() ? 0 : it->second;
}

bool DiaryCache::Fresh(const Entry& e) const {
  if (touched_all_ > e.built_from) return false;
  if (TouchOf(touched_school_, e.school_id) > e.built_from) return false;
  if (TouchOf(touched_student_, e.student_key) > e.built_from) return false;
  for (const std::string& c : e.class_keys) {
    if (TouchOf(touched_class_, c) > e.built_from) return false;
  }
  return true;
}

std::optional<std::string> DiaryCache::Lookup(std::string_view school_id,
                                              std::string_view student_id, school::Day week_start,
                                              uint64_t as_of_sequence) {
  if (!enabled()) return std::nullopt;
  const std::string key = Key(school_id, student_id, week_start);
  std::string out;
  {
    MutexLock lock(&mu_);
    auto it = by_key_.find(key);
    if (it == by_key_.end() || !Fresh(*it->second)) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    const Entry& e = *it->second;
    const std::string digits = std::to_string(as_of_sequence);
    out.reserve(e.prefix.size() + digits.size() + e.suffix.size());
    out.append(e.prefix);
    out.append(digits);
    out.append(e.suffix);
  }
  hits_.fetch_add(1, std::memory_order_relaxed);
  return out;
}

std::string DiaryCache::WithAsOf(const std::string& json, uint64_t as_of_sequence) {
  const size_t at = json.find(PlaceholderJson());
  if (at == std::string::npos) return json;
  std::string out;
  const std::string digits = std::to_string(as_of_sequence);
  out.reserve(json.size());
  out.append(json, 0, at + 1);
  out.append(digits);
  out.append(json, at + PlaceholderJson().size() - 1);
  return out;
}

void DiaryCache::Insert(school::Day week_start, Deps deps, uint64_t built_from,
                        const std::string& json) {
  if (!enabled()) return;
  const size_t at = json.find(PlaceholderJson());
  if (at == std::string::npos) return;
  Entry e;
  e.key = Key(deps.school_id, deps.student_id, week_start);
  e.student_key = Pair(deps.school_id, deps.student_id);
  for (const std::string& c : deps.class_ids) e.class_keys.push_back(Pair(deps.school_id, c));
  e.school_id = std::move(deps.school_id);
  e.built_from = built_from;
  e.prefix = json.substr(0, at + 1);
  e.suffix = json.substr(at + PlaceholderJson().size() - 1);
  e.bytes = e.prefix.size() + e.suffix.size() + 2 * e.key.size() + 128;
  if (e.bytes > max_bytes_) return;
  MutexLock lock(&mu_);
  if (auto it = by_key_.find(e.key); it != by_key_.end()) {
    // A concurrent build of the same key may have stored a newer answer: keep the newer.
    if (it->second->built_from > e.built_from) return;
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    by_key_.erase(it);
  }
  bytes_ += e.bytes;
  lru_.push_front(std::move(e));
  by_key_.emplace(lru_.front().key, lru_.begin());
  while (bytes_ > max_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().bytes;
    by_key_.erase(lru_.back().key);
    lru_.pop_back();
    evictions_.fetch_add(1, std::memory_order_relaxed);
  }
}

DiaryCache::Counters DiaryCache::counters() const {
  Counters c;
  c.hits = hits_.load(std::memory_order_relaxed);
  c.misses = misses_.load(std::memory_order_relaxed);
  c.evictions = evictions_.load(std::memory_order_relaxed);
  MutexLock lock(&mu_);
  c.entries = lru_.size();
  c.bytes = bytes_;
  return c;
}

std::string DiaryCache::Metrics() const {
  const Counters c = counters();
  std::string out;
  WriteMetric(out, "ejournal_diary_cache_hits_total", "Diary reads answered from the diary cache.",
              "counter", double(c.hits));
  WriteMetric(out, "ejournal_diary_cache_misses_total",
              "Diary reads that built their answer (absent, or changed since it was cached).",
              "counter", double(c.misses));
  WriteMetric(out, "ejournal_diary_cache_evictions_total",
              "Cached diary answers dropped for the memory bound.", "counter", double(c.evictions));
  WriteMetric(out, "ejournal_diary_cache_entries", "Diary answers in the cache.", "gauge",
              double(c.entries));
  WriteMetric(out, "ejournal_diary_cache_bytes", "Approximate memory of the cached answers.",
              "gauge", double(c.bytes));
  return out;
}

}  // namespace ejournal::api
