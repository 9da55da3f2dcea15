// Batch export in the studio with the gradient test double: the dialog builds a job from the
// form and names wrong fields; the queue runs jobs on the worker with progress, the seconds-per-
// image plot, pause/resume and cancel; results stream into the gallery; a failure is shown.
#include "tests/ui/gradient_pipeline.h"
#include "ui/batch_dialog.h"
#include "ui/batch_queue.h"
#include "ui/gallery.h"
#include "ui/main_window.h"
#include "ui/result_history.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using deadiff::GenerationRequest;
using deadiff::testing::GradientProbe;
using deadiff::ui::BatchDialog;
using deadiff::ui::MainWindow;

class TestBatchExport : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        model_ = deadiff::testing::prepareStudioWorkspace(dir_.path());
        QVERIFY(!model_.isEmpty());
    }

    void init() {
        QSettings().clear();
        // Each test starts with an empty gallery: the studio keeps its results across windows.
        QFile::remove(deadiff::ui::ResultHistory().indexPath());
        probe_ = std::make_shared<GradientProbe>();
        probe_->stepMillis = 1;
    }

    void dialogBuildsTheJobFromTheForm() {
        GenerationRequest current;
        current.prompt = "a fox";
        current.styles = {{dir_.filePath("a.png").toStdString(), std::nullopt}};
        current.seed = 7;
        current.width = 64;
        current.height = 64;
        BatchDialog dialog(current, dir_.filePath("out"));
        QCOMPARE(dialog.promptsEdit()->toPlainText(), QString("a fox"));
        QCOMPARE(dialog.styleSetList()->count(), 1);
        QCOMPARE(dialog.seedsEdit()->text(), QString("7"));
        QCOMPARE(dialog.imageCount(), 1);

        dialog.promptsEdit()->setPlainText("a fox\n\n  a heron  \na boat");
        dialog.addStyleSet({dir_.filePath("a.png"), dir_.filePath("b.png")});
        dialog.seedsEdit()->setText("1, 2");
        dialog.imageWeightsEdit()->setText("0.5 1");
        QCOMPARE(dialog.imageCount(), 3 * 2 * 2 * 2);
        QVERIFY(dialog.summaryLabel()->text().contains("24"));
        const auto job = dialog.job();
        QVERIFY(job.has_value());
        QVERIFY(job->prompts.at(1) == "a heron");
        QCOMPARE(job->styleSets.at(1).size(), std::size_t{2});
        QVERIFY((job->seeds == std::vector<std::uint64_t>{1, 2}));
        QCOMPARE(job->templ.width, 64);

        dialog.seedCountButton()->setChecked(true);
        dialog.seedCountSpin()->setValue(3);
        QCOMPARE(dialog.imageCount(), 3 * 2 * 3 * 2);
        QCOMPARE(dialog.job()->seedCount, 3);

        auto* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
        dialog.mixEdit()->setText("30, lots");
        QVERIFY(!dialog.job().has_value());
        QVERIFY(dialog.summaryLabel()->text().contains("Mix values"));
        QVERIFY(!ok->isEnabled());
        dialog.mixEdit()->setText("30, 150"); // a number, but not a share of B in percent
        QVERIFY(dialog.summaryLabel()->text().contains("150"));
        QVERIFY(!ok->isEnabled());
        dialog.mixEdit()->clear();
        QVERIFY(ok->isEnabled());
        dialog.folderEdit()->clear();
        QVERIFY(!ok->isEnabled());
    }

    void queueRunsAJobIntoTheGalleryAndThePlot() {
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        const QString out = dir_.filePath("queue-out");
        const quint64 id = window.startBatch(job(3), out);
        QVERIFY(id != 0);
        auto* panel = window.batchQueue();
        QTRY_COMPARE_WITH_TIMEOUT(panel->state(id), QString("done"), 10000);
        QCOMPARE(window.gallery()->resultCount(), 3);
        QCOMPARE(panel->plotPointCount(), 3);
        QCOMPARE(panel->overallProgress()->value(), 3);
        QCOMPARE(panel->overallProgress()->maximum(), 3);
        QVERIFY(QFileInfo::exists(out + "/manifest.csv"));
        QVERIFY(QFileInfo::exists(out + "/contact-sheet.png"));
        QCOMPARE(static_cast<int>(QDir(out).entryList({"*_a_fox.png"}).size()), 3);
        QVERIFY(window.gallery()->entry(2).request.seed == std::optional<std::uint64_t>(12));

        // The same job again: everything is kept, shown once in the gallery, no plot points.
        const quint64 again = window.startBatch(job(3), out);
        QTRY_COMPARE_WITH_TIMEOUT(panel->state(again), QString("done"), 10000);
        QCOMPARE(probe_->generateCalls.load(), 3);
        QCOMPARE(window.gallery()->resultCount(), 3);
        QCOMPARE(panel->plotPointCount(), 0);
        QVERIFY(panel->etaLabel()->text().contains("Done"));
    }

    void pauseHoldsAndResumeContinues() {
        probe_->stepMillis = 20;
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        auto* panel = window.batchQueue();
        const quint64 id = window.startBatch(job(3, 6), dir_.filePath("pause-out"));
        QTRY_VERIFY_WITH_TIMEOUT(probe_->stepsCompleted.load() >= 2, 5000);
        QVERIFY(panel->pauseButton()->isEnabled());
        panel->pauseButton()->click();
        QCOMPARE(panel->state(id), QString("paused"));
        QCOMPARE(panel->pauseButton()->text(), QString("Resume"));
        QTest::qWait(100); // the step in flight ends
        const int held = probe_->stepsCompleted.load();
        QTest::qWait(200);
        QCOMPARE(probe_->stepsCompleted.load(), held);
        panel->pauseButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(panel->state(id), QString("done"), 10000);
        QCOMPARE(probe_->stepsCompleted.load(), 3 * 6);
    }

    void cancelAQueuedJobAndShowAFailure() {
        probe_->stepMillis = 10;
        MainWindow window(deadiff::testing::gradientFactory(probe_));
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        auto* panel = window.batchQueue();
        const quint64 first = window.startBatch(job(2, 5), dir_.filePath("first"));
        const quint64 second = window.startBatch(job(2, 5), dir_.filePath("second"));
        QCOMPARE(panel->state(second), QString("queued"));
        panel->jobList()->setCurrentRow(1);
        panel->cancelButton()->click();
        QTRY_COMPARE_WITH_TIMEOUT(panel->state(first), QString("done"), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(panel->state(second), QString("cancelled"), 10000);
        QVERIFY(!QFileInfo::exists(dir_.filePath("second") + "/manifest.csv"));

        probe_->failWith = "cannot decode style reference /x/ink.png";
        QSignalSpy errors(&window, &MainWindow::errorShown);
        const quint64 failing = window.startBatch(job(2), dir_.filePath("failing"));
        QTRY_COMPARE_WITH_TIMEOUT(panel->state(failing), QString("failed"), 10000);
        QVERIFY(errors.count() >= 1);
        QVERIFY(errors.last().at(0).toString().contains("cannot decode style reference"));
    }

private:
    deadiff::batch::BatchJob job(int seeds, int steps = 2) const {
        deadiff::batch::BatchJob job;
        job.templ.prompt = "a fox";
        job.templ.width = 64;
        job.templ.height = 64;
        job.templ.steps = steps;
        job.templ.seed = 10;
        job.styleSets = {{{dir_.filePath("a.png").toStdString(), std::nullopt}}};
        job.seedCount = seeds;
        return job;
    }

    QTemporaryDir dir_;
    QString model_;
    std::shared_ptr<GradientProbe> probe_;
};

QTEST_MAIN(TestBatchExport)
#include "test_batch_export.moc"
