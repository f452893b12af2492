// Communication (docs/API.md "Messages"; DOMAIN.md R-MSG-1, R-MSG-2, R-MSG-5): the texts and
// files of messages and announcements are uploaded into the node's message store (DATA/messages,
// api/attachment_store.h) and the page signs a MessageSent or AnnouncementPublished naming them by
// hash, submitted like any event; the reads put the texts back beside the ledger's who, whom and
// when, for the participants and the audience only. Logs carry ids and hashes, never a text.
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "api/access.h"
#include "api/http_errors.h"
#include "api/json_util.h"
#include "api/server.h"
#include "ledger/crypto.h"
#include "projections/alerts.h"
#include "projections/communication.h"
#include "projections/rights.h"

namespace ejournal::api {
namespace {

// A text blob (messages.proto): {"salt", "subject", "text"}, UTF-8 JSON.
constexpr size_t kMaxTextBlobBytes = 64 << 10;
constexpr size_t kMaxSubjectChars = 200;

struct Text {
  std::string subject, text;
  bool erased = false;  // the store no longer holds it (R-MSG-5)
};

// What a person reads of a stored text blob; erased when the store has it no more.
Text ReadText(const AttachmentStore& store, const std::string& sha256) {
  auto bytes = store.Get(crypto::HexEncode(sha256));
  if (!bytes) return Text{{}, {}, true};
  auto j = nlohmann::json::parse(*bytes, nullptr, false);
  if (!j.is_object()) return Text{{}, {}, true};
  return Text{j.value("subject", ""), j.value("text", ""), false};
}

// Lower case for search: ASCII and Cyrillic (А..Я, Ё) in UTF-8.
std::string Folded(std::string_view s) {
  std::string out(s);
  for (size_t i = 0; i < out.size(); ++i) {
    auto c = static_cast<unsigned char>(out[i]);
    if (c < 0x80) {
      out[i] = static_cast<char>(std::tolower(c));
    } else if (c == 0xD0 && i + 1 < out.size()) {
      auto d = static_cast<unsigned char>(out[i + 1]);
      if (d >= 0x90 && d <= 0x9F) {  // А..П -> а..п
        out[i + 1] = static_cast<char>(d + 0x20);
      } else if (d >= 0xA0 && d <= 0xAF) {  // Р..Я -> р..я (D1 80..8F)
        out[i] = static_cast<char>(0xD1);
        out[i + 1] = static_cast<char>(d - 0x20);
      } else if (d == 0x81) {  // Ё -> ё (D1 91)
        out[i] = static_cast<char>(0xD1);
        out[i + 1] = static_cast<char>(0x91);
      }
      ++i;
    }
  }
  return out;
}

// Who a person is to the reader, beside their name: «учитель», «родитель: Иванов Пётр (5А)».
std::string RoleText(const school::School& school, const school::User& u, school::Day day) {
  if (u.Has(v1::ROLE_DIRECTOR)) return "директор";
  if (u.Has(v1::ROLE_DEPUTY)) return "заместитель директора";
  if (u.Has(v1::ROLE_ADMIN)) return "администратор";
  if (u.Has(v1::ROLE_CLASS_TEACHER)) {
    for (const auto& [id, c] : school.classes) {
      if (c.class_teacher_id == u.id) {
        return std::string(u.Has(v1::ROLE_TEACHER) ? "учитель, " : "") + "классный руководитель " +
               school.ClassLabel(id);
      }
    }
  }
  if (u.Has(v1::ROLE_TEACHER) || u.Has(v1::ROLE_CLASS_TEACHER)) return "учитель";
  if (school::IsStaff(u)) return "сотрудник школы";
  std::string out = u.Has(v1::ROLE_PARENT) ? "родитель" : "ученик";
  std::vector<std::string> kids;
  for (const std::string& sid : school::FamilyStudents(school, u, day)) {
    if (sid == u.id) {
      if (auto st = school.students.find(sid); st != school.students.end()) {
        if (const auto* m = st->second.On(day)) return out + ", " + school.ClassLabel(m->class_id);
      }
      continue;
    }
    auto st = school.students.find(sid);
    const auto* m = st == school.students.end() ? nullptr : st->second.On(day);
    kids.push_back(school.UserName(sid) + (m ? " (" + school.ClassLabel(m->class_id) + ")" : ""));
  }
  for (size_t i = 0; i < kids.size(); ++i) out += (i ? ", " : ": ") + kids[i];
  return out;
}

nlohmann::json Person(const school::School& school, std::string_view id, school::Day day) {
  const school::User* u = school.FindUser(id);
  return {{"user_id", id},
          {"name", school.UserName(id)},
          {"role", u == nullptr ? "" : RoleText(school, *u, day)}};
}

nlohmann::json Files(const std::vector<school::AttachmentRef>& files) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& a : files) {
    out.push_back({{"sha256", crypto::HexEncode(a.sha256)},
                   {"file_name", a.file_name},
                   {"media_type", a.media_type},
                   {"size_bytes", a.size_bytes}});
  }
  return out;
}

// R-MSG-5: whether a text recorded at `at_us` is past the school's erasure (MessagesErased), so
// read as erased whether or not its blob is still on the disk.
bool ErasedAt(const school::School& school, int64_t at_us) {
  return school.messages_erased_before != school::kNoDay &&
         school.zone.LocalDay(at_us) < school.messages_erased_before;
}

bool InConversation(const school::Conversation& c, std::string_view user_id) {
  return std::find(c.participants.begin(), c.participants.end(), user_id) != c.participants.end();
}

}  // namespace

bool ApiServer::SendLimiter::Allow(const std::string& user_key, int64_t now_us,
                                   int64_t* retry_after_s) {
  MutexLock lock(&mu_);
  Bucket& b = buckets_[user_key];
  // Refill: kPerMinute tokens a minute, at most kPerMinute held.
  const double per_us = kPerMinute / 60e6;
  b.tokens = std::min<double>(kPerMinute, b.tokens + (now_us - b.at_us) * per_us);
  if (b.at_us == 0) b.tokens = kPerMinute;
  b.at_us = now_us;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  *retry_after_s = static_cast<int64_t>((1 - b.tokens) / per_us / 1e6) + 1;
  return false;
}

void ApiServer::MessageRoutes() {
  using httplib::Request;
  using httplib::Response;
  // The texts live in the writer's message store only (docs/MESSAGES.md): a replica sends every
  // message route to the writer, as it does writes.
  auto bind = [this](void (ApiServer::*method)(const Request&, Response&)) {
    return [this, method](const Request& req, Response& res) {
      if (options_.replica) return RefuseWrite(req, res);
      (this->*method)(req, res);
    };
  };
  const std::string id = "([A-Za-z0-9._:-]{1,64})";
  const std::string s = "/api/v1/schools/" + id;
  Post(s + "/message-texts", "message_texts", bind(&ApiServer::PostMessageText));
  Post(s + "/message-files", "message_files", bind(&ApiServer::PostMessageFile));
  Get(s + "/conversations", "conversations", bind(&ApiServer::GetConversations));
  Get(s + "/conversations/" + id, "conversation", bind(&ApiServer::GetConversation));
  Get(s + "/conversations/" + id + "/files/([0-9a-f]{64})", "message_file",
      bind(&ApiServer::GetMessageFile));
  Get(s + "/recipients", "recipients", bind(&ApiServer::GetRecipients));
  Get(s + "/announcements", "announcements", bind(&ApiServer::GetAnnouncements));
  Get(s + "/alerts", "alerts", bind(&ApiServer::GetAlerts));
  Post(s + "/survey-texts", "survey_texts", bind(&ApiServer::PostSurveyText));
  Get(s + "/surveys", "surveys", bind(&ApiServer::GetSurveys));
}

Status ApiServer::MessageContentStored(const v1::EventBody& body) const {
  const v1::DocumentRef* text = nullptr;
  const google::protobuf::RepeatedPtrField<v1::DocumentRef>* files = nullptr;
  if (body.has_message_sent()) {
    text = &body.message_sent().content();
    files = &body.message_sent().attachments();
  } else if (body.has_announcement_published()) {
    text = &body.announcement_published().content();
    files = &body.announcement_published().attachments();
  } else if (body.has_survey_published()) {
    text = &body.survey_published().content();
  } else {
    return Status::Ok();
  }
  auto stored = [&](const v1::DocumentRef& d) {
    auto size = messages_->SizeOf(crypto::HexEncode(d.sha256()));
    return size && static_cast<int64_t>(*size) == d.size_bytes();
  };
  if (!stored(*text)) {
    return InvalidArgument("Текст сообщения не загружен на сервер: отправьте сообщение снова",
                           "R-MSG-1");
  }
  if (files == nullptr) return Status::Ok();
  for (const auto& f : *files) {
    if (!stored(f)) {
      return InvalidArgument(
          "Файл «" + f.file_name() + "» не загружен на сервер: приложите его снова", "R-MSG-1");
    }
  }
  return Status::Ok();
}

// The upload of a message's or an announcement's text (a text blob, above): any signed-in user of
// the school, within the rate limit; what they may send it as, the rules decide at the event.
void ApiServer::PostMessageText(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  std::string user_key;
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    user_key = school_id + "/" + reader.user->id;
  });
  if (user_key.empty()) return;
  int64_t retry_after = 0;
  if (!send_limiter_.Allow(user_key, options_.clock->NowMicros(), &retry_after)) {
    return SetError(res, Status(StatusCode::kResourceExhausted,
                                "Слишком много сообщений подряд: подождите " +
                                    std::to_string(retry_after) + " с",
                                "R-MSG-1")
                             .WithRetryAfter(retry_after));
  }
  if (req.body.size() > kMaxTextBlobBytes) {
    return SetError(res,
                    Status(StatusCode::kResourceExhausted,
                           "Текст длиннее 64 КиБ: сократите его или приложите файлом", "R-MSG-1"));
  }
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (!j.is_object() || !j.contains("text") || !j["text"].is_string() ||
      !j.value("subject", nlohmann::json("")).is_string() || !j.contains("salt") ||
      !j["salt"].is_string() || j["salt"].get<std::string>().size() < 16) {
    return SetError(res, InvalidArgument("Текст сообщения передан не в том виде: нужен JSON "
                                         "{\"salt\", \"subject\", \"text\"}",
                                         "R-MSG-1"));
  }
  const std::string text = j["text"].get<std::string>();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return SetError(res, InvalidArgument("Сообщение пустое: напишите текст", "R-MSG-1"));
  }
  if (j.value("subject", "").size() > kMaxSubjectChars * 2) {
    return SetError(res, InvalidArgument("Тема длиннее 200 знаков", "R-MSG-1"));
  }
  auto stored = messages_->Put("text/plain", req.body);
  if (!stored) return SetError(res, stored.error());
  spdlog::info("event=message_text_stored school={} sha256={} bytes={}", school_id,
               stored->sha256_hex, stored->size);
  ReplyJson(res, nlohmann::json{{"sha256", stored->sha256_hex},
                                {"size_bytes", stored->size},
                                {"media_type", "text/plain"}});
}

void ApiServer::PostMessageFile(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  bool may = false;
  WithReader(req, res, school_id,
             [&](const Reader&) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) { may = true; });
  if (may) StoreUpload(*messages_, req, res, school_id, "message_file_stored");
}

// The reader's conversations, newest first, with the unread count of each; `q` searches the
// texts and the participants' names.
void ApiServer::GetConversations(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  const std::string q = Folded(req.has_param("q") ? req.get_param_value("q") : "");
  // count_only=1: the unread count alone (the header asks it at every page), no text read.
  const bool count_only = req.has_param("count_only") && req.get_param_value("count_only") == "1";
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& s = *reader.school;
    const school::User& user = *reader.user;
    const school::Day today = s.zone.LocalDay(options_.clock->NowMicros());
    nlohmann::json list = nlohmann::json::array();
    size_t unread_total = 0;
    auto mine = s.conversations_of.find(user.id);
    if (mine != s.conversations_of.end()) {
      for (const std::string& cid : mine->second) {
        auto c = s.conversations.find(cid);
        if (c == s.conversations.end() || c->second.messages.empty()) continue;
        const school::Conversation& conv = c->second;
        if (count_only) {
          unread_total += conv.UnreadBy(user.id);
          continue;
        }
        const school::MessageInfo& first = conv.messages.front();
        const school::MessageInfo& last = conv.messages.back();
        const Text subject = ErasedAt(s, first.at_us) ? Text{{}, {}, true}
                                                      : ReadText(*messages_, first.content.sha256);
        const Text latest = ErasedAt(s, last.at_us) ? Text{{}, {}, true}
                                                    : ReadText(*messages_, last.content.sha256);
        nlohmann::json people = nlohmann::json::array();
        std::string names;
        for (const auto& p : conv.participants) {
          if (p == user.id) continue;
          people.push_back(Person(s, p, today));
          names += " " + s.UserName(p);
        }
        if (!q.empty()) {
          bool hit = Folded(names + " " + subject.subject).find(q) != std::string::npos;
          for (size_t i = 0; !hit && i < conv.messages.size(); ++i) {
            hit = !ErasedAt(s, conv.messages[i].at_us) &&
                  Folded(ReadText(*messages_, conv.messages[i].content.sha256).text).find(q) !=
                      std::string::npos;
          }
          if (!hit) continue;
        }
        const size_t unread = conv.UnreadBy(user.id);
        unread_total += unread;
        list.push_back({{"conversation_id", conv.id},
                        {"subject", subject.subject},
                        {"participants", people},
                        {"messages", conv.messages.size()},
                        {"unread", unread},
                        {"last_at_us", last.at_us},
                        {"last_author", s.UserName(last.author_id)},
                        {"last_text", latest.erased ? "" : latest.text.substr(0, 200)},
                        {"last_erased", latest.erased}});
      }
    }
    std::stable_sort(list.begin(), list.end(),
                     [](const nlohmann::json& a, const nlohmann::json& b) {
                       return a["last_at_us"].get<int64_t>() > b["last_at_us"].get<int64_t>();
                     });
    ReplyJson(res, nlohmann::json{{"conversations", list}, {"unread", unread_total}});
  });
}

void ApiServer::GetConversation(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], conversation_id = req.matches[2];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& s = *reader.school;
    auto c = s.conversations.find(conversation_id);
    if (c == s.conversations.end() || !InConversation(c->second, reader.user->id)) {
      return SetError(res, NotVisible());
    }
    const school::Conversation& conv = c->second;
    const school::Day today = s.zone.LocalDay(options_.clock->NowMicros());
    nlohmann::json people = nlohmann::json::array();
    for (const auto& p : conv.participants) people.push_back(Person(s, p, today));
    nlohmann::json messages = nlohmann::json::array();
    for (size_t i = 0; i < conv.messages.size(); ++i) {
      const school::MessageInfo& m = conv.messages[i];
      const bool gone = ErasedAt(s, m.at_us);
      const Text t = gone ? Text{{}, {}, true} : ReadText(*messages_, m.content.sha256);
      // Read receipts: who else has read it, and when they said so.
      nlohmann::json read_by = nlohmann::json::array();
      for (const auto& [who, mark] : conv.read) {
        if (who == m.author_id || mark.count <= i) continue;
        read_by.push_back({{"user_id", who}, {"name", s.UserName(who)}, {"at_us", mark.at_us}});
      }
      messages.push_back({{"message_id", m.id},
                          {"author_id", m.author_id},
                          {"author_name", s.UserName(m.author_id)},
                          {"at_us", m.at_us},
                          {"sequence", m.seq},
                          {"event_id", std::string(state_->EventIdOf(m.seq))},
                          {"subject", t.subject},
                          {"text", t.text},
                          {"erased", t.erased},
                          {"invalid", state_->IsInvalid(m.seq)},
                          {"attachments", gone ? nlohmann::json::array() : Files(m.attachments)},
                          {"read_by", read_by}});
    }
    ReplyJson(res, nlohmann::json{{"conversation_id", conv.id},
                                  {"participants", people},
                                  {"messages", messages},
                                  {"unread", conv.UnreadBy(reader.user->id)}});
  });
}

void ApiServer::GetMessageFile(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1], conversation_id = req.matches[2],
                    hex = req.matches[3];
  std::optional<school::AttachmentRef> ref;
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    auto c = reader.school->conversations.find(conversation_id);
    if (c == reader.school->conversations.end() || !InConversation(c->second, reader.user->id)) {
      return SetError(res, NotVisible());
    }
    for (const auto& m : c->second.messages) {
      if (ErasedAt(*reader.school, m.at_us)) continue;
      for (const auto& a : m.attachments) {
        if (crypto::HexEncode(a.sha256) == hex) ref = a;
      }
    }
    if (!ref) SetError(res, NotVisible());
  });
  if (!ref) return;
  auto bytes = messages_->Get(hex);
  if (!bytes) {
    return SetError(
        res, bytes.error().code() == StatusCode::kNotFound
                 ? Status(StatusCode::kNotFound, "Файл удалён: срок его хранения истёк", "R-MSG-5")
                 : bytes.error());
  }
  res.set_header("Content-Disposition",
                 "attachment; filename*=" + ContentDispositionName(ref->file_name));
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Cache-Control", "private, max-age=3600");
  res.set_content(std::move(*bytes), ref->media_type);
}

// The people the reader may begin a conversation with (R-MSG-1), for the page's picker: staff,
// and the families of the classes they teach (a parent: their children's teachers and the
// administration), each with who they are to the reader.
//
// `find`: only the one whose id or login is exactly it, else those whose name holds it (the CLI's
// --to); a login is never listed.
void ApiServer::GetRecipients(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  const std::string find = req.has_param("find") ? req.get_param_value("find") : "";
  // `about`: a student the message is about (a teacher telling the family, R-MSG-3): their
  // guardians and their class teacher are marked, for the page to choose them.
  const std::string about = req.has_param("about") ? req.get_param_value("about") : "";
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& s = *reader.school;
    const school::Day today = s.zone.LocalDay(options_.clock->NowMicros());
    const school::User* exact = nullptr;
    if (!find.empty()) {
      for (const auto& [id, u] : s.users) {
        if (id == find || (!u.login.empty() && Folded(u.login) == Folded(find))) exact = &u;
      }
    }
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [id, u] : s.users) {
      if (id == reader.user->id || !u.active) continue;
      if (exact != nullptr && &u != exact) continue;
      if (exact == nullptr && !find.empty() &&
          Folded(u.display_name).find(Folded(find)) == std::string::npos) {
        continue;
      }
      if (!school::MayWrite(s, *reader.user, u, today).empty()) continue;
      nlohmann::json p = Person(s, id, today);
      p["staff"] = school::IsStaff(u);
      // A family member: the student the family is named by, for one conversation per family.
      const auto kids = school::FamilyStudents(s, u, today);
      p["family"] = kids.empty() ? "" : kids.front();
      if (auto st = s.students.find(about); !about.empty() && st != s.students.end()) {
        const school::Membership* m = st->second.On(today);
        if (st->second.guardians.contains(id)) {
          p["about"] = "guardian";
        } else if (m != nullptr && school::ClassTeacherOf(s, u, m->class_id)) {
          p["about"] = "class_teacher";
        }
      }
      out.push_back(std::move(p));
    }
    // Staff first, then families; by name.
    std::sort(out.begin(), out.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
      const bool sa = a["staff"].get<bool>(), sb = b["staff"].get<bool>();
      if (sa != sb) return sa;
      return a["name"].get_ref<const std::string&>() < b["name"].get_ref<const std::string&>();
    });
    ReplyJson(res, nlohmann::json{{"recipients", out}});
  });
}

// The journal's alerts (R-MSG-3, projections/alerts.h) the reader receives: a parent of their
// children, a class teacher of their classes' students, the administration of `class`'s (or
// `student`'s); `student` narrows to one student.
void ApiServer::GetAlerts(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  const std::string only = req.has_param("student") ? req.get_param_value("student") : "";
  const std::string cls = req.has_param("class") ? req.get_param_value("class") : "";
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& s = *reader.school;
    const school::User& user = *reader.user;
    const school::Day today = s.zone.LocalDay(options_.clock->NowMicros());
    std::vector<std::string> students;
    if (user.Has(v1::ROLE_PARENT)) {
      for (const auto& sid : school::FamilyStudents(s, user, today)) students.push_back(sid);
    }
    for (const auto& [id, c] : s.classes) {
      const bool keeps = c.class_teacher_id == user.id && user.Has(v1::ROLE_CLASS_TEACHER);
      if (!keeps && !(school::IsAdministration(user) && id == cls)) continue;
      for (const auto& sid : s.MembersOf(id)) {
        auto st = s.students.find(sid);
        const school::Membership* m = st == s.students.end() ? nullptr : st->second.On(today);
        if (m != nullptr && m->class_id == id) students.push_back(sid);
      }
    }
    std::sort(students.begin(), students.end());
    students.erase(std::unique(students.begin(), students.end()), students.end());
    nlohmann::json out = nlohmann::json::array();
    for (const std::string& sid : students) {
      if (!only.empty() && sid != only) continue;
      const school::Student& st = s.students.at(sid);
      const school::Membership* m = st.On(today);
      for (const school::Alert& a : school::AlertsOf(*state_, s, sid, today)) {
        out.push_back({{"kind", a.kind},
                       {"rule", "R-MSG-3"},
                       {"student_id", sid},
                       {"student_name", s.UserName(sid)},
                       {"class_name", m == nullptr ? "" : s.ClassLabel(m->class_id)},
                       {"date", school::DayString(a.day)},
                       {"subject_id", a.subject_id},
                       {"subject_name", a.subject_id.empty() ? "" : s.SubjectName(a.subject_id)},
                       {"text", a.text}});
      }
    }
    ReplyJson(res, nlohmann::json{{"alerts", out}});
  });
}

// The announcements that reach the reader (R-MSG-2), newest first; `events=1`: the calendar's
// events only, by date.
void ApiServer::GetAnnouncements(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  const bool events = req.has_param("events") && req.get_param_value("events") == "1";
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& s = *reader.school;
    const school::Day today = s.zone.LocalDay(options_.clock->NowMicros());
    nlohmann::json out = nlohmann::json::array();
    for (auto it = s.announcements.rbegin(); it != s.announcements.rend(); ++it) {
      const school::Announcement& a = *it;
      if (!school::Reaches(s, a, *reader.user, today)) continue;
      if (events && a.event_day == school::kNoDay) continue;
      const Text t =
          ErasedAt(s, a.at_us) ? Text{{}, {}, true} : ReadText(*messages_, a.content.sha256);
      nlohmann::json j = {{"announcement_id", a.id},
                          {"author_id", a.author_id},
                          {"author_name", s.UserName(a.author_id)},
                          {"audience", school::AudienceText(s, a.audience, a.grade, a.class_id)},
                          {"at_us", a.at_us},
                          {"title", t.subject},
                          {"text", t.text},
                          {"erased", t.erased},
                          {"withdrawn", a.withdrawn},
                          {"withdrawn_reason", a.withdrawn_reason},
                          {"attachments", Files(a.attachments)}};
      if (a.event_day != school::kNoDay) {
        j["event_date"] = school::DayString(a.event_day);
        j["event_start_minutes"] = a.event_start_minutes;
      }
      out.push_back(std::move(j));
    }
    if (events) {
      std::stable_sort(
          out.begin(), out.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
            return a["event_date"].get<std::string>() < b["event_date"].get<std::string>();
          });
    }
    ReplyJson(res, nlohmann::json{{"announcements", out}});
  });
}

// R-MSG-2: a survey's question and options (SurveyPublished.content): {"salt", "question",
// "options": [...]}, 2..10 options, stored as a JSON blob like a message's text.
void ApiServer::PostSurveyText(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  std::string user_key;
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    user_key = school_id + "/" + reader.user->id;
  });
  if (user_key.empty()) return;
  int64_t retry_after = 0;
  if (!send_limiter_.Allow(user_key, options_.clock->NowMicros(), &retry_after)) {
    return SetError(res, Status(StatusCode::kResourceExhausted,
                                "Слишком много запросов подряд: подождите " +
                                    std::to_string(retry_after) + " с",
                                "R-MSG-2")
                             .WithRetryAfter(retry_after));
  }
  if (req.body.size() > kMaxTextBlobBytes) {
    return SetError(res, Status(StatusCode::kResourceExhausted, "Опрос длиннее 64 КиБ", "R-MSG-2"));
  }
  auto j = nlohmann::json::parse(req.body, nullptr, false);
  if (!j.is_object() || !j.contains("salt") || !j["salt"].is_string() ||
      j["salt"].get<std::string>().size() < 16 || !j.contains("question") ||
      !j["question"].is_string() || !j.contains("options") || !j["options"].is_array()) {
    return SetError(res, InvalidArgument("Опрос передан не в том виде: нужен JSON {\"salt\", "
                                         "\"question\", \"options\": [...]}",
                                         "R-MSG-2"));
  }
  const std::string question = j["question"].get<std::string>();
  if (question.find_first_not_of(" \t\r\n") == std::string::npos) {
    return SetError(res, InvalidArgument("Напишите вопрос опроса", "R-MSG-2"));
  }
  const size_t n = j["options"].size();
  if (n < 2 || n > 10) {
    return SetError(res, InvalidArgument("Вариантов ответа — от 2 до 10, а не " + std::to_string(n),
                                         "R-MSG-2"));
  }
  for (const auto& o : j["options"]) {
    if (!o.is_string() || o.get<std::string>().find_first_not_of(" \t\r\n") == std::string::npos ||
        o.get<std::string>().size() > 400) {
      return SetError(
          res, InvalidArgument("Каждый вариант ответа — непустой текст до 200 знаков", "R-MSG-2"));
    }
  }
  auto stored = messages_->Put("text/plain", req.body);
  if (!stored) return SetError(res, stored.error());
  spdlog::info("event=survey_text_stored school={} sha256={} bytes={}", school_id,
               stored->sha256_hex, stored->size);
  ReplyJson(res, nlohmann::json{{"sha256", stored->sha256_hex},
                                {"size_bytes", stored->size},
                                {"media_type", "text/plain"},
                                {"option_count", n}});
}

// R-MSG-2: the surveys the reader answers (a parent: their children's classes', with the family's
// answer) or runs (the author, the class teacher, the administration: the counts, and the families
// that have not answered yet), newest first.
void ApiServer::GetSurveys(const httplib::Request& req, httplib::Response& res) {
  const std::string school_id = req.matches[1];
  WithReader(req, res, school_id, [&](const Reader& reader) ABSL_SHARED_LOCKS_REQUIRED(state_mu_) {
    const school::School& s = *reader.school;
    const school::User& me = *reader.user;
    const school::Day today = s.zone.LocalDay(options_.clock->NowMicros());
    nlohmann::json out = nlohmann::json::array();
    for (auto it = s.surveys.rbegin(); it != s.surveys.rend(); ++it) {
      const school::Survey& v = *it;
      const std::vector<std::string> families = school::SurveyFamilies(s, v, today);
      nlohmann::json mine = nlohmann::json::array();
      for (const std::string& sid : families) {
        if (!school::MayAnswer(s, v, me, sid, today).empty()) continue;
        nlohmann::json f = {{"student_id", sid}, {"student_name", s.UserName(sid)}};
        if (auto a = v.answers.find(sid); a != v.answers.end()) {
          f["option"] = a->second.option;
          f["by_name"] = s.UserName(a->second.by);
        }
        mine.push_back(std::move(f));
      }
      const bool runs = school::SeesSurveyCounts(s, v, me);
      if (mine.empty() && !runs) continue;
      std::string question;
      nlohmann::json options = nlohmann::json::array();
      bool erased = ErasedAt(s, v.at_us);
      if (!erased) {
        auto bytes = messages_->Get(crypto::HexEncode(v.content.sha256));
        auto j = bytes ? nlohmann::json::parse(*bytes, nullptr, false) : nlohmann::json();
        if (j.is_object()) {
          question = j.value("question", "");
          options = j.value("options", nlohmann::json::array());
        } else {
          erased = true;
        }
      }
      nlohmann::json j = {
          {"survey_id", v.id},
          {"class_id", v.class_id},
          {"class_label", s.ClassLabel(v.class_id)},
          {"author_name", s.UserName(v.author_id)},
          {"asked_on", school::DayString(v.asked_on)},
          {"open", v.OpenOn(today)},
          {"question", question},
          {"options", options},
          {"option_count", v.option_count},
          {"erased", erased},
          {"my_families", mine},
          {"may_close", !v.closed && (v.author_id == me.id || school::IsAdministration(me))}};
      if (v.closes_on != school::kNoDay) j["closes_on"] = school::DayString(v.closes_on);
      if (runs) {
        std::vector<int> counts(static_cast<size_t>(v.option_count), 0);
        nlohmann::json waiting = nlohmann::json::array();
        size_t answered = 0;
        for (const std::string& sid : families) {
          auto a = v.answers.find(sid);
          if (a == v.answers.end()) {
            waiting.push_back({{"student_id", sid}, {"student_name", s.UserName(sid)}});
            continue;
          }
          ++answered;
          if (a->second.option >= 0 && a->second.option < v.option_count) {
            ++counts[static_cast<size_t>(a->second.option)];
          }
        }
        j["counts"] = counts;
        j["answered"] = answered;
        j["families"] = families.size();
        j["not_answered"] = waiting;
      }
      out.push_back(std::move(j));
    }
    ReplyJson(res, nlohmann::json{{"surveys", out}});
  });
}

// R-MSG-5: removes from the message store the texts and files every school's MessagesErased has
// put past their retention. Run after such an event is appended, and at start (an erasure a crash
// interrupted is finished); reads treat those texts as erased in the meantime. Logs counts only.
size_t ApiServer::EraseExpiredMessages() {
  std::vector<std::string> doomed;  // hex hashes
  {
    ReaderMutexLock lock(&state_mu_);
    for (const school::School* school : state_->Schools()) {
      if (school->messages_erased_before == school::kNoDay) continue;
      auto add = [&](const school::AttachmentRef& r) {
        doomed.push_back(crypto::HexEncode(r.sha256));
      };
      for (const auto& [id, conv] : school->conversations) {
        for (const auto& m : conv.messages) {
          if (!ErasedAt(*school, m.at_us)) continue;
          add(m.content);
          for (const auto& a : m.attachments) add(a);
        }
      }
      for (const auto& a : school->announcements) {
        if (!ErasedAt(*school, a.at_us)) continue;
        add(a.content);
        for (const auto& f : a.attachments) add(f);
      }
      for (const auto& v : school->surveys) {
        if (ErasedAt(*school, v.at_us)) add(v.content);
      }
    }
  }
  size_t removed = 0;
  for (const std::string& hex : doomed) {
    Status st = messages_->Remove(hex);
    if (st.ok()) {
      ++removed;
    } else if (st.code() != StatusCode::kNotFound) {
      spdlog::error("event=message_erase_failed sha256={} error=\"{}\"", hex, st.ToString());
    }
  }
  if (removed > 0) spdlog::info("event=messages_erased files={}", removed);
  return removed;
}

}  // namespace ejournal::api
