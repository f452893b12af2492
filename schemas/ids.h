// The shape of an id in the schema (EventBody's event, school, actor and credential ids, and the
// ids the set-up events give records): 1..128 characters of [A-Za-z0-9-_.:@]. The event decoder
// refuses an envelope with another (ledger/event_codec.cc); the imports give new records only ids
// of this shape (setup/).
#ifndef EJOURNAL_SCHEMAS_IDS_H_
#define EJOURNAL_SCHEMAS_IDS_H_

#include <string_view>

namespace ejournal {

inline bool IsValidId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == ':' || c == '@';
    if (!ok) return false;
  }
  return true;
}

}  // namespace ejournal

#endif  // EJOURNAL_SCHEMAS_IDS_H_
