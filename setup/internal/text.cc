#include "setup/internal/text.h"

#include <array>
#include <cstdio>

namespace ejournal::setup::internal {
namespace {

bool IsSpace(char32_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xA0; }

// Decodes one code point of valid UTF-8 at `i` and advances it.
char32_t Next(std::string_view s, size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  int len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
  for (int k = 1; k < len && i + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  }
  i += len;
  return cp;
}

// ICAO Doc 9303 for а..я (U+0430..U+044F).
constexpr std::array<const char*, 32> kTranslit = {
    "a", "b", "v", "g", "d", "e",  "zh", "z",  "i",  "i",    "k",  "l", "m", "n", "o",  "p",
    "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "",  "e", "iu", "ia"};

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    char32_t min = 0;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    char32_t cp = b & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (int k = 1; k < len; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::u32string ToUtf32(std::string_view utf8) {
  std::u32string out;
  out.reserve(utf8.size());
  for (size_t i = 0; i < utf8.size();) out.push_back(Next(utf8, i));
  return out;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string ToUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size() * 2);
  for (char32_t c : text) AppendUtf8(out, c);
  return out;
}

char32_t Lower(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A' + 'a';
  if (c >= 0x0410 && c <= 0x042F) return c + 0x20;  // А..Я
  if (c == 0x0401) return 0x0451;                   // Ё
  return c;
}

std::string Lower(std::string_view s) {
  std::u32string t = ToUtf32(s);
  for (char32_t& c : t) c = Lower(c);
  return ToUtf8(t);
}

std::string Capitalize(std::string_view s) {
  std::u32string t = ToUtf32(s);
  if (!t.empty()) {
    char32_t& c = t[0];
    if (c >= 'a' && c <= 'z') {
      c = c - 'a' + 'A';
    } else if (c >= 0x0430 && c <= 0x044F) {
      c -= 0x20;
    } else if (c == 0x0451) {
      c = 0x0401;
    }
  }
  return ToUtf8(t);
}

std::string CollapseSpaces(std::string_view s) {
  std::u32string out;
  bool space = false;
  for (char32_t c : ToUtf32(s)) {
    if (IsSpace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return ToUtf8(out);
}

std::string NameKey(std::string_view s) {
  std::u32string t = ToUtf32(CollapseSpaces(s));
  for (char32_t& c : t) {
    c = Lower(c);
    if (c == 0x0451) c = 0x0435;  // ё -> е
  }
  return ToUtf8(t);
}

std::string HeaderKey(std::string_view s) {
  std::u32string out;
  for (char32_t c : ToUtf32(NameKey(s))) {
    switch (c) {
      case ' ':
      case '.':
      case '-':
      case '_':
      case ':':
      case '*':
      case '"':
      case '(':
      case ')':
      case 0x00AB:
      case 0x00BB:
      case 0xFEFF:  // « » and a stray BOM
        continue;
      default:
        out.push_back(c);
    }
  }
  return ToUtf8(out);
}

std::string Transliterate(std::string_view s) {
  std::string out;
  for (char32_t c : ToUtf32(s)) {
    c = Lower(c);
    if (c == 0x0451) c = 0x0435;
    if (c >= 0x0430 && c <= 0x044F) {
      out += kTranslit[c - 0x0430];
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::optional<school::Day> ParseDate(std::string_view raw) {
  const std::string s = CollapseSpaces(raw);
  int a = 0, b = 0, c = 0;
  char tail = 0;
  v1::Date d;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2d%c", &a, &b, &c, &tail) == 3 && s.size() == 10) {
    d.set_year(a), d.set_month(b), d.set_day(c);
  } else if (std::sscanf(s.c_str(), "%2d.%2d.%4d%c", &a, &b, &c, &tail) == 3 && s.size() >= 8 &&
             s.size() <= 10 && s[s.size() - 5] == '.') {
    d.set_year(c), d.set_month(b), d.set_day(a);
  } else {
    return std::nullopt;
  }
  for (char ch : s) {
    if (!(ch >= '0' && ch <= '9') && ch != '.' && ch != '-') return std::nullopt;
  }
  auto day = school::DayOf(d);
  if (!day) return std::nullopt;
  return *day;
}

std::string DateText(school::Day day) {
  const v1::Date d = school::DateOf(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d.%02d.%04d", d.day(), d.month(), d.year());
  return buf;
}

std::optional<std::string> NormalizePhone(std::string_view s) {
  std::string digits;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '-' && c != '(' && c != ')' && c != '+' && c != '.') {
      return std::nullopt;
    }
  }
  if (digits.size() == 11 && (digits[0] == '7' || digits[0] == '8')) digits = digits.substr(1);
  if (digits.size() != 10) return std::nullopt;
  return "+7" + digits;
}

bool LooksLikeEmail(std::string_view s) {
  const size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || s.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view domain = s.substr(at + 1);
  const size_t dot = domain.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= domain.size()) return false;
  for (char c : s) {
    if (c == ' ' || c == ',' || c == ';') return false;
  }
  return true;
}

std::string Pad(int n, int width) {
  std::string s = std::to_string(n);
  if (static_cast<int>(s.size()) < width) s.insert(0, width - s.size(), '0');
  return s;
}

std::vector<std::string> SplitList(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    std::string item = CollapseSpaces(s.substr(start, end - start));
    if (!item.empty()) out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

Result<ClassName> ParseClassName(std::string_view raw) {
  const std::u32string s = ToUtf32(CollapseSpaces(raw));
  auto refuse = [&](const std::string& why) {
    return Err(StatusCode::kInvalidArgument,
               "«" + std::string(raw) + "» — не класс" + why +
                   " (ожидается параллель и буква, например 5А, 10 Б, 5-а)");
  };
  size_t i = 0;
  int grade = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && grade < 100)
    grade = grade * 10 + (s[i++] - '0');
  if (i == 0) return refuse("");
  if (grade < 1 || grade > 11) return refuse(": параллель от 1 до 11");
  // Separators people put between the grade and the letter.
  while (i < s.size() && (s[i] == ' ' || s[i] == '-' || s[i] == 0x2013 || s[i] == 0x2014 ||
                          s[i] == '"' || s[i] == 0x00AB)) {
    ++i;
  }
  std::u32string letter;
  while (i < s.size() && ((s[i] >= 0x0410 && s[i] <= 0x044F) || s[i] == 0x0401 || s[i] == 0x0451)) {
    letter.push_back(s[i++]);
  }
  while (i < s.size() && (s[i] == '"' || s[i] == 0x00BB)) ++i;
  std::string rest = NameKey(ToUtf8(s.substr(i)));
  if (rest == "класс" || rest == "кл" || rest == "кл.") rest.clear();
  if (!rest.empty()) {
    bool latin = false;
    for (char c : rest) latin = latin || (c >= 'a' && c <= 'z');
    return refuse(latin ? ": буква класса латиницей, напишите её по-русски" : "");
  }
  if (letter.empty()) return refuse(": нет буквы класса");
  if (letter.size() > 10) return refuse(": слишком длинное название");
  ClassName c;
  c.grade = grade;
  if (letter.size() == 1) {
    c.letter = Capitalize(ToUtf8(letter));
    if (c.letter == "Ё") c.letter = "Е";
  } else {
    c.letter = Lower(ToUtf8(letter));
  }
  // "5 класс А" is not a form schools use; "5класс" would have parsed "класс" as the letter.
  if (NameKey(c.letter) == "класс" || NameKey(c.letter) == "кл")
    return refuse(": нет буквы класса");
  return c;
}

}  // namespace ejournal::setup::internal
