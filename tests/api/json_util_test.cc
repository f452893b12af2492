// ProtoJson writes protobuf JSON directly from reflection; it must give exactly the bytes of
// protobuf's own printer (MessageToJsonString) for every message type of the schemas, whatever the
// field values.
#include "api/json_util.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>
#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ejournal/v1/api.pb.h"
#include "ejournal/v1/reports.pb.h"
#include "ejournal/v1/views.pb.h"

namespace ejournal::api {
namespace {

namespace pb = google::protobuf;

// Strings that a printer may get wrong: quotes, backslashes, control characters, HTML-sensitive
// characters, Cyrillic, U+2028/U+2029, characters outside the BMP.
const std::vector<std::string> kStrings = {"",           "5а",          "Иванов Иван",
                                           "a\"b",       "back\\slash", "line\nbreak\ttab\r",
                                           "\x01\x1f",   "<script>&'",  "\xe2\x80\xa8 \xe2\x80\xa9",
                                           "😀 ok",       "\x7f del",    "\b\f",
                                           "2026-09-01", "mark-1/s2"};

class RandomFiller {
 public:
  explicit RandomFiller(uint64_t seed) : rng_(seed) {}

  void Fill(pb::Message& m, int depth) {
    const pb::Descriptor* d = m.GetDescriptor();
    const pb::Reflection* r = m.GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      if (!Chance(60)) continue;
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && depth >= 3) continue;
      if (f->is_repeated()) {
        const int n = static_cast<int>(rng_() % 4);
        for (int k = 0; k < n; ++k) Add(m, r, f, depth);
      } else {
        Set(m, r, f, depth);
      }
    }
  }

 private:
  bool Chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }
  int64_t Int() {
    switch (rng_() % 5) {
      case 0:
        return 0;
      case 1:
        return -static_cast<int64_t>(rng_() % 1000);
      case 2:
        return static_cast<int64_t>(rng_());
      case 3:
        return INT32_MAX;
      default:
        return static_cast<int64_t>(rng_() % 100);
    }
  }
  const std::string& Str() { return kStrings[rng_() % kStrings.size()]; }
  int EnumNumber(const pb::FieldDescriptor* f) {
    const pb::EnumDescriptor* e = f->enum_type();
    if (Chance(10)) return 977;  // not a value of the enum (proto3 enums are open)
    return e->value(static_cast<int>(rng_() % e->value_count()))->number();
  }
  std::string Bytes() {
    std::string b(rng_() % 12, '\0');
    for (auto& c : b) c = static_cast<char>(rng_());
    return b;
  }

  void Set(pb::Message& m, const pb::Reflection* r, const pb::FieldDescriptor* f, int depth) {
    using F = pb::FieldDescriptor;
    switch (f->cpp_type()) {
      case F::CPPTYPE_INT32:
        r->SetInt32(&m, f, static_cast<int32_t>(Int()));
        break;
      case F::CPPTYPE_UINT32:
        r->SetUInt32(&m, f, static_cast<uint32_t>(Int()));
        break;
      case F::CPPTYPE_INT64:
        r->SetInt64(&m, f, Int());
        break;
      case F::CPPTYPE_UINT64:
        r->SetUInt64(&m, f, static_cast<uint64_t>(Int()));
        break;
      case F::CPPTYPE_BOOL:
        r->SetBool(&m, f, Chance(50));
        break;
      case F::CPPTYPE_ENUM:
        r->SetEnumValue(&m, f, EnumNumber(f));
        break;
      case F::CPPTYPE_STRING:
        r->SetString(&m, f, f->type() == F::TYPE_BYTES ? Bytes() : Str());
        break;
      case F::CPPTYPE_MESSAGE:
        Fill(*r->MutableMessage(&m, f), depth + 1);
        break;
      default:
        break;
    }
  }
  void Add(pb::Message& m, const pb::Reflection* r, const pb::FieldDescriptor* f, int depth) {
    using F = pb::FieldDescriptor;
    switch (f->cpp_type()) {
      case F::CPPTYPE_INT32:
        r->AddInt32(&m, f, static_cast<int32_t>(Int()));
        break;
      case F::CPPTYPE_UINT32:
        r->AddUInt32(&m, f, static_cast<uint32_t>(Int()));
        break;
      case F::CPPTYPE_INT64:
        r->AddInt64(&m, f, Int());
        break;
      case F::CPPTYPE_UINT64:
        r->AddUInt64(&m, f, static_cast<uint64_t>(Int()));
        break;
      case F::CPPTYPE_BOOL:
        r->AddBool(&m, f, Chance(50));
        break;
      case F::CPPTYPE_ENUM:
        r->AddEnumValue(&m, f, EnumNumber(f));
        break;
      case F::CPPTYPE_STRING:
        r->AddString(&m, f, f->type() == F::TYPE_BYTES ? Bytes() : Str());
        break;
      case F::CPPTYPE_MESSAGE:
        Fill(*r->AddMessage(&m, f), depth + 1);
        break;
      default:
        break;
    }
  }

  std::mt19937_64 rng_;
};

// Every message type declared in the schemas' files (views, reports, events, the API).
std::vector<const pb::Descriptor*> SchemaMessages() {
  std::vector<const pb::Descriptor*> out;
  std::vector<const pb::Descriptor*> stack;
  for (const pb::FileDescriptor* file :
       {v1::DiaryWeekView::descriptor()->file(), v1::PendingCorrectionsView::descriptor()->file(),
        v1::SignedEventBatch::descriptor()->file()}) {
    for (int i = 0; i < file->dependency_count(); ++i) {
      const pb::FileDescriptor* dep = file->dependency(i);
      for (int k = 0; k < dep->message_type_count(); ++k) stack.push_back(dep->message_type(k));
    }
    for (int k = 0; k < file->message_type_count(); ++k) stack.push_back(file->message_type(k));
  }
  std::set<const pb::Descriptor*> seen;
  while (!stack.empty()) {
    const pb::Descriptor* d = stack.back();
    stack.pop_back();
    if (d->options().map_entry() || !seen.insert(d).second) continue;
    out.push_back(d);
    for (int i = 0; i < d->nested_type_count(); ++i) stack.push_back(d->nested_type(i));
  }
  return out;
}

TEST(ProtoJsonTest, EqualsProtobufsOwnPrinterOnEveryMessageTypeWithRandomValues) {
  const auto types = SchemaMessages();
  ASSERT_GT(types.size(), 50u);  // the views, reports and events are all here
  RandomFiller filler(20261130);
  int compared = 0;
  for (const pb::Descriptor* d : types) {
    const pb::Message* prototype = pb::MessageFactory::generated_factory()->GetPrototype(d);
    ASSERT_NE(prototype, nullptr) << d->full_name();
    for (int round = 0; round < 40; ++round) {
      std::unique_ptr<pb::Message> m(prototype->New());
      if (round > 0) filler.Fill(*m, 0);  // round 0: the empty message
      ASSERT_EQ(ProtoJson(*m), ProtoJsonByProtobuf(*m))
          << d->full_name() << " round " << round << "\n"
          << m->DebugString();
      ++compared;
    }
  }
  EXPECT_EQ(compared, static_cast<int>(types.size()) * 40);
}

TEST(ProtoJsonTest, WritesTheProtobufJsonMapping) {
  v1::DiaryWeekView view;
  view.set_student_id("s-1 \"Иван\"");
  view.set_as_of_sequence(18446744073709551615ull);
  const std::string json = ProtoJson(view);
  EXPECT_NE(json.find("\"student_id\":\"s-1 \\\"Иван\\\"\""), std::string::npos) << json;
  // 64-bit integers are strings.
  EXPECT_NE(json.find("\"as_of_sequence\":\"18446744073709551615\""), std::string::npos) << json;
}

}  // namespace
}  // namespace ejournal::api
