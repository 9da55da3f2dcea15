// A progress bar for long CLI jobs on stderr: redrawn in place on a terminal, one line per
// update otherwise (logs, CI).
#pragma once

#include <iosfwd>
#include <string>

namespace deadiff::cli {

class ProgressBar {
public:
    explicit ProgressBar(std::ostream& out);
    ProgressBar(std::ostream& out, bool interactive);

    void stage(const std::string& text);
    // elapsedSeconds < 0: unknown (no rate or ETA shown).
    void update(int done, int total, double elapsedSeconds, const std::string& detail = {});
    // Any text as the progress line (redrawn in place on a terminal).
    void line(const std::string& text);
    // Ends the current line, if any.
    void finish();
    // Whether lines are redrawn in place (a terminal) rather than appended (a log).
    bool interactive() const { return interactive_; }

    // "[#####-----] 12/50  0.81 s/it  ETA 0:31  detail" — exposed for tests.
    static std::string render(int done, int total, double elapsedSeconds, const std::string& detail,
                              int width = 24);

private:
    std::ostream& out_;
    bool interactive_ = false;
    bool lineOpen_ = false;
};

// Seconds as "m:ss" or "h:mm:ss".
std::string formatDuration(double seconds);

} // namespace deadiff::cli
