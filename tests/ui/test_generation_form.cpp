// The form <-> GenerationRequest mapping, the reference drop zones, the mix slider and the
// ControlNet panel (its units, their settings and the live hint previews).
#include "tests/ui/studio_home.h"
#include "tests/ui/ui_events.h"
#include "ui/application.h"
#include "ui/control_units.h"
#include "ui/drop_zone.h"
#include "ui/generation_form.h"
#include "ui/image_view.h"

#include "core/pipeline/request.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QGroupBox>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>
#include <algorithm>

using deadiff::ComputeDtype;
using deadiff::GenerationRequest;
using deadiff::ReferenceMode;
using deadiff::SamplerKind;
using deadiff::testing::dropFile;
using deadiff::ui::GenerationForm;
using deadiff::ui::ImageDropZone;

namespace {

QString makeImage(const QTemporaryDir& dir, const QString& name, QColor color) {
    QImage image(48, 32, QImage::Format_RGB888);
    image.fill(color);
    const QString path = dir.filePath(name);
    image.save(path);
    return path;
}

} // namespace

class TestGenerationForm : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        deadiff::testing::isolateStudioHome(dir_.path());
        styleA_ = makeImage(dir_, "a.png", Qt::red);
        styleB_ = makeImage(dir_, "b.png", Qt::blue);
        content_ = makeImage(dir_, "c.png", Qt::green);
    }

    void defaultsFollowTheConventions() {
        GenerationForm form;
        const GenerationRequest request = form.request();
        QCOMPARE(request.negativePrompt, std::string(deadiff::kOfficialNegativePrompt));
        QCOMPARE(request.steps, 50);
        QCOMPARE(request.cfg, 7.5);
        QVERIFY(request.sampler == SamplerKind::Ddim);
        QCOMPARE(request.width, 512);
        QCOMPARE(request.height, 512);
        QCOMPARE(request.imageWeight, 1.0);
        QVERIFY(!request.seed.has_value());
        QVERIFY(request.styles.empty());
        QVERIFY(request.mode == ReferenceMode::None);
        auto* sampler = form.findChild<QComboBox*>("samplerCombo");
        QCOMPARE(sampler->count(), 5); // ddim, dpmpp-2m, euler-a, lcm, tcd
    }

    void requestRoundTripsThroughFormAndJson() {
        GenerationRequest original;
        original.prompt = "a lighthouse on a cliff, 夕阳";
        original.negativePrompt = "blurry";
        original.styles = {{styleA_.toStdString(), std::nullopt},
                           {styleB_.toStdString(), std::nullopt}};
        original.mix = 0.25;
        original.content = content_.toStdString();
        original.mode = ReferenceMode::Both;
        original.imageWeight = 0.8;
        original.seed = 4294967295ULL;
        original.steps = 30;
        original.cfg = 6.5;
        original.sampler = SamplerKind::DpmPp2m;
        original.width = 640;
        original.height = 384;
        original.batch = 2;
        original.dtype = ComputeDtype::BFloat16;
        // The ControlNet panel's units.
        deadiff::control::ControlUnit canny;
        canny.model = "/models/control_v11p_sd15_canny.pth";
        canny.hintFrom = styleA_.toStdString();
        canny.preprocess = deadiff::control::Preprocessor::Canny;
        canny.thresholdA = 50;
        canny.thresholdB = 120;
        canny.scale = 0.7;
        canny.start = 0.1;
        canny.end = 0.85;
        deadiff::control::ControlUnit depth;
        depth.model = "/models/control.pth";
        depth.type = deadiff::control::ControlType::Depth;
        depth.hintFrom = content_.toStdString();
        depth.preprocess = deadiff::control::Preprocessor::DepthMidas;
        depth.preprocessModel = "/models/midas_v21_small_256.onnx";
        deadiff::control::ControlUnit ready;
        ready.model = "/models/control_v11p_sd15_openpose.pth";
        ready.hint = styleB_.toStdString();
        original.controls = {canny, depth, ready};

        GenerationForm form;
        form.setRequest(original);
        const GenerationRequest shown = form.request();
        QVERIFY2(shown == original, deadiff::toJson(shown).c_str());

        GenerationForm second;
        second.setRequest(deadiff::requestFromJson(deadiff::toJson(shown)));
        QVERIFY2(second.request() == original, deadiff::toJson(second.request()).c_str());
    }

    // The sampler row's "Reuse" spin is the request's cache_interval (1 shows "off").
    void stepReuseSpinIsTheCacheInterval() {
        GenerationForm form;
        auto* reuse = form.findChild<QSpinBox*>("cacheIntervalSpin");
        QVERIFY(reuse != nullptr);
        QCOMPARE(form.request().cacheInterval, 1);
        QCOMPARE(reuse->text(), QStringLiteral("off"));
        reuse->setValue(3);
        QCOMPARE(form.request().cacheInterval, 3);
        QCOMPARE(reuse->maximum(), deadiff::kMaxCacheInterval);
        GenerationRequest recorded = form.request();
        recorded.cacheInterval = 2;
        form.setRequest(recorded);
        QCOMPARE(reuse->value(), 2);
        QCOMPARE(form.request().cacheInterval, 2);

        // Not with ControlNets: greyed out and left out while the panel is on, back after.
        form.controlPanel()->setChecked(true);
        QVERIFY(!reuse->isEnabledTo(&form));
        QCOMPARE(form.request().cacheInterval, 1);
        form.controlPanel()->setChecked(false);
        QVERIFY(reuse->isEnabledTo(&form));
        QCOMPARE(form.request().cacheInterval, 2);
    }

    void randomSeedLeavesSeedOut() {
        GenerationRequest withSeed;
        withSeed.prompt = "x";
        withSeed.seed = 42;
        GenerationForm form;
        form.setRequest(withSeed);
        QCOMPARE(form.request().seed, std::optional<std::uint64_t>(42));
        form.findChild<QCheckBox*>("randomSeedCheck")->setChecked(true);
        QVERIFY(!form.request().seed.has_value());
        form.setLastSeed(7);
        form.findChild<QPushButton*>("reuseSeedButton")->click();
        QCOMPARE(form.request().seed, std::optional<std::uint64_t>(7));
    }

    void mixSliderIsEnabledOnlyWithTwoReferences() {
        GenerationForm form;
        form.show();
        QSlider* mix = form.mixSlider();
        QVERIFY(!mix->isEnabled());
        QVERIFY(mix->isVisible()); // disabled, not hidden
        form.styleZoneA()->setPath(styleA_);
        QVERIFY(!mix->isEnabled());
        form.styleZoneB()->setPath(styleB_);
        QVERIFY(mix->isEnabled());
        form.styleZoneA()->clear();
        QVERIFY(!mix->isEnabled());
        QVERIFY(mix->isVisible());
    }

    void mixSliderValueReachesTheRequest() {
        GenerationForm form;
        form.styleZoneA()->setPath(styleA_);
        form.styleZoneB()->setPath(styleB_);
        form.mixSlider()->setValue(30);
        const GenerationRequest request = form.request();
        QCOMPARE(request.styles.size(), std::size_t(2));
        QVERIFY(request.mix.has_value());
        QCOMPARE(*request.mix, 0.3);
        const std::vector<double> weights = deadiff::normalizedStyleWeights(request);
        QVERIFY(std::abs(weights[0] - 0.7) < 1e-12);
        QVERIFY(std::abs(weights[1] - 0.3) < 1e-12);
        // One reference: no mix in the request.
        form.styleZoneB()->clear();
        QVERIFY(!form.request().mix.has_value());
    }

    void modeFollowsTheFirstReference() {
        GenerationForm form;
        QVERIFY(form.request().mode == ReferenceMode::None);
        form.styleZoneA()->setPath(styleA_);
        QVERIFY(form.request().mode == ReferenceMode::Style);
        form.styleZoneA()->clear();
        QVERIFY(form.request().mode == ReferenceMode::None);
    }

    void droppingAnImageFileUrlSetsTheReference() {
        GenerationForm form;
        form.resize(480, 900);
        form.show();
        QVERIFY(dropFile(form.styleZoneB(), styleB_));
        QCOMPARE(form.styleZoneB()->path(), styleB_);
        QCOMPARE(form.request().styles.size(), std::size_t(1));
        QCOMPARE(form.request().styles[0].path, styleB_.toStdString());
        QVERIFY(dropFile(form.contentZone(), content_));
        QCOMPARE(form.request().content, content_.toStdString());
    }

    void promptFieldsLeaveFileDropsToTheWindow() {
        GenerationForm form;
        form.show();
        auto* prompt = form.findChild<QPlainTextEdit*>("promptEdit");
        prompt->setPlainText("a castle");
        QVERIFY(!dropFile(prompt->viewport(), styleA_));
        QCOMPARE(prompt->toPlainText(), QStringLiteral("a castle"));
    }

    void droppingANonImageIsRefused() {
        QFile text(dir_.filePath("notes.txt"));
        QVERIFY(text.open(QIODevice::WriteOnly));
        text.write("not an image");
        text.close();
        GenerationForm form;
        form.show();
        QVERIFY(!dropFile(form.styleZoneA(), text.fileName()));
        QVERIFY(!form.styleZoneA()->hasImage());
    }

    void clearButtonEmptiesTheZone() {
        ImageDropZone zone("Style A", "drop");
        zone.setPath(styleA_);
        auto* clear = zone.findChild<QPushButton*>("clearButton");
        QVERIFY(clear->isEnabled());
        clear->click();
        QVERIFY(!zone.hasImage());
        QVERIFY(!clear->isEnabled());
    }

    void sizesSnapToMultiplesOf64() {
        GenerationForm form;
        auto* width = form.findChild<QSpinBox*>("widthSpin");
        QCOMPARE(width->singleStep(), 64);
        width->setValue(500);
        Q_EMIT width->editingFinished();
        QCOMPARE(width->value(), 512);
        QCOMPARE(form.request().width % 64, 0);
    }

    // Switched off, the panel keeps its units but the request carries no ControlNet.
    void controlPanelSwitchedOffLeavesTheControlNetsOut() {
        GenerationRequest request;
        request.prompt = "x";
        deadiff::control::ControlUnit unit;
        unit.model = "/models/control_sd15_depth.pth";
        unit.hintFrom = content_.toStdString();
        unit.preprocess = deadiff::control::Preprocessor::DepthMap;
        unit.scale = 1.5;
        request.controls = {unit, unit};
        GenerationForm form;
        form.setRequest(request);
        auto* panel = form.controlPanel();
        QVERIFY(panel->isChecked());
        QCOMPARE(panel->unitCount(), 2);
        QCOMPARE(form.request().controls, request.controls);
        panel->setChecked(false);
        QVERIFY(form.request().controls.empty());
        panel->setChecked(true);
        QCOMPARE(form.request().controls, request.controls);

        // Removing a unit drops it from the request; "Add" appends one with the last file.
        QTest::mouseClick(panel->editor(0)->removeButton(), Qt::LeftButton);
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
        QCOMPARE(panel->unitCount(), 1);
        QCOMPARE(form.request().controls.size(), std::size_t{1});
        QTest::mouseClick(panel->addButton(), Qt::LeftButton);
        QCOMPARE(panel->unitCount(), 2);
        QCOMPARE(form.request().controls.at(1).model, unit.model);
        QCOMPARE(panel->editor(1)->findChild<QLabel*>("controlTitle")->text(),
                 QString("ControlNet 2"));

        GenerationRequest plain;
        plain.prompt = "y";
        form.setRequest(plain);
        QVERIFY(!panel->isChecked());
        QCOMPARE(panel->unitCount(), 2); // kept for next time
        GenerationForm next;             // ... and the file in the next session
        next.controlPanel()->setChecked(true);
        QCOMPARE(next.controlPanel()->unitCount(), 1);
        QCOMPARE(next.request().controls.at(0).model, unit.model);
    }

    // A model folder's controlnet/ (the demo model's canny and depth): a new unit starts with
    // one of them rather than the last file chosen for another model, and choosing another kind
    // picks the model's ControlNet of that kind. A file chosen elsewhere is left alone.
    void aModelsOwnControlNetsComeFirstAndFollowTheKind() {
        QDir folder(dir_.filePath("model/controlnet"));
        QVERIFY(folder.mkpath("."));
        for (const char* name :
             {"control_demo_canny.safetensors", "control_demo_depth.safetensors", "notes.txt"}) {
            QFile file(folder.filePath(name));
            QVERIFY(file.open(QIODevice::WriteOnly));
        }
        QSettings().setValue("controlnet/last", "/models/control_v11p_sd15_canny.pth");
        GenerationForm form;
        auto* panel = form.controlPanel();
        panel->setModelControlNetFolder(folder.path());
        QCOMPARE(panel->modelControlNets().size(), 2);
        const QString canny = folder.absoluteFilePath("control_demo_canny.safetensors");
        const QString depth = folder.absoluteFilePath("control_demo_depth.safetensors");
        panel->setChecked(true);
        QCOMPARE(panel->unitCount(), 1);
        auto* editor = panel->editor(0);
        QCOMPARE(editor->modelEdit()->text(), canny);
        editor->typeBox()->setCurrentIndex(editor->typeBox()->findData(QString("depth")));
        QCOMPARE(editor->modelEdit()->text(), depth);
        QCOMPARE(form.request().controls.at(0).model, depth.toStdString());
        // The last one chosen, being the model's, is what the next unit gets.
        QTest::mouseClick(panel->addButton(), Qt::LeftButton);
        QCOMPARE(panel->editor(1)->modelEdit()->text(), depth);
        // ... but not a model without ControlNets: it gets the last file from elsewhere.
        panel->setModelControlNetFolder(QString());
        QTest::mouseClick(panel->addButton(), Qt::LeftButton);
        QCOMPARE(panel->editor(2)->modelEdit()->text(),
                 QString("/models/control_v11p_sd15_canny.pth"));
        panel->setModelControlNetFolder(folder.path());
        // A ControlNet from elsewhere stays when the kind changes.
        editor->modelEdit()->setText("/models/control_v11p_sd15_canny.pth");
        editor->typeBox()->setCurrentIndex(editor->typeBox()->findData(QString("depth")) - 1);
        editor->typeBox()->setCurrentIndex(editor->typeBox()->findData(QString("depth")));
        QCOMPARE(editor->modelEdit()->text(), QString("/models/control_v11p_sd15_canny.pth"));
        // Another model without ControlNets: back to the last file chosen.
        panel->setModelControlNetFolder(QString());
        QTest::mouseClick(panel->addButton(), Qt::LeftButton);
        QCOMPARE(panel->editor(3)->modelEdit()->text(),
                 QString("/models/control_v11p_sd15_canny.pth"));
    }

    // The preview is the hint at the generation size, made by the same code as generation:
    // canny edges of a drawn square are its outline.
    void hintPreviewShowsTheCannyOutlineAtTheImageSize() {
        QImage drawing(128, 128, QImage::Format_RGB888);
        drawing.fill(QColor(20, 30, 40));
        for (int y = 32; y < 96; ++y)
            for (int x = 32; x < 96; ++x)
                drawing.setPixelColor(x, y, QColor(230, 220, 210));
        const QString file = dir_.filePath("square.png");
        QVERIFY(drawing.save(file));
        GenerationForm form;
        form.setImageSide(64);
        auto* panel = form.controlPanel();
        panel->setChecked(true);
        auto* editor = panel->editor(0);
        editor->modelEdit()->setText("control_v11p_sd15_canny.pth");
        QSignalSpy updated(editor, &deadiff::ui::ControlUnitEditor::previewUpdated);
        editor->hintZone()->setPath(file);
        QVERIFY(updated.wait(10000));
        const QImage shown = editor->preview()->image();
        QCOMPARE(shown.size(), QSize(64, 64));
        QCOMPARE(qGray(shown.pixel(32, 32)), 0); // inside the square
        QCOMPARE(qGray(shown.pixel(4, 4)), 0);   // outside
        // On its top edge: the step lies between rows 15 and 16 at 64 px, Canny marks one side.
        QCOMPARE(std::max(qGray(shown.pixel(32, 15)), qGray(shown.pixel(32, 16))), 255);
        QCOMPARE(qGray(shown.pixel(32, 12)), 0);
        QCOMPARE(qGray(shown.pixel(32, 19)), 0);
        QVERIFY(editor->previewError().isEmpty());
        QVERIFY(editor->saveHintButton()->isEnabled());
        // The hint zone's buttons sit below its thumbnail, not over it.
        form.resize(420, 900);
        form.show();
        QVERIFY(QTest::qWaitForWindowExposed(&form));
        const auto* thumbnail = editor->hintZone()->findChild<QWidget*>("thumbnail");
        const auto* browse = editor->hintZone()->findChild<QWidget*>("browseButton");
        QVERIFY(thumbnail != nullptr && browse != nullptr);
        QVERIFY2(thumbnail->geometry().bottom() < browse->geometry().top(),
                 qPrintable(QStringLiteral("thumbnail ends at %1, buttons start at %2")
                                .arg(thumbnail->geometry().bottom())
                                .arg(browse->geometry().top())));
        const QString saved = dir_.filePath("hint.png");
        QVERIFY(editor->saveHint(saved));
        QCOMPARE(QImage(saved).convertToFormat(QImage::Format_RGB888),
                 shown.convertToFormat(QImage::Format_RGB888));

        // A new size remakes it.
        form.setImageSide(128);
        QVERIFY(updated.wait(10000));
        QCOMPARE(editor->preview()->image().size(), QSize(128, 128));
    }

    // Two units, each with its own preview: a 16-bit depth ramp normalised (black to white) and
    // a depth map estimated by the tiny fixture ONNX model (red channel thresholded at
    // mid-gray); without a model the unit says what is missing.
    void twoUnitsPreviewTheirOwnHints() {
        QImage ramp(64, 16, QImage::Format_Grayscale16);
        for (int y = 0; y < ramp.height(); ++y) {
            auto* line = reinterpret_cast<quint16*>(ramp.scanLine(y));
            for (int x = 0; x < ramp.width(); ++x)
                line[x] = static_cast<quint16>(1000 + x * 2000 / 63);
        }
        const QString depthFile = dir_.filePath("depth16.png");
        QVERIFY(ramp.save(depthFile));
        QImage photo(60, 20, QImage::Format_RGB888);
        for (int x = 0; x < photo.width(); ++x)
            for (int y = 0; y < photo.height(); ++y)
                photo.setPixelColor(x, y, x < 30 ? QColor(0, 200, 200) : QColor(255, 0, 0));
        const QString photoFile = dir_.filePath("photo.png");
        QVERIFY(photo.save(photoFile));

        GenerationRequest request;
        request.prompt = "x";
        request.width = 64;
        request.height = 64;
        deadiff::control::ControlUnit map;
        map.model = "control_sd15_depth.pth";
        map.hintFrom = depthFile.toStdString();
        deadiff::control::ControlUnit estimated = map;
        estimated.hintFrom = photoFile.toStdString();
        estimated.preprocess = deadiff::control::Preprocessor::DepthMidas;
        request.controls = {map, estimated};
        GenerationForm form;
        auto* panel = form.controlPanel();
        form.setRequest(request);
        auto* mapEditor = panel->editor(0);
        auto* estimateEditor = panel->editor(1);
        QVERIFY(estimateEditor->previewError().contains("onnx"));
        if (mapEditor->preview()->image().isNull()) {
            QSignalSpy mapUpdated(mapEditor, &deadiff::ui::ControlUnitEditor::previewUpdated);
            QVERIFY(mapUpdated.wait(10000));
        }
        const QImage shownMap = mapEditor->preview()->image();
        QCOMPARE(shownMap.size(), QSize(64, 64));
        QCOMPARE(qGray(shownMap.pixel(0, 8)), 0);
        QCOMPARE(qGray(shownMap.pixel(63, 8)), 255);

        QSignalSpy estimatedUpdated(estimateEditor,
                                    &deadiff::ui::ControlUnitEditor::previewUpdated);
        estimateEditor->findChild<QLineEdit*>("preprocessModelEdit")
            ->setText(QStringLiteral(DEADIFF_TEST_FIXTURES_DIR "/depth/tiny_depth_64.onnx"));
        QVERIFY(estimatedUpdated.wait(10000));
        const QImage shown = estimateEditor->preview()->image();
        QCOMPARE(shown.size(), QSize(64, 64));
        QVERIFY(qGray(shown.pixel(5, 32)) < 5);    // red 0: far
        QVERIFY(qGray(shown.pixel(58, 32)) > 250); // red 255: near
        QCOMPARE(form.request().controls.at(1).preprocessModel,
                 std::string(DEADIFF_TEST_FIXTURES_DIR "/depth/tiny_depth_64.onnx"));

        estimateEditor->findChild<QLineEdit*>("preprocessModelEdit")->setText(photoFile);
        QVERIFY(estimatedUpdated.wait(10000));
        QVERIFY(estimateEditor->preview()->image().isNull());
        QVERIFY2(estimateEditor->previewError().contains("not an ONNX model"),
                 qPrintable(estimateEditor->previewError()));
    }

private:
    QTemporaryDir dir_;
    QString styleA_, styleB_, content_;
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    deadiff::ui::setUpApplication(app);
    TestGenerationForm test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_generation_form.moc"
