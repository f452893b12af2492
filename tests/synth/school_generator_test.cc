// The synthetic school year (tools/synth/school_generator.h) driven through the real admission
// (signatures, rights, every school rule) into a real RocksDB ledger: the year is admitted without
// a single refusal, the projections replayed from zero (in this process and in a second one) equal
// the incremental ones byte for byte, the credential leak's Act invalidates exactly what its dry
// run listed (R-SEC-3) and the re-entries restore the teacher's records (R-SEC-4), and the journal
// page as of a past moment equals the page served at that moment (R-TIME-1).
#include "tools/synth/school_generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "projections/as_of.h"
#include "projections/paper.h"
#include "projections/reports.h"
#include "projections/school_time.h"
#include "projections/views.h"
#include "tests/support/fault_injection_fs.h"
#include "tests/support/generated_school.h"
#include "tests/support/signed_ledger.h"
#include "tests/support/status_matchers.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace ejournal::testing {
namespace {

using synth::Event;
using synth::Options;
using synth::SchoolGenerator;

// Four classes (grades 1, 3, 6, 9) for nine weeks: the whole first quarter with its term marks,
// and a week of the second.
Options SmallYear() {
  return {.seed = 7, .classes = 4, .students = 60, .teachers = 14, .weeks = 9};
}

struct PageRef {
  std::string class_id, subgroup_id, subject_id;
  int term = 1;
};

class GeneratedYearTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    clock_ = new synth::SettableClock();
    auto opened = OpenSchoolLedger(dir_->path(), clock_);
    ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
    ledger_ = opened->release();
    generator_ = NodeGenerator(*ledger_, SmallYear()).release();
    served_ = new std::map<int64_t, std::string>();

    std::vector<Event> group;
    while (generator_->NextGroup(group)) {
      const auto& leak = generator_->leak();
      bool has_act = false;
      for (const auto& e : group) {
        has_act |= leak && e.body.event_id() == leak->act_event_id;
      }
      // The dry run (R-SEC-3) right before the Act is recorded.
      if (has_act) {
        for (const auto& e : group) {
          if (e.body.has_credential_compromise_act_recorded()) {
            preview_ = new std::vector<school::Invalidation>(
                State().PreviewAct(e.body.credential_compromise_act_recorded()));
          }
        }
      }
      auto r = synth::AppendGroup(group, ledger_->admission(), ledger_->ledger(), *clock_, false);
      ASSERT_TRUE(r.has_value()) << r.error().ToString();
      // The page the journal serves at each moment around the leak, for the as-of test.
      if (leak && group.front().record_at_us >= leak->invalid_from_us - 3600'000'000LL &&
          group.front().record_at_us <= leak->invalid_from_us + 24 * 3600'000'000LL) {
        if (!page_) page_ = new PageRef(LeakPage());
        auto page = Reader().JournalPage(State(), leak->school_id, page_->class_id,
                                         page_->subgroup_id, page_->subject_id, page_->term);
        ASSERT_TRUE(page.has_value()) << page.error().ToString();
        (*served_)[group.front().record_at_us] = page->SerializeAsString();
      }
    }
  }

  static void TearDownTestSuite() {
    delete served_;
    delete page_;
    delete preview_;
    delete generator_;
    delete ledger_;
    delete clock_;
    delete dir_;
  }

  static const school::SchoolState& State() { return *ledger_->school_state(); }
  static const school::School& FirstSchool() { return *State().FindSchool("school-1"); }
  static school::ViewReader Reader() {
    return school::ViewReader(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  }
  static uint64_t Seq(const std::string& event_id) { return State().SequenceOf(event_id); }
  // The page of the mark the forged request changed.
  static PageRef LeakPage() {
    const auto& mark = FirstSchool().marks.at(generator_->leak()->corrected_mark_id);
    const school::Lesson* lesson = FirstSchool().FindLesson(mark.lesson_id);
    return PageRef{lesson->class_id, lesson->subgroup_id, lesson->subject_id, 1};
  }

  static TempDir* dir_;
  static synth::SettableClock* clock_;
  static SignedLedger* ledger_;
  static SchoolGenerator* generator_;
  static std::vector<school::Invalidation>* preview_;
  static PageRef* page_;
  static std::map<int64_t, std::string>* served_;
};

TempDir* GeneratedYearTest::dir_ = nullptr;
synth::SettableClock* GeneratedYearTest::clock_ = nullptr;
SignedLedger* GeneratedYearTest::ledger_ = nullptr;
SchoolGenerator* GeneratedYearTest::generator_ = nullptr;
std::vector<school::Invalidation>* GeneratedYearTest::preview_ = nullptr;
PageRef* GeneratedYearTest::page_ = nullptr;
std::map<int64_t, std::string>* GeneratedYearTest::served_ = nullptr;

// Every generated event passed every rule (SetUpTestSuite stops at the first refusal), and the
// year has every kind of record a school produces.
TEST_F(GeneratedYearTest, TheWholeYearIsAdmittedAndHasEveryKindOfRecord) {
  const synth::Stats& s = generator_->stats();
  EXPECT_EQ(ledger_->ledger().size(), s.events);
  EXPECT_GT(s.lessons, 500u);
  EXPECT_GT(s.marks, 1000u);
  EXPECT_GT(s.absences, 10u);
  EXPECT_GT(s.homework, 300u);
  EXPECT_GT(s.corrections, 1u);
  EXPECT_GT(s.substitutions, 3u);
  EXPECT_GT(s.acknowledgements, 50u);
  EXPECT_EQ(s.timetable_gaps, 0u);
  // R-TERM-1: every student of grades 2+ has a first-quarter mark (1-5 or н/а) in each subject.
  const auto& school = FirstSchool();
  size_t term_marks = 0, not_attested = 0;
  for (const auto& [key, mark] : school.attestation) {
    const auto* v = mark.Current(State());
    ASSERT_NE(v, nullptr) << key;
    ++term_marks;
    not_attested += v->value.status == v1::ATTESTATION_STATUS_NOT_ATTESTED ? 1 : 0;
  }
  EXPECT_EQ(term_marks, s.term_marks);
  EXPECT_GT(term_marks, 100u);
  EXPECT_LT(not_attested * 5, term_marks);  // most students are attested
  EXPECT_GT(school.requests.size(), 1u);    // R-COR-1: corrections asked and decided
  // Every scheduled lesson was held (a lesson record with its topic, R-LES-3), Fridays included.
  size_t held = 0;
  for (const auto& [id, lesson] : school.lessons) {
    EXPECT_NE(lesson.record.Current(State()), nullptr) << id << " was never held";
    ++held;
  }
  EXPECT_EQ(held, s.lessons);
}

TEST_F(GeneratedYearTest, TheSameSeedGivesTheSameYear) {
  auto digest = [&](uint64_t seed) {
    Options o = SmallYear();
    o.seed = seed;
    o.weeks = 3;
    auto g = NodeGenerator(*ledger_, o);
    std::string all;
    std::vector<Event> group;
    while (g->NextGroup(group)) {
      for (const auto& e : group) all += e.body.SerializeAsString();
    }
    return all;
  };
  const std::string a = digest(7), b = digest(7), c = digest(8);
  EXPECT_GT(a.size(), 100000u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

// R-SEC-1..4 on the generated leak: the attacker's marks, absence and correction request, the
// deputy's approval that rested on the request, and the teacher's own records of the morning are
// invalid; the Act invalidated exactly what its dry run listed; the teacher re-entered the true
// records with a new key; the forged change of the mark is undone.
TEST_F(GeneratedYearTest, TheActInvalidatesExactlyWhatTheDryRunListed_R_SEC_3) {
  const auto& leak = generator_->leak();
  ASSERT_TRUE(leak.has_value());
  ASSERT_EQ(leak->attacker_event_ids.size(), 4u);  // two marks, an absence, the request
  for (const auto& id : leak->attacker_event_ids) {
    const uint64_t seq = Seq(id);
    ASSERT_NE(seq, 0u) << id;
    const school::Invalidation* inv = State().InvalidationOf(seq);
    ASSERT_NE(inv, nullptr) << id;
    EXPECT_EQ(inv->because_of, 0u) << "signed by the compromised credential";
    EXPECT_EQ(inv->act_id, leak->act_id);
  }
  const school::Invalidation* approval =
      State().InvalidationOf(Seq(leak->rested_approval_event_id));
  ASSERT_NE(approval, nullptr);
  EXPECT_EQ(approval->because_of, Seq(leak->forged_request_event_id));
  ASSERT_FALSE(leak->legit_invalidated_event_ids.empty());
  ASSERT_EQ(leak->legit_invalidated_event_ids.size(), leak->reentry_event_ids.size());
  for (size_t i = 0; i < leak->legit_invalidated_event_ids.size(); ++i) {
    const uint64_t seq = Seq(leak->legit_invalidated_event_ids[i]);
    EXPECT_TRUE(State().IsInvalid(seq));
    EXPECT_EQ(State().ReentryOf(seq), Seq(leak->reentry_event_ids[i]));  // R-SEC-4
    EXPECT_FALSE(State().IsInvalid(Seq(leak->reentry_event_ids[i])));
  }
  // What still awaits re-entry is the compromised credential's records that were not true (the
  // attacker's); the deputy's approval fell with the forged request and has nothing to re-enter.
  std::vector<uint64_t> not_reentered;
  for (const auto& id : leak->attacker_event_ids) not_reentered.push_back(Seq(id));
  std::sort(not_reentered.begin(), not_reentered.end());
  EXPECT_EQ(State().AwaitingReentry(leak->school_id), not_reentered);
  // The dry run equals what the Act did.
  ASSERT_NE(preview_, nullptr);
  const school::Act& act = FirstSchool().acts.at(leak->act_id);
  ASSERT_EQ(preview_->size(), act.invalidated.size());
  for (size_t i = 0; i < act.invalidated.size(); ++i) {
    EXPECT_EQ((*preview_)[i].seq, act.invalidated[i].seq);
    EXPECT_EQ((*preview_)[i].because_of, act.invalidated[i].because_of);
  }
  EXPECT_EQ(act.invalidated.size(),
            leak->attacker_event_ids.size() + 1 + leak->legit_invalidated_event_ids.size());
  // The mark shows its value before the forged change again; the attacker's marks show nowhere.
  const auto& mark = FirstSchool().marks.at(leak->corrected_mark_id);
  ASSERT_NE(mark.Current(State()), nullptr);
  EXPECT_EQ(mark.Current(State())->value.value, leak->corrected_mark_value);
  for (const auto& [id, m] : FirstSchool().marks) {
    if (id.starts_with("X-")) {
      EXPECT_EQ(m.Current(State()), nullptr) << id;
    }
  }
  // R-SEC-1: reported 90 minutes after the discovery, so flagged late.
  EXPECT_TRUE(FirstSchool().reports.at(leak->report_id).late);
  // R-SEC-2: the leaked key signs nothing any more; the new one does.
  EXPECT_FALSE(ledger_->registry()
                   .Authorize(leak->leaked_credential_id, leak->school_id, leak->teacher_id,
                              clock_->NowMicros())
                   .has_value());
  EXPECT_TRUE(ledger_->registry()
                  .Authorize(leak->new_credential_id, leak->school_id, leak->teacher_id,
                             clock_->NowMicros())
                  .has_value());
}

// The as-of page (R-TIME-1) equals, byte for byte, the page the journal served at each moment of
// the day of the leak, before and after the Act; with later invalidations applied, the page as of
// the attack shows the mark's original value.
TEST_F(GeneratedYearTest, AsOfPageEqualsThePageServedAtThatMoment_R_TIME_1) {
  ASSERT_NE(page_, nullptr);
  ASSERT_GT(served_->size(), 10u);
  const auto& leak = *generator_->leak();
  Ledger& ledger = ledger_->ledger();
  auto load = [&](uint64_t seq) { return ledger.Entry(seq); };
  bool saw_forged_value = false;
  for (const auto& [at, bytes] : *served_) {
    auto page = school::AsOfJournalPage(State(), Reader(), load, leak.school_id, page_->class_id,
                                        page_->subgroup_id, page_->subject_id, page_->term, at,
                                        school::AsOfMode::kAsShownThen);
    ASSERT_TRUE(page.has_value()) << page.error().ToString();
    EXPECT_EQ(page->SerializeAsString(), bytes) << "as of " << at;
    // Between the approval and the Act the page showed the forged value.
    v1::JournalPageView served;
    ASSERT_TRUE(served.ParseFromString(bytes));
    for (const auto& row : served.rows()) {
      for (const auto& cell : row.cells()) {
        for (const auto& m : cell.marks()) {
          if (m.mark_id() == leak.corrected_mark_id && m.value() != leak.corrected_mark_value) {
            saw_forged_value = true;
            auto fixed = school::AsOfJournalPage(
                State(), Reader(), load, leak.school_id, page_->class_id, page_->subgroup_id,
                page_->subject_id, page_->term, at, school::AsOfMode::kWithLaterInvalidations);
            ASSERT_TRUE(fixed.has_value());
            EXPECT_NE(fixed->SerializeAsString(), bytes);
          }
        }
      }
    }
  }
  EXPECT_TRUE(saw_forged_value) << "the forged approval never reached the served page";
}

// Paper (DOMAIN.md "Archive and paper"): the summary statement of a class after the first quarter
// and a student's diary week, print-ready, stamped with the ledger position and the checkpoint.
TEST_F(GeneratedYearTest, PrintReadySummaryStatementAndDiaryWeek) {
  const auto& school = FirstSchool();
  const school::PaperStamp stamp{.origin = "ejournal.test/ledger/1",
                                 .tree_size = ledger_->ledger().size(),
                                 .root_hex = std::string(64, 'a'),
                                 .printed_at = "2025-11-05 10:00"};
  auto summary = school::SummaryStatement(State(), "school-1", "c06-1", "2025");
  ASSERT_TRUE(summary.has_value()) << summary.error().ToString();
  const std::string html = school::SummaryStatementHtml(school, *summary, stamp);
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>"));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("Сводная ведомость"), std::string::npos);
  EXPECT_NE(html.find("6А класса"), std::string::npos);
  EXPECT_NE(html.find(std::string(64, 'a')), std::string::npos);
  EXPECT_NE(html.find("по состоянию на запись № " + std::to_string(State().size())),
            std::string::npos);
  size_t students = 0, filled = 0;
  for (const auto& [id, st] : school.students) {
    if (st.memberships.back().class_id != "c06-1") continue;
    ++students;
    // Students by name, never by id (the generator names every student).
    EXPECT_NE(html.find("<td>" + school.UserName(id) + "</td>"), std::string::npos) << id;
    EXPECT_EQ(html.find("<td>" + id + "</td>"), std::string::npos) << id;
  }
  for (const auto& row : summary->rows()) filled += static_cast<size_t>(row.marks_size());
  ASSERT_GT(students, 5u);
  // Every term mark of the class is a filled cell: 1-5 or н/а.
  size_t cells = 0;
  for (size_t at = html.find("<td class=\"m\">"); at != std::string::npos;
       at = html.find("<td class=\"m\">", at + 1)) {
    cells += html.compare(at + 14, 5, "</td>") != 0 ? 1 : 0;
  }
  EXPECT_EQ(cells, filled);
  EXPECT_GT(filled, students * 10);  // a mark in each of the class's subjects

  // A student's week with lessons, marks and homework.
  const std::string student = summary->rows(0).student_id();
  v1::Date monday;
  monday.set_year(2025);
  monday.set_month(9);
  monday.set_day(29);
  auto week = Reader().DiaryWeek(State(), "school-1", student, school::DayOf(monday).value());
  ASSERT_TRUE(week.has_value()) << week.error().ToString();
  const std::string diary = school::DiaryWeekHtml(school, *week, stamp);
  EXPECT_NE(diary.find("Дневник обучающегося " + school::HtmlEscape(school.UserName(student)) +
                       ", 6А класс"),
            std::string::npos);
  EXPECT_EQ(diary.find(student), std::string::npos) << "the student's name, never the id";
  EXPECT_NE(diary.find("неделя 29.09.2025 – 05.10.2025"), std::string::npos);
  EXPECT_NE(diary.find("Понедельник, 29.09.2025"), std::string::npos);
  size_t lessons = 0, marks = 0;
  for (const auto& day : week->days()) {
    for (const auto& dl : day.lessons()) {
      ++lessons;
      marks += static_cast<size_t>(dl.cell().marks_size());
      EXPECT_NE(diary.find(school::HtmlEscape(dl.lesson().topic())), std::string::npos);
    }
  }
  EXPECT_GT(lessons, 20u);
  EXPECT_GT(marks, 0u);
  EXPECT_NE(diary.find("С дневником ознакомлен(а)"), std::string::npos);
  EXPECT_EQ(school::HtmlEscape("<a href='x'>\"&"), "&lt;a href=&#39;x&#39;&gt;&quot;&amp;");
}

// The as-of page of now (which reads only the entries of the term's lessons and the events that
// may reach several lessons) equals the live page, for every page and term of the year.
TEST_F(GeneratedYearTest, AsOfNowEqualsTheLivePageOnEveryPage_R_TIME_1) {
  Ledger& ledger = ledger_->ledger();
  auto load = [&](uint64_t seq) { return ledger.Entry(seq); };
  const school::School& school = FirstSchool();
  const int64_t now = State().Event(State().size())->recorded_at_us;
  int compared = 0;
  for (const auto& [id, load_row] : school.loads) {
    for (int term = 1; term <= 2; ++term) {
      auto live = Reader().JournalPage(State(), school.id, load_row.class_id, load_row.subgroup_id,
                                       load_row.subject_id, term);
      auto as_of = school::AsOfJournalPage(State(), Reader(), load, school.id, load_row.class_id,
                                           load_row.subgroup_id, load_row.subject_id, term, now,
                                           school::AsOfMode::kAsShownThen);
      ASSERT_EQ(live.has_value(), as_of.has_value());
      if (!live) continue;
      EXPECT_EQ(as_of->SerializeAsString(), live->SerializeAsString())
          << load_row.class_id << "/" << load_row.subgroup_id << "/" << load_row.subject_id
          << " term " << term;
      ++compared;
    }
  }
  EXPECT_GT(compared, 20);
}

// Replay equals incremental: the views rebuilt from zero, in this process and by `ejournal replay`
// in a second process, are byte-identical to the views written while the year was appended.
TEST_F(GeneratedYearTest, ReplayFromZeroEqualsIncrementalInThisAndASecondProcess) {
  Ledger& ledger = ledger_->ledger();
  auto incremental = school::DumpViews(ledger.db(), ledger.column_families().views);
  ASSERT_TRUE(incremental.has_value());
  ASSERT_GT(incremental->size(), 5000u);  // views only: the history indexes live in the state
  ASSERT_OK(school::ClearViews(ledger.db(), ledger.column_families().views));
  ASSERT_OK(ledger_->Open());  // CatchUp rebuilds the views from entry 1
  auto in_process =
      school::DumpViews(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  ASSERT_TRUE(in_process.has_value());
  EXPECT_TRUE(*in_process == *incremental);
  const uint64_t size = ledger_->ledger().size();
  ledger_->Close();
  ProcessResult r = RunProcess({EJOURNAL_CLI, "replay", "--data", ledger_->data_dir()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("replayed " + std::to_string(size) + " events"), std::string::npos) << r.out;
  ASSERT_OK(ledger_->Open());
  auto second =
      school::DumpViews(ledger_->ledger().db(), ledger_->ledger().column_families().views);
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(*second == *incremental);
}

// Two schools of two classes each over three weeks: enough entries (> 2,000) to cut into many
// chunks, few enough to replay several times in a test.
Options TwoSmallSchools() {
  Options o = SmallYear();
  o.schools = 2;
  o.weeks = 3;
  o.classes = 2;
  o.students = 30;
  o.teachers = 8;
  return o;
}

// A replay writes its views chunk by chunk on a writer thread of its own while it folds on
// (Admission::CatchUp): with chunks of a few dozen entries, hundreds of batches pass through that
// thread, each built while the one before is written. A ledger of two schools replayed so, with
// chunk sizes that cut the entries differently, gives views byte-identical to the incremental
// ones, and the applied position is the ledger's last entry.
TEST(GeneratedYearTwoSchools, ReplayInSmallChunksOnTheWriterThreadEqualsIncremental) {
  TempDir dir;
  synth::SettableClock clock;
  auto generated = GenerateSchoolLedger(dir.path(), clock, TwoSmallSchools());
  ASSERT_TRUE(generated.has_value()) << generated.error().ToString();
  SignedLedger& signed_ledger = **generated;
  Ledger& ledger = signed_ledger.ledger();
  ASSERT_GT(ledger.size(), 2000u);
  auto* views = ledger.column_families().views;
  auto incremental = school::DumpViews(ledger.db(), views);
  ASSERT_TRUE(incremental.has_value());
  ASSERT_GT(incremental->size(), 1000u);
  // Written batches, each chunk a table file ingested into the views, and every view built once
  // at the end (Admission::ViewsLoad; the chunk size does not apply to the last): the same views
  // every way.
  for (auto load : {Admission::ViewsLoad::kBatches, Admission::ViewsLoad::kTableFiles,
                    Admission::ViewsLoad::kFromZero}) {
    for (uint64_t chunk : {uint64_t{7}, uint64_t{37}, uint64_t{500}, Admission::kViewsChunk}) {
      if (load == Admission::ViewsLoad::kFromZero && chunk != 7) continue;
      SCOPED_TRACE("chunk " + std::to_string(chunk) +
                   (load == Admission::ViewsLoad::kTableFiles ? ", table files"
                    : load == Admission::ViewsLoad::kFromZero ? ", from zero"
                                                              : ", batches"));
      ASSERT_OK(school::ClearViews(ledger.db(), views));
      ASSERT_EQ(school::ViewsAppliedPosition(ledger.db(), views).value(), 0u);
      CredentialRegistry registry;
      registry.AddNode(signed_ledger.node().credential_id, signed_ledger.node().key.public_key());
      school::SchoolState state;
      Admission admission(&registry, {}, &state);
      ASSERT_OK(admission.CatchUp(ledger, chunk, load));
      EXPECT_EQ(state.size(), ledger.size());
      EXPECT_EQ(school::ViewsAppliedPosition(ledger.db(), views).value(), ledger.size());
      auto replayed = school::DumpViews(ledger.db(), views);
      ASSERT_TRUE(replayed.has_value());
      EXPECT_TRUE(*replayed == *incremental);
      // The views' automatic compactions are on again after a load of table files.
      EXPECT_FALSE(ledger.db()->GetOptions(views).disable_auto_compactions);
    }
  }
}

// The two small schools' year, generated and closed, with what a replay of it must give again:
// its incremental views (with `clear_views`, removed from the ledger before it closed).
struct ClosedTwoSchools {
  std::string path;
  uint64_t size = 0;
  std::optional<Signer> node;
  std::vector<std::pair<std::string, std::string>> incremental;
};
void GenerateTwoSchoolsAndClose(const TempDir& dir, bool clear_views, ClosedTwoSchools* out) {
  synth::SettableClock clock;
  auto generated = GenerateSchoolLedger(dir.path(), clock, TwoSmallSchools());
  ASSERT_TRUE(generated.has_value()) << generated.error().ToString();
  SignedLedger& signed_ledger = **generated;
  out->path = signed_ledger.ledger_path();
  out->size = signed_ledger.ledger().size();
  auto views = school::DumpViews(signed_ledger.ledger().db(),
                                 signed_ledger.ledger().column_families().views);
  ASSERT_TRUE(views.has_value());
  out->incremental = std::move(*views);
  if (clear_views) {
    ASSERT_OK(school::ClearViews(signed_ledger.ledger().db(),
                                 signed_ledger.ledger().column_families().views));
  }
  out->node = signed_ledger.NodeSigner();
  signed_ledger.Close();
}

// The ledger at `path`, on `fs` (nullptr: the real file system).
Result<std::unique_ptr<Ledger>> OpenLedgerAt(const std::string& path,
                                             std::shared_ptr<rocksdb::FileSystem> fs) {
  LedgerOptions options;
  options.path = path;
  options.file_system = std::move(fs);
  return Ledger::Open(std::move(options));
}

// Runs `replay` on the ledger at `path` and cuts the power at its first append to a file whose
// name starts with `cut_at` (tests/support/fault_injection_fs.h): what was not synced is lost, and
// nothing after the cut reaches the disk. What the replay answers after the cut does not matter
// (RocksDB finds the link it made after the cut missing, or believes every write succeeded): the
// disk is what counts.
void ReplayCutByAPowerFailure(const std::string& path, const std::string& cut_at,
                              const std::function<void(Ledger&)>& replay) {
  auto fs = std::make_shared<FaultInjectionFileSystem>();
  auto ledger = OpenLedgerAt(path, fs);
  ASSERT_TRUE(ledger.has_value()) << ledger.error().ToString();
  fs->CutPowerAtFirstAppendTo(cut_at);
  replay(**ledger);
  ASSERT_TRUE(fs->power_cut()) << "the replay wrote no file " << cut_at << "*";
  ledger->reset();
  fs->DropUnsyncedData();
}

// A replay whose views go in as table files (Admission::ViewsLoad::kTableFiles), cut by a power
// failure while it writes the file of its fourth chunk (tests/support/fault_injection_fs.h: what
// was not synced is lost, and nothing after the cut reaches the disk): reopened, the views hold
// those of a prefix of the entries and its applied position, not the whole ledger's; a replay
// resumed from there (the entries after that position only) gives views byte-identical to the
// incremental ones.
TEST(GeneratedYearTwoSchools, ReplayOfTableFilesCutByAPowerFailureResumesToTheIncrementalViews) {
  TempDir dir;
  ClosedTwoSchools year;
  ASSERT_NO_FATAL_FAILURE(GenerateTwoSchoolsAndClose(dir, /*clear_views=*/true, &year));
  const std::string& path = year.path;
  const uint64_t size = year.size;
  ASSERT_GT(size, 2000u);
  const auto* incremental = &year.incremental;
  const Signer& node = *year.node;
  // A replay into `ledger` with a fresh registry and state, in chunks of 300 entries as files;
  // `puts`: how many views it wrote.
  auto replay = [&](Ledger& ledger, uint64_t* puts) {
    CredentialRegistry registry;
    registry.AddNode(node.credential_id, node.key.public_key());
    school::SchoolState state;
    Admission admission(&registry, {}, &state);
    Status s = admission.CatchUp(ledger, 300, Admission::ViewsLoad::kTableFiles);
    *puts = admission.caught_up_views().puts;
    return s;
  };
  uint64_t applied_after_cut = 0;
  ASSERT_NO_FATAL_FAILURE(ReplayCutByAPowerFailure(path, "views-catch-up-3.", [&](Ledger& ledger) {
    uint64_t puts = 0;
    (void)replay(ledger, &puts);
  }));
  {
    auto ledger = OpenLedgerAt(path, nullptr);
    ASSERT_TRUE(ledger.has_value()) << ledger.error().ToString();
    auto* views = (*ledger)->column_families().views;
    applied_after_cut = school::ViewsAppliedPosition((*ledger)->db(), views).value();
    // The first three chunks were ingested before the cut, not the fourth nor any later one.
    EXPECT_GT(applied_after_cut, 0u);
    EXPECT_LT(applied_after_cut, size);
    auto cut = school::DumpViews((*ledger)->db(), views);
    ASSERT_TRUE(cut.has_value());
    EXPECT_LT(cut->size(), incremental->size());
    // Resumed: only the entries after the applied position have their views written (fewer
    // views than the same replay from zero writes, below).
    uint64_t puts = 0;
    ASSERT_OK(replay(**ledger, &puts));
    EXPECT_GT(puts, 0u);
    EXPECT_EQ(school::ViewsAppliedPosition((*ledger)->db(), views).value(), size);
    auto resumed = school::DumpViews((*ledger)->db(), views);
    ASSERT_TRUE(resumed.has_value());
    EXPECT_TRUE(*resumed == *incremental);
    ASSERT_OK(school::ClearViews((*ledger)->db(), views));
    uint64_t from_zero_puts = 0;
    ASSERT_OK(replay(**ledger, &from_zero_puts));
    EXPECT_LT(puts, from_zero_puts);
    auto from_zero = school::DumpViews((*ledger)->db(), views);
    ASSERT_TRUE(from_zero.has_value());
    EXPECT_TRUE(*from_zero == *incremental);
  }
}

// Every view built once at the end of a replay into empty views (Admission::ViewsLoad::kFromZero,
// school::ViewBulkBuilder), cut by a power failure while it writes its table files: nothing of
// them was ingested, so the reopened views are empty at position 0 (not a prefix: there are no
// chunks), and a replay started over gives the incremental views.
TEST(GeneratedYearTwoSchools, ReplayFromZeroCutByAPowerFailureStartsOverToTheIncrementalViews) {
  TempDir dir;
  ClosedTwoSchools year;
  ASSERT_NO_FATAL_FAILURE(GenerateTwoSchoolsAndClose(dir, /*clear_views=*/true, &year));
  auto replay = [&](Ledger& ledger) {
    CredentialRegistry registry;
    registry.AddNode(year.node->credential_id, year.node->key.public_key());
    school::SchoolState state;
    Admission admission(&registry, {}, &state);
    return admission.CatchUp(ledger, Admission::kViewsChunk, Admission::ViewsLoad::kFromZero);
  };
  ASSERT_NO_FATAL_FAILURE(ReplayCutByAPowerFailure(year.path, "views-catch-up-bulk-1.",
                                                   [&](Ledger& ledger) { (void)replay(ledger); }));
  auto ledger = OpenLedgerAt(year.path, nullptr);
  ASSERT_TRUE(ledger.has_value()) << ledger.error().ToString();
  auto* views = (*ledger)->column_families().views;
  EXPECT_EQ(school::ViewsAppliedPosition((*ledger)->db(), views).value(), 0u);
  auto cut = school::DumpViews((*ledger)->db(), views);
  ASSERT_TRUE(cut.has_value());
  EXPECT_TRUE(cut->empty()) << cut->size() << " views after the cut";
  ASSERT_OK(replay(**ledger));
  EXPECT_EQ(school::ViewsAppliedPosition((*ledger)->db(), views).value(), year.size);
  auto resumed = school::DumpViews((*ledger)->db(), views);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_TRUE(*resumed == year.incremental);
  // No table file of the cut replay is left in the database's folder.
  std::vector<std::string> children;
  ASSERT_TRUE((*ledger)->db()->GetEnv()->GetChildren(year.path, &children).ok());
  for (const std::string& name : children)
    EXPECT_FALSE(name.starts_with("views-catch-up-")) << name;
}

// How the compactions of the views column family ran: their subcompactions, per job. (RocksDB
// 7.8 leaves a subcompaction's compaction_reason unset; the automatic compactions run whole, as
// `max_subcompactions` is 1 in the ledger's options.)
class ViewsCompactions final : public rocksdb::EventListener {
 public:
  void OnSubcompactionBegin(const rocksdb::SubcompactionJobInfo& info) override {
    if (info.cf_name != "views") return;
    std::lock_guard lock(mu_);
    ++subcompactions_[info.job_id];
  }
  // The most subcompactions a compaction of the views ran in (0: none ran).
  int MostSubcompactions() const {
    std::lock_guard lock(mu_);
    int most = 0;
    for (const auto& [job, n] : subcompactions_) most = std::max(most, n);
    return most;
  }

 private:
  mutable std::mutex mu_;
  std::map<int, int> subcompactions_;  // job id -> subcompactions begun
};

// A replay whose views go in as table files ends with one merge of the chunks' files, each of
// which spans the whole key space: the merge is cut into subcompactions by key range, so that it
// runs on both cores (with RocksDB 7.8, `max_subcompactions = 2` ran it whole: docs/BENCHMARKS.md,
// and MergeTableFiles in ledger/admission.cc). The merged views equal the incremental ones, and the
// views' target file size, lowered for the merge of so small a ledger, is back.
TEST(GeneratedYearTwoSchools, ReplayOfTableFilesMergesThemInSeveralSubcompactions) {
  TempDir dir;
  ClosedTwoSchools year;
  ASSERT_NO_FATAL_FAILURE(GenerateTwoSchoolsAndClose(dir, /*clear_views=*/false, &year));
  const std::string& path = year.path;
  const uint64_t size = year.size;
  const auto* incremental = &year.incremental;
  const Signer& node = *year.node;
  auto compactions = std::make_shared<ViewsCompactions>();
  LedgerOptions options;
  options.path = path;
  options.listeners.push_back(compactions);
  auto ledger = Ledger::Open(std::move(options));
  ASSERT_TRUE(ledger.has_value()) << ledger.error().ToString();
  auto* views = (*ledger)->column_families().views;
  const uint64_t target = (*ledger)->db()->GetOptions(views).target_file_size_base;
  ASSERT_OK(school::ClearViews((*ledger)->db(), views));
  CredentialRegistry registry;
  registry.AddNode(node.credential_id, node.key.public_key());
  school::SchoolState state;
  Admission admission(&registry, {}, &state);
  ASSERT_OK(admission.CatchUp(**ledger, 300, Admission::ViewsLoad::kTableFiles));
  EXPECT_GE(compactions->MostSubcompactions(), 2);
  EXPECT_EQ(school::ViewsAppliedPosition((*ledger)->db(), views).value(), size);
  auto replayed = school::DumpViews((*ledger)->db(), views);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_TRUE(*replayed == *incremental);
  EXPECT_EQ((*ledger)->db()->GetOptions(views).target_file_size_base, target);
  EXPECT_FALSE((*ledger)->db()->GetOptions(views).disable_auto_compactions);
}

// What the compactions of the views column family wrote (records, over all of them).
class ViewsCompactionOutput final : public rocksdb::EventListener {
 public:
  void OnCompactionCompleted(rocksdb::DB*, const rocksdb::CompactionJobInfo& info) override {
    if (info.cf_name == "views") records_ += info.stats.num_output_records;
  }
  uint64_t records() const { return records_; }

 private:
  std::atomic<uint64_t> records_{0};
};

// A replay into views that a replay's ClearViews emptied builds every view once, as table files
// that do not overlap (Admission::ViewsLoad::kFromZero): RocksDB puts them all in one level below
// level 0, no compaction rewrites a view, and the views equal the incremental ones.
TEST(GeneratedYearTwoSchools, ReplayFromZeroIngestsFilesThatNeedNoCompaction) {
  TempDir dir;
  ClosedTwoSchools year;
  ASSERT_NO_FATAL_FAILURE(GenerateTwoSchoolsAndClose(dir, /*clear_views=*/false, &year));
  auto output = std::make_shared<ViewsCompactionOutput>();
  LedgerOptions options;
  options.path = year.path;
  options.listeners.push_back(output);
  auto ledger = Ledger::Open(std::move(options));
  ASSERT_TRUE(ledger.has_value()) << ledger.error().ToString();
  rocksdb::DB* db = (*ledger)->db();
  auto* views = (*ledger)->column_families().views;
  ASSERT_OK(school::ClearViews(db, views));
  CredentialRegistry registry;
  registry.AddNode(year.node->credential_id, year.node->key.public_key());
  school::SchoolState state;
  Admission admission(&registry, {}, &state);
  ASSERT_OK(admission.CatchUp(**ledger, Admission::kViewsChunk, Admission::ViewsLoad::kFromZero));
  EXPECT_EQ(school::ViewsAppliedPosition(db, views).value(), year.size);
  auto replayed = school::DumpViews(db, views);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_TRUE(*replayed == year.incremental);
  EXPECT_GT(admission.caught_up_views().batches, 1u);  // several files (two threads at least)
  // Nothing pending or running afterwards (given a moment to be scheduled).
  for (int i = 0; i < 50; ++i) {
    uint64_t pending = 0, running = 0;
    ASSERT_TRUE(db->GetIntProperty(views, "rocksdb.compaction-pending", &pending));
    ASSERT_TRUE(db->GetIntProperty(views, "rocksdb.num-running-compactions", &running));
    EXPECT_EQ(pending, 0u);
    if (running == 0 && i >= 5) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(output->records(), 0u) << "a compaction rewrote views";
  rocksdb::ColumnFamilyMetaData meta;
  db->GetColumnFamilyMetaData(views, &meta);
  int levels_with_files = 0;
  for (const auto& level : meta.levels) {
    if (level.files.empty()) continue;
    ++levels_with_files;
    EXPECT_GT(level.level, 0) << "a file in level 0";
  }
  EXPECT_EQ(levels_with_files, 1);
  EXPECT_EQ(meta.file_count, admission.caught_up_views().batches + 1);  // + the position's file
}

// The same with every event appended on its own (its own group commit), as a server receiving one
// event at a time would: the views equal a replay from zero.
TEST(GeneratedYearOneByOne, IncrementalOneEventAtATimeEqualsReplay) {
  TempDir dir;
  synth::SettableClock clock;
  auto opened = OpenSchoolLedger(dir.path(), &clock);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  std::unique_ptr<SignedLedger> ledger = std::move(*opened);
  Options o = SmallYear();
  o.weeks = 2;
  o.classes = 3;
  o.students = 24;
  o.leak = false;
  auto generator = NodeGenerator(*ledger, o);
  std::vector<Event> group;
  while (generator->NextGroup(group)) {
    auto r = synth::AppendGroup(group, ledger->admission(), ledger->ledger(), clock, true);
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
  }
  ASSERT_GT(ledger->ledger().size(), 500u);
  auto incremental =
      school::DumpViews(ledger->ledger().db(), ledger->ledger().column_families().views);
  ASSERT_TRUE(incremental.has_value());
  ASSERT_OK(school::ClearViews(ledger->ledger().db(), ledger->ledger().column_families().views));
  ASSERT_OK(ledger->Open());
  auto replayed =
      school::DumpViews(ledger->ledger().db(), ledger->ledger().column_families().views);
  ASSERT_TRUE(replayed.has_value());
  EXPECT_TRUE(*replayed == *incremental);
}

// The demo stops at "now" (Options::stop_at_us). Weeks are scheduled on the Friday before: on a
// Thursday evening only Friday's lessons are still to come. With schedule_ahead_days the lessons
// the methodist would schedule in those days are scheduled in one last group at the stop, admitted
// like the rest, and nothing else after the stop is generated.
TEST(GeneratedYearStop, ScheduleAheadSchedulesTheComingWeeksAtTheStop) {
  auto zone = school::SchoolZone::Find("Europe/Moscow");
  ASSERT_TRUE(zone.has_value());
  v1::Date date;
  date.set_year(2025);  // SmallYear's: 2025-09-11 is the Thursday of the second study week
  date.set_month(9);
  date.set_day(11);
  auto thursday = school::DayOf(date);
  ASSERT_TRUE(thursday.has_value());
  const int64_t stop = zone->InstantOf(*thursday, 20 * 60);
  struct Run {
    std::set<school::Day> coming;  // the dates of lessons after the stop's day
    std::vector<Event> last;       // the last group
  };
  auto run = [&](int ahead) -> Run {
    Run out;
    TempDir dir;
    synth::SettableClock clock;
    auto opened = OpenSchoolLedger(dir.path(), &clock);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    if (!opened) return out;
    Options o = SmallYear();
    o.stop_at_us = stop;
    o.schedule_ahead_days = ahead;
    auto generator = NodeGenerator(**opened, o);
    std::vector<Event> group;
    while (generator->NextGroup(group)) {
      EXPECT_LE(group.front().record_at_us, stop);
      auto r = synth::AppendGroup(group, (*opened)->admission(), (*opened)->ledger(), clock, false);
      EXPECT_TRUE(r.has_value()) << r.error().ToString();
      for (const auto& e : group) {
        if (!e.body.has_lesson_scheduled()) continue;
        auto day = school::DayOf(e.body.lesson_scheduled().date());
        if (day.has_value() && *day > *thursday) out.coming.insert(*day);
      }
      out.last = group;
    }
    return out;
  };
  const Run today = run(0);
  EXPECT_EQ(today.coming, (std::set<school::Day>{*thursday + 1}));  // Friday's lessons only

  const Run ahead = run(21);
  ASSERT_FALSE(ahead.last.empty());
  for (const auto& e : ahead.last) {
    EXPECT_TRUE(synth::IsSetUp(e.body)) << e.body.ShortDebugString().substr(0, 200);
    EXPECT_EQ(e.record_at_us, stop);
    EXPECT_EQ(e.body.client_time_us(), stop);
  }
  // The weeks scheduled on the next three Fridays (12, 19 and 26 September): to Friday 3 October.
  EXPECT_TRUE(ahead.coming.contains(*thursday + 4)) << "the next Monday";
  EXPECT_EQ(*ahead.coming.rbegin(), *thursday + 22);
}

// A stop in August, before the year's set-up is complete (the demo made on 20 August): the set-up
// and the first weeks' lessons are recorded at the stop, every event admitted, none held.
TEST(GeneratedYearStop, AStopBeforeTheYearStartsSetsUpTheSchoolAndItsFirstWeeks) {
  auto zone = school::SchoolZone::Find("Europe/Moscow");
  ASSERT_TRUE(zone.has_value());
  v1::Date date;
  date.set_year(2025);
  date.set_month(8);
  date.set_day(20);
  auto august = school::DayOf(date);
  ASSERT_TRUE(august.has_value());
  const int64_t stop = zone->InstantOf(*august, 10 * 60);
  TempDir dir;
  synth::SettableClock clock;
  auto opened = OpenSchoolLedger(dir.path(), &clock);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  Options o = SmallYear();
  o.stop_at_us = stop;
  o.schedule_ahead_days = 21;
  auto generator = NodeGenerator(**opened, o);
  auto driven = synth::Drive(*generator, (*opened)->admission(), (*opened)->ledger(), clock);
  ASSERT_TRUE(driven.has_value()) << driven.error().ToString();
  const school::School* school = (*opened)->school_state()->FindSchool("school-1");
  ASSERT_NE(school, nullptr);
  EXPECT_FALSE(school->classes.empty());
  size_t lessons = 0, held = 0;
  for (const auto& [id, lesson] : school->lessons) {
    ++lessons;
    held += lesson.record.versions.empty() ? 0 : 1;
  }
  EXPECT_GT(lessons, 0u) << "the first weeks' lessons are scheduled";
  EXPECT_EQ(held, 0u);
  EXPECT_TRUE(school->marks.empty());
}

}  // namespace
}  // namespace ejournal::testing
