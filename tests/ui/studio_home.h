// Keeps a test's studio away from the developer's files.
#pragma once

#include <QSettings>
#include <QString>
#include <QtGlobal>

namespace deadiff::testing {

// QSettings (INI, user scope), the result history (XDG_DATA_HOME), the default output folder
// (~/Pictures, through HOME), the trash and the cache all under `dir`: a studio that saves every
// result must not write into the developer's pictures.
inline void isolateStudioHome(const QString& dir) {
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir);
    qputenv("HOME", dir.toLocal8Bit());
    qputenv("XDG_DATA_HOME", (dir + "/data").toLocal8Bit());
    qputenv("XDG_CONFIG_HOME", (dir + "/config").toLocal8Bit());
    qputenv("XDG_CACHE_HOME", (dir + "/cache").toLocal8Bit());
}

} // namespace deadiff::testing
