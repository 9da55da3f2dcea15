// Not a test: renders a screenshot of the studio. Opens it with the gradient test double (the
// real engine needs a multi-GB checkpoint), runs one generation into the gallery, starts a
// second and grabs the window mid-run so the live preview and the step plot show.
//   xvfb-run -a -s "-screen 0 1600x1000x24" build/release/bin/ui_screenshot OUT.png
// With --demo it uses the real engine on the bundled demo model and example references
// instead (docs/screenshot-demo.png), grabbing the window after three finished generations.
// With --controls (docs/screenshot-controls.png) the real engine paints a hand-sketched square
// as a polka house (start image, reference timing and strength), then the form is scrolled to
// those controls with a region of the result painted for repainting (a second grab, OUT-mask.png,
// shows the start image and its mask).
// The window opens at its first-run size for the screen unless --size WxH is given. Extra
// options for the hands-on pass (docs/studio-hands-on.md): --lang zh_CN, --compare (the last two
// results side by side), --slider (the same with the slider), --unknown-words (a prompt with
// words the demo model does not know, typed after the runs), --loras (two LoRAs listed after the
// runs, the form scrolled to them), --lora-menu (the same with the Add LoRA menu open),
// --base-menu (the runs on the demo model's vignette base, Model > Base Model open).
#include "core/pipeline/default_model.h"
#include "tests/ui/gradient_pipeline.h"
#include "ui/application.h"
#include "ui/control_units.h"
#include "ui/drop_zone.h"
#include "ui/generation_form.h"
#include "ui/image_view.h"
#include "ui/lora_list.h"
#include "ui/main_window.h"
#include "ui/mask_painter.h"
#include "ui/reference_controls.h"
#include "ui/start_image_panel.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QMenu>
#include <QMouseEvent>
#include <QPainter>
#include <QPlainTextEdit>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSlider>
#include <QTemporaryDir>
#include <QTimer>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <utility>

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

struct DemoOptions {
    QSize size; // empty: the first-run size for the screen
    bool compare = false;
    bool slider = false;
    bool unknownWords = false;
    bool loras = false;
    bool loraMenu = false;    // the Add LoRA menu open over the form (a screen grab)
    bool baseMenu = false;    // the runs on the demo's vignette base, its menu open (a screen grab)
    bool controlNets = false; // the demo's canny and depth ControlNets on the house layout
};

// Shows `window` (at `size` when valid, else its first-run size) and waits until it has opened
// the bundled model (with empty settings it opens that one itself); false when none is bundled.
bool openOnBundledModel(deadiff::ui::MainWindow& window, QSize size) {
    if (deadiff::pipeline::bundledModelDir().empty()) {
        std::fprintf(stderr, "no bundled demo model in resources/demo-model\n");
        return false;
    }
    if (size.isValid())
        window.resize(size);
    window.show();
    waitFor([&] { return window.modelReady(); }, 60000);
    return true;
}

// The real engine on the bundled model, as a fresh install opens it (no model in the settings:
// the window picks the bundled one): a prompt, two example references, three mixes.
int grabDemo(const QString& output, const DemoOptions& options) {
    deadiff::ui::MainWindow window;
    if (!openOnBundledModel(window, options.size))
        return 1;

    const QDir examples(QStringLiteral(DEADIFF_EXAMPLES_DIR));
    auto* form = window.form();
    form->findChild<QPlainTextEdit*>("promptEdit")->setPlainText(QStringLiteral("house"));
    form->styleZoneA()->setPath(examples.filePath("neon.png"));
    form->styleZoneB()->setPath(examples.filePath("polka.png"));
    QMenu* baseMenu = window.findChild<QMenu*>(QStringLiteral("baseModelMenu"));
    if (options.baseMenu) {
        if (baseMenu == nullptr)
            return 1;
        Q_EMIT baseMenu->aboutToShow(); // fills it as opening it would
        QAction* vignette = nullptr;
        for (QAction* action : baseMenu->actions())
            if (action->text().startsWith(QStringLiteral("vignette")))
                vignette = action;
        if (vignette == nullptr) {
            std::fprintf(stderr, "no vignette base beside the bundled demo model\n");
            return 1;
        }
        vignette->trigger(); // refills the menu: the actions above are gone after this
        waitFor([&] { return window.modelReady(); }, 60000);
    }
    if (options.controlNets) {
        // The two ControlNets made for the demo model, each with its layout hint as it is.
        const QDir nets(QDir(QString::fromStdString(deadiff::pipeline::bundledModelDir()))
                            .filePath(QStringLiteral("controlnet")));
        deadiff::GenerationRequest request = form->request();
        for (const auto& [kind, scale] :
             {std::pair<const char*, double>{"canny", 0.9}, {"depth", 0.6}}) {
            deadiff::control::ControlUnit unit;
            unit.model = nets.filePath(QStringLiteral("control_demo_%1.safetensors").arg(kind))
                             .toStdString();
            unit.hint =
                examples.filePath(QStringLiteral("layout_house_%1.png").arg(kind)).toStdString();
            unit.scale = scale;
            request.controls.push_back(unit);
        }
        form->setRequest(request);
    }
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
    if (options.compare || options.slider) {
        window.compareCombo()->setCurrentIndex(window.compareCombo()->findData(
            static_cast<int>(options.slider ? deadiff::ui::ImageView::Compare::Slider
                                            : deadiff::ui::ImageView::Compare::SideBySide)));
        window.compareResults(1, 2);
        if (options.slider)
            window.preview()->setSplitPosition(0.5);
    }
    if (options.unknownWords)
        form->findChild<QPlainTextEdit*>("promptEdit")
            ->setPlainText(QStringLiteral("a house on a cliff"));
    if (options.loras) {
        // Two copies of a test LoRA in the models folder's lora/, as an artist would install.
        const QString folder = qEnvironmentVariable("XDG_DATA_HOME") + "/deadiff/models/lora";
        QDir().mkpath(folder);
        auto* panel = form->loraPanel();
        for (const auto& [name, weight] :
             {std::pair<const char*, double>{"ink-wash", 0.8}, {"paper-grain", -0.35}}) {
            const QString path = folder + "/" + name + ".safetensors";
            QFile::copy(QStringLiteral(DEADIFF_FIXTURES_DIR "/lora/lora_kohya.safetensors"), path);
            panel->addLora(path)->setWeight(weight);
        }
        if (auto* scroll = window.findChild<QScrollArea*>())
            scroll->verticalScrollBar()->setValue(panel->mapTo(scroll->widget(), QPoint()).y() -
                                                  3 * 40);
    }
    if (options.controlNets)
        if (auto* scroll = window.findChild<QScrollArea*>()) {
            waitFor([&] { return false; }, 500); // the hint previews
            auto* panel = form->controlPanel();
            scroll->verticalScrollBar()->setValue(panel->mapTo(scroll->widget(), QPoint()).y() -
                                                  20);
        }
    if (options.loraMenu) {
        // A popup is a window of its own: window.grab() leaves it out, the screen has it.
        waitFor([] { return false; }, 300); // the scrolled form settles first
        QMenu* menu = form->loraPanel()->addMenu();
        QWidget* button = menu->parentWidget();
        menu->popup(button->mapToGlobal(QPoint(0, button->height())));
    }
    if (options.baseMenu) {
        waitFor([] { return false; }, 300);
        baseMenu->popup(window.mapToGlobal(QPoint(60, 40)));
    }
    waitFor([] { return false; }, 300);
    const QPixmap image = options.loraMenu || options.baseMenu
                              ? window.screen()->grabWindow(
                                    0, window.frameGeometry().x(), window.frameGeometry().y(),
                                    window.frameGeometry().width(), window.frameGeometry().height())
                              : window.grab();
    const bool saved = image.save(output);
    std::fprintf(stderr, "%s %s (%dx%d)\n", saved ? "wrote" : "could not write", qPrintable(output),
                 window.width(), window.height());
    return saved ? 0 : 1;
}

// Issue 28's controls on the bundled model: the sketch becomes a polka house; the form then
// shows the start-image panel with the result as the new start and its roof painted to repaint.
int grabControls(const QString& output) {
    deadiff::ui::MainWindow window;
    if (!openOnBundledModel(window, QSize(1600, 1000)))
        return 1;

    const QDir examples(QStringLiteral(DEADIFF_EXAMPLES_DIR));
    auto* form = window.form();
    form->findChild<QPlainTextEdit*>("promptEdit")->setPlainText(QStringLiteral("(house:1.2)"));
    form->styleZoneA()->setPath(examples.filePath("polka.png"));
    deadiff::GenerationRequest request = form->request();
    request.seed = 1;
    request.init = examples.filePath("sketch_square.png").toStdString();
    request.strength = 0.8;
    request.styleEnd = 0.8;
    request.styleStrength = 1.2;
    form->setRequest(request);
    window.generate();
    waitFor([&] { return !window.isGenerating(); }, 120000);

    // The result becomes the next start image (the gallery's "Use as Start Image"); a stroke
    // over its top marks the region to repaint; the form scrolls to the new sections.
    window.useResultAsStartImage(0);
    deadiff::ui::StartImagePanel* start = form->startImagePanel();
    deadiff::ui::MaskPainter* painter = start->maskPainter();
    painter->setBrushRadius(6); // image pixels: a band over the roof of the 64 px result
    const QRect area = painter->rect();
    const QPoint from(area.center().x() - area.width() / 6, area.top() + area.height() / 4);
    const QPoint to(area.center().x() + area.width() / 6, area.top() + area.height() / 4);
    QMouseEvent press(QEvent::MouseButtonPress, from, painter->mapToGlobal(from), Qt::LeftButton,
                      Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(painter, &press);
    QMouseEvent move(QEvent::MouseMove, to, painter->mapToGlobal(to), Qt::NoButton, Qt::LeftButton,
                     Qt::NoModifier);
    QCoreApplication::sendEvent(painter, &move);
    QMouseEvent release(QEvent::MouseButtonRelease, to, painter->mapToGlobal(to), Qt::LeftButton,
                        Qt::NoButton, Qt::NoModifier);
    QCoreApplication::sendEvent(painter, &release);
    // Two grabs: the reference timing and strengths, then the start image with its mask
    // (OUT-mask.png); the form is taller than the window.
    auto* scroll = window.findChild<QScrollArea*>();
    bool saved = true;
    const QString maskOutput =
        QString(output).replace(QStringLiteral(".png"), QStringLiteral("-mask.png"));
    for (const auto& [file, section] :
         {std::pair<QString, QWidget*>{output, form->referenceControls()},
          std::pair<QString, QWidget*>{maskOutput, start}}) {
        if (scroll != nullptr)
            scroll->verticalScrollBar()->setValue(section->mapTo(scroll->widget(), QPoint()).y());
        waitFor([] { return false; }, 300);
        const bool ok = window.grab().save(file);
        std::fprintf(stderr, "%s %s\n", ok ? "wrote" : "could not write", qPrintable(file));
        saved = saved && ok;
    }
    return saved ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(
            stderr,
            "usage: ui_screenshot OUT.png [step | --controls | --demo [--size WxH] "
            "[--lang zh_CN] [--compare | --slider] [--unknown-words] [--loras] [--lora-menu] "
            "[--base-menu] [--controlnets]]\n");
        return 2;
    }
    const QString output = QString::fromLocal8Bit(argv[1]);
    const QStringList args = QCoreApplication::arguments().mid(2);

    // Fresh settings and home, so neither mode sees the user's saved model, form or results
    // (and the results go to a temporary Pictures folder).
    QTemporaryDir dir;
    deadiff::testing::isolateStudioHome(dir.path());
    if (const int lang = static_cast<int>(args.indexOf(QStringLiteral("--lang")));
        lang >= 0 && lang + 1 < args.size())
        QSettings(QSettings::IniFormat, QSettings::UserScope, QStringLiteral("DEADiff"),
                  QStringLiteral("DEADiff Studio"))
            .setValue(QStringLiteral("ui/language"), args[lang + 1]);
    deadiff::ui::setUpApplication(app);
    if (args.contains(QStringLiteral("--demo"))) {
        DemoOptions options;
        if (const int size = static_cast<int>(args.indexOf(QStringLiteral("--size")));
            size >= 0 && size + 1 < args.size()) {
            const QStringList wh = args[size + 1].split(QLatin1Char('x'));
            options.size = QSize(wh.value(0).toInt(), wh.value(1).toInt());
        }
        options.compare = args.contains(QStringLiteral("--compare"));
        options.slider = args.contains(QStringLiteral("--slider"));
        options.unknownWords = args.contains(QStringLiteral("--unknown-words"));
        options.loraMenu = args.contains(QStringLiteral("--lora-menu"));
        options.loras = options.loraMenu || args.contains(QStringLiteral("--loras"));
        options.baseMenu = args.contains(QStringLiteral("--base-menu"));
        options.controlNets = args.contains(QStringLiteral("--controlnets"));
        return grabDemo(output, options);
    }
    if (args.contains(QStringLiteral("--controls")))
        return grabControls(output);
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
