// Decoding and signing of SignedEvent: the first stage of admission and the client's signing step.
//
// DecodeSignedEvent is pure and thread-safe: it runs on the request threads, before the single
// writer. It checks only what the bytes themselves can tell (size, protobuf shape, no unknown
// fields, the envelope). The signature needs the credential (see credentials.h); the school rules
// need the school state (projections).
#ifndef EJOURNAL_LEDGER_EVENT_CODEC_H_
#define EJOURNAL_LEDGER_EVENT_CODEC_H_

#include <string>

#include "ejournal/v1/event.pb.h"
#include "ejournal/v1/ledger.pb.h"
#include "ledger/crypto.h"
#include "ledger/ledger.h"
#include "schemas/status.h"

namespace ejournal {

// The schema version this build writes and admits (EventBody.schema_version).
inline constexpr uint32_t kSchemaVersion = 1;

struct DecodeLimits {
  // A SignedEvent larger than this is refused (kResourceExhausted, HTTP 413).
  size_t max_event_bytes = 64 * 1024;
};

// A SignedEvent whose bytes decoded cleanly. `bytes` are exactly what was received.
struct DecodedEvent {
  std::string bytes;  // moved out by Admission::Check (into the AppendRequest)
  // Where Admission::Check put `bytes` (AppendRequest::signed_event's buffer), for Admit to see
  // that the request it gets carries them still. Not to be read through: only compared.
  std::string_view checked_bytes;
  v1::SignedEvent signed_event;
  v1::EventBody body;
  merkle::Hash body_digest{};  // SHA-256(signed_event.body())

  // The ledger's view of it (moves `bytes`).
  AppendRequest ToAppendRequest() &&;
};

// Decodes and checks the envelope. Errors: kResourceExhausted (too large), kInvalidArgument
// (not protobuf, unknown fields, bad envelope), kUnauthenticated (no signature, credential ids
// disagree: R-ACC-1).
[[nodiscard]] Result<DecodedEvent> DecodeSignedEvent(std::string bytes,
                                                     const DecodeLimits& limits = {});

// Checks the signature over the stored body bytes with the credential's key (R-ACC-1).
[[nodiscard]] Status VerifyEventSignature(const DecodedEvent& event, const crypto::PublicKey& key);

// The client's side: serialises `body` once and signs those bytes. Returns the serialised
// SignedEvent.
[[nodiscard]] Result<std::string> SignEvent(const v1::EventBody& body,
                                            const crypto::PrivateKey& key);

// True if `message` or any message inside it carries fields this build does not know.
bool HasUnknownFields(const google::protobuf::Message& message);

// The first enum field of `message` or of a message inside it that holds a number its enum does
// not name (proto3 keeps such numbers: a work type 999 would be stored and shown), as
// "mark_recorded.work_type = 999"; empty when every enum value is known.
std::string UnknownEnumValue(const google::protobuf::Message& message);

}  // namespace ejournal

#endif  // EJOURNAL_LEDGER_EVENT_CODEC_H_
