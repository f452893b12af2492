#include "api/json_util.h"

#include <google/protobuf/stubs/strutil.h>
#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <charconv>
#include <unordered_map>
#include <vector>

#include "schemas/mutex.h"

namespace ejournal::api {

namespace {

namespace pb = google::protobuf;

// protobuf's JSON mapping, written straight from reflection: the same bytes as
// MessageToJsonString with preserve_proto_field_names (tests/api/json_util_test.cc compares the
// two on every message type of the schemas), without its detour through the binary encoding and
// a type resolver (42 % of a diary read's instructions went there, docs/BENCHMARKS.md). The
// schemas use no well-known types; a message that does is printed by protobuf itself.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void Message(const pb::Message& message) {
    const pb::Reflection* r = message.GetReflection();
    std::vector<const pb::FieldDescriptor*> fields;
    r->ListFields(message, &fields);
    out_ += '{';
    bool first = true;
    for (const pb::FieldDescriptor* f : fields) {
      if (!first) out_ += ',';
      first = false;
      String(f->name());
      out_ += ':';
      if (f->is_map()) {
        MapField(message, f);
      } else if (f->is_repeated()) {
        out_ += '[';
        const int n = r->FieldSize(message, f);
        for (int i = 0; i < n; ++i) {
          if (i > 0) out_ += ',';
          Value(message, f, i);
        }
        out_ += ']';
      } else {
        Value(message, f, -1);
      }
    }
    out_ += '}';
  }

 private:
  // Element `i` of a repeated field, or the singular field (i < 0).
  void Value(const pb::Message& m, const pb::FieldDescriptor* f, int i) {
    const pb::Reflection* r = m.GetReflection();
    const bool rep = i >= 0;
    using F = pb::FieldDescriptor;
    switch (f->cpp_type()) {
      case F::CPPTYPE_INT32:
        out_ += std::to_string(rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f));
        break;
      case F::CPPTYPE_UINT32:
        out_ += std::to_string(rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f));
        break;
      case F::CPPTYPE_INT64:  // 64-bit integers are strings in protobuf JSON
        Quoted(std::to_string(rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f)));
        break;
      case F::CPPTYPE_UINT64:
        Quoted(std::to_string(rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f)));
        break;
      case F::CPPTYPE_BOOL:
        out_ += (rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f)) ? "true" : "false";
        break;
      case F::CPPTYPE_ENUM: {
        const int number = rep ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
        const pb::EnumValueDescriptor* v = f->enum_type()->FindValueByNumber(number);
        if (v != nullptr) {
          String(v->name());
        } else {
          out_ += std::to_string(number);
        }
        break;
      }
      case F::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& v = rep ? r->GetRepeatedStringReference(m, f, i, &scratch)
                                   : r->GetStringReference(m, f, &scratch);
        if (f->type() == F::TYPE_BYTES) {
          std::string encoded;
          pb::Base64Escape(v, &encoded);
          Quoted(encoded);
        } else {
          String(v);
        }
        break;
      }
      case F::CPPTYPE_MESSAGE:
        Message(rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f));
        break;
      case F::CPPTYPE_DOUBLE:
      case F::CPPTYPE_FLOAT:
        // Not in the schemas; numbers in protobuf's own format would need its dtoa.
        out_ += "null";
        break;
    }
  }

  void MapField(const pb::Message& m, const pb::FieldDescriptor* f) {
    const pb::Reflection* r = m.GetReflection();
    const pb::FieldDescriptor* key = f->message_type()->map_key();
    const pb::FieldDescriptor* value = f->message_type()->map_value();
    out_ += '{';
    const int n = r->FieldSize(m, f);
    for (int i = 0; i < n; ++i) {
      if (i > 0) out_ += ',';
      const pb::Message& entry = r->GetRepeatedMessage(m, f, i);
      const pb::Reflection* er = entry.GetReflection();
      switch (key->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_STRING:
          String(er->GetString(entry, key));
          break;
        case pb::FieldDescriptor::CPPTYPE_BOOL:
          Quoted(er->GetBool(entry, key) ? "true" : "false");
          break;
        case pb::FieldDescriptor::CPPTYPE_INT32:
          Quoted(std::to_string(er->GetInt32(entry, key)));
          break;
        case pb::FieldDescriptor::CPPTYPE_UINT32:
          Quoted(std::to_string(er->GetUInt32(entry, key)));
          break;
        case pb::FieldDescriptor::CPPTYPE_INT64:
          Quoted(std::to_string(er->GetInt64(entry, key)));
          break;
        default:
          Quoted(std::to_string(er->GetUInt64(entry, key)));
          break;
      }
      out_ += ':';
      Value(entry, value, -1);
    }
    out_ += '}';
  }

  void Quoted(std::string_view plain) {
    out_ += '"';
    out_ += plain;
    out_ += '"';
  }

  // A JSON string as protobuf escapes it: quotes, backslashes and control characters, and
  // '<', '>' and U+2028/U+2029 (safe inside HTML and JavaScript) as \u escapes.
  void String(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_ += '"';
    for (size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      switch (c) {
        case '"':
          out_ += "\\\"";
          continue;
        case '\\':
          out_ += "\\\\";
          continue;
        case '\b':
          out_ += "\\b";
          continue;
        case '\f':
          out_ += "\\f";
          continue;
        case '\n':
          out_ += "\\n";
          continue;
        case '\r':
          out_ += "\\r";
          continue;
        case '\t':
          out_ += "\\t";
          continue;
        default:
          break;
      }
      if (c < 0x20 || c == '<' || c == '>' || c == 0x7f) {
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 0xf];
      } else if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                 (static_cast<unsigned char>(s[i + 2]) == 0xa8 ||
                  static_cast<unsigned char>(s[i + 2]) == 0xa9)) {
        out_ += static_cast<unsigned char>(s[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
        i += 2;
      } else {
        out_ += static_cast<char>(c);
      }
    }
    out_ += '"';
  }

  std::string& out_;
};

bool UsesWellKnownTypes(const pb::Descriptor* d, int depth = 0) {
  if (d->file()->package() == "google.protobuf") return true;
  if (depth > 16) return false;
  for (int i = 0; i < d->field_count(); ++i) {
    const pb::FieldDescriptor* f = d->field(i);
    if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE ||
        f->cpp_type() == pb::FieldDescriptor::CPPTYPE_FLOAT) {
      return true;
    }
    if (f->message_type() != nullptr && f->message_type() != d &&
        UsesWellKnownTypes(f->message_type(), depth + 1)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string ProtoJsonByProtobuf(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) return "{}";
  return out;
}

std::string ProtoJson(const google::protobuf::Message& message) {
  // Whether a message type can take the direct path, decided once per type.
  static Mutex mu;
  static std::unordered_map<const pb::Descriptor*, bool> direct ABSL_GUARDED_BY(mu);
  bool ok;
  {
    MutexLock lock(&mu);
    auto [it, fresh] = direct.try_emplace(message.GetDescriptor(), false);
    if (fresh) it->second = !UsesWellKnownTypes(message.GetDescriptor());
    ok = it->second;
  }
  if (!ok) return ProtoJsonByProtobuf(message);
  std::string out;
  out.reserve(256);
  JsonWriter(out).Message(message);
  return out;
}

void ReplyProto(httplib::Response& res, const google::protobuf::Message& message) {
  res.status = 200;
  res.set_content(ProtoJson(message), kJsonContentType);
}

void ReplyJson(httplib::Response& res, const nlohmann::json& value, int status) {
  res.status = status;
  res.set_content(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  kJsonContentType);
}

std::string ContentDispositionName(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "UTF-8''";
  for (unsigned char c : name) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<nlohmann::json> ParseObject(const std::string& body) {
  // No exceptions: a parse error (including invalid UTF-8 in a string) gives a discarded value.
  nlohmann::json value = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Err(InvalidArgument("Тело запроса — не JSON (UTF-8)"));
  if (!value.is_object()) return Err(InvalidArgument("Тело запроса должно быть JSON-объектом"));
  return value;
}

Result<std::string> StringField(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return Err(InvalidArgument(std::string("missing field ") + name));
  if (!it->is_string()) return Err(InvalidArgument(std::string(name) + " must be a string"));
  return it->get<std::string>();
}

Status OnlyFields(const nlohmann::json& object, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) return InvalidArgument("Неизвестное поле «" + key + "»");
  }
  return Status::Ok();
}

Result<uint64_t> ParseUint(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Err(InvalidArgument("not a non-negative integer: " + std::string(text.substr(0, 32))));
  }
  return value;
}

Result<std::string> QueryString(const httplib::Request& req, const char* name, bool required) {
  if (!req.has_param(name)) {
    if (required) return Err(InvalidArgument(std::string("missing query parameter ") + name));
    return std::string();
  }
  return req.get_param_value(name);
}

Result<int64_t> QueryInt(const httplib::Request& req, const char* name,
                         std::optional<int64_t> fallback) {
  if (!req.has_param(name)) {
    if (fallback) return *fallback;
    return Err(InvalidArgument(std::string("missing query parameter ") + name));
  }
  const std::string text = req.get_param_value(name);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Err(InvalidArgument(std::string(name) + " must be an integer"));
  }
  return value;
}

Result<school::Day> ParseDay(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return Err(InvalidArgument("Дата — в виде ГГГГ-ММ-ДД"));
  }
  auto year = ParseUint(text.substr(0, 4));
  auto month = ParseUint(text.substr(5, 2));
  auto day = ParseUint(text.substr(8, 2));
  if (!year || !month || !day) return Err(InvalidArgument("Дата — в виде ГГГГ-ММ-ДД"));
  v1::Date date;
  date.set_year(static_cast<int>(*year));
  date.set_month(static_cast<int>(*month));
  date.set_day(static_cast<int>(*day));
  return school::DayOf(date);
}

Result<school::Day> QueryDay(const httplib::Request& req, const char* name) {
  EJ_ASSIGN_OR_RETURN(std::string text, QueryString(req, name, true));
  return ParseDay(text);
}

Result<std::optional<school::Day>> QueryWeek(const httplib::Request& req) {
  if (!req.has_param("week")) return std::optional<school::Day>();
  EJ_ASSIGN_OR_RETURN(school::Day day, QueryDay(req, "week"));
  return std::optional<school::Day>(school::WeekStart(day));
}

}  // namespace ejournal::api
