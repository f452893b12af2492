// The CSV reader (setup/csv.h) and the text helpers the readers share (setup/internal/text.h).
#include "setup/csv.h"

#include <gtest/gtest.h>

#include "setup/internal/text.h"
#include "tests/support/status_matchers.h"
#include "tests/support/testdata.h"

namespace ejournal::setup {
namespace {

using ::ejournal::testing::IsError;

std::string Testdata(const std::string& name) {
  return ::ejournal::testing::ReadFileOrDie(std::string(EJOURNAL_SETUP_TESTDATA) + "/" + name);
}

std::vector<std::vector<std::string>> Fields(const CsvTable& t) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : t.records) out.push_back(r.fields);
  return out;
}

TEST(CsvTest, DetectsSemicolonCommaAndTabFromTheHeaderLine) {
  EXPECT_EQ(ParseCsv("a;b,c;d\n1;2;3\n", "f.csv")->delimiter, ';');
  EXPECT_EQ(ParseCsv("a,b,c\n1,2,3\n", "f.csv")->delimiter, ',');
  EXPECT_EQ(ParseCsv("a\tb\tc\n1\t2\t3\n", "f.csv")->delimiter, '\t');
  // Delimiters inside quotes do not count.
  EXPECT_EQ(ParseCsv("\"a,b,c,d\";e;f\n", "f.csv")->delimiter, ';');
  EXPECT_EQ(ParseCsv("a;b\n", "f.csv", CsvOptions{','})->delimiter, ',');
}

TEST(CsvTest, ExcelsSepLineNamesTheDelimiter) {
  auto t = ParseCsv("sep=,\r\nФамилия,Класс;буква\r\nИванов,5;А\r\n", "f.csv");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->delimiter, ',');
  ASSERT_EQ(t->records.size(), 2u);
  EXPECT_EQ(t->records[0].line, 2);
  EXPECT_EQ(t->records[1].fields, (std::vector<std::string>{"Иванов", "5;А"}));
}

TEST(CsvTest, QuotedFieldsHoldDelimitersDoubledQuotesAndLineBreaks) {
  auto t = ParseCsv(
      "Имя;Комментарий\r\n\"Иванов; Пётр\";\"сказал \"\"да\"\"\"\r\n"
      "Петров;\"две\r\nстроки\"\r\nСидоров;x\r\n",
      "f.csv");
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  ASSERT_EQ(t->records.size(), 4u);
  EXPECT_EQ(t->records[1].fields, (std::vector<std::string>{"Иванов; Пётр", "сказал \"да\""}));
  EXPECT_EQ(t->records[2].fields, (std::vector<std::string>{"Петров", "две\r\nстроки"}));
  // Each record keeps the line it starts on: the multi-line field moved Сидоров to line 5.
  EXPECT_EQ(t->records[2].line, 3);
  EXPECT_EQ(t->records[3].line, 5);
}

TEST(CsvTest, LfAndCrlfAndNoFinalLineBreakReadTheSame) {
  auto a = ParseCsv("a;b\n1;2\n", "f.csv");
  auto b = ParseCsv("a;b\r\n1;2\r\n", "f.csv");
  auto c = ParseCsv("a;b\r\n1;2", "f.csv");
  EXPECT_EQ(Fields(*a), Fields(*b));
  EXPECT_EQ(Fields(*a), Fields(*c));
}

TEST(CsvTest, BlankRowsOfExcelAreDroppedButLinesStillCount) {
  auto t = ParseCsv("a;b\n;;\n\n  ; \n1;2\n", "f.csv");
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->records.size(), 2u);
  EXPECT_EQ(t->records[1].line, 5);
}

TEST(CsvTest, Utf8WithBomIsReadWithoutTheBom) {
  auto t = ParseCsv(Testdata("roster_6b_utf8_bom.csv"), "roster.csv");
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  EXPECT_EQ(t->encoding, TextEncoding::kUtf8Bom);
  EXPECT_EQ(t->records[0].fields[0], "Фамилия ученика");
  EXPECT_EQ(t->records[1].fields[0], "Кузнецов");
}

TEST(CsvTest, Windows1251IsDetectedAndDecoded) {
  const std::string bytes = Testdata("roster_5a_cp1251.csv");
  ASSERT_FALSE(internal::IsValidUtf8(bytes));  // real CP1251 bytes
  auto t = ParseCsv(bytes, "roster.csv");
  ASSERT_TRUE(t.has_value()) << t.error().ToString();
  EXPECT_EQ(t->encoding, TextEncoding::kWindows1251);
  EXPECT_EQ(t->delimiter, ';');
  EXPECT_EQ(t->records[0].fields[0], "Список учащихся 5 «А» класса на 2025/2026 учебный год");
  EXPECT_EQ(t->records[2].fields[2], "Пётр");
  EXPECT_EQ(t->records[4].fields[3], "Ёвич");
  // Every upper code point of the table: № « » — ё Ё.
  auto decoded = DecodeText("\xB9\xAB\xBB\x97\xB8\xA8", "f.csv");
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->text, "№«»—ёЁ");
}

TEST(CsvTest, Utf16AndNulBytesAndUndefinedCp1251BytesAreRefused) {
  EXPECT_TRUE(IsError(ParseCsv(Testdata("roster_utf16.csv"), "roster.csv"),
                      StatusCode::kInvalidArgument, "UTF-16"));
  EXPECT_TRUE(IsError(ParseCsv(std::string("a;b\n1\0;2\n", 9), "f.csv"),
                      StatusCode::kInvalidArgument, "f.csv, строка 2: нулевой байт"));
  EXPECT_TRUE(IsError(ParseCsv("a;b\n\xC0\x98;2\n", "f.csv"), StatusCode::kInvalidArgument,
                      "f.csv, строка 2: файл не в UTF-8 и не в Windows-1251"));
}

TEST(CsvTest, UnterminatedQuoteNamesTheLineWhereItOpened) {
  EXPECT_TRUE(IsError(ParseCsv("a;b\n1;2\n3;\"открыта\n4;5\n", "roster.csv"),
                      StatusCode::kInvalidArgument,
                      "roster.csv, строка 3: кавычка открыта и не закрыта"));
}

TEST(CsvTest, TextAfterAClosingQuoteIsRefused) {
  EXPECT_TRUE(IsError(ParseCsv("a;b\n\"x\"y;2\n", "f.csv"), StatusCode::kInvalidArgument,
                      "f.csv, строка 2: после закрывающей кавычки"));
}

TEST(CsvTest, SheetRefusesARowWithMoreFieldsThanTheHeader) {
  auto t = ParseCsv("a;b\n1;2\n3;4;5\n", "f.csv");
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(IsError(SheetOf(*t), StatusCode::kInvalidArgument,
                      "f.csv, строка 3: полей больше, чем столбцов в заголовке (2)"));
}

TEST(CsvTest, SheetPadsShortRowsAndAcceptsEmptyTrailingFields) {
  auto t = ParseCsv("a;b;c;;\n1\n2;3;4;;\n", "f.csv");
  auto sheet = SheetOf(*t);
  ASSERT_TRUE(sheet.has_value()) << sheet.error().ToString();
  EXPECT_EQ(sheet->header, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(sheet->rows[0].fields, (std::vector<std::string>{"1", "", ""}));
  EXPECT_EQ(sheet->rows[1].fields, (std::vector<std::string>{"2", "3", "4"}));
}

TEST(CsvTest, CsvLineQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(CsvLine({"a", "b,c", "say \"hi\"", "", "x\ny"}),
            "a,\"b,c\",\"say \"\"hi\"\"\",,\"x\ny\"");
  auto back = ParseCsv(CsvLine({"a", "b,c", "say \"hi\""}) + "\r\n", "f.csv", CsvOptions{','});
  EXPECT_EQ(back->records[0].fields, (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
}

TEST(TextTest, ClassNamesAsSchoolsWriteThem) {
  for (const char* s : {"5А", "5а", "5 А", "5-а", "5 - А", "5«А»", "5 \"А\"", "5А класс"}) {
    auto c = internal::ParseClassName(s);
    ASSERT_TRUE(c.has_value()) << s << ": " << c.error().ToString();
    EXPECT_EQ(c->Text(), "5А") << s;
  }
  EXPECT_EQ(internal::ParseClassName("10 Б")->Text(), "10Б");
  EXPECT_EQ(internal::ParseClassName("7 Инж")->Text(), "7инж");
  EXPECT_TRUE(IsError(internal::ParseClassName("5A"), StatusCode::kInvalidArgument, "латиницей"));
  EXPECT_TRUE(IsError(internal::ParseClassName("12А"), StatusCode::kInvalidArgument, "от 1 до 11"));
  EXPECT_TRUE(IsError(internal::ParseClassName("А5"), StatusCode::kInvalidArgument, "не класс"));
  EXPECT_TRUE(IsError(internal::ParseClassName("5"), StatusCode::kInvalidArgument, "нет буквы"));
}

TEST(TextTest, PassportTransliterationForLogins) {
  EXPECT_EQ(internal::Transliterate("Щукина-Жёлтая"), "shchukina-zheltaia");
  EXPECT_EQ(internal::Transliterate("Хабибуллин Юрий"), "khabibulliniurii");
  EXPECT_EQ(internal::Transliterate("Подъячев Ильич"), "podieiachevilich");
}

TEST(TextTest, DatesPhonesAndNames) {
  EXPECT_EQ(internal::ParseDate("12.03.2014"), internal::ParseDate("2014-03-12"));
  EXPECT_EQ(internal::ParseDate("1.9.2025"), internal::ParseDate("01.09.2025"));
  EXPECT_FALSE(internal::ParseDate("31.02.2015").has_value());
  EXPECT_FALSE(internal::ParseDate("12.03.14").has_value());
  EXPECT_FALSE(internal::ParseDate("вчера").has_value());
  EXPECT_EQ(internal::NormalizePhone("8 (900) 123-45-67"), "+79001234567");
  EXPECT_EQ(internal::NormalizePhone("+7 900 1234567"), "+79001234567");
  EXPECT_FALSE(internal::NormalizePhone("12-34").has_value());
  EXPECT_EQ(internal::NameKey("  Пётр\u00a0 ИВАНОВ "), "петр иванов");
  EXPECT_EQ(internal::HeaderKey("Эл. почта"), "элпочта");
  EXPECT_EQ(internal::HeaderKey("E-mail"), internal::HeaderKey("email"));
}

}  // namespace
}  // namespace ejournal::setup
