// Application-wide set-up shared by deadiff-studio and the ui tests: names for QSettings,
// the icon, translations for the system locale.
#pragma once

class QApplication;

namespace deadiff::ui {

void setUpApplication(QApplication& app);

} // namespace deadiff::ui
