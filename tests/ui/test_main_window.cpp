#include "tests/ui/gradient_pipeline.h"
#include "ui/application.h"
#include "ui/main_window.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTemporaryFile>
#include <QTranslator>
#include <QtTest>

using deadiff::ui::MainWindow;

class TestMainWindow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        // Keep the developer's real settings out of the tests.
        QVERIFY(settingsDir_.isValid());
        deadiff::testing::isolateStudioHome(settingsDir_.path());
        QSettings().clear();
        // Without a remembered model the studio opens on the bundled demo model; these tests
        // start without one unless they install their own.
        ::setenv("DEADIFF_DEMO_MODEL", "none", 1);
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

    void opensOnTheBundledModelWhenNoneIsRemembered() {
        QSettings().remove("model/path");
        QTemporaryDir demo;
        QVERIFY(demo.isValid());
        QFile json(demo.path() + "/model.json");
        QVERIFY(json.open(QIODevice::WriteOnly));
        json.write("{}");
        json.close();
        ::setenv("DEADIFF_DEMO_MODEL", qPrintable(demo.path()), 1);
        auto probe = std::make_shared<deadiff::testing::GradientProbe>();
        MainWindow window(deadiff::testing::gradientFactory(probe));
        ::setenv("DEADIFF_DEMO_MODEL", "none", 1);
        QCOMPARE(window.modelPath(), demo.path());
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
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
        auto probe = std::make_shared<deadiff::testing::GradientProbe>();
        {
            MainWindow first(deadiff::testing::gradientFactory(probe));
            first.setModelPath(model.fileName());
            first.close();
        }
        MainWindow second(deadiff::testing::gradientFactory(probe));
        QCOMPARE(second.modelPath(), model.fileName());
        auto* state = second.findChild<QLabel*>("modelStateLabel");
        QVERIFY2(state->text().startsWith("Model: "), qPrintable(state->text()));
        QTRY_VERIFY_WITH_TIMEOUT(second.modelReady(), 5000);
    }

    void missingModelFileIsExplained() {
        MainWindow window;
        window.setModelPath(settingsDir_.path() + "/gone.ckpt");
        auto* state = window.findChild<QLabel*>("modelStateLabel");
        QVERIFY2(state->text().contains("no longer exists"), qPrintable(state->text()));
        QVERIFY(window.findChild<QPushButton*>("chooseModelButton")->isVisible() ||
                !window.isVisible());
    }

    void withoutAnEngineTheLoadErrorIsShown() {
        // The default factory is Pipeline::load; whatever it says reaches the user.
        QTemporaryFile model(settingsDir_.path() + "/model-XXXXXX.safetensors");
        QVERIFY(model.open());
        model.write("not a model");
        model.flush();
        MainWindow window;
        window.show();
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.setModelPath(model.fileName());
        QVERIFY(errors.wait(60000));
        QVERIFY(!errors.at(0).at(0).toString().isEmpty());
        QVERIFY(!window.modelReady());
        auto* state = window.findChild<QLabel*>("modelStateLabel");
        QVERIFY2(state->text().contains("Could not load"), qPrintable(state->text()));
    }

    void chineseTranslationChangesVisibleText() {
        QTranslator translator;
        QVERIFY(translator.load(QLocale(QLocale::Chinese, QLocale::China), "deadiff_studio", "_",
                                ":/i18n"));
        QVERIFY(QCoreApplication::installTranslator(&translator));
        {
            QSettings().remove("model/path");
            MainWindow window;
            auto* button = window.findChild<QPushButton*>("chooseModelButton");
            QVERIFY(button->text() != QStringLiteral("Choose Model…"));
            QVERIFY(!button->text().isEmpty());
            auto* generate = window.findChild<QPushButton*>("generateButton");
            QVERIFY(generate->text() != QStringLiteral("Generate"));
        }
        QCoreApplication::removeTranslator(&translator);
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
