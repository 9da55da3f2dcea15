// Model → Base Model / VAE in the studio (issue 20): switching loads only those parts, a plain SD
// 1.5 model greys out the references, and a dropped PNG restores its base and VAE when the
// files are found (recorded path, or the same name beside the current model), else names them.
// The LoRA list (issue 22): merged at the slider's weight by the next generation's load, prompt
// `<lora:…>` tags, missing files, and a dropped PNG's LoRAs found again.
#include "core/batch/batch_job.h"
#include "core/io/png.h"
#include "core/pipeline/metadata.h"
#include "core/pipeline/model_files.h"
#include "tests/ui/gradient_pipeline.h"
#include "ui/batch_queue.h"
#include "ui/drop_zone.h"
#include "ui/generation_form.h"
#include "ui/lora_list.h"
#include "ui/main_window.h"
#include "ui/model_parts_menus.h"

#include <QAction>
#include <QDir>
#include <QDoubleSpinBox>
#include <QGroupBox>
#include <QMenu>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/core.hpp>

#include <optional>

using deadiff::GenerationRequest;
using deadiff::LoadOptions;
using deadiff::LoraChoice;
using deadiff::testing::GradientProbe;
using deadiff::ui::GenerationOutcome;
using deadiff::ui::GenerationWorker;
using deadiff::ui::LoraRow;
using deadiff::ui::MainWindow;

class TestModelParts : public QObject {
    Q_OBJECT

private:
    QString file(const QString& name, const QByteArray& bytes = "stand-in") {
        const QString path = dir_.path() + "/" + name;
        QFile out(path);
        if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size())
            return {};
        return path;
    }

    LoadOptions lastLoad(GradientProbe& probe) {
        const std::lock_guard<std::mutex> lock(probe.mutex);
        return probe.lastLoad;
    }

    // A PNG whose settings record `base` (with its hash when it exists) and no VAE.
    QString pngRecording(const QString& name, const QString& base, const QString& hashOf) {
        GenerationRequest request;
        request.prompt = "star";
        request.seed = 3;
        request.model = model_.toStdString();
        request.base = base.toStdString();
        request.baseHash = deadiff::pipeline::modelFileHash(hashOf.toStdString());
        cv::Mat rgb(16, 16, CV_8UC3, cv::Scalar(10, 20, 30));
        const QString path = dir_.path() + "/" + name;
        deadiff::io::writePng(path.toStdString(), rgb, deadiff::resultMetadata(request));
        return path;
    }

    // A small request the double paints quickly (the LoRA list is set after it: setRequest
    // replaces the list with the request's).
    static GenerationRequest smallRequest(const std::string& prompt) {
        GenerationRequest request;
        request.prompt = prompt;
        request.steps = 2;
        request.width = request.height = 64;
        return request;
    }

    // Generates with the window's settings; the outcome, or nothing when it did not finish.
    static std::optional<GenerationOutcome> generateOnce(MainWindow& window) {
        QSignalSpy finished(window.worker(), &GenerationWorker::finished);
        window.generate();
        if (!finished.wait(5000))
            return std::nullopt;
        return finished.at(0).at(0).value<GenerationOutcome>();
    }

    // A real (kohya) LoRA file copied to `folder`/`name`, so it has an addnet hash.
    static QString copyLora(const QString& folder, const QString& name) {
        QDir().mkpath(folder);
        const QString path = folder + "/" + name;
        QFile::remove(path);
        return QFile::copy(QStringLiteral(DEADIFF_TEST_FIXTURES_DIR "/lora/lora_kohya.safetensors"),
                           path)
                   ? path
                   : QString();
    }

    QTemporaryDir dir_;
    QString model_;

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        model_ = deadiff::testing::prepareStudioWorkspace(dir_.path());
        QVERIFY(!model_.isEmpty());
        QSettings().clear();
        ::setenv("DEADIFF_DEMO_MODEL", "none", 1);
    }

    void init() { QSettings().clear(); }

    void switchingTheBaseLoadsOnlyItsParts() {
        auto probe = std::make_shared<GradientProbe>();
        MainWindow window(deadiff::testing::gradientFactory(probe));
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        const int loads = probe->loads;
        QVERIFY(lastLoad(*probe).base.empty());

        // Bases shipped beside the model (a "bases" folder of model folders) are offered.
        QVERIFY(QDir(dir_.path()).mkpath("bases/framed"));
        QVERIFY(!file("bases/framed/model.json", "{}").isEmpty());
        window.modelParts()->setModelPath(model_);
        QCOMPARE(window.modelParts()->shippedBases(), QStringList{dir_.path() + "/bases/framed"});
        // ... and named as the LoRAs made for the model are, so an artist sees where they belong.
        Q_EMIT window.modelParts()->baseMenu()->aboutToShow();
        QStringList texts;
        for (QAction* action : window.modelParts()->baseMenu()->actions())
            texts << action->text();
        QVERIFY2(texts.contains("framed (made for this model)"), qPrintable(texts.join(" | ")));

        // The menu offers the checkpoint's own parts, checked, and a file dialog.
        QMenu* menu = window.modelParts()->baseMenu();
        QVERIFY(menu != nullptr);
        auto* own = menu->findChild<QAction*>("ownChoice");
        QVERIFY(own != nullptr);
        QVERIFY(own->isChecked());
        QVERIFY(menu->findChild<QAction*>("chooseBaseAction") != nullptr);

        const QString base = file("painterly-sd15.safetensors");
        window.modelParts()->setBase(base);
        QTRY_COMPARE_WITH_TIMEOUT(probe->loads.load(), loads + 1, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QCOMPARE(QString::fromStdString(lastLoad(*probe).base), base);
        QCOMPARE(QString::fromStdString(lastLoad(*probe).model), model_);
        QCOMPARE(QString::fromStdString(window.currentRequest().base), base);
        QCOMPARE(window.modelParts()->recentBases(), QStringList{base});

        // A generation with the same parts loads nothing more.
        QSignalSpy finished(window.worker(), &deadiff::ui::GenerationWorker::finished);
        window.form()->setRequest([] {
            GenerationRequest r;
            r.prompt = "star";
            r.steps = 2;
            r.width = r.height = 64;
            return r;
        }());
        window.generate();
        QVERIFY(finished.wait(5000));
        QCOMPARE(probe->loads.load(), loads + 1);
        const auto outcome = finished.at(0).at(0).value<deadiff::ui::GenerationOutcome>();
        QCOMPARE(QString::fromStdString(outcome.request.base), base);

        // The VAE menu works alike; the checkpoint's own parts again is one more load.
        const QString vae = file("vae-ft-mse.safetensors");
        window.modelParts()->setVae(vae);
        QTRY_COMPARE_WITH_TIMEOUT(QString::fromStdString(lastLoad(*probe).vae), vae, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        menu->aboutToShow();
        own = menu->findChild<QAction*>("ownChoice");
        QVERIFY(!own->isChecked());
        own->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(lastLoad(*probe).base.empty(), 5000);
        QCOMPARE(QString::fromStdString(lastLoad(*probe).vae), vae);
    }

    void plainModelGreysOutTheReferences() {
        auto probe = std::make_shared<GradientProbe>();
        MainWindow window(deadiff::testing::gradientFactory(probe));
        const QString plain = file("plain-sd15.safetensors");
        window.form()->styleZoneA()->setPath(dir_.path() + "/a.png");
        window.form()->promptEdit()->setPlainText("a lighthouse"); // an empty prompt is refused
        window.setModelPath(plain);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        auto* styles = window.form()->findChild<QGroupBox*>("styleGroup");
        auto* content = window.form()->findChild<QGroupBox*>("contentGroup");
        QVERIFY(styles != nullptr && content != nullptr);
        QTRY_VERIFY_WITH_TIMEOUT(!styles->isEnabled(), 5000);
        QVERIFY(!content->isEnabled());
        QVERIFY(styles->toolTip().contains("plain Stable Diffusion 1.5"));
        // The reference stays in its slot but not in the request: generating works.
        QVERIFY(window.form()->styleZoneA()->hasImage());
        QVERIFY(window.currentRequest().styles.empty());
        QSignalSpy finished(window.worker(), &deadiff::ui::GenerationWorker::finished);
        QSignalSpy failed(window.worker(), &deadiff::ui::GenerationWorker::failed);
        window.generate();
        QVERIFY(finished.wait(5000));
        QCOMPARE(failed.count(), 0);

        // A DEADiff model brings the references back.
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(styles->isEnabled(), 5000);
        QCOMPARE(window.currentRequest().styles.size(), std::size_t{1});
    }

    void droppedPngRestoresTheBaseOrNamesWhatIsMissing() {
        auto probe = std::make_shared<GradientProbe>();
        MainWindow window(deadiff::testing::gradientFactory(probe));
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);

        // Recorded at a path that no longer exists; the same file (same hash) sits beside the
        // current model: it is found there.
        const QString moved = file("anime-sd15.safetensors", "anime weights");
        const QString png = pngRecording("moved.png", "/gone/folder/anime-sd15.safetensors", moved);
        QVERIFY(window.openDroppedFile(png));
        QCOMPARE(window.modelParts()->base(), moved);
        QTRY_COMPARE_WITH_TIMEOUT(QString::fromStdString(lastLoad(*probe).base), moved, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);

        // A file of that name with other contents is not the recorded one.
        const QString other = file("photo-sd15.safetensors", "other weights");
        const QString wrongHash = pngRecording("wrong.png", "/gone/photo-sd15.safetensors", moved);
        QVERIFY(window.openDroppedFile(wrongHash));
        QCOMPARE(window.modelParts()->base(), moved); // unchanged
        QVERIFY2(window.statusBar()->currentMessage().contains("photo-sd15.safetensors"),
                 qPrintable(window.statusBar()->currentMessage()));
        QVERIFY(QFile::exists(other));

        // Nowhere at all: the message names it and the base stays.
        const QString missing = pngRecording("missing.png", "/gone/nowhere-sd15.ckpt", QString());
        QVERIFY(window.openDroppedFile(missing));
        QCOMPARE(window.modelParts()->base(), moved);
        QVERIFY2(window.statusBar()->currentMessage().contains("nowhere-sd15.ckpt"),
                 qPrintable(window.statusBar()->currentMessage()));

        // A PNG made with the model's own parts switches back to them.
        const QString own = pngRecording("own.png", QString(), QString());
        QVERIFY(window.openDroppedFile(own));
        QVERIFY(window.modelParts()->base().isEmpty());
        QTRY_VERIFY_WITH_TIMEOUT(lastLoad(*probe).base.empty(), 5000);
    }

    // A model folder's own lora/ (the demo model's LCM-LoRA) is offered first in the Add menu.
    void modelFolderLorasComeFirstInTheAddMenu() {
        auto probe = std::make_shared<GradientProbe>();
        MainWindow window(deadiff::testing::gradientFactory(probe));
        const QString folder = dir_.path() + "/folder-model";
        const QString own = copyLora(folder + "/lora", "own-draft.safetensors");
        QVERIFY(!own.isEmpty());
        window.setModelPath(folder);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        auto* panel = window.form()->loraPanel();
        QTRY_COMPARE_WITH_TIMEOUT(panel->modelLoras(), QStringList{own}, 5000);
        panel->addMenu()->aboutToShow();
        QVERIFY(!panel->addMenu()->actions().isEmpty());
        QAction* first = panel->addMenu()->actions().first();
        QVERIFY2(first->text().contains("own-draft") && first->text().contains("this model"),
                 qPrintable(first->text()));
        QCOMPARE(first->toolTip(), QDir::toNativeSeparators(own));
        first->trigger();
        QCOMPARE(panel->rowCount(), 1);

        // A single-file model has no folder of its own.
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(panel->modelLoras().isEmpty(), 5000);
    }

    void loraListMergesAtTheSlidersWeight() {
        auto probe = std::make_shared<GradientProbe>();
        MainWindow window(deadiff::testing::gradientFactory(probe));
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        window.form()->setRequest(smallRequest("star"));
        auto* panel = window.form()->loraPanel();
        QCOMPARE(panel->rowCount(), 0);

        const QString ink = file("ink-style.safetensors");
        LoraRow* row = panel->addLora(ink);
        QCOMPARE(panel->addLora(ink), row); // listed once
        QCOMPARE(panel->rowCount(), 1);
        row->slider()->setValue(60);
        QCOMPARE(row->weightBox()->value(), 0.6);
        QVERIFY2(row->note().contains("next image"), qPrintable(row->note()));

        // The next generation reloads with it merged at 0.6 and records it.
        const int loads = probe->loads;
        std::optional<GenerationOutcome> outcome = generateOnce(window);
        QVERIFY(outcome);
        QCOMPARE(probe->loads.load(), loads + 1);
        QCOMPARE(lastLoad(*probe).loras.size(), std::size_t{1});
        QCOMPARE(QString::fromStdString(lastLoad(*probe).loras[0].path), ink);
        QCOMPARE(lastLoad(*probe).loras[0].weight, 0.6);
        QCOMPARE(outcome->request.loras.size(), std::size_t{1});
        QCOMPARE(outcome->request.loras[0].weight, 0.6);
        // What loading said of the file shows under its row (without the file's name again).
        QTRY_COMPARE_WITH_TIMEOUT(row->note(), QStringLiteral("merged by the double"), 5000);

        // Nothing changed: nothing is loaded.
        QVERIFY(generateOnce(window));
        QCOMPARE(probe->loads.load(), loads + 1);

        // A weight beyond the slider's end: the slider rests at its end, the weight stays as
        // typed, the row says it applies from the next image, which reloads at it.
        row->weightBox()->setValue(3.5);
        QCOMPARE(row->slider()->value(), row->slider()->maximum());
        QCOMPARE(row->weight(), 3.5);
        QVERIFY2(row->note().contains("Merged at 0.6"), qPrintable(row->note()));
        QVERIFY(generateOnce(window));
        QCOMPARE(probe->loads.load(), loads + 2);
        QCOMPARE(lastLoad(*probe).loras[0].weight, 3.5);

        // Removed: the model without it.
        row->removeButton()->click();
        QCOMPARE(panel->rowCount(), 0);
        QVERIFY(generateOnce(window));
        QCOMPARE(probe->loads.load(), loads + 3);
        QVERIFY(lastLoad(*probe).loras.empty());
    }

    void promptLorasAndMissingLoraFiles() {
        auto probe = std::make_shared<GradientProbe>();
        MainWindow window(deadiff::testing::gradientFactory(probe));
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        const QString ink = copyLora(qEnvironmentVariable("XDG_DATA_HOME") + "/deadiff/models/lora",
                                     "ink.safetensors");
        QVERIFY(!ink.isEmpty());

        // Named in the prompt: loaded from the models folder like a listed one; the prompt keeps
        // the tag as written.
        window.form()->setRequest(smallRequest("star <lora:ink:0.5>"));
        std::optional<GenerationOutcome> outcome = generateOnce(window);
        QVERIFY(outcome);
        QCOMPARE(lastLoad(*probe).loras.size(), std::size_t{1});
        QCOMPARE(QString::fromStdString(lastLoad(*probe).loras[0].path), ink);
        QCOMPARE(lastLoad(*probe).loras[0].weight, 0.5);
        QCOMPARE(outcome->request.prompt, std::string("star <lora:ink:0.5>"));

        // Batch Export of a prompt naming it: the job's model loads with it too (after a plain
        // image, so the batch has to load it again).
        window.form()->setRequest(smallRequest("star"));
        QVERIFY(generateOnce(window));
        QVERIFY(lastLoad(*probe).loras.empty());
        deadiff::batch::BatchJob job;
        job.templ = smallRequest("star <lora:ink:0.5>");
        job.seeds = {1, 2};
        const quint64 batch = window.startBatch(job, dir_.path() + "/lora-batch");
        QVERIFY(batch != 0);
        QTRY_COMPARE_WITH_TIMEOUT(window.batchQueue()->state(batch), QString("done"), 10000);
        QCOMPARE(lastLoad(*probe).loras.size(), std::size_t{1});
        QCOMPARE(QString::fromStdString(lastLoad(*probe).loras[0].path), ink);
        QCOMPARE(lastLoad(*probe).loras[0].weight, 0.5);

        // A tag naming nothing: refused with the tag named, nothing starts.
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.form()->setRequest(smallRequest("star <lora:nothing_here>"));
        window.generate();
        QCOMPARE(errors.count(), 1);
        QVERIFY2(errors.at(0).at(0).toString().contains("<lora:nothing_here>"),
                 qPrintable(errors.at(0).at(0).toString()));
        QVERIFY(!window.isGenerating());

        // A listed file that does not exist: its row says so and Generate names it.
        window.form()->setRequest(smallRequest("star"));
        LoraRow* gone =
            window.form()->loraPanel()->addLora(dir_.path() + "/never-there.safetensors");
        QVERIFY(gone->fileMissing());
        QVERIFY2(gone->note().contains("File not found"), qPrintable(gone->note()));
        const int loads = probe->loads;
        window.generate();
        QCOMPARE(errors.count(), 2);
        QVERIFY2(errors.at(1).at(0).toString().contains("never-there.safetensors"),
                 qPrintable(errors.at(1).at(0).toString()));
        QVERIFY(!window.isGenerating());
        QCOMPARE(probe->loads.load(), loads);
    }

    void droppedPngRestoresItsLoras() {
        auto probe = std::make_shared<GradientProbe>();
        MainWindow window(deadiff::testing::gradientFactory(probe));
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
        const QString installed =
            copyLora(qEnvironmentVariable("XDG_DATA_HOME") + "/deadiff/models/lora",
                     "watercolor.safetensors");
        QVERIFY(!installed.isEmpty());
        const std::string hash = deadiff::pipeline::loraFileHash(installed.toStdString());
        QVERIFY(!hash.empty());

        // Recorded at a path that is gone, with the hash of the file in the models folder: found
        // there, at the recorded weight. One recorded nowhere: listed, marked, and named.
        GenerationRequest request = smallRequest("star");
        request.model = model_.toStdString();
        request.loras = {{"/gone/elsewhere/watercolor.safetensors", 0.7, hash},
                         {"/gone/absent-lora.safetensors", 0.4, {}}};
        cv::Mat rgb(16, 16, CV_8UC3, cv::Scalar(10, 20, 30));
        const QString png = dir_.path() + "/with-loras.png";
        deadiff::io::writePng(png.toStdString(), rgb, deadiff::resultMetadata(request));
        QVERIFY(window.openDroppedFile(png));
        auto* panel = window.form()->loraPanel();
        QCOMPARE(panel->rowCount(), 2);
        QCOMPARE(panel->row(0)->path(), installed);
        QCOMPARE(panel->row(0)->weight(), 0.7);
        QVERIFY(!panel->row(0)->fileMissing());
        QVERIFY(panel->row(1)->fileMissing());
        // Restored rows, like added ones, change only while focused (the wheel scrolls the form).
        QCOMPARE(panel->row(0)->weightBox()->focusPolicy(), Qt::StrongFocus);
        QCOMPARE(panel->row(1)->slider()->focusPolicy(), Qt::StrongFocus);
        QVERIFY2(window.statusBar()->currentMessage().contains("absent-lora.safetensors"),
                 qPrintable(window.statusBar()->currentMessage()));

        // A file of that name with other contents is not the recorded one.
        QVERIFY(QFile::remove(installed));
        QFile changed(installed);
        QVERIFY(changed.open(QIODevice::WriteOnly));
        changed.write("other bytes");
        changed.close();
        QVERIFY(window.openDroppedFile(png));
        QCOMPARE(panel->row(0)->path(), QStringLiteral("/gone/elsewhere/watercolor.safetensors"));
        QVERIFY(panel->row(0)->fileMissing());
        QVERIFY2(window.statusBar()->currentMessage().contains("watercolor.safetensors"),
                 qPrintable(window.statusBar()->currentMessage()));
    }
};

QTEST_MAIN(TestModelParts)
#include "test_model_parts.moc"
