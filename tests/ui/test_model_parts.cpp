// Model → Base Model / VAE in the studio (issue 20): switching loads only those parts, a plain SD
// 1.5 model greys out the references, and a dropped PNG restores its base and VAE when the
// files are found (recorded path, or the same name beside the current model), else names them.
#include "core/io/png.h"
#include "core/pipeline/metadata.h"
#include "core/pipeline/model_files.h"
#include "tests/ui/gradient_pipeline.h"
#include "ui/drop_zone.h"
#include "ui/generation_form.h"
#include "ui/main_window.h"
#include "ui/model_parts_menus.h"

#include <QAction>
#include <QDir>
#include <QGroupBox>
#include <QMenu>
#include <QPlainTextEdit>
#include <QSettings>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QtTest>

#include <opencv2/core.hpp>

using deadiff::GenerationRequest;
using deadiff::LoadOptions;
using deadiff::testing::GradientProbe;
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
};

QTEST_MAIN(TestModelParts)
#include "test_model_parts.moc"
