// Numbers as the studio shows them.
#pragma once

#include <QString>

namespace deadiff::ui {

// "45 s", "3 min 07 s"; "–" for a negative or unknown duration.
QString formatDuration(double seconds);

} // namespace deadiff::ui
