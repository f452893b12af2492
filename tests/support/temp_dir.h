// A fresh directory under $TMPDIR (or /tmp), removed with everything in it when the object dies.
#ifndef EJOURNAL_TESTS_SUPPORT_TEMP_DIR_H_
#define EJOURNAL_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace ejournal::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_TEMP_DIR_H_
