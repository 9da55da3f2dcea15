#include "ui/application.h"
#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QtTest>

using deadiff::ui::MainWindow;

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        // Keep the developer's real settings out of the tests.
        QVERIFY(settingsDir_.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, settingsDir_.path());
        QSettings().clear();
    }

    void opensAndClosesOffscreen() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        QVERIFY(window.isVisible());
        QCOMPARE(window.windowTitle(), QStringLiteral("DEADiff Studio"));
        QVERIFY(window.close());
        QVERIFY(!window.isVisible());
    }

    void startsInChooseModelState() {
        QSettings().remove("model/path");
        MainWindow window;
        window.show();
        auto* button = window.findChild<QPushButton*>("chooseModelButton");
        QVERIFY(button != nullptr);
        QVERIFY(button->isVisible());
        QVERIFY(button->isEnabled());
        auto* state = window.findChild<QLabel*>("modelStateLabel");
        QVERIFY(state != nullptr);
        QCOMPARE(state->text(), QStringLiteral("No model chosen."));
        QVERIFY(window.findChild<QAction*>("actionChooseModel") != nullptr);
    }

    void statusBarReportsRuntime() {
        MainWindow window;
        const QString message = window.statusBar()->currentMessage();
        QVERIFY2(message.contains("LibTorch"), qPrintable(message));
        QVERIFY2(message.contains("thread"), qPrintable(message));
    }

    void rememberedModelPathIsRestored() {
        QTemporaryFile model(settingsDir_.path() + "/model-XXXXXX.safetensors");
        QVERIFY(model.open());
        model.write("x");
        model.flush();
        {
            MainWindow first;
            first.setModelPath(model.fileName());
            first.close();
        }
        MainWindow second;
        QCOMPARE(second.modelPath(), model.fileName());
        auto* state = second.findChild<QLabel*>("modelStateLabel");
        QVERIFY2(state->text().startsWith("Model: "), qPrintable(state->text()));
    }

    void missingModelFileIsExplained() {
        MainWindow window;
        window.setModelPath(settingsDir_.path() + "/gone.ckpt");
        auto* state = window.findChild<QLabel*>("modelStateLabel");
        QVERIFY2(state->text().contains("no longer exists"), qPrintable(state->text()));
    }

    void chineseTranslationIsLoaded() {
        QLocale::setDefault(QLocale(QLocale::Chinese, QLocale::China));
        QTranslator translator;
        QVERIFY(translator.load(QLocale(), "deadiff_studio", "_", ":/i18n"));
        const QString translated =
            translator.translate("deadiff::ui::MainWindow", "Choose a model to start");
        QVERIFY(!translated.isEmpty());
        QVERIFY(translated != "Choose a model to start");
        QLocale::setDefault(QLocale::c());
    }

private:
    QTemporaryDir settingsDir_;
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    deadiff::ui::setUpApplication(app);
    TestMainWindow test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_main_window.moc"
