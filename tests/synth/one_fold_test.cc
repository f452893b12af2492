// One journal fold: the as-of page (projections/as_of.h), rebuilt from the page's own ledger
// entries, equals the live page the journal served, byte for byte: at random moments of a
// generated year with its corrections, substitutions, leak, Act and re-entries (the moments are
// drawn from a fixed seed, the same every run), and, for every page of the school, at the
// ledger's end. The two pages come from the same record folds (projections/school_fold.h); a
// drift between them fails here.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "projections/as_of.h"
#include "projections/views.h"
#include "tests/support/generated_school.h"
#include "tests/support/temp_dir.h"

namespace ejournal::testing {
namespace {

struct Page {
  std::string class_id, subgroup_id, subject_id;
  int term = 0;
};

// The term of `load`'s class that holds `day` (0: none).
int TermOf(const school::School& school, const school::Load& load, school::Day day) {
  auto cls = school.classes.find(load.class_id);
  if (cls == school.classes.end()) return 0;
  const school::TermInfo* term = school.TermOn(cls->second, day);
  return term == nullptr ? 0 : term->number;
}

TEST(OneFoldTest, AsOfPagesEqualTheLivePagesAtRandomMomentsAndAtTheEnd) {
  TempDir dir;
  synth::SettableClock clock;
  auto opened = OpenSchoolLedger(dir.Sub("data"), &clock);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  SignedLedger& ledger = **opened;
  const school::SchoolState& state = *ledger.school_state();
  const school::ViewReader reader(ledger.ledger().db(), ledger.ledger().column_families().views);
  auto generator =
      NodeGenerator(ledger, {.seed = 11, .classes = 2, .students = 24, .teachers = 10, .weeks = 5});
  auto page_of = [&](const Page& p) {
    return reader.JournalPage(state, "school-1", p.class_id, p.subgroup_id, p.subject_id, p.term);
  };

  std::mt19937_64 rng(20261206);
  struct Served {
    Page page;
    int64_t at_us = 0;
    uint64_t size = 0;  // the ledger's then
    std::string bytes;
  };
  std::vector<Served> served;
  auto driven = synth::Drive(
      *generator, ledger.admission(), ledger.ledger(), clock, [&](const synth::DriveResult&) {
        const school::School* school = state.FindSchool("school-1");
        if (school == nullptr || school->loads.empty() || rng() % 6 != 0) return;
        auto load = school->loads.begin();
        std::advance(load, static_cast<long>(rng() % school->loads.size()));
        const school::Load& l = load->second;
        Page p{l.class_id, l.subgroup_id, l.subject_id,
               TermOf(*school, l, school->zone.LocalDay(clock.NowMicros()))};
        if (p.term == 0) return;
        auto live = page_of(p);
        if (!live) return;
        served.push_back({p, clock.NowMicros(), ledger.ledger().size(), live->SerializeAsString()});
      });
  ASSERT_TRUE(driven.has_value()) << driven.error().ToString();
  ASSERT_GT(served.size(), 20u);

  // A later group recorded at the same instant as a served page belongs to the as-of page of
  // that instant: such moments are not compared.
  auto as_of = [&](const Page& p, int64_t at_us) {
    return school::AsOfJournalPage(
        state, reader, [&](uint64_t seq) { return ledger.ledger().Entry(seq); }, "school-1",
        p.class_id, p.subgroup_id, p.subject_id, p.term, at_us, school::AsOfMode::kAsShownThen);
  };
  int compared = 0;
  for (const Served& s : served) {
    if (state.PositionAt(s.at_us) != s.size) continue;
    auto then = as_of(s.page, s.at_us);
    ASSERT_TRUE(then.has_value()) << then.error().ToString();
    EXPECT_EQ(then->SerializeAsString(), s.bytes) << s.page.class_id << "/" << s.page.subject_id
                                                  << " term " << s.page.term << " at " << s.at_us;
    ++compared;
  }
  EXPECT_GT(compared, 10);

  // Every page of the school at the ledger's end.
  const school::School& school = *state.FindSchool("school-1");
  const int64_t end = clock.NowMicros();
  int pages = 0;
  for (const auto& [id, load] : school.loads) {
    auto cls = school.classes.find(load.class_id);
    ASSERT_NE(cls, school.classes.end());
    for (int term = 1; term <= 4; ++term) {
      Page p{load.class_id, load.subgroup_id, load.subject_id, term};
      auto live = page_of(p);
      if (!live) continue;
      auto then = as_of(p, end);
      ASSERT_TRUE(then.has_value()) << then.error().ToString();
      EXPECT_EQ(then->SerializeAsString(), live->SerializeAsString())
          << p.class_id << "/" << p.subject_id << " term " << term;
      ++pages;
    }
  }
  EXPECT_GT(pages, 10);
}

}  // namespace
}  // namespace ejournal::testing
