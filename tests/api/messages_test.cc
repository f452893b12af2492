// Messages and announcements (R-MSG-1, R-MSG-2, R-MSG-5) through a real ejournald and the real
// CLI: a teacher writes to a parent, the ledger holds the text's hash and never the text, the
// parent reads it (unread count, read receipt) and replies; nobody outside the conversation reads
// it; a parent cannot reach another family; a flood gets 429 with Retry-After; an empty text, a
// text not in JSON, and an event naming a text never uploaded are refused and record nothing; a
// class teacher's announcement reaches the class's parents and not its students.
#include <filesystem>
#include <string>

#include "ledger/crypto.h"
#include "tests/api/flow_fixture.h"

namespace ejournal::testing {
namespace {

class MessagesTest : public FlowFixture {
 protected:
  void SetUp() override {
    FlowFixture::SetUp();
    if (HasFatalFailure()) return;
    for (const char* user : {"math", "parent", "parent2", "ct", "deputy", "director", "s1"}) {
      SetPassword(user);
    }
    At(D(2025, 10, 6), "15:00");
  }
  httplib::Result PostText(const std::string& token, const std::string& body) {
    return client_->Post("/api/v1/schools/" + std::string(kSchool) + "/message-texts",
                         httplib::Headers{{"Authorization", "Bearer " + token}}, body,
                         "application/json");
  }
  static std::string Base() { return "/api/v1/schools/" + std::string(kSchool); }
};

TEST_F(MessagesTest, TeacherWritesParentReadsAndRepliesOthersSeeNothing_R_MSG_1_R_MSG_5) {
  for (const char* who : {"math", "parent", "parent2", "deputy"}) SignIn(who);
  const std::string text = "<b>Иван</b> получил «2» за контрольную работу; приходите в среду.";
  const std::string out = Ok("math", {"message", "send", "--to", "parent", "--subject",
                                      "Контрольная работа", "--text", text});
  const uint64_t seq = EntryOf(out);
  ASSERT_NE(seq, 0u) << out;

  // The ledger keeps who, to whom and the text's hash; never the text or the subject.
  const json entry = Read("deputy", {"entry", "--sequence", std::to_string(seq)});
  const std::string dumped = entry.dump();
  EXPECT_EQ(dumped.find("Иван"), std::string::npos) << dumped;
  EXPECT_EQ(dumped.find("Контрольная"), std::string::npos) << dumped;
  EXPECT_NE(dumped.find("message_sent"), std::string::npos) << dumped;

  // The parent: one unread conversation, in the header's count too, with the text as written.
  const json inbox = Read("parent", {"inbox"});
  ASSERT_EQ(inbox["conversations"].size(), 1u) << inbox;
  const json& conv = inbox["conversations"][0];
  EXPECT_EQ(conv["unread"], 1);
  EXPECT_EQ(conv["subject"], "Контрольная работа");
  const std::string id = conv["conversation_id"];
  const std::string parent_token = Login("parent").token;
  EXPECT_EQ(Json(GetPath("/api/v1/me", parent_token))["unread_messages"], 1);
  const json read = Read("parent", {"inbox", "--conversation", id});
  ASSERT_EQ(read["messages"].size(), 1u);
  EXPECT_EQ(read["messages"][0]["text"], text);  // as text: the page shows it, never runs it
  EXPECT_EQ(read["messages"][0]["read_by"].size(), 0u);

  // The read receipt, signed by the parent; the teacher sees who read it and when.
  v1::EventBody receipt = Body("parent");
  receipt.mutable_messages_read()->set_conversation_id(id);
  receipt.mutable_messages_read()->set_message_id(read["messages"][0]["message_id"]);
  *receipt.mutable_business_date() = Date(D(2025, 10, 6));
  auto r = PostEvent(Signed(receipt));
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(Json(GetPath("/api/v1/me", parent_token))["unread_messages"], 0);
  const json seen = Read("math", {"inbox", "--conversation", id});
  ASSERT_EQ(seen["messages"][0]["read_by"].size(), 1u);
  EXPECT_EQ(seen["messages"][0]["read_by"][0]["user_id"], "parent");

  // The reply goes to the teacher; the search finds the conversation by its text.
  Ok("parent", {"message", "reply", "--conversation", id, "--text", "Спасибо, придём в среду."});
  EXPECT_EQ(Read("math", {"inbox"})["conversations"][0]["unread"], 1);
  EXPECT_EQ(Read("math", {"inbox", "--search", "придём"})["conversations"].size(), 1u);
  EXPECT_EQ(Read("math", {"inbox", "--search", "каникулы"})["conversations"].size(), 0u);
  const std::string table = Ok("math", {"inbox"});
  EXPECT_NE(table.find("parent"), std::string::npos) << table;

  // Nobody else reads it; another family is not among a parent's recipients.
  EXPECT_NE(Cli("parent2", {"inbox", "--conversation", id}).exit_code, 0);
  EXPECT_EQ(GetPath(Base() + "/conversations/" + id, Login("deputy").token)->status, 404);
  ProcessResult other =
      Cli("parent", {"message", "send", "--to", "parent2", "--text", "Здравствуйте"});
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.err.find("R-MSG-1"), std::string::npos) << other.err;
  const json recipients = Json(GetPath(Base() + "/recipients", parent_token));
  for (const auto& p : recipients["recipients"]) {
    EXPECT_TRUE(p["staff"].get<bool>()) << p;  // teachers and the administration only
  }
}

// R-MSG-5: at the end of its retention the director erases a period's texts: the files leave the
// message store, a read shows the text as erased, the event and its hash stay, and the ledger still
// verifies. Nobody else erases, nor anything not yet past.
TEST_F(MessagesTest, ErasureRemovesTheTextsAndKeepsEveryProof_R_MSG_5) {
  for (const char* who : {"math", "parent", "director", "deputy"}) SignIn(who);
  const std::string text = "Иван болел, справка будет в понедельник.";
  const uint64_t seq = EntryOf(Ok("parent", {"message", "send", "--to", "math", "--text", text}));
  ASSERT_NE(seq, 0u);
  const json inbox = Read("math", {"inbox"});
  const std::string id = inbox["conversations"][0]["conversation_id"];
  const json entry = Read("deputy", {"entry", "--sequence", std::to_string(seq)});
  std::string files;
  for (const auto& p : std::filesystem::recursive_directory_iterator(dir_.path() + "/messages")) {
    if (p.is_regular_file()) files += p.path().filename().string() + " ";
  }
  ASSERT_FALSE(files.empty());

  ProcessResult teacher =
      Cli("math", {"message", "erase", "--before", "2025-10-07", "--order", "№ 5"});
  EXPECT_NE(teacher.exit_code, 0);
  EXPECT_NE(teacher.err.find("R-ACC-2"), std::string::npos) << teacher.err;
  ProcessResult future =
      Cli("director", {"message", "erase", "--before", "2025-12-01", "--order", "№ 5"});
  EXPECT_NE(future.exit_code, 0);
  EXPECT_NE(future.err.find("R-MSG-5"), std::string::npos) << future.err;
  Ok("director", {"message", "erase", "--before", "2025-10-07", "--order",
                  "Приказ № 5 от 06.10.2025 об уничтожении переписки"});

  // The store holds none of the texts; a read says the text is erased.
  size_t left = 0;
  for (const auto& p : std::filesystem::recursive_directory_iterator(dir_.path() + "/messages")) {
    left += p.is_regular_file() ? 1 : 0;
  }
  EXPECT_EQ(left, 0u) << files;
  const json read = Read("math", {"inbox", "--conversation", id});
  ASSERT_EQ(read["messages"].size(), 1u);
  EXPECT_TRUE(read["messages"][0]["erased"].get<bool>());
  EXPECT_EQ(read["messages"][0]["text"], "");
  // The event and its hash stay; the ledger verifies as before.
  EXPECT_EQ(Read("deputy", {"entry", "--sequence", std::to_string(seq)}), entry);
  Ok("director", {"server-backup"});
  TempDir restored;
  EXPECT_NE(RestoredBackupVerified(restored.Sub("data")), "");
}

// A file sent with a message: uploaded to the message store, named by hash in the signed event,
// downloaded by the participants exactly, by nobody else.
TEST_F(MessagesTest, FilesGoToTheParticipantsOnly_R_MSG_1) {
  const std::string parent = Login("parent").token;
  const std::string pdf = "%PDF-1.4\n% Справка о болезни\n%%EOF\n";
  auto file = client_->Post(Base() + "/message-files",
                            httplib::Headers{{"Authorization", "Bearer " + parent}}, pdf,
                            "application/pdf");
  ASSERT_EQ(file->status, 200) << file->body;
  const std::string hex = Json(file)["sha256"];
  auto text = PostText(
      parent,
      R"({"salt":"0123456789abcdef0123","subject":"Справка","text":"Справка во вложении."})");
  ASSERT_EQ(text->status, 200) << text->body;
  auto bytes_of = [](const std::string& h) {
    std::string out;
    for (size_t i = 0; i < h.size(); i += 2)
      out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
    return out;
  };
  v1::EventBody b = Body("parent");
  auto* m = b.mutable_message_sent();
  m->set_message_id("m-file");
  m->set_conversation_id("c-file");
  m->add_recipient_ids("ct");
  m->mutable_content()->set_sha256(bytes_of(Json(text)["sha256"]));
  m->mutable_content()->set_media_type("text/plain");
  m->mutable_content()->set_size_bytes(Json(text)["size_bytes"]);
  auto* a = m->add_attachments();
  a->set_sha256(bytes_of(hex));
  a->set_file_name("справка.pdf");
  a->set_media_type("application/pdf");
  a->set_size_bytes(static_cast<int64_t>(pdf.size()));
  *b.mutable_business_date() = Date(D(2025, 10, 6));
  auto r = PostEvent(Signed(b));
  ASSERT_EQ(r->status, 200) << r->body;
  const std::string path = Base() + "/conversations/c-file/files/" + hex;
  auto got = GetPath(path, Login("ct").token);
  ASSERT_EQ(got->status, 200) << got->body;
  EXPECT_EQ(got->body, pdf);
  EXPECT_EQ(got->get_header_value("Content-Type"), "application/pdf");
  EXPECT_EQ(GetPath(path, Login("parent2").token)->status, 404);
  EXPECT_EQ(GetPath(path, Login("deputy").token)->status, 404);
  const json conv = Json(GetPath(Base() + "/conversations/c-file", parent));
  EXPECT_EQ(conv["messages"][0]["attachments"][0]["file_name"], "справка.pdf");
}

TEST_F(MessagesTest, BadTextsAndFloodsAreRefusedAndRecordNothing_R_MSG_1) {
  const std::string token = Login("parent").token;
  const uint64_t before = LedgerSize();
  auto empty = PostText(token, R"({"salt":"0123456789abcdef0123","subject":"","text":"   "})");
  EXPECT_EQ(empty->status, 400) << empty->body;
  EXPECT_NE(empty->body.find("пустое"), std::string::npos) << empty->body;
  EXPECT_EQ(PostText(token, "просто текст")->status, 400);
  EXPECT_EQ(PostText(token, std::string(70 << 10, 'a'))->status, 413);
  // An event naming a text the node does not hold: refused before admission.
  v1::EventBody b = Body("parent");
  auto* m = b.mutable_message_sent();
  m->set_message_id("m-x");
  m->set_conversation_id("c-x");
  m->add_recipient_ids("math");
  m->mutable_content()->set_sha256(std::string(32, '\x42'));
  m->mutable_content()->set_media_type("text/plain");
  m->mutable_content()->set_size_bytes(60);
  *b.mutable_business_date() = Date(D(2025, 10, 6));
  auto r = PostEvent(Signed(b));
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("R-MSG-1"), std::string::npos) << r->body;
  EXPECT_EQ(LedgerSize(), before);
  // A flood: 30 texts a minute, then 429 with Retry-After; a minute later, again.
  const std::string ok = R"({"salt":"0123456789abcdef0123","subject":"","text":"Добрый день"})";
  int accepted = 0;
  for (int i = 0; i < 30; ++i) accepted += PostText(token, ok)->status == 200 ? 1 : 0;
  EXPECT_EQ(accepted, 27);  // three of the minute's 30 went to the refused texts above
  auto flood = PostText(token, ok);
  EXPECT_EQ(flood->status, 429) << flood->body;
  EXPECT_FALSE(flood->get_header_value("Retry-After").empty());
  clock_.Advance(61LL * 1'000'000);
  EXPECT_EQ(PostText(token, ok)->status, 200);
}

TEST_F(MessagesTest, ClassTeachersAnnouncementReachesTheParentsOnly_R_MSG_2) {
  SignIn("ct");
  Ok("ct", {"announce", "--audience", "parents:5А", "--title", "Родительское собрание", "--text",
            "В среду в 18:00, кабинет 12.", "--on", "2025-10-08"});
  auto list = [&](const std::string& user) {
    return Json(GetPath(Base() + "/announcements", Login(user).token))["announcements"];
  };
  for (const char* user : {"parent", "parent2", "ct", "deputy"}) {
    const json a = list(user);
    ASSERT_EQ(a.size(), 1u) << user;
    EXPECT_EQ(a[0]["title"], "Родительское собрание");
    EXPECT_EQ(a[0]["audience"], "5А: родители");
    EXPECT_EQ(a[0]["event_date"], "2025-10-08");
  }
  for (const char* user : {"s1", "math"}) EXPECT_EQ(list(user).size(), 0u) << user;
  // A teacher who is not its class teacher announces nothing to the class.
  SignIn("math");
  ProcessResult r = Cli("math", {"announce", "--audience", "class:5a", "--text", "Экскурсия"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("R-MSG-2"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ejournal::testing

namespace ejournal::testing {
namespace {

// R-MSG-2: a survey of a class's parents through the real CLI: the class teacher asks, the ledger
// holds the question's hash (never the question), each family answers once, the class teacher sees
// the counts and who has not answered, a parent sees their own answer and no counts.
TEST_F(MessagesTest, SurveyAskedAnsweredOncePerFamilyAndCounted_R_MSG_2) {
  for (const char* who : {"ct", "parent", "parent2", "deputy"}) SignIn(who);
  const std::string out =
      Ok("ct", {"survey", "ask", "--class", "5a", "--question", "Когда удобнее собрание?",
                "--option", "В среду", "--option", "В четверг", "--until", "2025-10-10"});
  const uint64_t seq = EntryOf(out);
  ASSERT_NE(seq, 0u) << out;
  const std::string entry = Read("deputy", {"entry", "--sequence", std::to_string(seq)}).dump();
  EXPECT_EQ(entry.find("собрание"), std::string::npos) << entry;
  EXPECT_NE(entry.find("survey_published"), std::string::npos) << entry;

  json mine = Read("parent", {"surveys"});
  ASSERT_EQ(mine["surveys"].size(), 1u) << mine;
  const json& asked = mine["surveys"][0];
  EXPECT_EQ(asked["question"], "Когда удобнее собрание?");
  EXPECT_EQ(asked["options"], json({"В среду", "В четверг"}));
  EXPECT_FALSE(asked.contains("counts"));  // a parent sees their own answer only
  ASSERT_EQ(asked["my_families"].size(), 1u);
  EXPECT_EQ(asked["my_families"][0]["student_id"], "s1");
  const std::string id = asked["survey_id"];

  Ok("parent", {"survey", "answer", "--survey", id, "--student", "s1", "--option", "2"});
  ProcessResult again =
      Cli("parent", {"survey", "answer", "--survey", id, "--student", "s1", "--option", "1"});
  EXPECT_NE(again.exit_code, 0);
  EXPECT_NE(again.err.find("R-MSG-2"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("уже ответила"), std::string::npos) << again.err;
  ProcessResult other =
      Cli("parent", {"survey", "answer", "--survey", id, "--student", "s2", "--option", "1"});
  EXPECT_NE(other.exit_code, 0);
  Ok("parent2", {"survey", "answer", "--survey", id, "--student", "s2", "--option", "2"});

  const json run = Read("ct", {"surveys"})["surveys"][0];
  EXPECT_EQ(run["counts"], json({0, 2}));
  EXPECT_EQ(run["answered"], 2);
  EXPECT_EQ(run["families"], 3);
  ASSERT_EQ(run["not_answered"].size(), 1u);
  EXPECT_EQ(run["not_answered"][0]["student_id"], "s3");
  EXPECT_EQ(Read("parent", {"surveys"})["surveys"][0]["my_families"][0]["option"], 1);
  const std::string table = Ok("ct", {"surveys"});
  EXPECT_NE(table.find("2. В четверг: 2"), std::string::npos) << table;
  EXPECT_NE(table.find("ответили 2 из 3 семей"), std::string::npos) << table;

  // The question's upload: 2 to 10 options, else 400 before anything is stored.
  const std::string token = Login("ct").token;
  auto one = client_->Post(
      Base() + "/survey-texts", httplib::Headers{{"Authorization", "Bearer " + token}},
      R"({"salt":"0123456789abcdef","question":"Да?","options":["Да"]})", "application/json");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 400) << one->body;
  EXPECT_NE(one->body.find("R-MSG-2"), std::string::npos);
}

}  // namespace
}  // namespace ejournal::testing
