// What the readers of set-up files share: turning a file-level error into a report row, and
// finding columns by their headers.
#ifndef EJOURNAL_SETUP_INTERNAL_READING_H_
#define EJOURNAL_SETUP_INTERNAL_READING_H_

#include <string>
#include <string_view>
#include <vector>

#include "schemas/status.h"
#include "setup/csv.h"
#include "setup/setup_input.h"

namespace ejournal::setup::internal {

// A refused row for an error of the CSV layer, whose messages read "<file>, строка N: ...": the
// row is that line (0 for the whole file) and the message the rest.
RowReport FileProblem(const Status& error, std::string_view file, std::string rule);

// The index of the first header whose HeaderKey is one of `keys` (already HeaderKeys), or -1.
int FindColumn(const std::vector<std::string>& header, const std::vector<std::string>& keys);

// "кодировка Windows-1251, разделитель «;»".
std::string Describe(const CsvTable& table);

}  // namespace ejournal::setup::internal

#endif  // EJOURNAL_SETUP_INTERNAL_READING_H_
