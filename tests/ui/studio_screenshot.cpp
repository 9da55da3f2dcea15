// Not a test: renders a screenshot of the studio. Opens it with the gradient test double (the
// real engine needs a multi-GB checkpoint), runs one generation into the gallery, starts a
// second and grabs the window mid-run so the live preview and the step plot show.
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/bin/ui_screenshot OUT.png
// With --demo it uses the real engine on the bundled demo model and example references
// instead (docs/screenshot-demo.png), grabbing the window after three finished generations.
// With --controlnet it uses the bundled model and its two demo ControlNets: two units (edges and
// depth) with their hint previews, the ControlNet panel scrolled into view, after one image
// (docs/screenshot-controlnet.png).
#include "core/pipeline/default_model.h"
#include "tests/ui/gradient_pipeline.h"
#include "ui/application.h"
#include "ui/control_units.h"
#include "ui/drop_zone.h"
#include "ui/generation_form.h"
#include "ui/image_view.h"
#include "ui/main_window.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QPainter>
#include <QPlainTextEdit>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QTemporaryDir>
#include <QTimer>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>

namespace {

// Painterly stand-ins for style references: brush strokes in two palettes.
QString paintReference(const QString& path, const QList<QColor>& palette, int seed) {
    QImage image(384, 384, QImage::Format_RGB888);
    image.fill(palette.front());
    QPainter painter(&image);
    painter.setRenderHint(QPainter::Antialiasing);
    std::srand(static_cast<unsigned>(seed));
    for (int i = 0; i < 260; ++i) {
        QColor color = palette[std::rand() % palette.size()];
        color.setAlpha(150 + std::rand() % 100);
        painter.setPen(QPen(color, 6 + std::rand() % 18, Qt::SolidLine, Qt::RoundCap));
        const QPointF start(std::rand() % 384, std::rand() % 384);
        const double angle = (std::rand() % 360) * 3.14159 / 180.0;
        const double length = 20 + std::rand() % 60;
        painter.drawLine(start,
                         start + QPointF(length * std::cos(angle), length * std::sin(angle)));
    }
    painter.end();
    image.save(path);
    return path;
}

void waitFor(const std::function<bool()>& done, int timeoutMs) {
    QElapsedTimer timer;
    timer.start();
    while (!done() && timer.elapsed() < timeoutMs)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
}

// The real engine on the bundled model, as a fresh install opens it (no model in the settings:
// the window picks the bundled one): a prompt, two example references, three mixes.
int grabDemo(const QString& output) {
    if (deadiff::pipeline::bundledModelDir().empty()) {
        std::fprintf(stderr, "no bundled demo model in resources/demo-model\n");
        return 1;
    }
    deadiff::ui::MainWindow window;
    window.resize(1600, 1000);
    window.show();
    waitFor([&] { return window.modelReady(); }, 60000);

    const QDir examples(QStringLiteral(DEADIFF_EXAMPLES_DIR));
    auto* form = window.form();
    form->findChild<QPlainTextEdit*>("promptEdit")->setPlainText(QStringLiteral("house"));
    form->styleZoneA()->setPath(examples.filePath("neon.png"));
    form->styleZoneB()->setPath(examples.filePath("polka.png"));
    struct Run {
        std::uint64_t seed;
        int mix; // slider value: 0 all A, 100 all B
    };
    for (const Run& run : {Run{3, 50}, Run{2, 100}, Run{1, 0}}) {
        form->mixSlider()->setValue(run.mix);
        deadiff::GenerationRequest request = form->request();
        request.seed = run.seed;
        form->setRequest(request);
        window.generate();
        waitFor([&] { return !window.isGenerating(); }, 120000);
    }
    waitFor([] { return false; }, 300);
    const bool saved = window.grab().save(output);
    std::fprintf(stderr, "%s %s\n", saved ? "wrote" : "could not write", qPrintable(output));
    return saved ? 0 : 1;
}

// Two demo ControlNet units on the bundled model, their previews shown, one image generated.
int grabControlNet(const QString& output) {
    const std::string model = deadiff::pipeline::bundledModelDir();
    if (model.empty()) {
        std::fprintf(stderr, "no bundled demo model in resources/demo-model\n");
        return 1;
    }
    deadiff::ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    waitFor([&] { return window.modelReady(); }, 60000);

    const QDir examples(QStringLiteral(DEADIFF_EXAMPLES_DIR));
    const QDir controlNets(QString::fromStdString(model + "/controlnet"));
    auto* form = window.form();
    deadiff::GenerationRequest request = form->request();
    request.prompt = "house";
    request.styles = {{examples.filePath("watercolor.png").toStdString(), std::nullopt}};
    request.seed = 1;
    deadiff::control::ControlUnit edges;
    edges.model = controlNets.filePath("control_deadiff_demo_canny.safetensors").toStdString();
    edges.hint = examples.filePath("hint-house-edges.png").toStdString();
    edges.scale = 0.8;
    deadiff::control::ControlUnit depth;
    depth.model = controlNets.filePath("control_deadiff_demo_depth.safetensors").toStdString();
    depth.hintFrom = examples.filePath("hint-house-depth.png").toStdString();
    depth.preprocess = deadiff::control::Preprocessor::DepthMap;
    depth.scale = 0.6;
    depth.end = 0.6;
    request.controls = {edges, depth};
    form->setRequest(request);
    auto* panel = form->controlPanel();
    waitFor([&] {
        return !panel->editor(0)->preview()->image().isNull() &&
               !panel->editor(1)->preview()->image().isNull();
    }, 10000);
    window.generate();
    waitFor([&] { return !window.isGenerating(); }, 120000);
    if (auto* scroll = window.findChild<QScrollArea*>())
        scroll->ensureWidgetVisible(panel->editor(1));
    waitFor([] { return false; }, 300);
    const bool saved = window.grab().save(output);
    std::fprintf(stderr, "%s %s\n", saved ? "wrote" : "could not write", qPrintable(output));
    return saved ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: ui_screenshot OUT.png [step | --demo | --controlnet]\n");
        return 2;
    }
    const QString output = QString::fromLocal8Bit(argv[1]);

    // Fresh settings, so neither mode sees the user's saved model or form.
    QTemporaryDir dir;
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.path());
    deadiff::ui::setUpApplication(app);
    if (argc > 2 && QByteArray(argv[2]) == "--demo")
        return grabDemo(output);
    if (argc > 2 && QByteArray(argv[2]) == "--controlnet")
        return grabControlNet(output);
    const int grabAtStep = argc > 2 ? std::atoi(argv[2]) : 18;

    const QString model = dir.filePath("deadiff_v1.safetensors");
    QFile(model).open(QIODevice::WriteOnly);
    const QString styleA = paintReference(
        dir.filePath("ukiyo-e_waves.png"),
        {QColor(235, 225, 200), QColor(30, 60, 120), QColor(70, 120, 170), QColor(250, 250, 245)},
        3);
    const QString styleB = paintReference(
        dir.filePath("autumn_impasto.png"),
        {QColor(120, 50, 20), QColor(220, 140, 40), QColor(240, 200, 90), QColor(90, 30, 30)}, 7);

    auto probe = std::make_shared<deadiff::testing::GradientProbe>();
    deadiff::ui::MainWindow window(deadiff::testing::gradientFactory(probe));
    window.resize(1600, 1000);
    window.show();
    window.setModelPath(model);
    waitFor([&] { return window.modelReady(); }, 10000);

    auto* form = window.form();
    form->findChild<QPlainTextEdit*>("promptEdit")
        ->setPlainText(QStringLiteral("a lighthouse on a cliff at dusk, waves below"));
    form->styleZoneA()->setPath(styleA);
    form->styleZoneB()->setPath(styleB);
    form->mixSlider()->setValue(40);
    deadiff::GenerationRequest request = form->request();
    request.steps = 30;
    request.seed = 1234;
    form->setRequest(request);

    // Two finished results for the gallery, then a run to catch mid-way.
    probe->stepMillis = 2;
    for (std::uint64_t seed : {1234ULL, 808ULL}) {
        request.seed = seed;
        form->setRequest(request);
        window.generate();
        waitFor([&] { return !window.isGenerating(); }, 20000);
    }
    probe->stepMillis = 90;
    request.seed = 31;
    form->setRequest(request);
    window.generate();
    waitFor([&] { return probe->stepsCompleted.load() >= 60 + grabAtStep; }, 30000);
    waitFor([] { return false; }, 150); // let the last step's preview paint
    const bool saved = window.grab().save(output);
    window.cancel();
    waitFor([&] { return !window.isGenerating(); }, 5000);
    std::fprintf(stderr, "%s %s\n", saved ? "wrote" : "could not write", qPrintable(output));
    return saved ? 0 : 1;
}
