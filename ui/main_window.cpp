#include "ui/main_window.h"

#include "core/runtime/system_info.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStatusBar>
#include <QVBoxLayout>

namespace deadiff::ui {
namespace {

constexpr auto kModelPathKey = "model/path";
constexpr auto kGeometryKey = "window/geometry";
constexpr auto kStateKey = "window/state";

} // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent) {
    setObjectName("MainWindow");
    setWindowTitle(tr("DEADiff Studio"));
    setMinimumSize(800, 560);
    buildMenus();
    buildModelPage();

    const RuntimeInfo info = runtimeInfo();
    const bool bf16 = info.cpu.avx512Bf16 || info.cpu.amxBf16;
    statusBar()->showMessage(tr("LibTorch %1 · threads: %2 · %3 · %4")
                                 .arg(QString::fromStdString(info.torchVersion))
                                 .arg(info.torchThreads)
                                 .arg(QString::fromStdString(info.blas.vendorName),
                                      bf16 ? tr("bfloat16 available") : tr("float32 only")));

    QSettings settings;
    restoreGeometry(settings.value(kGeometryKey).toByteArray());
    restoreState(settings.value(kStateKey).toByteArray());
    setModelPath(settings.value(kModelPathKey).toString());
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
    QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
    QAction* quit = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setObjectName("actionQuit");

    QMenu* modelMenu = menuBar()->addMenu(tr("&Model"));
    QAction* choose = modelMenu->addAction(tr("&Choose Model…"), this, &MainWindow::chooseModel);
    choose->setShortcut(QKeySequence::Open);
    choose->setObjectName("actionChooseModel");

    QMenu* helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("&About DEADiff Studio"), this, &MainWindow::showAbout);
    helpMenu->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
}

void MainWindow::buildModelPage() {
    auto* page = new QWidget(this);
    page->setObjectName("modelPage");
    auto* layout = new QVBoxLayout(page);
    layout->addStretch(2);

    auto* title = new QLabel(tr("Choose a model to start"), page);
    QFont titleFont = title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.8);
    titleFont.setBold(true);
    title->setFont(titleFont);
    title->setAlignment(Qt::AlignCenter);
    layout->addWidget(title);

    auto* explanation =
        new QLabel(tr("DEADiff Studio paints your prompt in the style of a reference image.\n"
                      "It needs a DEADiff checkpoint (deadiff_v1.ckpt or .safetensors)."),
                   page);
    explanation->setAlignment(Qt::AlignCenter);
    explanation->setWordWrap(true);
    layout->addWidget(explanation);

    chooseModelButton_ = new QPushButton(tr("Choose Model…"), page);
    chooseModelButton_->setObjectName("chooseModelButton");
    chooseModelButton_->setMinimumHeight(36);
    connect(chooseModelButton_, &QPushButton::clicked, this, &MainWindow::chooseModel);
    auto* buttonRow = new QHBoxLayout;
    buttonRow->addStretch();
    buttonRow->addWidget(chooseModelButton_);
    buttonRow->addStretch();
    layout->addLayout(buttonRow);

    modelStateLabel_ = new QLabel(page);
    modelStateLabel_->setObjectName("modelStateLabel");
    modelStateLabel_->setAlignment(Qt::AlignCenter);
    modelStateLabel_->setWordWrap(true);
    modelStateLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(modelStateLabel_);

    layout->addStretch(3);
    setCentralWidget(page);
}

void MainWindow::chooseModel() {
    const QString start = modelPath_.isEmpty() ? QString() : QFileInfo(modelPath_).absolutePath();
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Choose a DEADiff Model"), start,
        tr("Checkpoints (*.safetensors *.ckpt *.pth *.pt);;All files (*)"));
    if (!path.isEmpty())
        setModelPath(path);
}

void MainWindow::setModelPath(const QString& path) {
    modelPath_ = path;
    if (!path.isEmpty())
        QSettings().setValue(kModelPathKey, path);
    updateModelState();
}

void MainWindow::updateModelState() {
    if (modelPath_.isEmpty()) {
        modelStateLabel_->setText(tr("No model chosen."));
        return;
    }
    const QFileInfo file(modelPath_);
    if (!file.exists()) {
        modelStateLabel_->setText(
            tr("The model file %1 no longer exists. Choose another one.").arg(modelPath_));
    } else if (!file.isReadable()) {
        modelStateLabel_->setText(
            tr("The model file %1 cannot be read (permissions?).").arg(modelPath_));
    } else {
        modelStateLabel_->setText(tr("Model: %1 (%2 MB)")
                                      .arg(QDir::toNativeSeparators(modelPath_))
                                      .arg(file.size() / (1024 * 1024)));
    }
}

void MainWindow::showAbout() {
    QMessageBox::about(
        this, tr("About DEADiff Studio"),
        tr("<h3>DEADiff Studio %1</h3>"
           "<p>Stylize Stable Diffusion 1.5 with a reference image without losing the "
           "prompt: DEADiff (Qi et al., CVPR 2024) as a native desktop application.</p>")
            .arg(QApplication::applicationVersion()));
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    event->accept();
}

} // namespace deadiff::ui
