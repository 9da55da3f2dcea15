#include "core/models/transfer_meter.h"

namespace deadiff::models {

void TransferMeter::sample(std::uint64_t bytes, double seconds) {
    if (!samples_.empty() && bytes < samples_.back().second)
        samples_.clear(); // the total went back: a restart from zero
    samples_.emplace_back(seconds, bytes);
    // Keep one sample older than the window so the span covers the whole window.
    while (samples_.size() > 2 && seconds - samples_[1].first >= window_)
        samples_.pop_front();
}

double TransferMeter::bytesPerSecond() const {
    if (samples_.size() < 2)
        return 0.0;
    const double span = samples_.back().first - samples_.front().first;
    if (span <= 0.0)
        return 0.0;
    return static_cast<double>(samples_.back().second - samples_.front().second) / span;
}

double TransferMeter::secondsLeft(std::uint64_t remaining) const {
    const double rate = bytesPerSecond();
    if (remaining == 0)
        return 0.0;
    return rate > 0.0 ? static_cast<double>(remaining) / rate : -1.0;
}

} // namespace deadiff::models
