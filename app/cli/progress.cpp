#include "app/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace deadiff::cli {

ProgressBar::ProgressBar(std::ostream& out)
    : ProgressBar(out, ::isatty(STDERR_FILENO) != 0) {}

ProgressBar::ProgressBar(std::ostream& out, bool interactive)
    : out_(out)
    , interactive_(interactive) {}

void ProgressBar::stage(const std::string& text) {
    finish();
    out_ << text << "...\n" << std::flush;
}

void ProgressBar::update(int done, int total, double elapsedSeconds, const std::string& detail) {
    line(render(done, total, elapsedSeconds, detail));
}

void ProgressBar::line(const std::string& text) {
    if (interactive_) {
        out_ << "\r" << text << "\x1b[K" << std::flush;
        lineOpen_ = true;
    } else {
        out_ << text << "\n" << std::flush;
    }
}

void ProgressBar::finish() {
    if (lineOpen_)
        out_ << "\n" << std::flush;
    lineOpen_ = false;
}

std::string formatDuration(double seconds) {
    const long total = std::lround(std::max(0.0, seconds));
    char text[32];
    if (total >= 3600)
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, (total / 60) % 60,
                      total % 60);
    else
        std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
    return text;
}

std::string ProgressBar::render(int done, int total, double elapsedSeconds,
                                const std::string& detail, int width) {
    const double fraction = total > 0 ? std::clamp(static_cast<double>(done) / total, 0.0, 1.0) : 0;
    const int filled = static_cast<int>(std::floor(fraction * width));
    std::string line = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                       std::string(static_cast<std::size_t>(width - filled), '-') + "] " +
                       std::to_string(done) + "/" + std::to_string(total);
    if (elapsedSeconds >= 0 && done > 0) {
        const double perStep = elapsedSeconds / done;
        char rate[32];
        std::snprintf(rate, sizeof rate, "  %.2f s/it", perStep);
        line += rate;
        line += "  ETA " + formatDuration(perStep * std::max(0, total - done));
    }
    if (!detail.empty())
        line += "  " + detail;
    return line;
}

} // namespace deadiff::cli
