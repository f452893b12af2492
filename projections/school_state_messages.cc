// The fold of the communication events (messages.proto; R-MSG-1, R-MSG-2): conversations with
// their messages and read receipts, and announcements. The state keeps the contents' references
// (hash, size), never the contents.
#include <string>

#include "projections/school_state.h"
#include "projections/school_state_internal.h"

namespace ejournal::school {
namespace {

AttachmentRef RefOf(const v1::DocumentRef& d) {
  return AttachmentRef{d.sha256(), d.file_name(), d.media_type(), d.size_bytes()};
}

}  // namespace

size_t Conversation::UnreadBy(std::string_view user_id) const {
  auto r = read.find(user_id);
  size_t unread = 0;
  for (size_t i = r == read.end() ? 0 : r->second.count; i < messages.size(); ++i) {
    if (messages[i].author_id != user_id) ++unread;
  }
  return unread;
}

Status SchoolState::FoldCommunication(School* school, const v1::EventBody& body, uint64_t seq,
                                      int64_t at_us) {
  using B = v1::EventBody;
  switch (body.payload_case()) {
    case B::kMessageSent: {
      const auto& p = body.message_sent();
      auto [it, fresh] = school->conversations.try_emplace(p.conversation_id());
      Conversation& c = it->second;
      if (fresh) {
        c.id = p.conversation_id();
        c.participants.push_back(body.actor_id());
        for (const auto& r : p.recipient_ids()) c.participants.push_back(r);
        for (const auto& u : c.participants) school->conversations_of[u].push_back(c.id);
      }
      MessageInfo m;
      m.id = p.message_id();
      m.author_id = body.actor_id();
      m.content = RefOf(p.content());
      for (const auto& a : p.attachments()) m.attachments.push_back(RefOf(a));
      m.seq = seq;
      m.at_us = at_us;
      c.messages.push_back(std::move(m));
      // Writing answers what came before: the author has read the conversation.
      c.read[body.actor_id()] = ReadMark{c.messages.size(), seq, at_us};
      return Status::Ok();
    }
    case B::kMessagesRead: {
      const auto& p = body.messages_read();
      auto it = school->conversations.find(p.conversation_id());
      if (it == school->conversations.end()) return Corrupt(seq, "unknown conversation");
      Conversation& c = it->second;
      for (size_t i = 0; i < c.messages.size(); ++i) {
        if (c.messages[i].id != p.message_id()) continue;
        ReadMark& r = c.read[body.actor_id()];
        if (i + 1 > r.count) r = ReadMark{i + 1, seq, at_us};
        return Status::Ok();
      }
      return Corrupt(seq, "unknown message");
    }
    case B::kAnnouncementPublished: {
      const auto& p = body.announcement_published();
      Announcement a;
      a.id = p.announcement_id();
      a.author_id = body.actor_id();
      a.audience = p.audience().kind();
      a.grade = p.audience().grade();
      a.class_id = p.audience().class_id();
      a.content = RefOf(p.content());
      for (const auto& d : p.attachments()) a.attachments.push_back(RefOf(d));
      a.event_day = DayOr(p.event_date(), kNoDay);
      a.event_start_minutes = p.event_start_minutes();
      a.seq = seq;
      a.at_us = at_us;
      school->announcement_index[a.id] = school->announcements.size();
      school->announcements.push_back(std::move(a));
      return Status::Ok();
    }
    case B::kAnnouncementWithdrawn: {
      const auto& p = body.announcement_withdrawn();
      auto it = school->announcement_index.find(p.announcement_id());
      if (it == school->announcement_index.end()) return Corrupt(seq, "unknown announcement");
      Announcement& a = school->announcements[it->second];
      a.withdrawn = true;
      a.withdrawn_reason = p.reason();
      return Status::Ok();
    }
    case B::kMessagesErased: {
      const Day before = DayOr(body.messages_erased().before(), kNoDay);
      if (school->messages_erased_before == kNoDay || before > school->messages_erased_before) {
        school->messages_erased_before = before;
      }
      return Status::Ok();
    }
    case B::kSurveyPublished: {
      const auto& p = body.survey_published();
      Survey v;
      v.id = p.survey_id();
      v.author_id = body.actor_id();
      v.class_id = p.class_id();
      v.content = RefOf(p.content());
      v.option_count = p.option_count();
      v.asked_on = DayOr(body.business_date(), kNoDay);
      v.closes_on = DayOr(p.closes_on(), kNoDay);
      v.seq = seq;
      v.at_us = at_us;
      school->survey_index[v.id] = school->surveys.size();
      school->surveys.push_back(std::move(v));
      return Status::Ok();
    }
    case B::kSurveyAnswered: {
      const auto& p = body.survey_answered();
      auto it = school->survey_index.find(p.survey_id());
      if (it == school->survey_index.end()) return Corrupt(seq, "unknown survey");
      school->surveys[it->second].answers[p.student_id()] =
          SurveyAnswer{p.option(), body.actor_id(), seq, at_us};
      return Status::Ok();
    }
    case B::kSurveyClosed: {
      auto it = school->survey_index.find(body.survey_closed().survey_id());
      if (it == school->survey_index.end()) return Corrupt(seq, "unknown survey");
      school->surveys[it->second].closed = true;
      return Status::Ok();
    }
    default:
      return Corrupt(seq, "not a communication event");
  }
}

}  // namespace ejournal::school
