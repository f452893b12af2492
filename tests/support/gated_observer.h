// GatedObserver: an AppendObserver for tests that holds the ledger's writer inside Admit of one
// chosen event until the test releases it, so that the test can queue requests that the writer
// then takes as ONE group commit; it delegates everything to the real observer (the admission)
// and records when each event was admitted.
#ifndef EJOURNAL_TESTS_SUPPORT_GATED_OBSERVER_H_
#define EJOURNAL_TESTS_SUPPORT_GATED_OBSERVER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ledger/ledger.h"

namespace ejournal::testing {

class GatedObserver final : public AppendObserver {
 public:
  void set_inner(AppendObserver* inner) { inner_ = inner; }
  void set_gate(std::string event_id) {
    std::lock_guard<std::mutex> lock(mu_);
    gate_ = std::move(event_id);
  }

  Status Admit(const AppendRequest& request, int64_t recorded_at_us) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (request.event_id == gate_) {
        entered_ = true;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
      }
      admitted_.emplace_back(request.event_id, recorded_at_us);
    }
    return inner_->Admit(request, recorded_at_us);
  }
  Status Apply(const AppendRequest& request, uint64_t sequence, int64_t recorded_at_us,
               std::string_view entry_bytes, rocksdb::WriteBatch& batch) override {
    return inner_->Apply(request, sequence, recorded_at_us, entry_bytes, batch);
  }
  void FinishGroup(rocksdb::WriteBatch& batch) override { inner_->FinishGroup(batch); }

  void WaitUntilEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return entered_; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  int64_t AdmittedAt(const std::string& event_id) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, at] : admitted_) {
      if (id == event_id) return at;
    }
    return -1;
  }

 private:
  AppendObserver* inner_ = nullptr;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string gate_;
  bool entered_ = false;
  bool released_ = false;
  std::vector<std::pair<std::string, int64_t>> admitted_;
};

}  // namespace ejournal::testing

#endif  // EJOURNAL_TESTS_SUPPORT_GATED_OBSERVER_H_
