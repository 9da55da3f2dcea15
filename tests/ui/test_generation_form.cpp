// The form <-> GenerationRequest mapping, the reference drop zones and the mix slider.
#include "ui/application.h"
#include "ui/drop_zone.h"
#include "ui/generation_form.h"

#include "core/pipeline/request.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QImage>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>

using deadiff::GenerationRequest;
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

// Delivers a drag-enter and a drop of `path` as a file URL; returns whether the drop was taken.
// File managers send the URL as text too; that is what a text field would paste.
bool dropFile(QWidget* target, const QString& path) {
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    mime.setText(QUrl::fromLocalFile(path).toString());
    const QPoint centre = target->rect().center();
    QDragEnterEvent enter(centre, Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &enter);
    if (!enter.isAccepted())
        return false;
    QDropEvent drop(QPointF(centre), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(target, &drop);
    return drop.isAccepted();
}

} // namespace

class TestGenerationForm : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.path());
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
        QCOMPARE(request.sampler, std::string("ddim"));
        QCOMPARE(request.width, 512);
        QCOMPARE(request.height, 512);
        QCOMPARE(request.imageWeight, 1.0);
        QVERIFY(!request.seed.has_value());
        QVERIFY(request.styles.empty());
        QCOMPARE(request.mode, std::string("none"));
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
        original.mode = "both";
        original.imageWeight = 0.8;
        original.seed = 4294967295ULL;
        original.steps = 30;
        original.cfg = 6.5;
        original.sampler = "dpmpp-2m";
        original.width = 640;
        original.height = 384;
        original.batch = 2;
        original.dtype = "bfloat16";
        // Fields without widgets must survive too.
        original.control = "/models/control_depth.pth";
        original.controlScale = 0.7;

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
        QCOMPARE(form.request().mode, std::string("none"));
        form.styleZoneA()->setPath(styleA_);
        QCOMPARE(form.request().mode, std::string("style"));
        form.styleZoneA()->clear();
        QCOMPARE(form.request().mode, std::string("none"));
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
