#include "ledger/event_codec.h"

#include <google/protobuf/reflection.h>

namespace ejournal {
namespace {

bool ValidId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':' || c == '@';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

AppendRequest DecodedEvent::ToAppendRequest() && {
  AppendRequest req;
  req.event_id = body.event_id();
  req.body_digest = body_digest;
  req.signed_event = std::move(bytes);
  return req;
}

bool HasUnknownFields(const google::protobuf::Message& message) {
  const auto* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return true;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      const int n = reflection->FieldSize(message, field);
      for (int i = 0; i < n; ++i) {
        if (HasUnknownFields(reflection->GetRepeatedMessage(message, field, i))) return true;
      }
    } else if (HasUnknownFields(reflection->GetMessage(message, field))) {
      return true;
    }
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
  if (ev.signed_event.SerializeAsString() != bytes) {
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
  const auto& body = ev.body;
  if (body.schema_version() != kSchemaVersion) {
    return Err(InvalidArgument("schema_version " + std::to_string(body.schema_version()) +
                               " is not supported; this server admits version " +
                               std::to_string(kSchemaVersion)));
  }
  if (!ValidId(body.event_id())) {
    return Err(InvalidArgument(
        "event_id must be 1-128 characters of letters, digits and -_.:@ (a UUID is best)"));
  }
  if (!ValidId(body.school_id())) return Err(InvalidArgument("school_id is missing or malformed"));
  if (!ValidId(body.actor_id())) return Err(InvalidArgument("actor_id is missing or malformed"));
  if (!ValidId(body.credential_id())) {
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
