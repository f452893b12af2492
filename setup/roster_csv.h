// The school's own roster spreadsheet (список учащихся), saved from Excel or LibreOffice as CSV:
// one row per student, with the student's parents.
//
// Columns are found by their headers, never by position; a header matches without regard to case,
// spaces, punctuation and ё/е. Title rows above the header are skipped (the header is the first of
// the first ten rows that names the surname and the class).
//
// | column (synonyms)                                                       | required | notes |
// |---|---|---|
// | Фамилия (Фамилия ученика, Фамилия обучающегося)                         | yes*     | |
// | Имя (Имя ученика, Имя обучающегося)                                     | yes*     | |
// | Отчество (Отчество ученика)                                             | no       | |
// | ФИО (ФИО ученика, ФИО обучающегося, Ученик)                             | *        | instead of
// the three above: "Фамилия Имя Отчество" | | Класс | yes      | 5А, 5 а, 10 Б, 5-а, 11«В», 7 инж |
// | Дата рождения (ДР)                                                      | no       | ДД.ММ.ГГГГ
// or ГГГГ-ММ-ДД; checked, never recorded in the ledger | | Логин (Логин ученика) | no       |
// empty: made from the name | | ФИО родителя (Родитель, Законный представитель, ФИО законного
// представителя, Родитель 1 ...) | no | | | Телефон (Телефон родителя, Телефон 1, Мобильный
// телефон)                | no       | the parent's; +7..., 8..., kept out of the ledger | | E-mail
// (Эл. почта, Электронная почта, Почта, E-mail родителя)           | no       | the parent's; kept
// out of the ledger | | Логин родителя                                                          |
// no       | | | ФИО родителя 2 (Родитель 2, Второй родитель, Законный представитель 2)  | no | a
// second parent | | Телефон родителя 2 (Телефон 2), E-mail родителя 2 (E-mail 2, Эл. почта 2),
// Логин родителя 2 | no | |
//
// A "Телефон", "E-mail" or "Логин родителя" column without a number belongs to the second parent
// when it stands right of the second parent's name column, else to the first. Other columns are
// ignored and listed in the report's notes; a missing required column refuses the file.
//
// What each row becomes (import_plan.h): the student (found by name within the class, or new),
// their enrolment in the class of ImportContext::academic_year_id from ImportContext::enrolled_on
// (or a transfer), each parent (found among the student's guardians, or new) and the link. The
// same parent written on several children's rows (same name, no conflicting phone or e-mail) is
// one person. Rows refused here: an empty surname or name, a class that is not one, a birth date
// that is not a date, a bad phone or e-mail, a contact without the parent's name, and a student
// whose name appears in two classes (unless both rows give different birth dates).
#ifndef EJOURNAL_SETUP_ROSTER_CSV_H_
#define EJOURNAL_SETUP_ROSTER_CSV_H_

#include <string_view>

#include "projections/school.h"
#include "setup/import_plan.h"
#include "setup/setup_input.h"

namespace ejournal::setup {

// The rows of a roster file. A file that cannot be read (encoding, quoting, a missing required
// column) gives a SetupInput with one refused problem naming the line.
SetupInput ReadRosterCsv(std::string_view bytes, std::string_view file_name);

// ReadRosterCsv, then PlanImport.
ImportPlan PlanRosterImport(std::string_view bytes, std::string_view file_name,
                            const school::School* school, const ImportContext& context);

}  // namespace ejournal::setup

#endif  // EJOURNAL_SETUP_ROSTER_CSV_H_
