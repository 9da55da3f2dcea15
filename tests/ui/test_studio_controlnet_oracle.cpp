// The studio with the real engine on the real-layout random-weight checkpoints (DEADiff +
// ControlNet, tests/prepare-oracle.sh): a depth map dropped in a ControlNet unit is shown, then
// steers a generation end to end; the gallery keeps the ControlNet settings. ctest label
// `oracle`; skipped when the checkpoints are absent.
#include "tests/support/paths.h"
#include "tests/ui/studio_home.h"
#include "ui/application.h"
#include "ui/control_units.h"
#include "ui/drop_zone.h"
#include "ui/gallery.h"
#include "ui/generation_form.h"
#include "ui/image_view.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QComboBox>
#include <QGroupBox>
#include <QLineEdit>
#include <QPainter>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

using deadiff::GenerationRequest;
using deadiff::ui::GenerationForm;
using deadiff::ui::MainWindow;

class TestStudioControlNetOracle : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void generatesWithADepthMap() {
        const QString model = QString::fromStdString(deadiff::test::oracleCheckpoint());
        const QString control = QString::fromStdString(deadiff::test::oracleControlNetCheckpoint());
        if (model.isEmpty() || control.isEmpty())
            QSKIP("oracle checkpoints absent; make them with tests/prepare-oracle.sh");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        deadiff::testing::isolateStudioHome(dir.path());
        QSettings().clear();

        // A depth-like picture: a bright disc (near) on a dark ramp.
        QImage depth(96, 96, QImage::Format_Grayscale8);
        for (int y = 0; y < depth.height(); ++y)
            for (int x = 0; x < depth.width(); ++x)
                depth.setPixel(x, y, qRgb(y, y, y));
        {
            QPainter painter(&depth);
            painter.setBrush(Qt::white);
            painter.drawEllipse(QPoint(40, 50), 22, 22);
        }
        const QString depthFile = dir.filePath("depth.png");
        QVERIFY(depth.save(depthFile));

        MainWindow window;
        window.show();
        window.setModelPath(model);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 300000);

        auto* form = window.findChild<GenerationForm*>();
        QVERIFY(form != nullptr);
        GenerationRequest request = form->request();
        request.prompt = "A curly-haired boy";
        request.styles = {
            {QString::fromStdString(deadiff::test::oracleRef("style_01.jpeg")).toStdString(),
             std::nullopt}};
        request.mode = deadiff::ReferenceMode::Style;
        request.width = 64;
        request.height = 64;
        request.steps = 2;
        request.seed = 5;
        form->setRequest(request);

        auto* panel = form->controlPanel();
        panel->setChecked(true);
        auto* unit = panel->editor(0);
        unit->modelEdit()->setText(control);
        unit->typeBox()->setCurrentIndex(unit->typeBox()->findData(QStringLiteral("depth")));
        QSignalSpy previewed(unit, &deadiff::ui::ControlUnitEditor::previewUpdated);
        unit->hintZone()->setPath(depthFile);
        QVERIFY(previewed.wait(10000));
        QCOMPARE(unit->preview()->image().size(), QSize(64, 64)); // shown before generating

        window.generate();
        QTRY_COMPARE_WITH_TIMEOUT(window.gallery()->resultCount(), 1, 300000);
        // A copy: the gallery's entries move when the next result lands.
        const auto controlled = window.gallery()->entry(0);
        QCOMPARE(controlled.image.size(), QSize(64, 64));
        QCOMPARE(controlled.request.controls.size(), std::size_t{1});
        QCOMPARE(controlled.request.controls[0].model, control.toStdString());
        QCOMPARE(controlled.request.controls[0].hintFrom, depthFile.toStdString());
        // For looking at the panel with a real result: DEADIFF_GRAB=out.png.
        if (qEnvironmentVariableIsSet("DEADIFF_GRAB")) {
            if (auto* scroll = window.findChild<QScrollArea*>())
                scroll->ensureWidgetVisible(panel);
            window.grab().save(qEnvironmentVariable("DEADIFF_GRAB"));
        }

        // The same request without the ControlNet gives another image.
        panel->setChecked(false);
        window.generate();
        QTRY_COMPARE_WITH_TIMEOUT(window.gallery()->resultCount(), 2, 300000);
        const auto& plain = window.gallery()->entry(0).request.controls.empty()
                                ? window.gallery()->entry(0)
                                : window.gallery()->entry(1);
        QVERIFY(plain.request.controls.empty());
        QVERIFY(plain.image != controlled.image);
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    deadiff::ui::setUpApplication(app);
    TestStudioControlNetOracle test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_studio_controlnet_oracle.moc"
