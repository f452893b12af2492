// The communication rules (DOMAIN.md R-MSG-1, R-MSG-2): messages and read receipts, announcements,
// surveys.
// Who may write to whom and who an announcement reaches: projections/communication.h.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "projections/rule_checker.h"

namespace ejournal::school::rules {
namespace {

// The largest text of a message or an announcement (its content blob in the message store).
constexpr int64_t kMaxTextBytes = 64 << 10;
constexpr int kMaxFiles = 10;
constexpr int kMaxRecipients = 40;
constexpr int kMaxSurveyOptions = 10;

// A content reference: the text's blob in the message store, and the files sent with it.
Status CheckContent(const v1::DocumentRef& content,
                    const google::protobuf::RepeatedPtrField<v1::DocumentRef>& files,
                    const char* rule) {
  if (content.sha256().size() != 32 || content.media_type() != "text/plain" ||
      content.size_bytes() <= 0) {
    return Malformed(rule, "У сообщения нет текста");
  }
  if (content.size_bytes() > kMaxTextBytes) {
    return Malformed(rule, "Текст длиннее 64 КиБ: сократите его или приложите файлом");
  }
  if (files.size() > kMaxFiles) {
    return Malformed(rule, "Можно приложить не больше " + std::to_string(kMaxFiles) + " файлов");
  }
  for (const auto& a : files) {
    if (a.sha256().size() != 32 || a.file_name().empty() || a.file_name().size() > 255 ||
        a.media_type().empty() || a.size_bytes() <= 0) {
      return Malformed(rule,
                       "Приложенный файл описан не полностью: нужны его хеш, имя, тип и размер");
    }
  }
  return Status::Ok();
}

}  // namespace

Status Checker::CheckMessageSent() {
  const auto& m = body_.message_sent();
  if (m.message_id().empty() || m.conversation_id().empty()) {
    return Malformed("R-MSG-1", "У сообщения нет идентификатора или переписки");
  }
  EJ_RETURN_IF_ERROR(CheckContent(m.content(), m.attachments(), "R-MSG-1"));
  if (auto c = school_->conversations.find(m.conversation_id());
      c != school_->conversations.end()) {
    // A reply: to everyone in the conversation, by one of them.
    if (!m.recipient_ids().empty()) {
      return Malformed("R-MSG-1",
                       "Ответ уходит всем участникам переписки: получателей в нём не указывают");
    }
    const auto& who = c->second.participants;
    if (std::find(who.begin(), who.end(), actor_->id) == who.end()) {
      return Deny("R-MSG-1", "Вы не участник этой переписки");
    }
    for (const auto& earlier : c->second.messages) {
      if (earlier.id == m.message_id()) {
        return AlreadyExists("Это сообщение уже отправлено");
      }
    }
    return Status::Ok();
  }
  if (m.recipient_ids().empty()) return Malformed("R-MSG-1", "Укажите, кому сообщение");
  if (m.recipient_ids_size() > kMaxRecipients) {
    return Malformed("R-MSG-1", "Получателей больше " + std::to_string(kMaxRecipients) +
                                    ": для класса или параллели сделайте объявление");
  }
  std::vector<const User*> people = {actor_};
  std::set<std::string> seen = {actor_->id};
  for (const auto& r : m.recipient_ids()) {
    if (!seen.insert(r).second) {
      return Malformed("R-MSG-1", "Получатель «" + school_->UserName(r) + "» указан дважды");
    }
    const User* to = school_->FindUser(r);
    if (to == nullptr) return Refuse("R-MSG-1", "В школе нет пользователя «" + r + "»");
    if (std::string why = MayWrite(*school_, *actor_, *to, today_); !why.empty()) {
      return Deny("R-MSG-1", why);
    }
    people.push_back(to);
  }
  if (!FamilyOfParticipants(*school_, people, today_)) {
    return Refuse("R-MSG-1",
                  "В одной переписке — одна семья, чтобы никто не видел чужих родителей: "
                  "напишите каждой семье отдельно или сделайте объявление");
  }
  return Status::Ok();
}

Status Checker::CheckMessagesRead() {
  const auto& r = body_.messages_read();
  auto c = school_->conversations.find(r.conversation_id());
  if (c == school_->conversations.end()) return Refuse("R-MSG-1", "Нет такой переписки");
  const auto& who = c->second.participants;
  if (std::find(who.begin(), who.end(), actor_->id) == who.end()) {
    return Deny("R-MSG-1", "Вы не участник этой переписки");
  }
  for (const auto& m : c->second.messages) {
    if (m.id == r.message_id()) return Status::Ok();
  }
  return Refuse("R-MSG-1", "В переписке нет такого сообщения");
}

Status Checker::CheckAnnouncementPublished() {
  const auto& a = body_.announcement_published();
  if (a.announcement_id().empty()) return Malformed("R-MSG-2", "У объявления нет идентификатора");
  if (school_->announcement_index.contains(a.announcement_id())) {
    return AlreadyExists("Это объявление уже опубликовано");
  }
  EJ_RETURN_IF_ERROR(CheckContent(a.content(), a.attachments(), "R-MSG-2"));
  const auto& to = a.audience();
  switch (to.kind()) {
    case v1::AUDIENCE_KIND_SCHOOL:
    case v1::AUDIENCE_KIND_STAFF:
      break;
    case v1::AUDIENCE_KIND_GRADE:
      if (to.grade() < 1 || to.grade() > 11) {
        return Malformed("R-MSG-2", "Параллель — от 1 до 11, а не " + std::to_string(to.grade()));
      }
      break;
    case v1::AUDIENCE_KIND_CLASS:
    case v1::AUDIENCE_KIND_CLASS_PARENTS:
      if (!school_->classes.contains(to.class_id())) {
        return Refuse("R-MSG-2", "В школе нет класса «" + to.class_id() + "»");
      }
      break;
    default:
      return Malformed("R-MSG-2", "Не указано, кому объявление");
  }
  if (std::string why = MayAnnounce(*school_, *actor_, to.kind(), to.class_id()); !why.empty()) {
    return Deny("R-MSG-2", why);
  }
  if (a.event_date().year() != 0) {
    EJ_ASSIGN_OR_RETURN([[maybe_unused]] Day day, DayOf(a.event_date()));
  }
  if (a.event_start_minutes() < 0 || a.event_start_minutes() >= 24 * 60) {
    return Malformed("R-MSG-2", "Время события — от 00:00 до 23:59");
  }
  return Status::Ok();
}

Status Checker::CheckAnnouncementWithdrawn() {
  const auto& w = body_.announcement_withdrawn();
  auto it = school_->announcement_index.find(w.announcement_id());
  if (it == school_->announcement_index.end()) return Refuse("R-MSG-2", "Нет такого объявления");
  const Announcement& a = school_->announcements[it->second];
  if (a.withdrawn) return Refuse("R-MSG-2", "Объявление уже снято");
  if (a.author_id != actor_->id && !IsAdministration(*actor_)) {
    return Deny("R-MSG-2", "Снять объявление может его автор или администрация школы");
  }
  if (w.reason().empty()) return Malformed("R-MSG-2", "Укажите, почему объявление снято");
  return Status::Ok();
}

// R-MSG-5: the director or the administrator ends a retention period, under an order; never
// beyond tomorrow (what is written today is not yet past its retention).
Status Checker::CheckMessagesErased() {
  EJ_RETURN_IF_ERROR(
      Needs({v1::ROLE_DIRECTOR, v1::ROLE_ADMIN}, "Удалять переписку по сроку хранения"));
  const auto& e = body_.messages_erased();
  if (e.before().year() == 0) return Malformed("R-MSG-5", "Не указано, до какого дня удалить");
  EJ_ASSIGN_OR_RETURN(const Day before, DayOf(e.before()));
  if (before > today_ + 1) {
    return Refuse("R-MSG-5", "Удалить можно только прошедшую переписку: до " + RuDate(today_ + 1) +
                                 " включительно, а не до " + RuDate(before));
  }
  if (e.order_number().empty()) {
    return Malformed("R-MSG-5", "Укажите приказ, по которому переписка удаляется");
  }
  return Status::Ok();
}

}  // namespace ejournal::school::rules

namespace ejournal::school::rules {

// R-MSG-2: a survey of a class's parents, asked by its teachers or the administration.
Status Checker::CheckSurveyPublished() {
  const auto& v = body_.survey_published();
  if (v.survey_id().empty()) return Malformed("R-MSG-2", "У опроса нет идентификатора");
  if (school_->survey_index.contains(v.survey_id())) {
    return AlreadyExists("Этот опрос уже опубликован");
  }
  if (!school_->classes.contains(v.class_id())) {
    return Refuse("R-MSG-2", "В школе нет класса «" + v.class_id() + "»");
  }
  if (std::string why = MayAsk(*school_, *actor_, v.class_id()); !why.empty()) {
    return Deny("R-MSG-2", why);
  }
  const auto& c = v.content();
  if (c.sha256().size() != 32 || c.media_type() != "text/plain" || c.size_bytes() <= 0) {
    return Malformed("R-MSG-2", "У опроса нет вопроса");
  }
  if (c.size_bytes() > kMaxTextBytes) return Malformed("R-MSG-2", "Вопрос длиннее 64 КиБ");
  if (v.option_count() < 2 || v.option_count() > kMaxSurveyOptions) {
    return Malformed("R-MSG-2", "Вариантов ответа — от 2 до " + std::to_string(kMaxSurveyOptions) +
                                    ", а не " + std::to_string(v.option_count()));
  }
  if (v.closes_on().year() != 0) {
    EJ_ASSIGN_OR_RETURN(const Day closes, DayOf(v.closes_on()));
    if (closes < today_) {
      return Refuse("R-MSG-2", "Последний день ответов (" + RuDate(closes) + ") уже прошёл");
    }
  }
  return Status::Ok();
}

// R-MSG-2: each family answers once, while the survey is open.
Status Checker::CheckSurveyAnswered() {
  const auto& a = body_.survey_answered();
  auto it = school_->survey_index.find(a.survey_id());
  if (it == school_->survey_index.end()) return Refuse("R-MSG-2", "Нет такого опроса");
  const Survey& v = school_->surveys[it->second];
  if (std::string why = MayAnswer(*school_, v, *actor_, a.student_id(), today_); !why.empty()) {
    return Deny("R-MSG-2", why);
  }
  if (!v.OpenOn(today_)) return Refuse("R-MSG-2", "Опрос закончен: ответы больше не принимаются");
  if (a.option() < 0 || a.option() >= v.option_count) {
    return Malformed("R-MSG-2", "В опросе нет варианта ответа №" + std::to_string(a.option() + 1));
  }
  if (auto earlier = v.answers.find(a.student_id()); earlier != v.answers.end()) {
    return Refuse("R-MSG-2", "Семья уже ответила на этот опрос (" +
                                 school_->UserName(earlier->second.by) +
                                 "): каждая семья отвечает один раз");
  }
  return Status::Ok();
}

Status Checker::CheckSurveyClosed() {
  auto it = school_->survey_index.find(body_.survey_closed().survey_id());
  if (it == school_->survey_index.end()) return Refuse("R-MSG-2", "Нет такого опроса");
  const Survey& v = school_->surveys[it->second];
  if (v.author_id != actor_->id && !IsAdministration(*actor_)) {
    return Deny("R-MSG-2", "Закончить опрос может его автор или администрация школы");
  }
  if (v.closed) return Refuse("R-MSG-2", "Опрос уже закончен");
  return Status::Ok();
}

}  // namespace ejournal::school::rules
