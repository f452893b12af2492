#include "setup/csv.h"

#include <array>

#include "setup/internal/text.h"

namespace ejournal::setup {
namespace {

using internal::AppendUtf8;

// Windows-1251, bytes 0x80..0xBF (0xC0..0xFF are А..я, U+0410..U+044F). 0 = undefined (0x98).
constexpr std::array<char16_t, 64> kCp1251High = {
    0x0402, 0x0403, 0x201A, 0x0453, 0x201E, 0x2026, 0x2020, 0x2021,  // 80
    0x20AC, 0x2030, 0x0409, 0x2039, 0x040A, 0x040C, 0x040B, 0x040F,  // 88
    0x0452, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,  // 90
    0x0000, 0x2122, 0x0459, 0x203A, 0x045A, 0x045C, 0x045B, 0x045F,  // 98
    0x00A0, 0x040E, 0x045E, 0x0408, 0x00A4, 0x0490, 0x00A6, 0x00A7,  // A0
    0x0401, 0x00A9, 0x0404, 0x00AB, 0x00AC, 0x00AD, 0x00AE, 0x0407,  // A8
    0x00B0, 0x00B1, 0x0406, 0x0456, 0x0491, 0x00B5, 0x00B6, 0x00B7,  // B0
    0x0451, 0x2116, 0x0454, 0x00BB, 0x0458, 0x0405, 0x0455, 0x0457,  // B8
};

int LineAt(std::string_view bytes, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos && i < bytes.size(); ++i) line += bytes[i] == '\n' ? 1 : 0;
  return line;
}

std::string Where(std::string_view file, int line) {
  return std::string(file) + ", строка " + std::to_string(line) + ": ";
}

bool Blank(const std::vector<std::string>& fields) {
  for (const auto& f : fields) {
    if (!internal::CollapseSpaces(f).empty()) return false;
  }
  return true;
}

// The delimiter that occurs most often in the first non-empty line, outside quotes.
char DetectDelimiter(std::string_view text) {
  size_t start = 0;
  while (start < text.size() && (text[start] == '\n' || text[start] == '\r')) ++start;
  int semicolons = 0, commas = 0, tabs = 0;
  bool quoted = false;
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n') break;
    semicolons += c == ';';
    commas += c == ',';
    tabs += c == '\t';
  }
  if (semicolons >= commas && semicolons >= tabs && semicolons > 0) return ';';
  if (tabs >= commas && tabs > 0) return '\t';
  if (commas > 0) return ',';
  return ';';
}

}  // namespace

std::string_view EncodingName(TextEncoding encoding) {
  switch (encoding) {
    case TextEncoding::kUtf8:
      return "UTF-8";
    case TextEncoding::kUtf8Bom:
      return "UTF-8 с BOM";
    case TextEncoding::kWindows1251:
      return "Windows-1251";
  }
  return "?";
}

Result<DecodedText> DecodeText(std::string_view bytes, std::string_view file) {
  const std::string name(file);
  if (bytes.size() >= 2 &&
      ((bytes[0] == '\xFF' && bytes[1] == '\xFE') || (bytes[0] == '\xFE' && bytes[1] == '\xFF'))) {
    return Err(StatusCode::kInvalidArgument,
               name +
                   ": файл в кодировке UTF-16 («Текст Юникод»); сохраните его как «CSV UTF-8» "
                   "или «CSV (разделители — точка с запятой)»");
  }
  if (bytes.find('\0') != std::string_view::npos) {
    return Err(StatusCode::kInvalidArgument,
               Where(name, LineAt(bytes, bytes.find('\0'))) +
                   "нулевой байт: похоже на UTF-16 или не текстовый файл; сохраните таблицу как "
                   "«CSV UTF-8»");
  }
  DecodedText out;
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.remove_prefix(3);
    if (!internal::IsValidUtf8(bytes)) {
      return Err(StatusCode::kInvalidArgument,
                 name + ": файл начинается с метки UTF-8 (BOM), но дальше не UTF-8");
    }
    out.text.assign(bytes);
    out.encoding = TextEncoding::kUtf8Bom;
    return out;
  }
  if (internal::IsValidUtf8(bytes)) {
    out.text.assign(bytes);
    return out;
  }
  out.encoding = TextEncoding::kWindows1251;
  out.text.reserve(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (b < 0x80) {
      out.text.push_back(static_cast<char>(b));
    } else if (b >= 0xC0) {
      AppendUtf8(out.text, 0x0410 + (b - 0xC0));
    } else if (kCp1251High[b - 0x80] != 0) {
      AppendUtf8(out.text, kCp1251High[b - 0x80]);
    } else {
      return Err(StatusCode::kInvalidArgument,
                 Where(name, LineAt(bytes, i)) +
                     "файл не в UTF-8 и не в Windows-1251 (байт 0x98); сохраните его как «CSV "
                     "UTF-8»");
    }
  }
  return out;
}

Result<CsvTable> ParseCsv(std::string_view bytes, std::string_view file,
                          const CsvOptions& options) {
  EJ_ASSIGN_OR_RETURN(DecodedText decoded, DecodeText(bytes, file));
  const std::string& text = decoded.text;
  CsvTable table;
  table.file = std::string(file);
  table.encoding = decoded.encoding;
  int line = 1;
  size_t i = 0;
  // Excel's "sep=;" first line names the delimiter.
  if (text.rfind("sep=", 0) == 0 && text.size() >= 5 &&
      (text.size() == 5 || text[5] == '\r' || text[5] == '\n')) {
    table.delimiter = text[4];
    i = text.find('\n') == std::string::npos ? text.size() : text.find('\n') + 1;
    line = 2;
  } else {
    table.delimiter = DetectDelimiter(text);
  }
  if (options.delimiter != 0) table.delimiter = options.delimiter;
  const char delim = table.delimiter;

  while (i < text.size()) {
    CsvRecord record;
    record.line = line;
    std::string field;
    bool at_field_start = true, done = false;
    while (!done) {
      if (i >= text.size()) break;
      const char c = text[i];
      if (at_field_start && c == '"') {
        // A quoted field: up to the closing quote; "" is one quote.
        const int opened = line;
        ++i;
        for (;;) {
          if (i >= text.size()) {
            return Err(StatusCode::kInvalidArgument,
                       Where(file, opened) + "кавычка открыта и не закрыта до конца файла");
          }
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field.push_back(text[i++]);
        }
        at_field_start = false;
        if (i < text.size() && text[i] != delim && text[i] != '\n' && text[i] != '\r') {
          return Err(StatusCode::kInvalidArgument,
                     Where(file, line) + "после закрывающей кавычки ожидался разделитель «" +
                         (delim == '\t' ? std::string("TAB") : std::string(1, delim)) +
                         "» или конец строки");
        }
        continue;
      }
      if (c == delim) {
        record.fields.push_back(std::move(field));
        field.clear();
        at_field_start = true;
        ++i;
      } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        i += 2;
        done = true;
      } else if (c == '\n' || c == '\r') {
        ++i;
        done = true;
      } else {
        field.push_back(c);
        at_field_start = false;
        ++i;
      }
    }
    record.fields.push_back(std::move(field));
    if (!Blank(record.fields)) table.records.push_back(std::move(record));
    ++line;
  }
  return table;
}

Result<CsvSheet> SheetOf(const CsvTable& table, size_t header_index) {
  if (header_index >= table.records.size()) {
    return Err(StatusCode::kInvalidArgument, table.file + ": файл пуст (нет строки заголовков)");
  }
  CsvSheet sheet;
  sheet.file = table.file;
  const CsvRecord& header = table.records[header_index];
  sheet.header_line = header.line;
  for (const auto& f : header.fields) sheet.header.push_back(internal::CollapseSpaces(f));
  // Excel pads every row of a sheet to its widest row: empty trailing header cells are not
  // columns.
  while (!sheet.header.empty() && sheet.header.back().empty()) sheet.header.pop_back();
  for (size_t r = header_index + 1; r < table.records.size(); ++r) {
    CsvRecord row = table.records[r];
    for (size_t k = sheet.header.size(); k < row.fields.size(); ++k) {
      if (!internal::CollapseSpaces(row.fields[k]).empty()) {
        return Err(StatusCode::kInvalidArgument,
                   Where(table.file, row.line) + "полей больше, чем столбцов в заголовке (" +
                       std::to_string(sheet.header.size()) + "): лишнее значение «" +
                       row.fields[k] + "» в столбце " + std::to_string(k + 1));
      }
    }
    row.fields.resize(sheet.header.size());
    sheet.rows.push_back(std::move(row));
  }
  return sheet;
}

std::string CsvLine(const std::vector<std::string>& fields, char delimiter) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out.push_back(delimiter);
    const std::string& f = fields[i];
    const bool quote = f.find_first_of(std::string("\"\r\n") + delimiter) != std::string::npos ||
                       (!f.empty() && (f.front() == ' ' || f.back() == ' '));
    if (!quote) {
      out += f;
      continue;
    }
    out.push_back('"');
    for (char c : f) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  return out;
}

}  // namespace ejournal::setup
