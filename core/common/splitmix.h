// SplitMix64 (Steele, Lea and Flood 2014): the one seeded random source of the synthetic data,
// the hint preprocessors and the trainers, written out so that draws are identical with every
// standard library (the distributions of <random> are implementation-defined).
#pragma once

#include <cstdint>

namespace deadiff {

// The SplitMix64 finaliser of x + golden gamma: a well-mixed 64-bit value per input.
constexpr std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

// One seed from two (a stream of a seed, a sample of a stream).
constexpr std::uint64_t combineSeeds(std::uint64_t a, std::uint64_t b) {
    return splitmix64(a ^ splitmix64(b + 0x632BE59BD9B4E019ULL));
}

// A SplitMix64 stream. Draw at most once per full-expression (one named local per draw): the
// evaluation order of function arguments and operands is unspecified, and GCC and Clang differ.
class SplitMixRng {
public:
    explicit SplitMixRng(std::uint64_t seed)
        : state_(splitmix64(seed)) {}
    std::uint64_t next() {
        state_ += 0x9E3779B97F4A7C15ULL;
        return splitmix64(state_);
    }
    // [0, 1) with 53 bits.
    double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
    double uniform(double low, double high) { return low + (high - low) * uniform(); }
    int index(int count) { return static_cast<int>(uniform() * count); }
    double symmetric(double amplitude) { return uniform(-amplitude, amplitude); }

private:
    std::uint64_t state_;
};

} // namespace deadiff
