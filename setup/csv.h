// CSV files as Excel and LibreOffice save them in the Russian locale, and as OneRoster exchanges
// them.
//
// Reading:
// - Encoding: UTF-8 with or without a BOM, or Windows-1251 (what "CSV (разделители — точка с
//   запятой)" gives in a Russian Excel). A file that is not valid UTF-8 is taken as Windows-1251
//   and decoded with the table in csv.cc (its 128 upper code points; no iconv). UTF-16 (a BOM
//   FF FE or FE FF, or NUL bytes: Excel's "Текст Юникод") and bytes Windows-1251 does not define
//   are refused: the import must not guess at names.
// - Delimiter: the one of `;`, `,` and TAB that occurs most often in the first non-empty line
//   outside quotes (`;` wins a tie: the Russian Excel's list separator), unless the caller forces
//   one or the file starts with Excel's "sep=;" line.
// - Quoting by RFC 4180: a quoted field may hold delimiters, line breaks and doubled quotes; a
//   quote inside an unquoted field is kept as a character (as Excel reads it). Lines end in CRLF
//   or LF.
// - Records that are blank (no characters, or only delimiters and spaces: Excel's empty rows) are
//   dropped. Every record keeps the line of the file it starts on, for messages ("строка 7").
//
// Errors are kInvalidArgument with a Russian message that names the file and the line.
#ifndef EJOURNAL_SETUP_CSV_H_
#define EJOURNAL_SETUP_CSV_H_

#include <string>
#include <string_view>
#include <vector>

#include "schemas/status.h"

namespace ejournal::setup {

enum class TextEncoding { kUtf8, kUtf8Bom, kWindows1251 };
// "UTF-8", "UTF-8 с BOM", "Windows-1251".
std::string_view EncodingName(TextEncoding encoding);

// The text of a file as UTF-8, and what it was encoded in.
struct DecodedText {
  std::string text;
  TextEncoding encoding = TextEncoding::kUtf8;
};
// Decodes `bytes` as described above; `file` names the file in messages.
[[nodiscard]] Result<DecodedText> DecodeText(std::string_view bytes, std::string_view file);

struct CsvRecord {
  int line = 0;  // 1-based line of the file on which the record starts
  std::vector<std::string> fields;
};

// A parsed file: every non-blank record, the header among them (CsvSheet picks it).
struct CsvTable {
  std::string file;
  TextEncoding encoding = TextEncoding::kUtf8;
  char delimiter = ';';
  std::vector<CsvRecord> records;
};

struct CsvOptions {
  // 0: detect from the first non-empty line; else this delimiter.
  char delimiter = 0;
};

[[nodiscard]] Result<CsvTable> ParseCsv(std::string_view bytes, std::string_view file,
                                        const CsvOptions& options = {});

// A table with its header: `rows` are the records after the header, each with exactly as many
// fields as the header (missing trailing fields are empty).
struct CsvSheet {
  std::string file;
  std::vector<std::string> header;  // the header's fields, spaces collapsed
  int header_line = 0;
  std::vector<CsvRecord> rows;
};

// The sheet whose header is `table.records[header_index]`. kInvalidArgument naming the line if a
// row has a non-empty field beyond the header's last column (a shifted row, a stray delimiter).
[[nodiscard]] Result<CsvSheet> SheetOf(const CsvTable& table, size_t header_index = 0);

// One CSV line (without the line break) of `fields`, quoted where RFC 4180 needs it.
std::string CsvLine(const std::vector<std::string>& fields, char delimiter = ',');

}  // namespace ejournal::setup

#endif  // EJOURNAL_SETUP_CSV_H_
