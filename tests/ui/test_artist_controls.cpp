// Issue 28's studio controls: the style window's range slider, style/content strengths and the
// expert layer list, the start image with its painted mask, the reference list for more than two
// references, and the prompts' token counters, each through the form's request()/setRequest().
#include "ui/application.h"
#include "ui/drop_zone.h"
#include "ui/generation_form.h"
#include "ui/mask_painter.h"
#include "ui/range_slider.h"
#include "ui/reference_controls.h"
#include "ui/reference_list.h"
#include "ui/start_image_panel.h"
#include "ui/token_counter.h"

#include "core/pipeline/request.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QDropEvent>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTreeWidget>
#include <QUrl>
#include <QtTest>

using deadiff::GenerationRequest;
using deadiff::StyleReference;
using namespace deadiff::ui;

namespace {

QString makeImage(const QTemporaryDir& dir, const QString& name, QColor color, QSize size) {
    QImage image(size, QImage::Format_RGB888);
    image.fill(color);
    const QString path = dir.filePath(name);
    image.save(path);
    return path;
}

} // namespace

class TestArtistControls : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QStandardPaths::setTestModeEnabled(true);
        QSettings::setDefaultFormat(QSettings::IniFormat);
        QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir_.path());
        a_ = makeImage(dir_, "a.png", Qt::red, {48, 32});
        b_ = makeImage(dir_, "b.png", Qt::blue, {48, 32});
        c_ = makeImage(dir_, "c.png", Qt::green, {48, 32});
        start_ = makeImage(dir_, "start.png", Qt::gray, {80, 60});
    }

    void rangeSliderKeepsLowBelowHighAndFollowsTheKeys() {
        RangeSlider slider;
        slider.resize(200, 24);
        slider.setRange(0, 100);
        QSignalSpy changed(&slider, &RangeSlider::valuesChanged);
        slider.setValues(30, 20); // high below low: clamped up to low
        QCOMPARE(slider.low(), 30);
        QCOMPARE(slider.high(), 30);
        slider.setValues(-5, 140);
        QCOMPARE(slider.low(), 0);
        QCOMPARE(slider.high(), 100);
        QCOMPARE(changed.count(), 2);
        // A click in the left quarter takes the nearer, low handle there (groove 8..192 px).
        QTest::mouseClick(&slider, Qt::LeftButton, {}, QPoint(54, 12));
        QCOMPARE(slider.low(), 25);
        QTest::keyClick(&slider, Qt::Key_Right); // the low handle, one twentieth
        QCOMPARE(slider.low(), 30);
        QTest::keyClick(&slider, Qt::Key_End);
        QCOMPARE(slider.low(), 100); // up to high, not past it
        QCOMPARE(slider.high(), 100);
    }

    void referenceControlsRoundTripThroughTheForm() {
        GenerationRequest original;
        original.prompt = "a castle";
        original.styles = {{a_.toStdString(), std::nullopt}};
        original.styleStart = 0.2;
        original.styleEnd = 0.65;
        original.styleStrength = 1.5;
        original.contentStrength = 0.25;
        original.layerWeights = {{0, 1.0}, {4, 0.5}, {13, 0.0}};
        GenerationForm form;
        form.setRequest(original);
        ReferenceControls* controls = form.referenceControls();
        QCOMPARE(controls->windowSlider()->low(), 20);
        QCOMPARE(controls->windowSlider()->high(), 65);
        QCOMPARE(controls->styleStrengthSpin()->value(), 1.5);
        QCOMPARE(controls->layerWeightsEdit()->text(), QStringLiteral("0:1,4:0.5,13:0"));
        const GenerationRequest request = form.request();
        QCOMPARE(request.styleStart, 0.2);
        QCOMPARE(request.styleEnd, 0.65);
        QCOMPARE(request.styleStrength, 1.5);
        QCOMPARE(request.contentStrength, 0.25);
        QVERIFY(request.layerWeights == original.layerWeights);
        // The window is a range slider: dragging its low handle moves style_start.
        controls->windowSlider()->setValues(40, 65);
        QCOMPARE(form.request().styleStart, 0.4);

        // A list that does not parse is named under the field and stays out of the request.
        controls->layerWeightsEdit()->setText(QStringLiteral("4:0.5, 5"));
        QVERIFY(controls->layerWeightsProblem().contains("LAYER:FACTOR"));
        QVERIFY(form.request().layerWeights.empty());
        controls->layerWeightsEdit()->setText(QStringLiteral("4:0.5, 5:2"));
        QVERIFY(controls->layerWeightsProblem().isEmpty());
        QCOMPARE(form.request().layerWeights.size(), std::size_t{2});
    }

    void startImageAndPaintedMaskBecomeTheRequestsInitAndMask() {
        QTemporaryDir masks;
        StartImagePanel panel(nullptr, masks.path());
        panel.resize(300, 500);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        GenerationRequest request;
        panel.applyTo(request);
        QVERIFY(request.init.empty());

        panel.startZone()->setPath(start_);
        QVERIFY(panel.isChecked()); // dropping a start image switches it on
        panel.strengthSlider()->setValue(40);
        panel.resizeModeCombo()->setCurrentIndex(panel.resizeModeCombo()->findData("fill"));
        panel.applyTo(request);
        QCOMPARE(request.init, start_.toStdString());
        QCOMPARE(request.strength, 0.4);
        QVERIFY(request.resizeMode == deadiff::image::ResizeMode::Fill);
        QVERIFY(request.mask.empty()); // nothing painted

        // One brush stroke across the middle of the picture.
        MaskPainter* painter = panel.maskPainter();
        QCOMPARE(painter->mask().size(), QSize(80, 60));
        painter->setBrushRadius(5);
        const QPoint centre = painter->rect().center();
        QTest::mousePress(painter, Qt::LeftButton, {}, centre - QPoint(20, 0));
        QTest::mouseMove(painter, centre + QPoint(20, 0));
        QTest::mouseRelease(painter, Qt::LeftButton, {}, centre + QPoint(20, 0));
        QVERIFY(painter->hasMask());
        panel.maskedOnlyCheck()->setChecked(true);
        panel.applyTo(request);
        QVERIFY(!request.mask.empty());
        QVERIFY(request.maskedOnly);
        const QImage saved(QString::fromStdString(request.mask));
        QCOMPARE(saved.size(), QSize(80, 60));
        QCOMPARE(qGray(saved.pixel(40, 30)), 255); // painted: repaint
        QCOMPARE(qGray(saved.pixel(2, 2)), 0);     // untouched: keep

        // The eraser takes it away again: no mask.
        painter->setTool(MaskPainter::Tool::Eraser);
        painter->setBrushRadius(60);
        QTest::mouseClick(painter, Qt::LeftButton, {}, centre);
        QVERIFY(!painter->hasMask());
        panel.applyTo(request);
        QVERIFY(request.mask.empty());

        // A restored request brings its mask back into the painter.
        GenerationRequest restored;
        restored.init = start_.toStdString();
        restored.mask = masks.filePath("restored.png").toStdString();
        QImage half(80, 60, QImage::Format_Grayscale8);
        half.fill(Qt::black);
        for (int y = 0; y < 60; ++y)
            for (int x = 40; x < 80; ++x)
                half.setPixel(x, y, qRgb(255, 255, 255));
        half.save(QString::fromStdString(restored.mask));
        panel.setFrom(restored);
        QVERIFY(panel.maskPainter()->hasMask());
        GenerationRequest again;
        panel.applyTo(again);
        QVERIFY(!again.mask.empty());
        QCOMPARE(QImage(QString::fromStdString(again.mask)),
                 half.convertToFormat(QImage::Format_Grayscale8));
        panel.setChecked(false);
        panel.applyTo(again);
        QVERIFY(again.init.empty() && again.mask.empty());
    }

    void referenceListHoldsManyWeightedReferencesInOrder() {
        GenerationForm form;
        ReferenceList* list = form.referenceList();
        QVERIFY(!list->isChecked());
        GenerationRequest three;
        three.prompt = "a cat";
        three.styles = {{a_.toStdString(), 2.0}, {b_.toStdString(), 1.0}, {c_.toStdString(), 1.0}};
        form.setRequest(three);
        QVERIFY(list->isChecked());
        QVERIFY(!form.styleZoneA()->isEnabled()); // the list replaces the slots while on
        QCOMPARE(list->tree()->topLevelItemCount(), 3);
        GenerationRequest request = form.request();
        QCOMPARE(request.styles.size(), std::size_t{3});
        QCOMPARE(request.styles[0].path, a_.toStdString());
        QCOMPARE(*request.styles[0].weight, 0.5); // as run: normalised
        QCOMPARE(*request.styles[2].weight, 0.25);
        QVERIFY(!request.mix.has_value());

        // Reorder (what a drag does to the rows) and reweight.
        QTreeWidget* tree = list->tree();
        QTreeWidgetItem* last = tree->takeTopLevelItem(2);
        tree->insertTopLevelItem(0, last);
        last->setData(1, Qt::EditRole, 3.0);
        request = form.request();
        QCOMPARE(request.styles[0].path, c_.toStdString());
        QCOMPARE(*request.styles[0].weight, 3.0);
        QCOMPARE(request.styles[1].path, a_.toStdString());

        // Image files dropped from outside become rows.
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(start_)});
        QWidget* viewport = tree->viewport();
        QDragEnterEvent enter(viewport->rect().center(), Qt::CopyAction, &mime, Qt::LeftButton,
                              Qt::NoModifier);
        QApplication::sendEvent(viewport, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(viewport->rect().center()), Qt::CopyAction, &mime, Qt::LeftButton,
                        Qt::NoModifier);
        QApplication::sendEvent(viewport, &drop);
        QCOMPARE(form.request().styles.size(), std::size_t{4});

        // Switched off: the A/B slots and the mix are the references again.
        list->setChecked(false);
        QVERIFY(form.styleZoneA()->isEnabled());
        request = form.request();
        QCOMPARE(request.styles.size(), std::size_t{3}); // A, B and the one without a slot
        // Two references stay with the slots and the mix slider.
        GenerationRequest two = three;
        two.styles.pop_back();
        form.setRequest(two);
        QVERIFY(!list->isChecked());
    }

    void referenceListStartsFromTheSlotsAndTheirMix() {
        GenerationForm form;
        form.styleZoneA()->setPath(a_);
        form.styleZoneB()->setPath(b_);
        form.mixSlider()->setValue(30);
        // The list's buttons work once it is switched on (a checkable group disables them).
        form.referenceList()->setChecked(true);
        form.referenceList()->findChild<QPushButton*>("referenceFromSlotsButton")->click();
        const std::vector<StyleReference> rows = form.referenceList()->references();
        QCOMPARE(rows.size(), std::size_t{2});
        QCOMPARE(*rows[0].weight, 0.7);
        QCOMPARE(*rows[1].weight, 0.3);
        QVERIFY(form.referenceList()->isChecked());
    }

    void tokenCountersCountWithTheModelsTokenizer() {
        GenerationForm form;
        form.show();
        QVERIFY(QTest::qWaitForWindowExposed(&form));
        TokenCounter* counter = form.promptTokenCounter();
        QVERIFY(!counter->isVisible()); // no model, no count
        form.setVocabulary(QStringLiteral(DEADIFF_SOURCE_DIR "/resources/vocab"));
        QTRY_VERIFY_WITH_TIMEOUT(counter->isVisible(), 20000);
        auto* prompt = form.findChild<QPlainTextEdit*>("promptEdit");
        prompt->setPlainText(QStringLiteral("a (castle:1.3) on a [hill]"));
        QCOMPARE(counter->tokenCount(), 5); // brackets and weights are not tokens
        QCOMPARE(counter->text(), QStringLiteral("5/75"));
        QString longer;
        for (int i = 0; i < 80; ++i)
            longer += QStringLiteral("word ");
        prompt->setPlainText(longer);
        QCOMPARE(counter->text(), QStringLiteral("80/150"));
        prompt->setPlainText(QStringLiteral("(bad:1.2.3)"));
        QCOMPARE(counter->tokenCount(), -1);
        QVERIFY(counter->toolTip().contains("not a number"));
        prompt->setPlainText(longer);
        // A model that reads one chunk says where it stops.
        form.setVocabulary(QStringLiteral(DEADIFF_SOURCE_DIR "/resources/vocab"), 1);
        QTRY_COMPARE_WITH_TIMEOUT(counter->text(), QStringLiteral("80/75"), 20000);
        QVERIFY(counter->toolTip().contains("first 75 tokens"));
        form.setVocabulary(QString());
        QVERIFY(!counter->isVisible());
    }

private:
    QTemporaryDir dir_;
    QString a_, b_, c_, start_;
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    deadiff::ui::setUpApplication(app);
    TestArtistControls test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_artist_controls.moc"
