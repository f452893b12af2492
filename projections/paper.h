// Paper (DOMAIN.md "Archive and paper"; seed 002 §2.5, §3; seed 004 §12): print-ready HTML of the
// year's summary statement of a class (printed, signed and kept 25 years) and of a student's week
// (the weekly printout for parents who chose paper, and the diary pages staff print when the server
// is down). Each page carries the ledger position it shows and the signed checkpoint that covers
// it, so that the paper can be checked against the ledger later (`ejournal proof inclusion`).
//
// Pure functions of a view and the school's names; the output is self-contained HTML (inline CSS
// for A4, no scripts, every text escaped). Thread-safety: as the SchoolState they read.
#ifndef EJOURNAL_PROJECTIONS_PAPER_H_
#define EJOURNAL_PROJECTIONS_PAPER_H_

#include <cstdint>
#include <string>

#include "ejournal/v1/reports.pb.h"
#include "ejournal/v1/views.pb.h"
#include "projections/school_state.h"

namespace ejournal::school {

// What the paper says about the ledger it was printed from.
struct PaperStamp {
  std::string origin;      // the checkpoint's origin (the ledger's name)
  uint64_t tree_size = 0;  // the signed checkpoint's size
  std::string root_hex;    // its root, 64 hex digits
  std::string printed_at;  // school-local date and time of printing, as text
};

// The summary statement (сводная ведомость) of a class for a year: students × subjects × terms and
// the year mark.
std::string SummaryStatementHtml(const School& school, const v1::SummaryStatementView& view,
                                 const PaperStamp& stamp);

// A student's diary week (дневник): per day the lessons with subject, topic, homework, marks and
// attendance, the term marks, and a line for the parent's signature (R-ACK-1 on paper).
std::string DiaryWeekHtml(const School& school, const v1::DiaryWeekView& view,
                          const PaperStamp& stamp);

// Text made safe for HTML element content and attribute values.
std::string HtmlEscape(std::string_view text);

}  // namespace ejournal::school

#endif  // EJOURNAL_PROJECTIONS_PAPER_H_
