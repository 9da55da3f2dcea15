#include "ui/text_format.h"

#include <QObject>

#include <cmath>

namespace deadiff::ui {

QString formatDuration(double seconds) {
    if (!(seconds >= 0) || !std::isfinite(seconds))
        return QStringLiteral("–");
    const int total = static_cast<int>(std::lround(seconds));
    if (total < 60)
        return QObject::tr("%1 s").arg(total);
    return QObject::tr("%1 min %2 s").arg(total / 60).arg(total % 60, 2, 10, QLatin1Char('0'));
}

} // namespace deadiff::ui
