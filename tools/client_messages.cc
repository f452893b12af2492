// Communication from the command line (R-MSG-1, R-MSG-2): `message send`, `message reply`,
// `inbox` (the conversations, or one of them), `announce`. A text goes to the node's message store
// first (POST .../message-texts); the signed event carries its hash and size, never the text.
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

// What needs the user's attention: unread conversations, the journal's alerts (R-MSG-3) and the
// latest announcements (R-MSG-2).
int Notifications(const Common& c, const Flags&) {
  auto s = ResolveReader(c);
  if (!s) return Fail(s.error());
  const std::string base = "/api/v1/schools/" + s->school_id;
  auto inbox = GetJson(c, *s, base + "/conversations");
  if (!inbox) return Fail(inbox.error());
  auto alerts = GetJson(c, *s, base + "/alerts");
  if (!alerts) return Fail(alerts.error());
  auto news = GetJson(c, *s, base + "/announcements");
  if (!news) return Fail(news.error());
  if (c.json) {
    std::printf("%s\n", nlohmann::json{{"conversations", (*inbox)["conversations"]},
                                       {"alerts", (*alerts)["alerts"]},
                                       {"announcements", (*news)["announcements"]}}
                            .dump(2)
                            .c_str());
    return 0;
  }
  std::printf("Непрочитанных сообщений: %d\n", inbox->value("unread", 0));
  for (const auto& conv : (*inbox)["conversations"]) {
    if (conv.value("unread", 0) == 0) continue;
    std::printf("  %s: %s (%d)\n", Str(conv, "last_author").c_str(), Str(conv, "subject").c_str(),
                conv.value("unread", 0));
  }
  std::printf("Внимание (%zu):\n", (*alerts)["alerts"].size());
  for (const auto& a : (*alerts)["alerts"]) {
    std::printf("  %s, %s: %s [%s]\n", Str(a, "student_name").c_str(), Str(a, "class_name").c_str(),
                Str(a, "text").c_str(), Str(a, "rule").c_str());
  }
  int shown = 0;
  std::printf("Объявления:\n");
  for (const auto& a : (*news)["announcements"]) {
    if (a.value("withdrawn", false) || ++shown > 5) continue;
    std::printf("  %s — %s (%s)\n", Str(a, "title").c_str(), Str(a, "author_name").c_str(),
                Str(a, "audience").c_str());
  }
  if (shown == 0) std::printf("  нет\n");
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

  v.Add("notifications",
        "what needs your attention: unread messages, the journal's alerts, announcements",
        Use::kReading, [c, f] { return Notifications(*c, *f); });

  auto* announce = v.Add("announce", "an announcement or a calendar event to an audience (R-MSG-2)",
                         Use::kSigning, [c, f] { return Announce(*c, *f); });
  announce->add_option("--audience", f->cls, "school, staff, grade:N, class:5А or parents:5А")
      ->required();
  announce->add_option("--text", f->text, "the text")->required();
  announce->add_option("--title", f->subject, "the title");
  announce->add_option("--on", f->date, "an event's day, YYYY-MM-DD (a calendar event)");
}

}  // namespace ejournal::client
