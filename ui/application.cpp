#include "ui/application.h"

#include "core/build_config.h"

#include <QApplication>
#include <QIcon>
#include <QLibraryInfo>
#include <QLocale>
#include <QSettings>
#include <QTranslator>

namespace deadiff::ui {

void setUpApplication(QApplication& app) {
    QApplication::setOrganizationName(QStringLiteral("DEADiff"));
    QApplication::setApplicationName(QStringLiteral("DEADiff Studio"));
    QApplication::setApplicationVersion(QStringLiteral(DEADIFF_VERSION_STRING));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/deadiff-studio.png")));

    // Qt's own strings (dialog buttons), then ours; both follow the system locale unless the
    // View → Language menu chose one ("en": the untranslated source strings).
    const QString language = QSettings().value(QStringLiteral("ui/language")).toString();
    if (language == QStringLiteral("en"))
        return;
    const QLocale locale = language.isEmpty() ? QLocale() : QLocale(language);
    if (!language.isEmpty())
        QLocale::setDefault(locale);
    auto* qtTranslator = new QTranslator(&app);
    if (qtTranslator->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                           QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
        QApplication::installTranslator(qtTranslator);
    auto* translator = new QTranslator(&app);
    if (translator->load(locale, QStringLiteral("deadiff_studio"), QStringLiteral("_"),
                         QStringLiteral(":/i18n")))
        QApplication::installTranslator(translator);
}

} // namespace deadiff::ui
