// The form <-> GenerationRequest mapping, the reference drop zones, the mix slider and the
// ControlNet depth panel (its settings and the depth map preview).
#include "tests/ui/studio_home.h"
#include "tests/ui/ui_events.h"
#include "ui/application.h"
#include "ui/drop_zone.h"
#include "ui/generation_form.h"
#include "ui/image_view.h"

#include "core/pipeline/request.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
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
        QCOMPARE(sampler->count(), 3); // ddim, dpmpp-2m, euler-a
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
        // The depth panel's fields.
        original.depthFrom = content_.toStdString();
        original.depthModel = "/models/midas_v21_small_256.onnx";
        original.control = "/models/control_depth.pth";
        original.controlScale = 0.7;
        original.controlStart = 0.1;
        original.controlEnd = 0.85;

        GenerationForm form;
        form.setRequest(original);
        const GenerationRequest shown = form.request();
        QVERIFY2(shown == original, deadiff::toJson(shown).c_str());

        GenerationForm second;
        second.setRequest(deadiff::requestFromJson(deadiff::toJson(shown)));
        QVERIFY2(second.request() == original, deadiff::toJson(second.request()).c_str());
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

    // Switched off, the panel keeps its settings but the request carries no ControlNet.
    void depthPanelSwitchedOffLeavesTheControlNetOut() {
        GenerationRequest request;
        request.prompt = "x";
        request.depth = content_.toStdString();
        request.control = "/models/control_depth.pth";
        request.controlScale = 1.5;
        GenerationForm form;
        form.setRequest(request);
        auto* group = form.findChild<QGroupBox*>("depthGroup");
        QVERIFY(group->isChecked());
        QCOMPARE(form.request().control, request.control);
        QCOMPARE(form.request().depth, request.depth);
        group->setChecked(false);
        const GenerationRequest off = form.request();
        QVERIFY(off.control.empty() && off.depth.empty() && off.depthFrom.empty());
        QCOMPARE(off.controlScale, 1.0);
        group->setChecked(true);
        QCOMPARE(form.request().controlScale, 1.5);

        GenerationRequest plain;
        plain.prompt = "y";
        form.setRequest(plain);
        QVERIFY(!group->isChecked());
        QCOMPARE(form.findChild<QLineEdit*>("controlEdit")->text(),
                 QString("/models/control_depth.pth")); // kept for next time
        GenerationForm next;                            // ... and in the next session
        QCOMPARE(next.findChild<QLineEdit*>("controlEdit")->text(),
                 QString("/models/control_depth.pth"));
        QVERIFY(next.request().control.empty()); // the panel starts switched off
    }

    // The preview is the normalised map: a 16-bit ramp 1000..3000 shows black to white.
    void depthPreviewShowsTheNormalisedMap() {
        QImage ramp(64, 16, QImage::Format_Grayscale16);
        for (int y = 0; y < ramp.height(); ++y) {
            auto* line = reinterpret_cast<quint16*>(ramp.scanLine(y));
            for (int x = 0; x < ramp.width(); ++x)
                line[x] = static_cast<quint16>(1000 + x * 2000 / 63);
        }
        const QString file = dir_.filePath("depth16.png");
        QVERIFY(ramp.save(file));
        GenerationForm form;
        form.findChild<QGroupBox*>("depthGroup")->setChecked(true);
        QSignalSpy updated(&form, &GenerationForm::depthPreviewUpdated);
        form.depthZone()->setPath(file);
        QVERIFY(updated.wait(10000));
        const QImage shown = form.depthPreview()->image();
        QCOMPARE(shown.size(), QSize(64, 16));
        QCOMPARE(qGray(shown.pixel(0, 8)), 0);
        QCOMPARE(qGray(shown.pixel(63, 8)), 255);
        QVERIFY(std::abs(qGray(shown.pixel(32, 8)) - 130) <= 1); // (2015 - 1000) / 2000 * 255
        QVERIFY(form.findChild<QLabel*>("depthStatusLabel")->text().isEmpty());
    }

    // Estimation with the tiny fixture ONNX model (red channel thresholded at mid-gray), and the
    // message when no model is chosen or the file is not a model.
    void depthPreviewEstimatesFromAPhoto() {
        QImage photo(60, 20, QImage::Format_RGB888);
        for (int x = 0; x < photo.width(); ++x)
            for (int y = 0; y < photo.height(); ++y)
                photo.setPixelColor(x, y, x < 30 ? QColor(0, 200, 200) : QColor(255, 0, 0));
        const QString file = dir_.filePath("photo.png");
        QVERIFY(photo.save(file));
        GenerationForm form;
        auto* model = form.findChild<QLineEdit*>("depthModelEdit");
        model->clear(); // a model remembered by an earlier test
        form.findChild<QGroupBox*>("depthGroup")->setChecked(true);
        form.findChild<QRadioButton*>("depthEstimateRadio")->setChecked(true);
        form.depthZone()->setPath(file);
        auto* status = form.findChild<QLabel*>("depthStatusLabel");
        QVERIFY(status->text().contains("onnx"));

        QSignalSpy updated(&form, &GenerationForm::depthPreviewUpdated);
        model->setText(QStringLiteral(DEADIFF_TEST_FIXTURES_DIR "/depth/tiny_depth_64.onnx"));
        QVERIFY(updated.wait(10000));
        const QImage shown = form.depthPreview()->image();
        QCOMPARE(shown.size(), QSize(60, 20));
        QVERIFY(qGray(shown.pixel(10, 10)) < 5);   // red 0: far
        QVERIFY(qGray(shown.pixel(50, 10)) > 250); // red 255: near
        const GenerationRequest request = form.request();
        QCOMPARE(request.depthFrom, file.toStdString());
        QVERIFY(request.depth.empty());

        model->setText(file); // a PNG is not a depth model
        QVERIFY(updated.wait(10000));
        QVERIFY(form.depthPreview()->image().isNull());
        QVERIFY2(status->text().contains("not an ONNX model"), qPrintable(status->text()));
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
