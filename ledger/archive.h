// The school-year archive (DOMAIN.md "Archive and paper": integrity and authenticity "for the whole
// period, e.g. by an electronic signature"; a second carrier). docs/ARCHIVE.md specifies it byte
// by byte, so that an auditor can verify one without our code.
//
// An archive is a directory of five files:
//   MANIFEST         a C2SP signed note by the node key: the format, the ledger's origin, the
//                    school, the academic year, the tree size, and every other file's size and
//                    SHA-256
//   entries.bin      the school's ledger entries recorded before the end of the academic year
//                    (1 September of the next year, school-local), exactly as stored
//   subtrees.bin     the hashes of the RFC 6962 subtrees holding none of those entries (other
//                    schools' entries and later ones appear only as hashes), so that the entries
//                    and these hashes give the root of the whole ledger at the tree size
//   checkpoints.bin  the ledger's signed checkpoints, the last of each school day of the year and
//                    the one at the tree size, each with its RFC 9162 consistency proof to the last
//   node.pub         the node's C2SP verifier key (the trust root; compare it with your own copy)
//
// Export reads a ledger (read-only is enough, so it runs beside the server) and signs the manifest
// with the node key. Verify checks, in order: the manifest's signature, each file against the
// manifest, every checkpoint's signature and consistency proof, every entry (its bytes, sequence,
// school, time, credential and signature, as `ledger verify` does), and the root recomputed from
// the entries and the subtree hashes against the last checkpoint. The first failure is returned,
// its message starting with the file and the place ("entries.bin: entry 17: ...").
#ifndef EJOURNAL_LEDGER_ARCHIVE_H_
#define EJOURNAL_LEDGER_ARCHIVE_H_

#include <cstdint>
#include <map>
#include <string>

#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/signed_note.h"
#include "schemas/status.h"

namespace ejournal::archive {

// The first line of the manifest: the format and its version.
inline constexpr char kFormatLine[] = "ejournal-archive v1";

// The files of an archive by name (what Export writes and Verify reads).
using Bundle = std::map<std::string, std::string>;

struct ExportOptions {
  std::string school_id;
  // The academic year that starts in September of this year (2025: 2025/26).
  int year = 0;
};

struct Summary {
  std::string origin, school_id;
  int year = 0;
  uint64_t tree_size = 0;
  uint64_t entries = 0;
  uint64_t subtrees = 0;
  uint64_t checkpoints = 0;
  uint64_t signatures = 0;  // Verify only
  merkle::Hash root{};
};

// Builds the archive of `options.school_id`'s year from `ledger`, up to its latest checkpoint
// (which must cover every entry of the year: FailedPrecondition otherwise). `node` signs the
// manifest; `node_verifier_key` is written as node.pub.
[[nodiscard]] Result<Bundle> Export(const Ledger& ledger, const note::NoteSigner& node,
                                    const ExportOptions& options, Summary* summary = nullptr);

// Checks an archive. `trusted_node_key` is the node's verifier key as the auditor knows it; empty
// trusts the archive's own node.pub (and the caller should say so). Errors: kDataLoss or
// kUnauthenticated, the message naming the file and what broke.
[[nodiscard]] Result<Summary> Verify(const Bundle& bundle, const std::string& trusted_node_key);

// Writes the files into `dir` (created; existing files of these names are replaced) and reads
// them back.
[[nodiscard]] Status WriteBundle(const Bundle& bundle, const std::string& dir);
[[nodiscard]] Result<Bundle> ReadBundle(const std::string& dir);

}  // namespace ejournal::archive

#endif  // EJOURNAL_LEDGER_ARCHIVE_H_
