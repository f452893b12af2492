#include "projections/audit.h"

#include <google/protobuf/util/json_util.h>

#include "ejournal/v1/ledger.pb.h"

namespace ejournal::school {
namespace {

template <typename V>
void Supersessions(const Record<V>& record, const Validity& validity,
                   std::unordered_map<uint64_t, uint64_t>& out) {
  const Version<V>* previous = nullptr;
  for (const auto& v : record.versions) {
    if (validity.IsInvalid(v.value_seq) || validity.IsInvalid(v.effective_seq)) continue;
    if (previous != nullptr) out[previous->value_seq] = v.effective_seq;
    previous = &v;
  }
}

}  // namespace

Result<v1::AuditEventView> AuditReader::Describe(uint64_t seq) const {
  EJ_ASSIGN_OR_RETURN(std::string bytes, load_(seq));
  v1::LedgerEntry entry;
  v1::EventBody body;
  if (!entry.ParseFromString(bytes) || !body.ParseFromString(entry.event().body())) {
    return Err(DataLoss("entry " + std::to_string(seq) + " does not parse"));
  }
  v1::AuditEventView e;
  e.set_sequence(seq);
  e.set_event_id(body.event_id());
  e.set_recorded_at_us(entry.recorded_at_us());
  e.set_actor_id(body.actor_id());
  if (const School* school = state_->FindSchool(body.school_id()); school != nullptr) {
    if (const User* u = school->FindUser(body.actor_id())) e.set_actor_name(u->display_name);
  }
  e.set_credential_id(body.credential_id());
  const auto* field = v1::EventBody::descriptor()->FindFieldByNumber(body.payload_case());
  e.set_type(field == nullptr ? "unknown" : field->name());
  if (body.has_business_date()) *e.mutable_business_date() = body.business_date();
  e.set_substitution_id(body.substitution_id());
  e.set_reenters_event_id(body.reenters_event_id());
  if (const Invalidation* why = state_->InvalidationOf(seq); why != nullptr) {
    e.set_invalid(true);
    e.set_invalidated_by_act(why->act_id);
    e.set_because_of(why->because_of);
  }
  e.set_reentered_by(state_->ReentryOf(seq));
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (google::protobuf::util::MessageToJsonString(body, &json, options).ok()) {
    e.set_body_json(std::move(json));
  }
  return e;
}

Result<v1::AuditListView> AuditReader::List(const std::vector<uint64_t>& seqs, int64_t from_us,
                                            int64_t to_us) const {
  v1::AuditListView list;
  for (uint64_t seq : seqs) {
    const EventInfo* info = state_->Event(seq);
    if (info == nullptr || info->recorded_at_us < from_us || info->recorded_at_us > to_us) {
      continue;
    }
    EJ_ASSIGN_OR_RETURN(*list.add_events(), Describe(seq));
  }
  return list;
}

Result<v1::CellHistoryView> AuditReader::CellHistory(std::string_view school_id,
                                                     std::string_view lesson_id,
                                                     std::string_view student_id) const {
  const School* school = state_->FindSchool(school_id);
  if (school == nullptr) return Err(NotFound("no school " + std::string(school_id)));
  const Lesson* lesson = school->FindLesson(lesson_id);
  if (lesson == nullptr) return Err(NotFound("no lesson " + std::string(lesson_id)));
  v1::CellHistoryView view;
  view.set_school_id(std::string(school_id));
  view.set_lesson_id(std::string(lesson_id));
  view.set_student_id(std::string(student_id));
  std::unordered_map<uint64_t, uint64_t> superseded;
  for (const Mark* m : lesson->marks) {
    if (m->student_id == student_id) Supersessions(*m, *state_, superseded);
  }
  auto a = school->attendance.find(AttendanceKey(lesson_id, student_id));
  if (a != school->attendance.end()) Supersessions(a->second, *state_, superseded);
  for (uint64_t seq : state_->CellEvents(school_id, lesson_id, student_id)) {
    EJ_ASSIGN_OR_RETURN(v1::AuditEventView e, Describe(seq));
    auto s = superseded.find(seq);
    if (s != superseded.end()) e.set_superseded_by(s->second);
    *view.add_events() = std::move(e);
  }
  auto current = CellViewOf(*state_, *school, *lesson, std::string(student_id));
  if (current) *view.mutable_current() = std::move(*current);
  return view;
}

Result<v1::AuditListView> AuditReader::ActorHistory(std::string_view school_id,
                                                    std::string_view actor_id, int64_t from_us,
                                                    int64_t to_us) const {
  return List(state_->ActorEvents(school_id, actor_id), from_us, to_us);
}

Result<v1::AuditListView> AuditReader::CredentialHistory(std::string_view credential_id,
                                                         int64_t from_us, int64_t to_us) const {
  return List(state_->CredentialEvents(credential_id), from_us, to_us);
}

Result<v1::AuditListView> AuditReader::AwaitingReentry(std::string_view school_id) const {
  return List(state_->AwaitingReentry(school_id), INT64_MIN, INT64_MAX);
}

}  // namespace ejournal::school
