// Views: the journal pages and the diaries, stored in RocksDB beside the ledger (column family
// "views") and written in the same WriteBatch as the entries they reflect, so that after a crash
// the ledger and the views never disagree.
//
// Keys (ids never contain '/'; <dp> is the lesson date as 6 decimal digits of Day + 100000 and
// the period as 2 digits, so that a range scan returns lessons in date order):
//   L/<school>/<class>/<subgroup>/<subject>/<dp>/<lesson>            -> LessonView (page column)
//   C/<school>/<class>/<subgroup>/<subject>/<dp>/<lesson>/<student>  -> CellView (page cell)
//   K/<school>/<class>/<dp>/<lesson>                                 -> group (diary index)
//   T/<school>/<student>/<attestation key>                           -> AttestationView
//   ~applied                                                         -> BE64 last folded sequence
// The history indexes (cell, actor, credential, page events) are kept in the SchoolState, which
// is rebuilt from the ledger on every start anyway (SchoolState::CellEvents ...).
// A view is a pure function of the SchoolState: the writer rewrites exactly what the last Apply
// touched (SchoolState::touched()), so applying events one by one and replaying from zero give
// byte-identical views.
//
// Thread-safety: ViewBatchWriter runs on the ledger's writer thread. ViewReader reads RocksDB (any
// thread) and the SchoolState (under the owner's lock: the state is single-threaded).
#ifndef EJOURNAL_PROJECTIONS_VIEWS_H_
#define EJOURNAL_PROJECTIONS_VIEWS_H_

#include <google/protobuf/arena.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ejournal/v1/views.pb.h"
#include "projections/school_state.h"
#include "schemas/status.h"

namespace ejournal::school {

inline constexpr char kViewsAppliedKey[] = "~applied";

// The views' applied position stored in `db` (0: none).
[[nodiscard]] Result<uint64_t> ViewsAppliedPosition(rocksdb::DB* db,
                                                    rocksdb::ColumnFamilyHandle* cf);

// Writes the views of consecutive entries at once (the writer's group commit, Admission::CatchUp,
// `ejournal replay`): what each Apply touched is gathered, and each view is written once, from the
// state after the last gathered entry, with its keys in order, and the applied position. The bytes
// equal writing each entry's views in turn (a view is a function of the state; the history
// indexes live in the state: SchoolState::CellEvents ...) provided the gathered views are written
// before every event for which MustWriteBefore is true (a LessonMoved: cells keep the key of the
// date their lesson had when they were last written).
class ViewBatchWriter {
 public:
  explicit ViewBatchWriter(rocksdb::ColumnFamilyHandle* cf) : cf_(cf) {}
  // Before Apply of `body`: must the gathered views be written first?
  static bool MustWriteBefore(const v1::EventBody& body);
  // After Apply of entry `seq`: gathers what it touched.
  void Gather(const SchoolState& state, uint64_t seq);
  // Entries gathered since the last Write.
  uint64_t gathered() const { return gathered_; }
  // Writes the gathered views, as `state` has them now, and the applied position into `batch`.
  void Write(const SchoolState& state, rocksdb::WriteBatch& batch);
  // What the Writes so far put into their batches (the applied position excluded): for the
  // benchmarks' count of views written against the views stored (tools/school_bench).
  struct Written {
    uint64_t batches = 0, puts = 0, deletes = 0, bytes = 0;  // bytes: keys + values
  };
  const Written& written() const { return written_; }

 private:
  struct Pending {  // interned names (SchoolState::Name)
    std::set<uint32_t> lessons;
    std::set<std::pair<uint32_t, uint32_t>> cells;  // (lesson, student)
    std::set<uint32_t> attestation;
    std::vector<std::tuple<uint32_t, Day, int>> moved;
  };
  rocksdb::ColumnFamilyHandle* const cf_;
  std::map<uint32_t, Pending> schools_;  // by interned school id
  std::string keys_, values_;            // Write's buffers, kept for their capacity
  uint64_t gathered_ = 0;
  uint64_t last_seq_ = 0;
  Written written_;
};

// Builds every view once, from the state at the end of a replay into empty views (Admission::
// CatchUp, ViewsLoad::kFromZero), as table files for RocksDB to ingest. The fold only gathers what
// each entry touched (ids appended, not sorted: a few nanoseconds an entry on the folding thread);
// at the end the views are built on several threads at once, each writing the table file of a
// contiguous key range (runs of whole classes' lesson columns, cells and diary index, and schools'
// attestation marks), so that the files do not overlap each other: RocksDB puts them in its last
// level as they are, with no merge (the chunked table files of ViewsLoad::kTableFiles each span
// the whole key space and are merged once at the end). The views are those that writing each
// entry's views in turn leaves (a view is a function of the state; the keys such a write would
// have deleted were never written here), and the applied position is the last gathered entry's.
//
// Thread-safety: Gather on one thread; WriteTableFiles runs its own threads, which read the state
// (const) at once: nothing may change the state meanwhile.
class ViewBulkBuilder {
 public:
  // After Apply of entry `seq`.
  void Gather(const SchoolState& state, uint64_t seq);
  uint64_t last_sequence() const { return last_seq_; }

  // Writes the views of everything gathered, from `state`, as table files named `path_prefix`
  // + n + ".sst.tmp" with `options` (the views' column family's: compression, filters), on
  // `threads` threads; the last file holds only the applied position. Returns the files' paths in
  // key order (empty ranges make no file). On an error the files made so far are removed.
  [[nodiscard]] Result<std::vector<std::string>> WriteTableFiles(const SchoolState& state,
                                                                 const rocksdb::Options& options,
                                                                 rocksdb::ColumnFamilyHandle* cf,
                                                                 const std::string& path_prefix,
                                                                 size_t threads);
  // What WriteTableFiles wrote (batches: the table files).
  const ViewBatchWriter::Written& written() const { return written_; }

 private:
  struct Gathered {  // interned names (SchoolState::Name), repeats included until the end
    std::vector<uint32_t> lessons;
    std::vector<std::pair<uint32_t, uint32_t>> cells;  // (lesson, student)
    std::vector<uint32_t> attestation;
  };
  std::map<uint32_t, Gathered> schools_;  // by interned school id
  uint32_t last_school_ = 0;
  Gathered* last_ = nullptr;  // schools_[last_school_], the last gathered school's
  uint64_t last_seq_ = 0;
  ViewBatchWriter::Written written_;
};

// A protobuf arena for one read (a journal page, a diary week) whose first block is a buffer
// kept per thread and reused from read to read, so that building a view costs almost no malloc.
// Why: after the fold of a large ledger glibc's heap is full of small holes, and malloc's search
// of its bins took a third of a page read on the 5-million-event ledger (docs/BENCHMARKS.md). One
// ReadArena per thread at a time has the buffer; one made while another lives allocates blocks of
// its own.
class ReadArena {
 public:
  ReadArena();
  ~ReadArena();
  ReadArena(const ReadArena&) = delete;
  ReadArena& operator=(const ReadArena&) = delete;
  google::protobuf::Arena* get() { return &arena_; }

 private:
  static google::protobuf::ArenaOptions Options(bool with_buffer);
  const bool has_buffer_;
  google::protobuf::Arena arena_;
};

class ViewReader {
 public:
  ViewReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf) : db_(db), cf_(cf) {}

  // JournalPage and DiaryWeek built on `arena` (not null; a ReadArena's): the view lives as long
  // as the arena. The by-value forms below copy it onto the heap.
  [[nodiscard]] Result<v1::JournalPageView*> JournalPage(
      google::protobuf::Arena* arena, const SchoolState& state, std::string_view school_id,
      std::string_view class_id, std::string_view subgroup_id, std::string_view subject_id,
      int term_number) const;
  [[nodiscard]] Result<v1::DiaryWeekView*> DiaryWeek(google::protobuf::Arena* arena,
                                                     const SchoolState& state,
                                                     std::string_view school_id,
                                                     std::string_view student_id,
                                                     Day week_start) const;

  // The journal page of a class (or subgroup) × subject × term (R-TERM-1 column included).
  // kNotFound for an unknown school, class, subject or term.
  [[nodiscard]] Result<v1::JournalPageView> JournalPage(
      const SchoolState& state, std::string_view school_id, std::string_view class_id,
      std::string_view subgroup_id, std::string_view subject_id, int term_number) const;
  // A student's diary week from `week_start` (a Monday): only the student's own cells (R-ACC-3).
  [[nodiscard]] Result<v1::DiaryWeekView> DiaryWeek(const SchoolState& state,
                                                    std::string_view school_id,
                                                    std::string_view student_id,
                                                    Day week_start) const;

 private:
  rocksdb::DB* const db_;
  rocksdb::ColumnFamilyHandle* const cf_;
};

// Deletes every view (for `ejournal replay`: the next Admission::CatchUp rebuilds them from zero).
[[nodiscard]] Status ClearViews(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf);
// Every key and value of the views, in key order (for replay-equals-incremental checks).
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> DumpViews(
    rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf);

// Building blocks shared by the live views and the as-of page (projections/as_of.h).
v1::LessonView LessonViewOf(const Validity& validity, const School& school, const Lesson& lesson);
std::optional<v1::CellView> CellViewOf(const Validity& validity, const School& school,
                                       const Lesson& lesson, const std::string& student);
// The same into `cell` (cleared first, its memory reused); false when the cell shows nothing (then
// `cell` holds what was filled in and is not to be written).
bool CellViewInto(const Validity& validity, const School& school, const Lesson& lesson,
                  const std::string& student, v1::CellView& cell);
// The same for a lesson of the school state, the student also given interned (`student_name`,
// SchoolState::Name): the lesson's marks of other students are skipped by Lesson::mark_students,
// without reading them, and the attendance table is searched only for the students listed in
// Lesson::attendance_students (which the school state keeps for every attendance record).
bool CellViewInto(const Validity& validity, const School& school, const Lesson& lesson,
                  const std::string& student, uint32_t student_name, v1::CellView& cell);
std::optional<v1::AttestationView> AttestationViewOf(const Validity& validity,
                                                     const AttestationMark& mark);
struct PageFrame {
  const School* school = nullptr;
  const SchoolClass* cls = nullptr;
  const Subgroup* subgroup = nullptr;
  const TermInfo* term = nullptr;
  std::string home_student;  // a home-schooled student's own page (R-LES-2): the student
  std::string subgroup_id, subject_id, group;  // group: "<school>/<class>/<subgroup>/<subject>/"
  int term_number = 0;
};
[[nodiscard]] Result<PageFrame> ResolvePage(const SchoolState& state, std::string_view school_id,
                                            std::string_view class_id, std::string_view subgroup_id,
                                            std::string_view subject_id, int term_number);
v1::JournalPageView NewPage(const PageFrame& frame, uint64_t as_of_sequence);
// What a live page shows its editors, beyond the page as stored and as of a moment: each lesson's
// record event id (what a correction request of the record names, R-COR-1) and, on the year's
// last period, each row's year mark and its suggestion, the mean of the period marks rounded half
// up (R-TERM-1), from the state's attestation records (hash lookups; the page's read stays one
// scan and one MultiGet).
void AddEditingDetails(const SchoolState& state, v1::JournalPageView& page);
// Adds the rows (students, their cells, the R-TERM-1 column) to a page whose lessons are set.
// The page takes `cells` (each on the page's arena, or on the heap when the page is).
void FinishPage(
    const PageFrame& frame, std::vector<v1::CellView*> cells,
    const std::function<std::optional<v1::AttestationView>(const std::string&)>& term_mark_of,
    v1::JournalPageView& page);

// "DDDDDDPP": the day (shifted to stay positive) and the period, so that view keys sort by time.
std::string DayPeriodKey(Day day, int period);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_VIEWS_H_
