// The studio as an artist meets it (issue 29), with the gradient test double: a failed model
// load keeps the working model; results are saved as they finish, come back after a restart
// (and after a SIGKILL mid-generation), can be searched, compared, saved all at once and
// deleted; the model card says what a small model can paint; the wheel scrolls the panel; the
// panel fits at 2x scaling; the ControlNet panel, a waiting generation, a non-image reference,
// the mix and engine errors are all said in the artist's words.
#include "tests/ui/gradient_pipeline.h"
#include "tests/ui/ui_events.h"
#include "ui/application.h"
#include "ui/batch_dialog.h"
#include "ui/batch_queue.h"
#include "ui/control_units.h"
#include "ui/drop_zone.h"
#include "ui/engine_messages.h"
#include "ui/gallery.h"
#include "ui/generation_form.h"
#include "ui/image_view.h"
#include "ui/main_window.h"

#include "core/pipeline/metadata.h"

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDir>
#include <QDockWidget>
#include <QDropEvent>
#include <QFileInfo>
#include <QGroupBox>
#include <QImageReader>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTimer>
#include <QTranslator>
#include <QUrl>
#include <QWheelEvent>
#include <QtTest>

#include <cstdio>
#include <memory>

using deadiff::GenerationRequest;
using deadiff::testing::dropFile;
using deadiff::testing::GradientProbe;
using deadiff::testing::visibleBox;
using deadiff::ui::ControlUnitsPanel;
using deadiff::ui::Gallery;
using deadiff::ui::ImageView;
using deadiff::ui::MainWindow;

namespace {

// A wheel turn over `widget` (one notch down), as the mouse sends it.
void wheelOver(QWidget* widget) {
    const QPointF at = widget->rect().center();
    QWheelEvent wheel(at, widget->mapToGlobal(at), QPoint(), QPoint(0, -120), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(widget, &wheel);
}

// The request a saved PNG records (nullopt: none).
std::optional<GenerationRequest> recorded(const QString& png) {
    return deadiff::recordedRequest(png.toStdString());
}

// The child process of killedMidGenerationLosesNothing: three results, then a long run that the
// parent kills with SIGKILL once it is under way.
int generateUntilKilled(const QString& dir) {
    qputenv("DEADIFF_DEMO_MODEL", "none");
    auto probe = std::make_shared<GradientProbe>();
    probe->stepMillis = 1;
    MainWindow window(deadiff::testing::gradientFactory(probe));
    window.show();
    window.setModelPath(dir + "/demo.safetensors");
    QElapsedTimer timer;
    timer.start();
    while (!window.modelReady() && timer.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    GenerationRequest request;
    request.prompt = "kept";
    request.steps = 3;
    request.width = 64;
    request.height = 64;
    for (std::uint64_t seed : {1, 2, 3}) {
        request.seed = seed;
        window.form()->setRequest(request);
        window.generate();
        while (window.isGenerating() && timer.elapsed() < 20000)
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    }
    probe->stepMillis = 20;
    request.prompt = "in flight";
    request.steps = 100000;
    request.seed = 4;
    window.form()->setRequest(request);
    window.generate();
    while (probe->stepsCompleted.load() < 9 + 5 && timer.elapsed() < 30000)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
    std::printf("generating\n");
    std::fflush(stdout);
    return QApplication::exec(); // until the parent kills us
}

} // namespace

class TestStudioArtist : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { qputenv("DEADIFF_DEMO_MODEL", "none"); }

    // Every test in its own home: settings, history and pictures start empty.
    void init() {
        dir_ = std::make_unique<QTemporaryDir>();
        QVERIFY(dir_->isValid());
        model_ = deadiff::testing::prepareStudioWorkspace(dir_->path());
        QVERIFY(!model_.isEmpty());
        probe_ = std::make_shared<GradientProbe>();
        probe_->stepMillis = 1;
    }

    // 1. A bad file does not take the working model, the form or the docks with it.
    void failedLoadKeepsTheWorkingModel() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QVERIFY(openStudio(window));
        window.form()->promptEdit()->setPlainText("keep me");
        const QString broken = dir_->filePath("broken.safetensors");
        QFile file(broken);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("a text file renamed");
        file.close();

        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.setModelPath(broken);
        QVERIFY(errors.wait(5000));
        QVERIFY(visibleBox(&window, "errorMessageBox") != nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QCOMPARE(window.modelPath(), model_);
        QCOMPARE(probe_->loads.load(), 3); // the model, the bad file, the model again
        QVERIFY(window.findChild<QPushButton*>("generateButton")->isVisible());
        QVERIFY(!window.findChild<QPushButton*>("chooseModelButton")->isVisible());
        QVERIFY(window.findChild<QDockWidget*>("galleryDock")->isVisible());
        QVERIFY(window.findChild<QDockWidget*>("plotDock")->isVisible());
        QCOMPARE(window.form()->promptEdit()->toPlainText(), QString("keep me"));
        QVERIFY(!window.recentModels().contains(broken));
        QCOMPARE(window.recentModels().value(0), model_);
        QCOMPARE(QSettings().value("model/path").toString(), model_);
    }

    // 2. Results are on disk as soon as they finish, with their settings, and come back.
    void resultsAreSavedAsTheyFinishAndComeBack() {
        QStringList saved;
        {
            MainWindow window(deadiff::testing::gradientFactory(probe_));
            window.show();
            window.setModelPath(model_);
            QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
            generate(window, "a red fox", 11, {dir_->filePath("a.png")});
            generate(window, "a blue heron", 12, {dir_->filePath("b.png")});
            QCOMPARE(window.gallery()->resultCount(), 2);
            const QString today =
                QDir(dir_->path())
                    .filePath("Pictures/DEADiff/" + QDate::currentDate().toString(Qt::ISODate));
            for (int i = 0; i < 2; ++i) {
                const QString path = window.gallery()->entry(i).path;
                QVERIFY2(path.startsWith(today), qPrintable(path));
                QVERIFY(QFileInfo::exists(path));
                QVERIFY(recorded(path) == window.gallery()->entry(i).request);
                saved << path;
            }
            QCOMPARE(window.gallery()->unsavedCount(), 0);
            // Quitting asks nothing: everything is saved.
            QVERIFY(window.close());
        }
        MainWindow again(deadiff::testing::gradientFactory(probe_));
        Gallery* gallery = again.gallery();
        QCOMPARE(gallery->resultCount(), 2);
        QCOMPARE(gallery->entry(0).path, saved[0]);
        QCOMPARE(gallery->entry(1).request.prompt, std::string("a blue heron"));
        // Labelled by prompt and style, not by seed alone.
        QCOMPARE(gallery->item(0)->text(), QString("a red fox\na\nseed 11"));
        QCOMPARE(gallery->item(1)->text(), QString("a blue heron\nb\nseed 12"));
        QCOMPARE(gallery->image(1).size(), QSize(64, 64));
        // The thumbnails load from the files.
        QTRY_VERIFY_WITH_TIMEOUT(
            gallery->item(0)->icon().pixmap(112).toImage().pixelColor(56, 56).alpha() > 0, 5000);

        // Search by prompt word, by style file name, by seed.
        again.gallerySearch()->setText("heron");
        QCOMPARE(gallery->visibleCount(), 1);
        QVERIFY(gallery->item(0)->isHidden());
        again.gallerySearch()->setText("12");
        QCOMPARE(gallery->visibleCount(), 1);
        // A number is a seed, not the HHmmss time stamp each file name starts with (at 12 o'clock
        // "12" matched both results).
        again.gallerySearch()->setText(QFileInfo(saved[1]).fileName().left(6));
        QCOMPARE(gallery->visibleCount(), 0);
        again.gallerySearch()->setText("seed12");
        QCOMPARE(gallery->visibleCount(), 1);
        again.gallerySearch()->clear();
        QCOMPARE(gallery->visibleCount(), 2);

        // Restore the settings of a restored result.
        again.reuseSettings(0);
        QCOMPARE(again.form()->request().prompt, std::string("a red fox"));
        QCOMPARE(again.form()->request().seed, std::optional<std::uint64_t>(11));

        // Delete: the file goes (to the trash), the history forgets it.
        again.deleteResults({0});
        QCOMPARE(gallery->resultCount(), 1);
        QVERIFY(!QFileInfo::exists(saved[0]));
        MainWindow third(deadiff::testing::gradientFactory(probe_));
        QCOMPARE(third.gallery()->resultCount(), 1);
        QCOMPARE(third.gallery()->entry(0).path, saved[1]);
    }

    void outputFolderIsConfigurable() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QVERIFY(openStudio(window));
        const QString root = dir_->filePath("my renders");
        window.history().setOutputRoot(root);
        generate(window, "a moth", 5, {});
        QVERIFY(window.gallery()->entry(0).path.startsWith(root + "/"));
        QVERIFY(QFileInfo::exists(window.gallery()->entry(0).path));
    }

    void saveAllWritesWhatTheGalleryShows() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QVERIFY(openStudio(window));
        generate(window, "a cat", 1, {});
        generate(window, "a dog", 2, {});
        generate(window, "a cat again", 3, {});
        const QString all = dir_->filePath("all");
        QCOMPARE(window.saveAllResults(all), 3);
        QCOMPARE(QDir(all).entryList({"*.png"}).size(), 3);
        for (const QString& name : QDir(all).entryList({"*.png"}))
            QVERIFY(recorded(QDir(all).filePath(name)).has_value());
        window.gallerySearch()->setText("cat");
        const QString cats = dir_->filePath("cats");
        QCOMPARE(window.saveAllResults(cats), 2);
        QCOMPARE(QDir(cats).entryList({"*.png"}).size(), 2);
    }

    // With auto-save off, quitting with unsaved results asks first.
    void quittingWithUnsavedResultsAsks() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QVERIFY(openStudio(window));
        window.findChild<QAction*>("actionAutoSave")->setChecked(false);
        generate(window, "not saved", 9, {});
        QCOMPARE(window.gallery()->unsavedCount(), 1);
        const auto answer = [&window](const char* button) {
            QTimer::singleShot(0, &window, [&window, button] {
                QMessageBox* box = visibleBox(&window, "unsavedResultsBox");
                QVERIFY(box != nullptr);
                if (QByteArray(button) == "cancel")
                    box->button(QMessageBox::Cancel)->click();
                else
                    box->findChild<QPushButton*>(button)->click();
            });
        };
        answer("cancel");
        QVERIFY(!window.close());
        QVERIFY(window.isVisible());
        answer("unsavedDiscard");
        QVERIFY(window.close());
    }

    // No finished result is lost when the studio is killed mid-generation, nor the settings
    // of the run in flight.
    void killedMidGenerationLosesNothing() {
        QProcess child;
        child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        child.start(QCoreApplication::applicationFilePath(),
                    {"--generate-until-killed", dir_->path()});
        QVERIFY(child.waitForStarted(10000));
        QElapsedTimer timer;
        timer.start();
        while (!child.readAllStandardOutput().contains("generating") && timer.elapsed() < 60000)
            child.waitForReadyRead(1000);
        QVERIFY2(timer.elapsed() < 60000, "the child never started its long run");
        child.kill(); // SIGKILL
        QVERIFY(child.waitForFinished(10000));
        QCOMPARE(child.exitStatus(), QProcess::CrashExit);

        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QCOMPARE(window.gallery()->resultCount(), 3);
        for (int i = 0; i < 3; ++i) {
            const deadiff::ui::GalleryEntry& entry = window.gallery()->entry(i);
            QVERIFY(QFileInfo::exists(entry.path));
            QCOMPARE(entry.request.prompt, std::string("kept"));
            QCOMPARE(*entry.request.seed, std::uint64_t(i + 1));
            QVERIFY(recorded(entry.path) == entry.request);
            QCOMPARE(window.gallery()->image(i).size(), QSize(64, 64));
        }
        QCOMPARE(window.form()->request().prompt, std::string("in flight"));
        // No half-written file was left beside them.
        const QString folder = QFileInfo(window.gallery()->entry(0).path).path();
        QCOMPARE(QDir(folder).entryList(QDir::Files).size(), 3);
    }

    // 3. The model card: what the demo model paints, its words, its example prompts.
    void modelCardSaysWhatTheDemoModelKnows() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        auto* form = window.form();
        window.setModelPath(QStringLiteral(DEADIFF_DEMO_MODEL_DIR));
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QVERIFY(form->modelCardPanel()->isVisible());
        auto* text = form->modelCardPanel()->findChild<QLabel*>("modelCardText");
        for (const char* word : {"circle", "house", "cat", "neon", "pastel stripes", "pixel art"})
            QVERIFY2(text->text().contains(word), word);
        const QString placeholder = form->promptEdit()->placeholderText();
        QVERIFY2(!placeholder.contains("lighthouse"), qPrintable(placeholder));
        QVERIFY2(placeholder.contains("house") || placeholder.contains("star"),
                 qPrintable(placeholder));

        form->promptEdit()->setPlainText("a lighthouse on a cliff");
        QCOMPARE(form->unknownPromptWords(), (QStringList{"a", "lighthouse", "on", "cliff"}));
        QVERIFY(form->unknownWordsLabel()->isVisible());
        QVERIFY(form->unknownWordsLabel()->text().contains("lighthouse"));
        form->promptEdit()->setPlainText("Star in neon style");
        QVERIFY(form->unknownPromptWords().isEmpty());
        QVERIFY(!form->unknownWordsLabel()->isVisible());
        Q_EMIT text->linkActivated("subject:moon");
        QCOMPARE(form->promptEdit()->toPlainText(), QString("moon"));

        // A checkpoint reads any prompt: no card, no marks, the open-ended placeholder.
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QVERIFY(!form->modelCardPanel()->isVisible());
        form->promptEdit()->setPlainText("a lighthouse on a cliff");
        QVERIFY(form->unknownPromptWords().isEmpty());
        QVERIFY(!form->unknownWordsLabel()->isVisible());
    }

    void realWeightsPageSaysWhereTheyComeFrom() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(QStringLiteral(DEADIFF_DEMO_MODEL_DIR));
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        window.form()->findChild<QPushButton*>("realWeightsButton")->click();
        auto* page = window.findChild<QDialog*>("realWeightsPage");
        QVERIFY(page != nullptr);
        QVERIFY(page->isVisible());
        const QString text = page->findChild<QLabel*>("realWeightsText")->text();
        QVERIFY(text.contains("qth/DEADiff"));
        QVERIFY(text.contains("deadiff_v1.ckpt"));
        // Its "Download Models…" opens the models dialog: tests/ui/test_download_dialog.cpp.
        QVERIFY(page->findChild<QPushButton*>("downloadModelsButton")->isVisible());
        page->close();
    }

    // 4. The wheel over a value scrolls the panel and leaves the value alone.
    void wheelScrollsThePanelNotTheValues() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QVERIFY(openStudio(window, QSize(1152, 720)));
        QScrollBar* bar = window.formScroll()->verticalScrollBar();
        QVERIFY2(bar->maximum() > 0, "the form fits: nothing to scroll at this size");
        QComboBox* sampler = window.form()->samplerCombo();
        const int samplerBefore = sampler->currentIndex();
        const int scrolled = bar->value();
        wheelOver(sampler);
        QCOMPARE(sampler->currentIndex(), samplerBefore);
        QVERIFY(bar->value() > scrolled);
        QSlider* mix = window.form()->mixSlider();
        const int mixBefore = mix->value();
        wheelOver(mix);
        QCOMPARE(mix->value(), mixBefore);
        auto* steps = window.form()->findChild<QAbstractSpinBox*>("stepsSpin");
        const GenerationRequest before = window.form()->request();
        wheelOver(steps);
        QCOMPARE(window.form()->request().steps, before.steps);
        // Focused (clicked into), the value follows the wheel as usual.
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        sampler->setFocus();
        QTRY_VERIFY(sampler->hasFocus());
        wheelOver(sampler);
        QVERIFY(sampler->currentIndex() != samplerBefore);
    }

    // 5. At 2x scaling on 2560x1600 the window opens at 1152x720 logical pixels: the panel
    // shows the whole form (no widget cut off on the right).
    void leftPanelFitsAt2xScaling() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QVERIFY(openStudio(window, QSize(1152, 720)));
        QScrollArea* scroll = window.formScroll();
        QWidget* viewport = scroll->viewport();
        QVERIFY(!scroll->horizontalScrollBar()->isVisible());
        for (QWidget* widget : window.form()->findChildren<QWidget*>()) {
            if (!widget->isVisibleTo(window.form()) || widget->width() == 0)
                continue;
            const int right = widget->mapTo(viewport, QPoint(widget->width(), 0)).x();
            QVERIFY2(right <= viewport->width(),
                     qPrintable(QStringLiteral("%1 (%2) ends at %3 of %4")
                                    .arg(widget->objectName(), widget->metaObject()->className())
                                    .arg(right)
                                    .arg(viewport->width())));
        }
    }

    // 6. The ControlNet panel switched on with nothing in it, or without its checkpoint.
    void controlNetPanelSaysWhatIsMissing() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QVERIFY(openStudio(window));
        window.form()->promptEdit()->setPlainText("a castle");
        ControlUnitsPanel* panel = window.form()->controlPanel();
        panel->setChecked(true);
        QCOMPARE(panel->unitCount(), 1);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.generate();
        QCOMPARE(errors.count(), 1);
        QVERIFY2(errors.at(0).at(0).toString().contains("ControlNet 1 is empty"),
                 qPrintable(errors.at(0).at(0).toString()));
        QCOMPARE(probe_->generateCalls.load(), 0);

        panel->editor(0)->hintZone()->setPath(dir_->filePath("a.png"));
        panel->editor(0)->modelEdit()->clear();
        window.generate();
        QCOMPARE(errors.count(), 2);
        const QString message = errors.at(1).at(0).toString();
        QVERIFY2(!message.contains("'controls"), qPrintable(message));
        QVERIFY2(message.contains("ControlNet 1 file"), qPrintable(message));
        QVERIFY2(message.contains("ControlNet checkpoint"), qPrintable(message));
        QCOMPARE(probe_->generateCalls.load(), 0);
    }

    // 7. Generate while a batch runs: the image waits, and the window says so.
    void generateDuringABatchSaysItWaits() {
        probe_->stepMillis = 15;
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QVERIFY(openStudio(window));
        deadiff::batch::BatchJob job;
        job.templ.prompt = "a fox";
        job.templ.width = 64;
        job.templ.height = 64;
        job.templ.steps = 6;
        job.templ.seed = 1;
        job.seedCount = 3;
        const quint64 batch = window.startBatch(job, dir_->filePath("batch"));
        QTRY_VERIFY_WITH_TIMEOUT(probe_->stepsCompleted.load() >= 1, 5000);
        // Held until the texts are checked, however slow the machine.
        window.batchQueue()->pauseButton()->click();
        window.form()->promptEdit()->setPlainText("a heron");
        GenerationRequest request = window.form()->request();
        request.steps = 3;
        request.width = 64;
        request.height = 64;
        window.form()->setRequest(request);
        window.generate();
        auto* progress = window.findChild<QProgressBar*>("progressBar");
        QVERIFY2(progress->format().contains("batch"), qPrintable(progress->format()));
        QVERIFY(window.statusBar()->currentMessage().contains("batch"));
        QVERIFY(window.findChild<QDockWidget*>("batchDock")->isVisible());
        window.batchQueue()->pauseButton()->click(); // resume
        QTRY_COMPARE_WITH_TIMEOUT(window.batchQueue()->state(batch), QString("done"), 10000);
        QTRY_VERIFY_WITH_TIMEOUT(!window.isGenerating(), 10000);
        QCOMPARE(window.gallery()->resultCount(), 4);
        QCOMPARE(window.gallery()->entry(3).request.prompt, std::string("a heron"));
        // Batch images are in the history where the batch wrote them.
        QVERIFY(window.gallery()->entry(0).path.startsWith(dir_->filePath("batch")));
    }

    // 8. A file that is not an image is refused where it is dropped.
    void nonImageReferenceIsRefusedAtOnce() {
        const QString fake = dir_->filePath("notes.png");
        QFile file(fake);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("this is a text file with a .png name");
        file.close();
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        auto* zone = window.form()->styleZoneA();
        zone->setPath(dir_->filePath("a.png"));
        QSignalSpy refused(window.form(), &deadiff::ui::GenerationForm::referenceRefused);
        dropFile(zone, fake);
        QCOMPARE(zone->path(), dir_->filePath("a.png")); // the good one stays
        QCOMPARE(refused.count(), 1);
        QVERIFY2(zone->refusal().contains("notes.png") && zone->refusal().contains("not an image"),
                 qPrintable(zone->refusal()));
        QVERIFY(!zone->findChild<QLabel*>("refusalLabel")->isHidden()); // shown with the zone
        QVERIFY(window.statusBar()->currentMessage().contains("notes.png"));

        GenerationRequest current;
        current.prompt = "a fox";
        deadiff::ui::BatchDialog dialog(current, dir_->filePath("out"));
        QVERIFY(!dialog.addStyleSet({fake}));
        QCOMPARE(dialog.styleSetList()->count(), 0);
        QVERIFY(dialog.refusal().contains("notes.png"));
        QVERIFY(dialog.addStyleSet({dir_->filePath("b.png")}));
        QCOMPARE(dialog.styleSetList()->count(), 1);
    }

    // 9. One way to write a mix: the share of style B in percent.
    void theMixIsWrittenOneWay() {
        deadiff::ui::GenerationForm form;
        form.styleZoneA()->setPath(dir_->filePath("a.png"));
        form.styleZoneB()->setPath(dir_->filePath("b.png"));
        form.mixSlider()->setValue(30);
        QCOMPARE(form.findChild<QLabel*>("mixValueLabel")->text(), QString("70 % A · 30 % B"));
        GenerationRequest request = form.request();
        request.prompt = "a fox";
        QCOMPARE(*request.mix, 0.3);
        deadiff::ui::BatchDialog dialog(request, dir_->filePath("out"));
        QCOMPARE(dialog.mixEdit()->text(), QString("30"));
        dialog.mixEdit()->setText("25, 75");
        QVERIFY((dialog.job()->mixes == std::vector<double>{0.25, 0.75}));
        dialog.mixEdit()->setText("0.3, 150");
        QVERIFY(!dialog.job().has_value());
        QVERIFY(dialog.summaryLabel()->text().contains("150"));

        Gallery gallery;
        request.seed = 1;
        gallery.addResult(QImage(8, 8, QImage::Format_RGB888), request);
        QVERIFY(gallery.item(0)->toolTip().contains("70 % A · 30 % B"));
    }

    // 10. Engine errors speak the form's words, in the studio's language.
    void engineErrorsSpeakTheFormsWords() {
        using deadiff::ui::userMessage;
        QCOMPARE(deadiff::ui::fieldLabel("image_weight"), QString("Image weight"));
        QCOMPARE(deadiff::ui::fieldLabel("styles[1].path"), QString("Style B"));
        const QString steps = userMessage("'steps' must be between 1 and 1000, got 0");
        QVERIFY2(steps.startsWith("Steps must be between 1 and 1000"), qPrintable(steps));
        const QString size =
            userMessage("'width' must be a multiple of 64 between 64 and 2048, got 500");
        QVERIFY2(size.contains("Width") && size.contains("500") && !size.contains("'width'"),
                 qPrintable(size));
        const QString image = userMessage("/x/y/notes.png: not an image in a supported format "
                                          "(PNG, JPEG, WebP, BMP, TIFF, PPM/PGM, ...)");
        QVERIFY2(image.startsWith("notes.png is not an image"), qPrintable(image));
        QCOMPARE(userMessage("something the studio never heard of"),
                 QString("something the studio never heard of"));

        QTranslator translator;
        QVERIFY(translator.load(QLocale(QLocale::Chinese, QLocale::China), "deadiff_studio", "_",
                                ":/i18n"));
        QVERIFY(QCoreApplication::installTranslator(&translator));
        const auto isChinese = [](const QString& text) {
            return std::any_of(text.begin(), text.end(), [](QChar c) {
                return c.unicode() >= 0x4e00 && c.unicode() <= 0x9fff;
            });
        };
        const QString prompt = userMessage("'prompt' is required");
        const QString notImage = userMessage("/x/notes.png: not an image in a supported format "
                                             "(PNG, JPEG, WebP, BMP, TIFF, PPM/PGM, ...)");
        const QString control =
            userMessage("'controls[0].model' is required: the ControlNet checkpoint");
        QCoreApplication::removeTranslator(&translator);
        for (const QString& text : {prompt, notImage, control}) {
            QVERIFY2(isChinese(text), qPrintable(text));
            QVERIFY2(!text.contains("'"), qPrintable(text));
        }
        QVERIFY(notImage.contains("notes.png"));
    }

    // 11. Save As: formats and sizes; the form's slots and mix survive a restart.
    void savingOffersFormatsAndSizes() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QVERIFY(openStudio(window));
        generate(window, "a star", 7, {});
        window.setExportScale(4, true);
        const QString big = dir_->filePath("big.png");
        QVERIFY(window.saveResult(0, big));
        QCOMPARE(QImage(big).size(), QSize(256, 256));
        QVERIFY(recorded(big) == window.gallery()->entry(0).request);
        // Sharp pixels: every 4x4 block is one colour.
        const QImage pixels = QImage(big).convertToFormat(QImage::Format_RGB888);
        QCOMPARE(pixels.pixel(4, 4), pixels.pixel(7, 7));
        window.setExportScale(1, true);
        const QString jpeg = dir_->filePath("small.jpg");
        QVERIFY(window.saveResult(0, jpeg));
        QCOMPARE(QImageReader(jpeg).format(), QByteArray("jpeg"));
        QCOMPARE(QImage(jpeg).size(), QSize(64, 64));
        // Export settings are remembered.
        window.setExportScale(2, false);
        MainWindow again(deadiff::testing::gradientFactory(probe_));
        QCOMPARE(again.exportScale(), 2);
    }

    void styleSlotsAndMixSurviveARestart() {
        {
            MainWindow first(deadiff::testing::gradientFactory(probe_));
            first.show();
            first.form()->styleZoneB()->setPath(dir_->filePath("b.png"));
            first.form()->mixSlider()->setValue(20);
            QVERIFY(first.close());
        }
        MainWindow second(deadiff::testing::gradientFactory(probe_));
        QCOMPARE(second.form()->styleZoneA()->path(), QString());
        QCOMPARE(second.form()->styleZoneB()->path(), dir_->filePath("b.png"));
        QCOMPARE(second.form()->mixSlider()->value(), 20);
    }

    // The viewer: zoom and pan, sharp pixels when enlarged, two results compared.
    void viewerZoomsPansAndCompares() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        QVERIFY(openStudio(window, QSize(1400, 900)));
        generate(window, "a ring", 1, {});
        generate(window, "a moon", 2, {});
        ImageView* view = window.preview();
        QVERIFY(view->isFitted());
        QVERIFY2(view->scale() > 2, qPrintable(QString::number(view->scale())));
        view->grab();                     // paints
        QVERIFY(view->drewSharpPixels()); // 64 px on a large view: no blur

        // The wheel zooms about the pointer: the image point under it stays put.
        const QPointF pointer = QPointF(view->rect().center()) + QPointF(20, 15);
        const QPointF before = view->imagePointAt(pointer);
        const double fit = view->scale();
        QWheelEvent wheel(pointer, view->mapToGlobal(pointer), QPoint(), QPoint(0, 240),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(view, &wheel);
        QVERIFY(!view->isFitted());
        QVERIFY(view->scale() > fit);
        const QPointF after = view->imagePointAt(pointer);
        QVERIFY2(std::abs(after.x() - before.x()) < 0.01 && std::abs(after.y() - before.y()) < 0.01,
                 qPrintable(QString("%1,%2 -> %3,%4")
                                .arg(before.x())
                                .arg(before.y())
                                .arg(after.x())
                                .arg(after.y())));
        // Dragging pans.
        const QPointF centre = view->imagePointAt(view->rect().center());
        QTest::mousePress(view, Qt::LeftButton, {}, QPoint(200, 200));
        QTest::mouseMove(view, QPoint(150, 200));
        QTest::mouseRelease(view, Qt::LeftButton, {}, QPoint(150, 200));
        QVERIFY(view->imagePointAt(view->rect().center()).x() > centre.x());
        view->zoomActualSize();
        QCOMPARE(view->scale(), 1.0);
        view->grab();
        QVERIFY(!view->drewSharpPixels());
        view->zoomToFit();
        QVERIFY(view->isFitted());

        window.compareResults(0, 1);
        QCOMPARE(view->compareMode(), ImageView::Compare::SideBySide);
        QCOMPARE(view->compareImage().size(), QSize(64, 64));
        QVERIFY(view->compareImage() == window.gallery()->image(1));
        QVERIFY(view->image() == window.gallery()->image(0));
        window.compareCombo()->setCurrentIndex(
            window.compareCombo()->findData(static_cast<int>(ImageView::Compare::Slider)));
        QCOMPARE(view->compareMode(), ImageView::Compare::Slider);
        QTest::mousePress(view, Qt::LeftButton, {}, QPoint(view->width() / 2 + 40, 100));
        QTest::mouseRelease(view, Qt::LeftButton, {}, QPoint(view->width() / 2 + 40, 100));
        QVERIFY(view->splitPosition() > 0.5);
        // Clicking one result ends the comparison.
        Q_EMIT window.gallery()->viewRequested(1);
        QCOMPARE(view->compareMode(), ImageView::Compare::Off);
    }

    void cleanup() {
        // Message boxes of a test belong to its window; nothing else outlives it.
        dir_.reset();
    }

private:
    // Shows `window` (at `size` when given) on the stand-in model; false when it does not load.
    bool openStudio(MainWindow& window, QSize size = {}) {
        if (size.isValid())
            window.resize(size);
        window.show();
        window.setModelPath(model_);
        return QTest::qWaitFor([&window] { return window.modelReady(); }, 5000) &&
               QTest::qWaitForWindowExposed(&window);
    }

    // One finished generation with these settings (64 px, 3 steps).
    void generate(MainWindow& window, const QString& prompt, std::uint64_t seed,
                  const QStringList& styles) {
        GenerationRequest request = window.form()->request();
        request.prompt = prompt.toStdString();
        request.seed = seed;
        request.steps = 3;
        request.width = 64;
        request.height = 64;
        request.styles.clear();
        for (const QString& style : styles)
            request.styles.push_back({style.toStdString(), std::nullopt});
        request.mode.reset();
        window.form()->setRequest(request);
        QSignalSpy added(&window, &MainWindow::resultAdded);
        window.generate();
        QVERIFY(added.wait(5000));
    }

    std::unique_ptr<QTemporaryDir> dir_;
    QString model_;
    std::shared_ptr<GradientProbe> probe_;
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    if (argc >= 3 && QByteArray(argv[1]) == "--generate-until-killed") {
        deadiff::testing::isolateStudioHome(QString::fromLocal8Bit(argv[2]));
        deadiff::ui::setUpApplication(app);
        return generateUntilKilled(QString::fromLocal8Bit(argv[2]));
    }
    deadiff::ui::setUpApplication(app);
    TestStudioArtist test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_studio_artist.moc"
