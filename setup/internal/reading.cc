#include "setup/internal/reading.h"

#include "setup/internal/text.h"

namespace ejournal::setup::internal {

RowReport FileProblem(const Status& error, std::string_view file, std::string rule) {
  RowReport r;
  r.at = SourceRow{std::string(file), 0};
  r.status = RowStatus::kRefused;
  r.rule = std::move(rule);
  std::string_view m = error.message();
  const std::string prefix = std::string(file) + ", строка ";
  if (m.rfind(prefix, 0) == 0) {
    m.remove_prefix(prefix.size());
    int line = 0;
    size_t i = 0;
    while (i < m.size() && m[i] >= '0' && m[i] <= '9') line = line * 10 + (m[i++] - '0');
    if (i > 0 && m.substr(i, 2) == ": ") {
      r.at.line = line;
      m.remove_prefix(i + 2);
    }
  } else if (m.rfind(std::string(file) + ": ", 0) == 0) {
    m.remove_prefix(file.size() + 2);
  }
  r.message = std::string(m);
  return r;
}

int FindColumn(const std::vector<std::string>& header, const std::vector<std::string>& keys) {
  for (size_t i = 0; i < header.size(); ++i) {
    const std::string k = HeaderKey(header[i]);
    for (const auto& key : keys) {
      if (k == key) return static_cast<int>(i);
    }
  }
  return -1;
}

std::string Describe(const CsvTable& table) {
  const std::string delim = table.delimiter == '\t' ? "TAB" : std::string(1, table.delimiter);
  return "кодировка " + std::string(EncodingName(table.encoding)) + ", разделитель «" + delim + "»";
}

}  // namespace ejournal::setup::internal
