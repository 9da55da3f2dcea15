// Rate and time left of a transfer, over a sliding window of recent samples so that the
// numbers follow the connection as it is now (a resumed download's first bytes do not count as
// fast, a stall shows up within seconds). Qt-free; the caller supplies the clock.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>

namespace deadiff::models {

class TransferMeter {
public:
    explicit TransferMeter(double windowSeconds = 5.0)
        : window_(windowSeconds) {}

    // Forgets the samples (a restart, a resumed attempt).
    void reset() { samples_.clear(); }
    // `bytes` transferred so far (a running total) at `seconds` on a monotonic clock.
    void sample(std::uint64_t bytes, double seconds);

    // Bytes per second over the window; 0 until two samples span some time.
    double bytesPerSecond() const;
    // Seconds until `remaining` more bytes are in at the current rate; -1 when unknown.
    double secondsLeft(std::uint64_t remaining) const;

private:
    double window_;
    std::deque<std::pair<double, std::uint64_t>> samples_;
};

} // namespace deadiff::models
