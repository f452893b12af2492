// Communication from the command line (R-MSG-1, R-MSG-2, R-MSG-4): `message send`, `message reply`,
// `inbox` (the conversations, or one of them), `announce`, `notifications`, `survey`, `surveys`. A
// text goes to the node's message store first (POST .../message-texts); the signed event carries
// its hash and size, never the text.
#include <openssl/rand.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tools/client_internal.h"

namespace ejournal::client {
namespace {

// 64 hex digits as 32 bytes; empty otherwise.
std::string BytesOfHex(const std::string& hex) {
  if (hex.size() != 64) return {};
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  }
  return out;
}

// Uploads the text blob {"salt", "subject", "text"} (the salt: 16 random bytes, hex) and returns
// its DocumentRef.
Result<v1::DocumentRef> UploadText(const Common& c, const Session& s, const std::string& subject,
                                   const std::string& text) {
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) return Err(Internal("no random bytes"));
  std::string salt_hex;
  for (unsigned char b : salt) {
    static constexpr char kHex[] = "0123456789abcdef";
    salt_hex += kHex[b >> 4];
    salt_hex += kHex[b & 15];
  }
  const std::string blob =
      nlohmann::json{{"salt", salt_hex}, {"subject", subject}, {"text", text}}.dump();
  EJ_ASSIGN_OR_RETURN(std::string answer,
                      Exchange(c, s, "POST", "/api/v1/schools/" + s.school_id + "/message-texts",
                               blob, "application/json", Bearer(s)));
  const auto j = nlohmann::json::parse(answer, nullptr, false);
  const std::string sha = BytesOfHex(j.is_object() ? Str(j, "sha256") : "");
  if (sha.empty()) return Err(Internal("the server's answer names no hash"));
  v1::DocumentRef ref;
  ref.set_sha256(sha);
  ref.set_media_type("text/plain");
  ref.set_size_bytes(static_cast<int64_t>(blob.size()));
  return ref;
}

// The user each of `who` (an id, a login or a name) names among those the signed-in user may write
// to (GET .../recipients?find=): exactly one each, else the refusal.
Result<std::vector<std::string>> Recipients(const Common& c, const Session& s,
                                            const std::string& who) {
  std::vector<std::string> out;
  for (const std::string& one : Split(who)) {
    std::string query;
    for (unsigned char ch : one) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      if (std::isalnum(ch) || ch == '.' || ch == '-' || ch == '_') {
        query += static_cast<char>(ch);
      } else {
        query += '%';
        query += kHex[ch >> 4];
        query += kHex[ch & 15];
      }
    }
    EJ_ASSIGN_OR_RETURN(
        nlohmann::json j,
        GetJson(c, s, "/api/v1/schools/" + s.school_id + "/recipients?find=" + query));
    const auto& list = j["recipients"];
    if (list.empty()) {
      return Err(Status(StatusCode::kNotFound,
                        "«" + one + "»: такого получателя нет среди тех, кому вы можете писать",
                        "R-MSG-1"));
    }
    if (list.size() > 1) {
      std::string names;
      for (const auto& p : list) names += (names.empty() ? "" : ", ") + Str(p, "name");
      return Err(InvalidArgument(
          "«" + one + "» — это несколько человек: " + names + "; укажите логин", "R-MSG-1"));
    }
    out.push_back(Str(list[0], "user_id"));
  }
  return out;
}

int Send(const Common& c, const Flags& f, bool reply) {
  auto s = Resolve(c, true, true);
  if (!s) return Fail(s.error());
  v1::EventBody b = NewBody(*s);
  auto* m = b.mutable_message_sent();
  m->set_message_id(NewId());
  if (reply) {
    m->set_conversation_id(f.id);
  } else {
    auto to = Recipients(c, *s, f.user);
    if (!to) return Fail(to.error());
    m->set_conversation_id(NewId());
    for (const auto& id : *to) m->add_recipient_ids(id);
  }
  auto text = UploadText(c, *s, f.subject, f.text);
  if (!text) return Fail(text.error());
  *m->mutable_content() = *text;
  return Submit(c, *s, b);
}

std::string When(int64_t us, const std::string& zone) { return MomentText(us, zone); }

// The conversations (a table: who, subject, last message, unread), or one conversation's
// messages with who read them.
int Inbox(const Common& c, const Flags& f) {
  auto s = ResolveReader(c);
  if (!s) return Fail(s.error());
  const std::string base = "/api/v1/schools/" + s->school_id + "/conversations";
  if (!f.id.empty()) {
    auto j = GetJson(c, *s, base + "/" + f.id);
    if (!j) return Fail(j.error());
    if (c.json) return std::printf("%s\n", j->dump(2).c_str()), 0;
    std::string people;
    for (const auto& p : (*j)["participants"]) {
      people += (people.empty() ? "" : ", ") + Str(p, "name") + " (" + Str(p, "role") + ")";
    }
    std::printf("Переписка: %s\n", people.c_str());
    for (const auto& m : (*j)["messages"]) {
      std::printf("\n%s, %s:\n", Str(m, "author_name").c_str(),
                  When(m.value("at_us", int64_t{0}), c.zone).c_str());
      if (!Str(m, "subject").empty()) std::printf("Тема: %s\n", Str(m, "subject").c_str());
      std::printf("%s\n", m.value("erased", false) ? "(текст удалён: срок хранения истёк)"
                                                   : Str(m, "text").c_str());
      for (const auto& r : m["read_by"]) {
        std::printf("  прочитано: %s, %s\n", Str(r, "name").c_str(),
                    When(r.value("at_us", int64_t{0}), c.zone).c_str());
      }
    }
    return 0;
  }
  auto j = GetJson(c, *s, base + (f.text.empty() ? "" : "?q=" + f.text));
  if (!j) return Fail(j.error());
  if (c.json) return std::printf("%s\n", j->dump(2).c_str()), 0;
  std::printf("%s  %s  %s  %s\n", Column("С кем", 32).c_str(), Column("Тема", 24).c_str(),
              Column("Последнее", 17).c_str(), "Новых");
  for (const auto& conv : (*j)["conversations"]) {
    std::string people;
    for (const auto& p : conv["participants"]) {
      people += (people.empty() ? "" : ", ") + Str(p, "name");
    }
    std::printf("%s  %s  %s  %d\n", Column(people, 32).c_str(),
                Column(Str(conv, "subject"), 24).c_str(),
                Column(When(conv.value("last_at_us", int64_t{0}), c.zone), 17).c_str(),
                conv.value("unread", 0));
  }
  if ((*j)["conversations"].empty()) std::printf("Сообщений нет.\n");
  return 0;
}

// --audience school | staff | grade:N | class:5А | parents:5А (a class by its label or id).
Result<v1::Audience> AudienceArg(const Common& c, const Session& s, const std::string& text) {
  v1::Audience a;
  const auto colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : text.substr(colon + 1);
  if (kind == "school") {
    a.set_kind(v1::AUDIENCE_KIND_SCHOOL);
  } else if (kind == "staff") {
    a.set_kind(v1::AUDIENCE_KIND_STAFF);
  } else if (kind == "grade") {
    a.set_kind(v1::AUDIENCE_KIND_GRADE);
    a.set_grade(std::atoi(arg.c_str()));
  } else if (kind == "class" || kind == "parents") {
    a.set_kind(kind == "class" ? v1::AUDIENCE_KIND_CLASS : v1::AUDIENCE_KIND_CLASS_PARENTS);
    // The class by its id or its label («5А»), from the reader's own list of classes.
    EJ_ASSIGN_OR_RETURN(nlohmann::json me, GetJson(c, s, "/api/v1/me"));
    std::string id = arg;
    for (const auto& cls : me["class_teacher_of"]) {
      if (Str(cls, "name") == arg) id = Str(cls, "class_id");
    }
    for (const auto& l : me["loads"]) {
      if (Str(l, "name") == arg) id = Str(l, "class_id");
    }
    a.set_class_id(id);
  } else {
    return Err(InvalidArgument("Кому объявление: school, staff, grade:N, class:5А или parents:5А",
                               "R-MSG-2"));
  }
  return a;
}

int Announce(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, true);
  if (!s) return Fail(s.error());
  auto audience = AudienceArg(c, *s, f.cls);
  if (!audience) return Fail(audience.error());
  v1::EventBody b = NewBody(*s);
  auto* a = b.mutable_announcement_published();
  a->set_announcement_id(NewId());
  *a->mutable_audience() = *audience;
  if (!f.date.empty()) {
    auto day = DateArg(f.date, c.zone);
    if (!day) return Fail(day.error());
    *a->mutable_event_date() = *day;
  }
  auto text = UploadText(c, *s, f.subject, f.text);
  if (!text) return Fail(text.error());
  *a->mutable_content() = *text;
  return Submit(c, *s, b);
}

// R-MSG-5: the end of a retention period; the server deletes the texts once it is recorded.
int Erase(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, true);
  if (!s) return Fail(s.error());
  auto before = DateArg(f.date, c.zone);
  if (!before) return Fail(before.error());
  v1::EventBody b = NewBody(*s);
  *b.mutable_messages_erased()->mutable_before() = *before;
  b.mutable_messages_erased()->set_order_number(f.order);
  return Submit(c, *s, b);
}

// The user's notifications (R-MSG-4, R-MSG-3): the feed, newest first, with what is new since they
// last looked; with any of --email, --mail, --digest, --quiet: their settings changed first.
int Notifications(const Common& c, const Flags& f) {
  const bool change =
      !f.email.empty() || !f.mail_kinds.empty() || !f.digest.empty() || !f.quiet.empty();
  auto s = change ? Resolve(c, true, true) : ResolveReader(c);
  if (!s) return Fail(s.error());
  const std::string base = "/api/v1/schools/" + s->school_id;
  auto settings = GetJson(c, *s, base + "/notification-settings");
  if (!settings) return Fail(settings.error());
  if (change) {
    nlohmann::json set = *settings;
    if (!f.email.empty()) set["email"] = f.email == "none" ? "" : f.email;
    if (!f.mail_kinds.empty()) {
      set["email_kinds"] = nlohmann::json::array();
      if (f.mail_kinds != "none") {
        for (const auto& k : Split(f.mail_kinds)) {
          if (k == "all") {
            for (const auto& kind : (*settings)["kinds"])
              set["email_kinds"].push_back(kind["kind"]);
          } else {
            set["email_kinds"].push_back(k);
          }
        }
      }
    }
    if (!f.digest.empty()) {
      set["digest"] = f.digest != "off";
      if (f.digest != "off") set["digest_at"] = f.digest;
    }
    if (!f.quiet.empty()) {
      const auto dash = f.quiet.find('-');
      set["quiet_from"] = f.quiet.substr(0, dash);
      set["quiet_to"] = dash == std::string::npos ? "" : f.quiet.substr(dash + 1);
    }
    auto answer = Exchange(c, *s, "POST", base + "/notification-settings", set.dump(),
                           "application/json", Bearer(*s));
    if (!answer) return Fail(answer.error());
    *settings = nlohmann::json::parse(*answer, nullptr, false);
  }
  auto feed = GetJson(c, *s, base + "/notifications");
  if (!feed) return Fail(feed.error());
  if (c.json) {
    std::printf("%s\n", nlohmann::json{{"settings", *settings}, {"feed", *feed}}.dump(2).c_str());
    return 0;
  }
  std::printf("Новых уведомлений: %d\n", feed->value("unseen", 0));
  for (const auto& n : (*feed)["items"]) {
    std::printf("  %s  %s: %s\n", Column(When(n.value("at_us", int64_t{0}), c.zone), 17).c_str(),
                Str(n, "kind_text").c_str(), Str(n, "text").c_str());
  }
  if ((*feed)["items"].empty()) std::printf("  нет\n");
  std::string kinds;
  for (const auto& k : (*settings)["email_kinds"]) {
    for (const auto& known : (*settings)["kinds"]) {
      if (known["kind"] == k) kinds += (kinds.empty() ? "" : ", ") + Str(known, "text");
    }
  }
  const std::string email = Str(*settings, "email");
  std::printf(
      "Письма на %s: %s%s\n", email.empty() ? "(адрес не указан)" : email.c_str(),
      kinds.empty() ? "не присылать" : kinds.c_str(),
      settings->value("bounced", false) ? " — адрес не принимает почту, укажите другой" : "");
  if (!kinds.empty()) {
    std::printf("%s; тихие часы %s–%s\n",
                settings->value("digest", false)
                    ? ("сводкой раз в день в " + Str(*settings, "digest_at")).c_str()
                    : "сразу",
                Str(*settings, "quiet_from").c_str(), Str(*settings, "quiet_to").c_str());
  }
  if (!settings->value("mail_available", false)) {
    std::printf("(на этом сервере почта не настроена: уведомления только в журнале)\n");
  }
  return 0;
}

// R-MSG-2: a survey of a class's parents. The question and the options go to the message store
// first ({"salt","question","options"}); the signed event carries their hash and the count.
int SurveyAsk(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, true);
  if (!s) return Fail(s.error());
  auto audience = AudienceArg(c, *s, "class:" + f.cls);
  if (!audience) return Fail(audience.error());
  unsigned char salt[16];
  if (RAND_bytes(salt, sizeof salt) != 1) return Fail(Internal("no random bytes"));
  std::string salt_hex;
  for (unsigned char b : salt) {
    static constexpr char kHex[] = "0123456789abcdef";
    salt_hex += kHex[b >> 4];
    salt_hex += kHex[b & 15];
  }
  const std::string blob =
      nlohmann::json{{"salt", salt_hex}, {"question", f.question}, {"options", f.options}}.dump();
  auto answer = Exchange(c, *s, "POST", "/api/v1/schools/" + s->school_id + "/survey-texts", blob,
                         "application/json", Bearer(*s));
  if (!answer) return Fail(answer.error());
  const auto j = nlohmann::json::parse(*answer, nullptr, false);
  const std::string sha = BytesOfHex(j.is_object() ? Str(j, "sha256") : "");
  if (sha.empty()) return Fail(Internal("the server's answer names no hash"));
  v1::EventBody b = NewBody(*s);
  auto* v = b.mutable_survey_published();
  v->set_survey_id(NewId());
  v->set_class_id(audience->class_id());
  v->mutable_content()->set_sha256(sha);
  v->mutable_content()->set_media_type("text/plain");
  v->mutable_content()->set_size_bytes(static_cast<int64_t>(blob.size()));
  v->set_option_count(static_cast<int32_t>(f.options.size()));
  if (!f.date.empty()) {
    auto day = DateArg(f.date, c.zone);
    if (!day) return Fail(day.error());
    *v->mutable_closes_on() = *day;
  }
  return Submit(c, *s, b);
}

// A family's answer: --option is the option's number as the list shows it (1, 2, ...).
int SurveyAnswer(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, true);
  if (!s) return Fail(s.error());
  v1::EventBody b = NewBody(*s);
  b.mutable_survey_answered()->set_survey_id(f.id);
  b.mutable_survey_answered()->set_student_id(f.student);
  b.mutable_survey_answered()->set_option(f.value - 1);
  return Submit(c, *s, b);
}

int SurveyClose(const Common& c, const Flags& f) {
  auto s = Resolve(c, true, true);
  if (!s) return Fail(s.error());
  v1::EventBody b = NewBody(*s);
  b.mutable_survey_closed()->set_survey_id(f.id);
  return Submit(c, *s, b);
}

int Surveys(const Common& c, const Flags&) {
  auto s = ResolveReader(c);
  if (!s) return Fail(s.error());
  auto list = GetJson(c, *s, "/api/v1/schools/" + s->school_id + "/surveys");
  if (!list) return Fail(list.error());
  if (c.json) {
    std::printf("%s\n", list->dump(2).c_str());
    return 0;
  }
  for (const auto& v : (*list)["surveys"]) {
    std::printf("%s — опрос родителей %s (%s, %s)%s\n  id: %s\n", Str(v, "question").c_str(),
                Str(v, "class_label").c_str(), Str(v, "author_name").c_str(),
                Str(v, "asked_on").c_str(), v.value("open", false) ? "" : " — закончен",
                Str(v, "survey_id").c_str());
    const auto& options = v["options"];
    for (size_t i = 0; i < options.size(); ++i) {
      std::string line = "  " + std::to_string(i + 1) + ". " + options[i].get<std::string>();
      if (v.contains("counts")) line += ": " + std::to_string(v["counts"][i].get<int>());
      std::printf("%s\n", line.c_str());
    }
    if (v.contains("answered")) {
      std::printf("  ответили %d из %d семей\n", v["answered"].get<int>(),
                  v["families"].get<int>());
    }
    for (const auto& fam : v["my_families"]) {
      std::printf("  %s: %s\n", Str(fam, "student_name").c_str(),
                  fam.contains("option")
                      ? ("ответ " + std::to_string(fam["option"].get<int>() + 1) + " (" +
                         Str(fam, "by_name") + ")")
                            .c_str()
                      : "ещё не ответили");
    }
  }
  if ((*list)["surveys"].empty()) std::printf("Опросов нет.\n");
  return 0;
}

}  // namespace

void AddMessageCommands(Verbs& v) {
  auto c = v.c;
  auto f = v.f;
  CLI::App* message =
      v.app.add_subcommand("message", "messages: send, reply (R-MSG-1), erase (R-MSG-5)");
  message->require_subcommand(1);
  Verbs m{*message, c, f, {}};
  auto* send = m.Add("send", "begin a conversation with one or more people (R-MSG-1)",
                     Use::kSigning, [c, f] { return Send(*c, *f, false); });
  send->add_option("--to", f->user, "who: logins, names or ids, comma-separated")->required();
  send->add_option("--text", f->text, "the text")->required();
  send->add_option("--subject", f->subject, "the subject");
  auto* reply = m.Add("reply", "answer in a conversation (to everyone in it)", Use::kSigning,
                      [c, f] { return Send(*c, *f, true); });
  reply->add_option("--conversation", f->id, "the conversation's id (ejournal inbox)")->required();
  reply->add_option("--text", f->text, "the text")->required();
  auto* erase = m.Add("erase",
                      "erase the texts and files of messages and announcements recorded before a "
                      "day, at the end of their retention (R-MSG-5; director, administrator)",
                      Use::kSigning, [c, f] { return Erase(*c, *f); });
  erase->add_option("--before", f->date, "the first day kept, YYYY-MM-DD")->required();
  erase->add_option("--order", f->order, "the order it is done under")->required();
  for (auto& command : m.commands) v.commands.push_back(std::move(command));

  auto* inbox = v.Add("inbox", "your conversations, or one of them with who read what",
                      Use::kReading, [c, f] { return Inbox(*c, *f); });
  inbox->add_option("--conversation", f->id, "show this conversation's messages");
  inbox->add_option("--search", f->text, "only conversations with this text or name");

  auto* notifications =
      v.Add("notifications",
            "your notifications (marks, absences, homework, messages, ...) and how they reach you "
            "(R-MSG-4)",
            Use::kReading, [c, f] { return Notifications(*c, *f); });
  notifications->add_option("--email", f->email,
                            "your e-mail address for notifications (none: remove)");
  notifications->add_option(
      "--mail", f->mail_kinds,
      "what to send by e-mail: mark,absence,homework,correction,announcement,message,survey,alert; "
      "all; none");
  notifications->add_option("--digest", f->digest,
                            "one mail a day at HH:MM instead of one per moment; off");
  notifications->add_option("--quiet", f->quiet,
                            "no mail in these hours, HH:MM-HH:MM (covering 23:00-06:00)");

  CLI::App* survey = v.app.add_subcommand("survey", "surveys of a class's parents (R-MSG-2)");
  survey->require_subcommand(1);
  Verbs sv{*survey, c, f, {}};
  auto* ask = sv.Add("ask", "ask the parents of a class a question with options", Use::kSigning,
                     [c, f] { return SurveyAsk(*c, *f); });
  ask->add_option("--class", f->cls, "the class (5А, or its id)")->required();
  ask->add_option("--question", f->question, "the question")->required();
  ask->add_option("--option", f->options, "an answer option (2 to 10 of them)")->required();
  ask->add_option("--until", f->date, "the last day answers are taken, YYYY-MM-DD");
  auto* answer = sv.Add("answer", "answer a survey for your family", Use::kSigning,
                        [c, f] { return SurveyAnswer(*c, *f); });
  answer->add_option("--survey", f->id, "the survey's id (ejournal surveys)")->required();
  answer->add_option("--student", f->student, "your child")->required();
  answer->add_option("--option", f->value, "the option's number, 1, 2, ...")->required();
  auto* close = sv.Add("close", "end a survey: no more answers", Use::kSigning,
                       [c, f] { return SurveyClose(*c, *f); });
  close->add_option("--survey", f->id, "the survey's id")->required();
  for (auto& command : sv.commands) v.commands.push_back(std::move(command));
  v.Add("surveys", "the surveys you answer or run, with their counts", Use::kReading,
        [c, f] { return Surveys(*c, *f); });

  auto* announce = v.Add("announce", "an announcement or a calendar event to an audience (R-MSG-2)",
                         Use::kSigning, [c, f] { return Announce(*c, *f); });
  announce->add_option("--audience", f->cls, "school, staff, grade:N, class:5А or parents:5А")
      ->required();
  announce->add_option("--text", f->text, "the text")->required();
  announce->add_option("--title", f->subject, "the title");
  announce->add_option("--on", f->date, "an event's day, YYYY-MM-DD (a calendar event)");
}

}  // namespace ejournal::client
