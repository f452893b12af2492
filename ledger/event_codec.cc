#include "ledger/event_codec.h"

#include <absl/container/node_hash_map.h>
#include <google/protobuf/reflection.h>

#include <algorithm>
#include <vector>

#include "schemas/ids.h"

namespace ejournal {

AppendRequest DecodedEvent::ToAppendRequest() && {
  AppendRequest req;
  req.event_id = body.event_id();
  req.body_digest = body_digest;
  req.signed_event = std::move(bytes);
  return req;
}

namespace {

// Where a message of one type can hold other messages: its message fields outside oneofs, and its
// oneofs that have a message member (only the member that is set needs a look); and its enum
// fields.
struct MessageFields {
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  std::vector<const google::protobuf::OneofDescriptor*> oneofs;
  std::vector<const google::protobuf::FieldDescriptor*> enums;
};

// Per thread and message type, built at the type's first check (descriptors of the generated pool
// live as long as the process). Why: ListFields visited every field of EventBody's ~40-member
// payload oneof and sorted the ones set, for every admitted event: ~1 % of a batch ingest's CPU.
const MessageFields& MessageFieldsOf(const google::protobuf::Descriptor* type) {
  // A node table: the reference returned stays valid while the caller's recursion adds types.
  thread_local absl::node_hash_map<const google::protobuf::Descriptor*, MessageFields> cache;
  auto [it, inserted] = cache.try_emplace(type);
  if (inserted) {
    for (int i = 0; i < type->field_count(); ++i) {
      const google::protobuf::FieldDescriptor* field = type->field(i);
      if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_ENUM) {
        it->second.enums.push_back(field);
      }
      if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
      const google::protobuf::OneofDescriptor* oneof = field->real_containing_oneof();
      if (oneof == nullptr) {
        it->second.fields.push_back(field);
      } else if (std::find(it->second.oneofs.begin(), it->second.oneofs.end(), oneof) ==
                 it->second.oneofs.end()) {
        it->second.oneofs.push_back(oneof);
      }
    }
  }
  return it->second;
}

bool NestedHasUnknownFields(const google::protobuf::Message& message,
                            const google::protobuf::Reflection& reflection,
                            const google::protobuf::FieldDescriptor* field) {
  if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) return false;
  if (field->is_repeated()) {
    const int n = reflection.FieldSize(message, field);
    for (int i = 0; i < n; ++i) {
      if (HasUnknownFields(reflection.GetRepeatedMessage(message, field, i))) return true;
    }
    return false;
  }
  return reflection.HasField(message, field) &&
         HasUnknownFields(reflection.GetMessage(message, field));
}

std::string UnknownEnumIn(const google::protobuf::Message& message, const std::string& prefix);

// The unknown enum value of `field` (an enum field, or a message field searched inside), or "".
std::string UnknownEnumOf(const google::protobuf::Message& message,
                          const google::protobuf::Reflection& reflection,
                          const google::protobuf::FieldDescriptor* field,
                          const std::string& prefix) {
  const std::string name = prefix + field->name();
  if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_ENUM) {
    auto unknown = [&](int value) {
      return field->enum_type()->FindValueByNumber(value) == nullptr
                 ? name + " = " + std::to_string(value)
                 : std::string();
    };
    if (field->is_repeated()) {
      const int n = reflection.FieldSize(message, field);
      for (int i = 0; i < n; ++i) {
        std::string found = unknown(reflection.GetRepeatedEnumValue(message, field, i));
        if (!found.empty()) return found;
      }
      return {};
    }
    return unknown(reflection.GetEnumValue(message, field));
  }
  if (field->is_repeated()) {
    const int n = reflection.FieldSize(message, field);
    for (int i = 0; i < n; ++i) {
      std::string found = UnknownEnumIn(reflection.GetRepeatedMessage(message, field, i),
                                        name + "[" + std::to_string(i) + "].");
      if (!found.empty()) return found;
    }
    return {};
  }
  if (!reflection.HasField(message, field)) return {};
  return UnknownEnumIn(reflection.GetMessage(message, field), name + ".");
}

std::string UnknownEnumIn(const google::protobuf::Message& message, const std::string& prefix) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  const MessageFields& nested = MessageFieldsOf(message.GetDescriptor());
  for (const google::protobuf::FieldDescriptor* field : nested.enums) {
    std::string found = UnknownEnumOf(message, *reflection, field, prefix);
    if (!found.empty()) return found;
  }
  for (const google::protobuf::FieldDescriptor* field : nested.fields) {
    std::string found = UnknownEnumOf(message, *reflection, field, prefix);
    if (!found.empty()) return found;
  }
  for (const google::protobuf::OneofDescriptor* oneof : nested.oneofs) {
    const google::protobuf::FieldDescriptor* set =
        reflection->GetOneofFieldDescriptor(message, oneof);
    // (An enum member is among `enums` already; a scalar one holds no enum.)
    if (set == nullptr || set->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    std::string found = UnknownEnumOf(message, *reflection, set, prefix);
    if (!found.empty()) return found;
  }
  return {};
}

}  // namespace

std::string UnknownEnumValue(const google::protobuf::Message& message) {
  return UnknownEnumIn(message, "");
}

bool HasUnknownFields(const google::protobuf::Message& message) {
  const google::protobuf::Reflection* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return true;
  const MessageFields& nested = MessageFieldsOf(message.GetDescriptor());
  for (const google::protobuf::FieldDescriptor* field : nested.fields) {
    if (NestedHasUnknownFields(message, *reflection, field)) return true;
  }
  for (const google::protobuf::OneofDescriptor* oneof : nested.oneofs) {
    const google::protobuf::FieldDescriptor* set =
        reflection->GetOneofFieldDescriptor(message, oneof);
    if (set != nullptr && NestedHasUnknownFields(message, *reflection, set)) return true;
  }
  return false;
}

Result<DecodedEvent> DecodeSignedEvent(std::string bytes, const DecodeLimits& limits) {
  if (bytes.size() > limits.max_event_bytes) {
    return Err(ResourceExhausted("the event has " + std::to_string(bytes.size()) +
                                 " bytes; the limit is " + std::to_string(limits.max_event_bytes)));
  }
  DecodedEvent ev;
  if (!ev.signed_event.ParseFromString(bytes)) {
    return Err(InvalidArgument("the request is not a valid ejournal.v1.SignedEvent protobuf"));
  }
  if (HasUnknownFields(ev.signed_event)) {
    return Err(InvalidArgument("the SignedEvent has fields this server does not know"));
  }
  // The envelope is stored verbatim, so it must hold nothing unsigned besides the signature and
  // the credential id: a repeated `body` field (protobuf keeps the last) or any other non-canonical
  // encoding could smuggle unsigned bytes into the ledger.
  // (Serialized into a buffer kept per thread: no allocation an event.)
  thread_local std::string canonical;
  if (!ev.signed_event.SerializeToString(&canonical) || canonical != bytes) {
    return Err(InvalidArgument(
        "the SignedEvent is not canonically encoded (fields 1, 2, 3 in order, each once)"));
  }
  if (ev.signed_event.body().empty()) return Err(InvalidArgument("the SignedEvent has no body"));
  if (ev.signed_event.signature().empty()) {
    return Err(Unauthenticated("the event is not signed", "R-ACC-1"));
  }
  if (!ev.body.ParseFromString(ev.signed_event.body())) {
    return Err(InvalidArgument(
        "the body is not a valid ejournal.v1.EventBody (truncated or corrupted bytes)"));
  }
  if (HasUnknownFields(ev.body)) {
    return Err(InvalidArgument(
        "the body has fields this server's schema does not know (a newer client?)"));
  }
  if (std::string unknown = UnknownEnumValue(ev.body); !unknown.empty()) {
    return Err(InvalidArgument("неизвестное значение в событии: " + unknown +
                               " (такого значения нет в схеме ejournal.v1)"));
  }
  const auto& body = ev.body;
  if (body.schema_version() != kSchemaVersion) {
    return Err(InvalidArgument("schema_version " + std::to_string(body.schema_version()) +
                               " is not supported; this server admits version " +
                               std::to_string(kSchemaVersion)));
  }
  if (!IsValidId(body.event_id())) {
    return Err(InvalidArgument(
        "event_id must be 1-128 characters of letters, digits and -_.:@ (a UUID is best)"));
  }
  if (!IsValidId(body.school_id()))
    return Err(InvalidArgument("school_id is missing or malformed"));
  if (!IsValidId(body.actor_id())) return Err(InvalidArgument("actor_id is missing or malformed"));
  if (!IsValidId(body.credential_id())) {
    return Err(InvalidArgument("credential_id is missing or malformed"));
  }
  if (body.credential_id() != ev.signed_event.credential_id()) {
    return Err(Unauthenticated("the signature names credential " + ev.signed_event.credential_id() +
                                   " but the body names " + body.credential_id(),
                               "R-ACC-1"));
  }
  ev.body_digest = crypto::Sha256(ev.signed_event.body());
  ev.bytes = std::move(bytes);
  return ev;
}

Status VerifyEventSignature(const DecodedEvent& event, const crypto::PublicKey& key) {
  Status st = key.Verify(event.signed_event.body(), event.signed_event.signature());
  if (st.ok()) return st;
  return Unauthenticated("event " + event.body.event_id() + ": the signature by credential " +
                             event.body.credential_id() + " is not valid: " + st.message(),
                         "R-ACC-1");
}

Result<std::string> SignEvent(const v1::EventBody& body, const crypto::PrivateKey& key) {
  v1::SignedEvent signed_event;
  if (!body.SerializeToString(signed_event.mutable_body())) {
    return Err(Internal("cannot serialise the event body"));
  }
  EJ_ASSIGN_OR_RETURN(*signed_event.mutable_signature(), key.Sign(signed_event.body()));
  signed_event.set_credential_id(body.credential_id());
  return signed_event.SerializeAsString();
}

}  // namespace ejournal
