// The diary answers' cache (api/diary_cache.h) on a real server: after every kind of write a
// diary depends on, the answer over HTTP equals, byte for byte, the one built without the cache;
// a second read is a hit (/metrics); access control is checked before the cache (R-ACC-3). And the
// strong check: a generated school appended event by event over HTTP, every cached answer of a
// sample of students compared with a fresh build after every event.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "api/json_util.h"
#include "ledger/crypto.h"
#include "ledger/event_codec.h"
#include "tests/api/api_fixture.h"
#include "tests/support/generated_school.h"
#include "tests/support/temp_dir.h"

namespace ejournal::testing {
namespace {

constexpr char kDiary[] = "/api/v1/schools/school-1/students/";

// A counter of the server's /metrics ("" name: 0 when absent).
uint64_t MetricOf(httplib::Client& client, const std::string& name) {
  auto r = client.Get("/metrics");
  if (!r || r->status != 200) return 0;
  const std::string line = "\n" + name + " ";
  const size_t at = r->body.find(line);
  if (at == std::string::npos) return 0;
  return std::stoull(r->body.substr(at + line.size()));
}

class DiaryCacheTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    SetPassword("director");
    director_ = Login("director").token;
    ASSERT_FALSE(director_.empty());
  }
  std::string Path(const std::string& student, const std::string& week = "2025-10-06") {
    return kDiary + student + "/diary?week=" + week;
  }
  uint64_t Hits() { return MetricOf(*client_, "ejournal_diary_cache_hits_total"); }
  uint64_t Misses() { return MetricOf(*client_, "ejournal_diary_cache_misses_total"); }
  // Reads the diary of `student` twice over HTTP (the second from the cache) and compares both with
  // the server's build without the cache.
  void ExpectFresh(const std::string& student, const std::string& week, const std::string& what) {
    SCOPED_TRACE(what + ": " + student + " " + week);
    auto day = api::ParseDay(week);
    ASSERT_TRUE(day.has_value());
    for (int i = 0; i < 2; ++i) {
      auto r = GetPath(Path(student, week), director_);
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200) << r->body;
      auto fresh = server_->DiaryJsonUncached(kSchool, student, *day);
      ASSERT_TRUE(fresh.has_value()) << fresh.error().ToString();
      EXPECT_EQ(r->body, *fresh) << "read " << i + 1;
    }
  }
  // Caches the diaries of every 5a student for the week, writes `body`, and compares them all.
  void AfterWrite(const v1::EventBody& body, const std::string& what,
                  const std::string& week = "2025-10-06") {
    std::map<std::string, std::string> before;
    for (const char* s : {"s1", "s2", "s3"}) {
      auto r = GetPath(Path(s, week), director_);
      ASSERT_TRUE(r && r->status == 200);
      before[s] = r->body;
    }
    auto posted = PostEvent(Signed(body));
    ASSERT_TRUE(posted);
    ASSERT_EQ(posted->status, 200) << what << ": " << posted->body;
    for (const char* s : {"s1", "s2", "s3"}) ExpectFresh(s, week, what);
  }

  std::string director_;
};

TEST_F(DiaryCacheTest, SecondReadIsAHitAndEqualsAFreshBuild) {
  const uint64_t hits = Hits(), misses = Misses();
  auto first = GetPath(Path("s1"), director_);
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(Misses(), misses + 1);
  EXPECT_EQ(Hits(), hits);
  auto second = GetPath(Path("s1"), director_);
  ASSERT_EQ(second->status, 200);
  EXPECT_EQ(Hits(), hits + 1);
  EXPECT_EQ(second->body, first->body);
  EXPECT_EQ(second->get_header_value("Content-Type"), first->get_header_value("Content-Type"));
  EXPECT_EQ(second->body, server_->DiaryJsonUncached(kSchool, "s1", D(2025, 10, 6)).value());
  EXPECT_NE(second->body.find("m-s1"), std::string::npos);
  // Another week is another answer.
  ExpectFresh("s1", "2025-09-08", "another week");
}

TEST_F(DiaryCacheTest, AccessIsCheckedBeforeTheCache) {
  SetPassword("parent");
  const std::string parent = Login("parent").token;
  // The director's reads put both children's weeks in the cache.
  ASSERT_EQ(GetPath(Path("s1"), director_)->status, 200);
  ASSERT_EQ(GetPath(Path("s2"), director_)->status, 200);
  const uint64_t hits = Hits();
  auto own = GetPath(Path("s1"), parent);
  ASSERT_EQ(own->status, 200);
  EXPECT_EQ(Hits(), hits + 1);
  // Another child: the same answer as an unknown id, no data, and no hit counted.
  auto other = GetPath(Path("s2"), parent);
  auto unknown = GetPath(Path("nobody"), parent);
  ASSERT_TRUE(other && unknown);
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(other->body, unknown->body);
  EXPECT_EQ(other->body.find("m-s2"), std::string::npos);
  EXPECT_EQ(Hits(), hits + 1);
  // No session: 401 as before.
  EXPECT_EQ(GetPath(Path("s1"))->status, 401);
}

TEST_F(DiaryCacheTest, MemoryIsBounded) {
  // Room for the largest of the three answers (with its keys), not for two of them.
  size_t largest = 0, smallest = SIZE_MAX;
  for (const char* s : {"s1", "s2", "s3"}) {
    const size_t n = server_->DiaryJsonUncached(kSchool, s, D(2025, 10, 6)).value().size();
    largest = std::max(largest, n);
    smallest = std::min(smallest, n);
  }
  const size_t bound = largest + 400;
  ASSERT_LT(bound, 2 * smallest);
  api::ServerOptions o = Options();
  o.diary_cache_bytes = bound;
  StartServer(o);
  director_ = Login("director").token;
  for (const char* s : {"s1", "s2", "s3", "s1"}) ExpectFresh(s, "2025-10-06", "bounded");
  EXPECT_EQ(MetricOf(*client_, "ejournal_diary_cache_entries"), 1u);
  EXPECT_LE(MetricOf(*client_, "ejournal_diary_cache_bytes"), bound);
  EXPECT_EQ(MetricOf(*client_, "ejournal_diary_cache_evictions_total"), 3u);
  // Off: every read builds, and /metrics has no cache lines.
  o.diary_cache_bytes = 0;
  StartServer(o);
  director_ = Login("director").token;
  for (const char* s : {"s1", "s1"}) ExpectFresh(s, "2025-10-06", "off");
  EXPECT_EQ(client_->Get("/metrics")->body.find("ejournal_diary_cache"), std::string::npos);
}

TEST_F(DiaryCacheTest, EachKindOfWriteRebuilds) {
  const school::Day mon = D(2025, 10, 6);
  At(mon, "08:50");
  AfterWrite(Mark("math", "m-s3", "math-5a-1", "s3", 3, mon), "mark");
  {
    v1::EventBody b = Body("math");
    auto* a = b.mutable_attendance_recorded();
    a->set_lesson_id("math-5a-1");
    a->set_student_id("s2");
    a->set_status(v1::ATTENDANCE_STATUS_LATE);
    a->set_minutes_late(5);
    *b.mutable_business_date() = Date(mon);
    AfterWrite(b, "attendance");
  }
  {
    v1::EventBody b = Body("math");
    auto* c = b.mutable_lesson_conducted();
    c->set_lesson_id("math-5a-1");
    c->set_topic("Дроби");
    c->set_kind(v1::LESSON_KIND_REGULAR);
    *b.mutable_business_date() = Date(mon);
    AfterWrite(b, "topic");
  }
  {
    v1::EventBody b = Body("math");
    auto* h = b.mutable_homework_assigned();
    h->set_homework_id("hw-cache-1");
    h->set_lesson_id("math-5a-1");
    h->set_text("№ 5, 6");
    *h->mutable_due_date() = Date(D(2025, 10, 8));
    *b.mutable_business_date() = Date(mon);
    AfterWrite(b, "homework");
  }
  {
    v1::EventBody b = Body("methodist");
    b.mutable_lesson_moved()->set_lesson_id("math-5a-2");
    *b.mutable_lesson_moved()->mutable_new_date() = Date(D(2025, 10, 9));
    b.mutable_lesson_moved()->set_new_period(2);
    b.mutable_lesson_moved()->set_reason("болезнь учителя");
    AfterWrite(b, "lesson moved");
  }
  {
    v1::EventBody b = Body("methodist");
    b.mutable_lesson_cancelled()->set_lesson_id("math-5a-2");
    b.mutable_lesson_cancelled()->set_reason("карантин");
    AfterWrite(b, "lesson cancelled");
  }
  {
    v1::EventBody b = Body("admin");
    b.mutable_user_profile_changed()->set_user_id("s2");
    b.mutable_user_profile_changed()->set_display_name("Иванова Мария");
    AfterWrite(b, "user profile changed");
  }
  At(mon, "19:00");
  {
    v1::EventBody b = Body("parent");
    auto* ack = b.mutable_diary_acknowledged();
    ack->set_guardian_id("parent");
    ack->set_student_id("s1");
    *ack->mutable_week_start() = Date(mon);
    ack->set_as_of_sequence(LedgerSize());
    ack->set_channel(v1::ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC);
    AfterWrite(b, "diary acknowledged");
  }
  // The acknowledged week shows the acknowledgement (a rebuilt answer, not the cached one).
  auto r = GetPath(Path("s1"), director_);
  EXPECT_NE(r->body.find("ACKNOWLEDGEMENT_CHANNEL_ELECTRONIC"), std::string::npos) << r->body;
  // A roster change (not a journal record: the whole school's answers are rebuilt): s3 moves to
  // 9a from Wednesday, so the week shows 9a's lessons from then on.
  {
    v1::EventBody b = Body("admin");
    b.mutable_student_moved()->set_student_id("s3");
    b.mutable_student_moved()->set_to_class_id("9a");
    *b.mutable_student_moved()->mutable_moved_on() = Date(D(2025, 10, 8));
    AfterWrite(b, "student moved");
  }
  EXPECT_EQ(GetPath(Path("s3"), director_)->body.find("math-5a-2"), std::string::npos);
}

// The strong check: a generated school of eight weeks, to the first quarter's term marks (its
// roster, timetable, lessons, topics, absences and their reasons, marks, homework, corrections and
// approvals, substitutions, acknowledgements, term marks, the credential leak with its Act and
// re-entries) appended event by event through POST /api/v1/events; after every event the cached
// answers of a sample of students (the current week, and one rotating (student, week)) equal a
// build without the cache.
TEST(DiaryCacheGenerated, EveryEventKeepsTheCacheExact) {
  TempDir dir;
  synth::SettableClock clock;
  const synth::Options options{.seed = 5, .classes = 3, .students = 30, .teachers = 10, .weeks = 8};
  std::unique_ptr<synth::SchoolGenerator> generator;
  {
    auto node = OpenSchoolLedger(dir.path(), &clock);
    ASSERT_TRUE(node.has_value()) << node.error().ToString();
    generator = NodeGenerator(**node, options);
    (*node)->Close();
  }
  api::ServerOptions so;
  so.data_dir = dir.path();
  so.clock = &clock;
  so.kdf.n = 1024;
  so.threads = 2;
  so.expiry_sweep_seconds = 0;
  so.session_lifetime_us = 400LL * 24 * 3600 * 1'000'000;
  so.login_max_failures = 1000000;
  auto opened = api::ApiServer::Open(so);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  std::unique_ptr<api::ApiServer> server = std::move(*opened);
  ASSERT_TRUE(server->Start().ok());
  httplib::Client client("127.0.0.1", server->port());
  client.set_read_timeout(30, 0);

  std::string school_id, director, admin;
  std::vector<std::string> students;
  std::set<school::Day> weeks;
  std::map<int, uint64_t> kinds;  // payload case -> events appended
  std::string token;
  uint64_t compared = 0, rotation = 0, enrolled = 0, attempts = 0;
  auto post = [&](const std::string& bytes) {
    return client.Post("/api/v1/events", bytes, "application/x-protobuf");
  };
  // The director's session, once the admin and the director exist.
  auto sign_in = [&]() {
    const crypto::PrivateKey* admin_key = generator->KeyOf(school_id, admin);
    if (admin_key == nullptr) return;
    v1::EventBody b;
    b.set_schema_version(kSchemaVersion);
    b.set_event_id("cache-test-password-" + std::to_string(++attempts));
    b.set_school_id(school_id);
    b.set_actor_id(admin);
    b.set_credential_id(generator->CredentialOf(school_id, admin));
    b.set_client_time_us(clock.NowMicros());
    b.mutable_password_changed()->set_user_id(director);
    b.mutable_password_changed()->set_kind(v1::PASSWORD_CHANGE_KIND_INITIAL);
    auto bytes = SignEvent(b, *admin_key);
    if (!bytes) return;
    nlohmann::json req = {{"event", crypto::Base64Encode(*bytes)},
                          {"password", "correct horse battery"}};
    auto r = client.Post("/api/v1/passwords", req.dump(), "application/json");
    if (!r || r->status != 200) return;
    auto key = crypto::PrivateKey::Generate(crypto::KeyType::kEd25519);
    ASSERT_TRUE(key.has_value());
    nlohmann::json login = {{"school_id", school_id},
                            {"login", director},
                            {"password", "correct horse battery"},
                            {"public_key", crypto::Base64Encode(key->public_key().raw())},
                            {"algorithm", "ed25519"}};
    auto l = client.Post("/api/v1/login", login.dump(), "application/json");
    if (!l || l->status != 200) return;
    token = nlohmann::json::parse(l->body)["token"].get<std::string>();
  };
  auto compare = [&](const std::string& student, std::optional<school::Day> week) {
    std::string path = "/api/v1/schools/" + school_id + "/students/" + student + "/diary";
    school::Day start = school::kNoDay;
    if (week) {
      path += "?week=" + school::DayString(*week);
      start = *week;
    } else {
      auto zone = school::SchoolZone::Find(options.zone).value();
      start = school::WeekStart(zone.LocalDay(clock.NowMicros()));
    }
    auto r = client.Get(path, {{"Authorization", "Bearer " + token}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200) << path << ": " << r->body;
    auto fresh = server->DiaryJsonUncached(school_id, student, start);
    ASSERT_TRUE(fresh.has_value()) << fresh.error().ToString();
    ASSERT_EQ(r->body, *fresh) << path << " after entry " << server->ledger().size();
    ++compared;
  };

  std::vector<synth::Event> group;
  uint64_t events = 0;
  while (generator->NextGroup(group)) {
    clock.Set(group.front().record_at_us);
    for (const synth::Event& e : group) {
      if (school_id.empty()) {
        school_id = e.body.school_id();
        for (const auto& [role, user] : generator->sample_users()) {
          if (role == "director") director = user;
          if (role == "admin") admin = user;
        }
      }
      auto bytes = SignEvent(e.body, *e.key);
      ASSERT_TRUE(bytes.has_value());
      auto r = post(*bytes);
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 200) << e.body.ShortDebugString() << "\n" << r->body;
      ++events;
      ++kinds[e.body.payload_case()];
      // Every 4th enrolled student (of different classes), four of them.
      if (e.body.has_student_enrolled() && students.size() < 4 && enrolled++ % 4 == 0) {
        students.push_back(e.body.student_enrolled().student_id());
      }
      if (e.body.has_lesson_scheduled()) {
        auto day = school::DayOf(e.body.lesson_scheduled().date());
        if (day) weeks.insert(school::WeekStart(*day));
      }
      if (token.empty() && !director.empty()) sign_in();
      if (token.empty() || students.empty()) continue;
      for (const std::string& s : students) compare(s, std::nullopt);
      if (!weeks.empty()) {
        std::vector<school::Day> w(weeks.begin(), weeks.end());
        const uint64_t k = rotation++;
        compare(students[k % students.size()], w[(k / students.size()) % w.size()]);
      }
      if (::testing::Test::HasFatalFailure()) return;
    }
  }
  // The year held every kind of write the cache must follow.
  using B = v1::EventBody;
  for (B::PayloadCase kind :
       {B::kMarkRecorded, B::kAttendanceRecorded, B::kAbsenceReasonSet, B::kLessonConducted,
        B::kHomeworkAssigned, B::kLessonScheduled, B::kSubstitutionAssigned, B::kTermMarkRecorded,
        B::kCorrectionRequested, B::kCorrectionApproved, B::kDiaryAcknowledged,
        B::kCredentialCompromiseActRecorded, B::kStudentEnrolled, B::kUserRegistered}) {
    EXPECT_GT(kinds[kind], 0u) << "no event of payload " << kind;
  }
  const api::DiaryCache::Counters c = server->diary_cache().counters();
  EXPECT_GT(c.hits, 0u);
  EXPECT_GT(c.misses, 0u);
  std::printf("appended %llu events, compared %llu answers; cache hits %llu, misses %llu\n",
              static_cast<unsigned long long>(events), static_cast<unsigned long long>(compared),
              static_cast<unsigned long long>(c.hits), static_cast<unsigned long long>(c.misses));
  server->Stop();
}

}  // namespace
}  // namespace ejournal::testing
