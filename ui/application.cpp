#include "ui/application.h"

#include "core/build_config.h"

#include <QApplication>
#include <QIcon>
#include <QLibraryInfo>
#include <QLocale>
#include <QTranslator>

namespace deadiff::ui {

void setUpApplication(QApplication& app) {
    QApplication::setOrganizationName(QStringLiteral("DEADiff"));
    QApplication::setApplicationName(QStringLiteral("DEADiff Studio"));
    QApplication::setApplicationVersion(QStringLiteral(DEADIFF_VERSION_STRING));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/deadiff-studio.png")));

    // Qt's own strings (dialog buttons), then ours; both follow the system locale.
    auto* qtTranslator = new QTranslator(&app);
    if (qtTranslator->load(QLocale(), QStringLiteral("qtbase"), QStringLiteral("_"),
                           QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(qtTranslator);
    auto* translator = new QTranslator(&app);
    if (translator->load(QLocale(), QStringLiteral("deadiff_studio"), QStringLiteral("_"),
                         QStringLiteral(":/i18n")))
        QApplication::installTranslator(translator);
}

} // namespace deadiff::ui
