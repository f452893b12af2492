// The ejournal web pages: one small app served by ejournald, bundled from this entry point. The
// page table: each page's render function by its hash name ("#/journal"); the sign-in page is
// shown for every hash while nobody is signed in.
import { start } from "./router.js";
import { loginPage } from "./pages/login.js";
import { journalPage } from "./pages/journal.js";
import { classPage } from "./pages/class.js";
import { timetablePage } from "./pages/timetable.js";
import { reentryPage } from "./pages/reentry.js";
import { ledgerPage } from "./pages/ledger.js";
import { diaryPage } from "./pages/diary.js";
import { correctionsPage } from "./pages/corrections.js";
import { actPage } from "./pages/act.js";
import { reportsPage } from "./pages/reports.js";
import { substitutionsPage } from "./pages/substitutions.js";
import { auditPage } from "./pages/audit.js";
import { setupPage } from "./pages/setup.js";
import { schedulePage } from "./pages/schedule.js";
import { passwordPage } from "./pages/password.js";
import { planPage } from "./pages/plan.js";
import { weekPage } from "./pages/week.js";
import { todayPage } from "./pages/today.js";
import { marksPage } from "./pages/marks.js";
import { messagesPage } from "./pages/messages.js";
import { newsPage } from "./pages/news.js";
import { notificationsPage } from "./pages/notifications.js";
import { surveysPage } from "./pages/surveys.js";

start(loginPage, { journal: journalPage, diary: diaryPage, corrections: correctionsPage,
  act: actPage, audit: auditPage, substitutions: substitutionsPage, reports: reportsPage,
  class: classPage, timetable: timetablePage, reentry: reentryPage, ledger: ledgerPage,
  setup: setupPage, schedule: schedulePage, password: passwordPage, plan: planPage, week: weekPage,
  today: todayPage, marks: marksPage, messages: messagesPage, news: newsPage,
  notifications: notificationsPage, surveys: surveysPage });
