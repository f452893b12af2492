// Text helpers of the set-up import: UTF-8, the Russian alphabet's case and ё, the keys names and
// column headers are compared by, transliteration for logins and ids, dates, phones, class names.
//
// Every function here is pure and works on UTF-8 text (the CSV reader decodes files first).
#ifndef EJOURNAL_SETUP_INTERNAL_TEXT_H_
#define EJOURNAL_SETUP_INTERNAL_TEXT_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "projections/school_time.h"
#include "schemas/ids.h"
#include "schemas/status.h"

namespace ejournal::setup::internal {

// Whether `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view s);
// The code points of valid UTF-8 text.
std::u32string ToUtf32(std::string_view utf8);
void AppendUtf8(std::string& out, char32_t cp);
std::string ToUtf8(std::u32string_view text);

// Latin and Cyrillic lower case; Ё lowers to ё.
char32_t Lower(char32_t c);
std::string Lower(std::string_view s);
// The first letter upper-cased (Latin and Cyrillic), the rest as it is.
std::string Capitalize(std::string_view s);

// Without leading and trailing white space (ASCII space, tab, CR, LF, and U+00A0 that Excel
// writes for a non-breaking space); inner runs of white space become one space.
std::string CollapseSpaces(std::string_view s);

// The key two spellings of one name compare equal by: white space collapsed, case ignored, ё as е
// ("Пётр  Иванов" and "ПЕТР иванов" are one name).
std::string NameKey(std::string_view s);
// The key a column header is found by: NameKey without spaces and without . - _ : * " « » ( ),
// so "E-mail", "e mail" and "Email" are one header, and "Эл. почта" is "элпочта".
std::string HeaderKey(std::string_view s);

// Transliteration of Russian text into lower-case Latin letters, as in the Russian passport
// (ICAO Doc 9303, приказ МВД России № 889): ж zh, х kh, ц ts, ч ch, ш sh, щ shch, ъ ie, ы y,
// ь dropped, ю iu, я ia, й i, ё e. Latin letters and digits stay (lowered); a hyphen stays;
// everything else is dropped.
std::string Transliterate(std::string_view s);

// A calendar date written as ДД.ММ.ГГГГ (also Д.М.ГГГГ and ISO ГГГГ-ММ-ДД), or nullopt.
std::optional<school::Day> ParseDate(std::string_view s);
// "01.09.2025".
std::string DateText(school::Day day);

// A Russian phone number as +7XXXXXXXXXX ("8 (900) 123-45-67", "+7 900 1234567", "9001234567"),
// or nullopt when it is not one.
std::optional<std::string> NormalizePhone(std::string_view s);
// A plausible e-mail address (one @, a dot in the domain, no spaces).
bool LooksLikeEmail(std::string_view s);

// An id as the ledger's envelope ids are: schemas/ids.h.
using ::ejournal::IsValidId;
// `n` in decimal with leading zeros to `width` digits.
std::string Pad(int n, int width);
// Splits on `sep` (fields trimmed, empty ones dropped).
std::vector<std::string> SplitList(std::string_view s, char sep);

// A class as a school writes it: a grade (1..11) and a letter or a short name.
struct ClassName {
  int grade = 0;
  std::string letter;  // one Cyrillic capital ("А"), or a lower-case name ("инж")
  std::string Text() const { return std::to_string(grade) + letter; }
};
// "5А", "5 а", "10 Б", "5-а", "11«В»", "7 инж", "5А класс". Latin letters are refused, since "5A"
// could mean А and "5B" В or Б. kInvalidArgument with a Russian message otherwise.
[[nodiscard]] Result<ClassName> ParseClassName(std::string_view s);

}  // namespace ejournal::setup::internal

#endif  // EJOURNAL_SETUP_INTERNAL_TEXT_H_
