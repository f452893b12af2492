// Paths to the shared known-answer vectors and small helpers to read them.
#ifndef EJOURNAL_TESTS_SUPPORT_TESTDATA_H_
#define EJOURNAL_TESTS_SUPPORT_TESTDATA_H_

#include <string>

namespace ejournal::testing {

// ../shared/testdata beside the project checkout.
inline std::string SharedTestdata(const std::string& relative) {
  return std::string(EJOURNAL_SHARED_TESTDATA) + "/" + relative;
}

// The whole file, or a test failure.
std::string ReadFileOrDie(const std::string& path);

// Hex and standard base64 (RFC 4648) decoding for test vectors.
std::string FromHex(const std::string& hex);
std::string FromBase64(const std::string& b64);

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_TESTDATA_H_
