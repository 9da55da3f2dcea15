// The whole window with the gradient test double: load, generate with live previews and plot,
// cancel, errors in a message box, the gallery, saving PNG metadata and restoring it by drop.
#include "tests/ui/gradient_pipeline.h"
#include "tests/ui/ui_events.h"
#include "ui/application.h"
#include "ui/drop_zone.h"
#include "ui/gallery.h"
#include "ui/generation_form.h"
#include "ui/image_view.h"
#include "ui/main_window.h"
#include "ui/result_history.h"
#include "ui/step_plot.h"

#include "core/io/png.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDir>
#include <QDropEvent>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTimer>
#include <QUrl>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

using deadiff::GenerationRequest;
using deadiff::testing::GradientProbe;
using deadiff::testing::visibleBox;
using deadiff::ui::MainWindow;

namespace {

void dropOnWindow(QWidget* window, const QString& path) {
    QVERIFY(deadiff::testing::dropFile(window, path));
}

// The gradient factory, held at the start of every load until `open` is set: a slow model.
deadiff::PipelineLoader heldLoader(std::shared_ptr<GradientProbe> probe,
                                   std::shared_ptr<std::atomic<bool>> open) {
    deadiff::PipelineLoader inner = deadiff::testing::gradientFactory(std::move(probe));
    return
        [inner, open](const deadiff::LoadOptions& options, const deadiff::LoadProgress& progress) {
            while (!open->load())
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            return inner(options, progress);
        };
}

} // namespace

class TestStudioFlow : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        model_ = deadiff::testing::prepareStudioWorkspace(dir_.path());
        QVERIFY(!model_.isEmpty());
        QSettings().clear();
    }

    void init() {
        QSettings().clear();
        // Each test starts with an empty gallery: the studio keeps its results across windows.
        QFile::remove(deadiff::ui::ResultHistory().indexPath());
        probe_ = std::make_shared<GradientProbe>();
    }

    void loadsTheRememberedModelOnTheWorker() {
        QSettings().setValue("model/path", model_);
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QCOMPARE(probe_->loads.load(), 1);
        auto* generate = window.findChild<QPushButton*>("generateButton");
        QVERIFY(generate->isVisible());
        QVERIFY(generate->isEnabled());
    }

    void droppingACheckpointLoadsIt() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        QVERIFY(!window.modelReady());
        dropOnWindow(&window, model_);
        QCOMPARE(window.modelPath(), model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QCOMPARE(QSettings().value("model/path").toString(), model_);
        QCOMPARE(window.recentModels().value(0), model_);
    }

    void formFollowsTheModelsNativeSize() {
        // A model folder trained at 64 px (the demo model's kind), then a checkpoint (512 px).
        const QString small = dir_.filePath("small-model");
        QVERIFY(QDir().mkpath(small));
        QFile json(small + "/model.json");
        QVERIFY(json.open(QIODevice::WriteOnly));
        json.write(R"({"format": "deadiff-model", "version": 1, "default_image_size": 64})");
        json.close();
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(small);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QCOMPARE(window.form()->request().width, 64);
        QCOMPARE(window.form()->request().height, 64);
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QCOMPARE(window.form()->request().width, 512);
        // The user's own size survives a reload of a model of the same size.
        GenerationRequest custom = window.form()->request();
        custom.width = 320;
        window.form()->setRequest(custom);
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QCOMPARE(window.form()->request().width, 320);
    }

    void brokenModelShowsTheLoadersMessage() {
        const QString broken = dir_.filePath("broken.safetensors");
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("junk");
        file.close();
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.setModelPath(broken);
        QVERIFY(errors.wait(5000));
        QVERIFY(errors.at(0).at(0).toString().contains("not a safetensors file"));
        QMessageBox* box = visibleBox(&window, "errorMessageBox");
        QVERIFY(box != nullptr);
        QVERIFY(box->text().contains("not a safetensors file"));
        QVERIFY(box->informativeText().contains("Choose"));
        // Back on the "choose a model" page, which says what failed.
        QVERIFY(window.findChild<QPushButton*>("chooseModelButton")->isVisible());
        QVERIFY(window.findChild<QLabel*>("modelStateLabel")->text().contains("Could not load"));
        QVERIFY(!window.modelReady());
    }

    void generationShowsPreviewsPlotsAndReachesTheGallery() {
        probe_->stepMillis = 20;
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        window.form()->findChild<QPlainTextEdit*>("promptEdit")->setPlainText("a lighthouse");
        GenerationRequest request = window.form()->request();
        request.steps = 15;
        request.width = 256;
        request.height = 192;
        window.form()->setRequest(request);

        int ticks = 0;
        QTimer timer;
        connect(&timer, &QTimer::timeout, [&ticks] { ++ticks; });
        timer.start(10);
        QSignalSpy added(&window, &MainWindow::resultAdded);
        window.findChild<QPushButton*>("generateButton")->click();
        QVERIFY(window.isGenerating());
        QVERIFY(!window.findChild<QPushButton*>("generateButton")->isEnabled());
        QVERIFY(window.findChild<QPushButton*>("cancelButton")->isEnabled());
        QVERIFY(added.wait(10000));
        timer.stop();

        QVERIFY2(ticks >= 10, qPrintable(QString::number(ticks)));
        QCOMPARE(window.gallery()->resultCount(), 1);
        QVERIFY(window.stepPlot()->pointCount() == 15);
        QVERIFY(window.preview()->imagesShown() >= 2); // previews, then the final image
        QCOMPARE(window.preview()->image().size(), QSize(256, 192));
        auto* progress = window.findChild<QProgressBar*>("progressBar");
        QCOMPARE(progress->value(), progress->maximum());
        const GenerationRequest ran = window.gallery()->entry(0).request;
        QVERIFY(ran.seed.has_value());
        QCOMPARE(ran.model, model_.toStdString());
        QVERIFY(!window.isGenerating());

        const QString plotPath = dir_.filePath("plot.png");
        QVERIFY(window.stepPlot()->savePng(plotPath));
        QVERIFY(!QImage(plotPath).isNull());

        window.copyResult(0);
        QCOMPARE(QApplication::clipboard()->image().size(), QSize(256, 192));

        // The next run starts a fresh plot.
        probe_->stepMillis = 1;
        request.steps = 4;
        window.form()->setRequest(request);
        window.generate();
        QVERIFY(added.wait(10000));
        QCOMPARE(window.stepPlot()->pointCount(), 4);
        QCOMPARE(window.gallery()->resultCount(), 2);
    }

    // The Precision combo is a load-time choice: another one reloads the model in that dtype
    // before the generation, and the result (its metadata) records the dtype actually used.
    void precisionChoiceReloadsTheModelAndIsRecorded() {
        probe_->stepMillis = 1;
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        const int loads = probe_->loads.load();
        window.form()->findChild<QPlainTextEdit*>("promptEdit")->setPlainText("a boat");
        GenerationRequest request = window.form()->request();
        request.steps = 2;
        request.width = 64;
        request.height = 64;
        window.form()->setRequest(request);
        auto* precision = window.form()->findChild<QComboBox*>("dtypeCombo");
        QVERIFY(precision != nullptr);
        QSignalSpy added(&window, &MainWindow::resultAdded);
        const auto generateWith = [&](const char* dtype) {
            precision->setCurrentIndex(precision->findData(QString::fromLatin1(dtype)));
            window.generate();
            QVERIFY(added.wait(5000));
        };

        generateWith("bfloat16");
        QCOMPARE(probe_->loads.load(), loads + 1);
        QCOMPARE(window.gallery()->entry(0).request.dtype, deadiff::ComputeDtype::BFloat16);
        QVERIFY(QString::fromStdString(deadiff::toJson(window.gallery()->entry(0).request))
                    .contains("\"dtype\":\"bfloat16\""));
        QVERIFY(window.findChild<QLabel*>("modelBadge")->text().contains("bfloat16"));

        generateWith("bfloat16"); // the model computes in it already
        QCOMPARE(probe_->loads.load(), loads + 1);

        generateWith("float32");
        QCOMPARE(probe_->loads.load(), loads + 2);
        QCOMPARE(window.gallery()->entry(2).request.dtype, deadiff::ComputeDtype::Float32);

        generateWith("auto"); // this model's automatic choice is float32: nothing to reload
        QCOMPARE(probe_->loads.load(), loads + 2);
        QCOMPARE(window.gallery()->entry(3).request.dtype, deadiff::ComputeDtype::Float32);
    }

    void generateDuringTheLoadRunsOnceTheModelIsThere() {
        probe_->stepMillis = 1;
        auto open = std::make_shared<std::atomic<bool>>(false);
        MainWindow window(heldLoader(probe_, open));
        window.show();
        window.form()->findChild<QPlainTextEdit*>("promptEdit")->setPlainText("a harbour");
        window.setModelPath(model_);
        QVERIFY(!window.modelReady());
        auto* generate = window.findChild<QPushButton*>("generateButton");
        auto* cancel = window.findChild<QPushButton*>("cancelButton");
        QVERIFY(generate->isEnabled()); // the studio is usable while the model loads
        QSignalSpy added(&window, &MainWindow::resultAdded);
        generate->click();
        QVERIFY(window.generationQueued());
        QVERIFY(!generate->isEnabled());
        QVERIFY(cancel->isEnabled());
        QVERIFY(window.statusBar()->currentMessage().contains("as soon as the model has loaded"));
        QTest::qWait(50);
        QCOMPARE(probe_->generateCalls.load(), 0);
        // Settings changed while it waits are the ones it runs with: the form is read at the end.
        GenerationRequest request = window.form()->request();
        request.steps = 3;
        request.width = 64;
        request.height = 64;
        window.form()->setRequest(request);
        open->store(true);
        QVERIFY(added.wait(10000));
        QCOMPARE(probe_->generateCalls.load(), 1);
        QVERIFY(!window.generationQueued());
        QCOMPARE(window.gallery()->entry(added.at(0).at(0).toInt()).request.steps, 3);
        QTRY_VERIFY_WITH_TIMEOUT(generate->isEnabled(), 5000);
    }

    void aQueuedGenerationCanBeTakenBackAndAFailedLoadDropsIt() {
        probe_->stepMillis = 1;
        auto open = std::make_shared<std::atomic<bool>>(false);
        MainWindow window(heldLoader(probe_, open));
        window.show();
        window.form()->findChild<QPlainTextEdit*>("promptEdit")->setPlainText("a harbour");
        window.setModelPath(model_);
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.generate();
        QVERIFY(window.generationQueued());
        QTest::keyClick(&window, Qt::Key_Escape); // Esc takes it back
        QVERIFY(!window.generationQueued());
        QVERIFY(window.findChild<QPushButton*>("generateButton")->isEnabled());
        open->store(true);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QTest::qWait(100);
        QCOMPARE(probe_->generateCalls.load(), 0);

        // A model that fails to load runs nothing: the error is shown instead.
        const QString broken = dir_.filePath("broken-queued.safetensors");
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("junk");
        file.close();
        open->store(false);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.setModelPath(broken);
        window.generate();
        QVERIFY(window.generationQueued());
        open->store(true);
        QVERIFY(errors.wait(5000));
        QVERIFY(!window.generationQueued());
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000); // back on the working model
        QTest::qWait(100);
        QCOMPARE(probe_->generateCalls.load(), 0);
        QVERIFY(window.findChild<QPushButton*>("generateButton")->isEnabled());
        QVERIFY(!window.findChild<QPushButton*>("cancelButton")->isEnabled());
    }

    void aQueuedGenerationWithAnIncompleteFormExplainsItOnceLoaded() {
        auto open = std::make_shared<std::atomic<bool>>(false);
        MainWindow window(heldLoader(probe_, open));
        window.show();
        window.setModelPath(model_);
        window.generate(); // no prompt yet
        QVERIFY(window.generationQueued());
        QSignalSpy errors(&window, &MainWindow::errorShown);
        open->store(true);
        QVERIFY(errors.wait(5000));
        QVERIFY(errors.at(0).at(0).toString().contains("prompt"));
        QCOMPARE(probe_->generateCalls.load(), 0);
        QVERIFY(window.findChild<QPushButton*>("generateButton")->isEnabled());
        QVERIFY(!window.findChild<QPushButton*>("cancelButton")->isEnabled());
    }

    void cancelStopsTheRunningGeneration() {
        probe_->stepMillis = 30;
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        window.form()->findChild<QPlainTextEdit*>("promptEdit")->setPlainText("a castle");
        GenerationRequest request = window.form()->request();
        request.steps = 500;
        request.width = 64;
        request.height = 64;
        window.form()->setRequest(request);
        window.generate();
        QTRY_VERIFY_WITH_TIMEOUT(probe_->stepsCompleted.load() >= 3, 5000);
        QTest::keyClick(&window, Qt::Key_Escape); // Esc cancels
        const int atCancel = probe_->stepsCompleted.load();
        QTRY_VERIFY_WITH_TIMEOUT(!window.isGenerating(), 5000);
        QVERIFY(probe_->sawCancel.load());
        QVERIFY2(probe_->stepsCompleted.load() <= atCancel + 1,
                 qPrintable(QString::number(probe_->stepsCompleted.load() - atCancel)));
        QCOMPARE(window.gallery()->resultCount(), 0);
        QVERIFY(window.findChild<QPushButton*>("generateButton")->isEnabled());
    }

    void ctrlEnterInThePromptGenerates() {
        probe_->stepMillis = 1;
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        auto* prompt = window.form()->findChild<QPlainTextEdit*>("promptEdit");
        prompt->setPlainText("a boat");
        GenerationRequest request = window.form()->request();
        request.steps = 2;
        request.width = 64;
        request.height = 64;
        window.form()->setRequest(request);
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        prompt->setFocus();
        QSignalSpy added(&window, &MainWindow::resultAdded);
        QTest::keyClick(prompt, Qt::Key_Return, Qt::ControlModifier);
        QVERIFY(added.wait(5000));
        QCOMPARE(probe_->generateCalls.load(), 1);
        QCOMPARE(prompt->toPlainText(), QStringLiteral("a boat")); // no newline typed
    }

    void pipelineErrorIsShownWithAdvice() {
        probe_->failWith = "cannot decode the style reference a.png";
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        window.form()->findChild<QPlainTextEdit*>("promptEdit")->setPlainText("x");
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.generate();
        QVERIFY(errors.wait(5000));
        QMessageBox* box = visibleBox(&window, "errorMessageBox");
        QVERIFY(box != nullptr);
        QCOMPARE(box->text(), QStringLiteral("cannot decode the style reference a.png"));
        QVERIFY(!box->informativeText().isEmpty());
        QVERIFY(window.statusBar()->currentMessage().contains("cannot decode"));
        QVERIFY(!window.isGenerating());
    }

    void invalidFormIsExplainedBeforeRunning() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        window.form()->findChild<QPlainTextEdit*>("promptEdit")->clear();
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.generate();
        QCOMPARE(errors.count(), 1);
        QVERIFY(errors.at(0).at(0).toString().contains("prompt"));
        QVERIFY(!window.isGenerating());
        QCOMPARE(probe_->generateCalls.load(), 0);
    }

    void savedPngRestoresTheRequestAndTheFormByDrop() {
        probe_->stepMillis = 1;
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        auto* form = window.form();
        form->findChild<QPlainTextEdit*>("promptEdit")->setPlainText("a harbour at night");
        form->styleZoneA()->setPath(dir_.filePath("a.png"));
        form->styleZoneB()->setPath(dir_.filePath("b.png"));
        form->mixSlider()->setValue(35);
        GenerationRequest request = form->request();
        request.steps = 4;
        request.width = 128;
        request.height = 128;
        request.cfg = 5.5;
        request.imageWeight = 0.7;
        form->setRequest(request);
        QSignalSpy added(&window, &MainWindow::resultAdded);
        window.generate();
        QVERIFY(added.wait(5000));
        const GenerationRequest ran = window.gallery()->entry(0).request;

        const QString saved = dir_.filePath("result.png");
        QVERIFY(window.saveResult(0, saved));
        const deadiff::io::PngText text = deadiff::io::readPngText(saved.toStdString());
        const std::string json = deadiff::io::findPngText(text, deadiff::io::kRequestJsonKeyword);
        QVERIFY(!json.empty());
        QVERIFY(deadiff::requestFromJson(json) == ran);
        const std::string parameters =
            deadiff::io::findPngText(text, deadiff::io::kA1111ParametersKeyword);
        QVERIFY2(parameters.find("Seed: " + std::to_string(*ran.seed)) != std::string::npos,
                 parameters.c_str());
        QCOMPARE(QImage(saved).size(), QSize(128, 128));

        // Change everything, then drop the PNG: the form is back to what ran.
        GenerationRequest other;
        other.prompt = "something else";
        form->setRequest(other);
        QVERIFY(form->request() != ran);
        dropOnWindow(&window, saved);
        QVERIFY2(form->request() == ran, deadiff::toJson(form->request()).c_str());
        QCOMPARE(*form->request().mix, 0.35);
    }

    void droppingAPlainImageOffersItAsStyleReference() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        const QString plain = dir_.filePath("b.png");
        dropOnWindow(&window, plain);
        QMessageBox* box = visibleBox(&window, "useAsStyleBox");
        QVERIFY(box != nullptr);
        box->findChild<QPushButton*>("useAsStyleB")->click();
        QCOMPARE(window.form()->styleZoneB()->path(), plain);
    }

    void galleryActionsReuseSettingsAndReference() {
        probe_->stepMillis = 1;
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        window.form()->findChild<QPlainTextEdit*>("promptEdit")->setPlainText("a fox");
        GenerationRequest request = window.form()->request();
        request.steps = 3;
        request.width = 64;
        request.height = 64;
        window.form()->setRequest(request);
        QSignalSpy added(&window, &MainWindow::resultAdded);
        window.generate();
        QVERIFY(added.wait(5000));
        const GenerationRequest ran = window.gallery()->entry(0).request;

        window.form()->findChild<QPlainTextEdit*>("promptEdit")->setPlainText("changed");
        window.reuseSettings(0);
        QCOMPARE(window.form()->request().prompt, std::string("a fox"));
        QCOMPARE(window.form()->request().seed, ran.seed);

        window.useResultAsStyle(0, 0);
        const QString reference = window.form()->styleZoneA()->path();
        QVERIFY(QFileInfo::exists(reference));
        QCOMPARE(QImage(reference).size(), QSize(64, 64));
    }

    void formValuesAreRememberedAcrossSessions() {
        {
            MainWindow first(deadiff::testing::gradientFactory(probe_));
            first.show();
            first.form()->findChild<QPlainTextEdit*>("promptEdit")->setPlainText("remember me");
            first.close();
        }
        MainWindow second(deadiff::testing::gradientFactory(probe_));
        QCOMPARE(second.form()->request().prompt, std::string("remember me"));
    }

private:
    QTemporaryDir dir_;
    QString model_;
    std::shared_ptr<GradientProbe> probe_;
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    deadiff::ui::setUpApplication(app);
    TestStudioFlow test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_studio_flow.moc"
