#include "ui/main_window.h"

#include "core/batch/batch_runner.h"
#include "core/io/output_path.h"
#include "core/io/png.h"
#include "core/models/models_folder.h"
#include "core/pipeline/default_model.h"
#include "core/pipeline/metadata.h"
#include "core/pipeline/model_files.h"
#include "core/pipeline/prompt_loras.h"
#include "core/runtime/system_info.h"
#include "ui/batch_dialog.h"
#include "ui/batch_queue.h"
#include "ui/control_units.h"
#include "ui/download_dialog.h"
#include "ui/drop_zone.h"
#include "ui/engine_messages.h"
#include "ui/gallery.h"
#include "ui/generation_form.h"
#include "ui/image_convert.h"
#include "ui/image_view.h"
#include "ui/lora_list.h"
#include "ui/model_parts_menus.h"
#include "ui/start_image_panel.h"
#include "ui/step_plot.h"
#include "ui/text_format.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDesktopServices>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageWriter>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QPushButton>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace deadiff::ui {
namespace {

constexpr auto kModelPathKey = "model/path";
constexpr auto kGeometryKey = "window/geometry";
constexpr auto kStateKey = "window/state";
constexpr auto kFormKey = "form/request";
constexpr auto kFullDecodeKey = "preview/fullDecodeEvery";
constexpr auto kLastSaveDirKey = "paths/lastSaveDir";
constexpr auto kLastBatchDirKey = "paths/lastBatchDir";
constexpr auto kLanguageKey = "ui/language";
constexpr auto kRecentModelsKey = "model/recent";
constexpr auto kStyleSlotsKey = "form/styleSlots";
constexpr auto kMixKey = "form/mixPercentB";
constexpr auto kExportScaleKey = "export/scale";
constexpr auto kExportSharpKey = "export/sharpPixels";
constexpr auto kCompareModeKey = "preview/compareMode";
constexpr int kMaxRecentModels = 6;

// The pipeline names its stages in English (pipeline.h); show the known ones translated.
QString stageText(const QString& stage) {
    static const char* const kKnownStages[] = {
        QT_TRANSLATE_NOOP("deadiff::ui::MainWindow", "Encoding prompt"),
        QT_TRANSLATE_NOOP("deadiff::ui::MainWindow", "Encoding references"),
        QT_TRANSLATE_NOOP("deadiff::ui::MainWindow", "Decoding image"),
        QT_TRANSLATE_NOOP("deadiff::ui::MainWindow", "Preparing ControlNet hint"),
        QT_TRANSLATE_NOOP("deadiff::ui::MainWindow", "Loading ControlNet"),
        QT_TRANSLATE_NOOP("deadiff::ui::MainWindow", "Encoding start image"),
        QT_TRANSLATE_NOOP("deadiff::ui::MainWindow", "Loading model")};
    for (const char* known : kKnownStages)
        if (stage == QLatin1String(known))
            return QCoreApplication::translate("deadiff::ui::MainWindow", known) +
                   QStringLiteral("…");
    return stage;
}

// Save dialogs' filters: PNG keeps the settings; JPEG and WebP (when Qt has a writer) do not.
QString saveFilters() {
    QStringList filters{MainWindow::tr("PNG image with its settings (*.png)"),
                        MainWindow::tr("JPEG image (*.jpg *.jpeg)")};
    if (QImageWriter::supportedImageFormats().contains("webp"))
        filters << MainWindow::tr("WebP image (*.webp)");
    return filters.join(QStringLiteral(";;"));
}

void selectComboData(QComboBox* box, int data) {
    const int index = box->findData(data);
    if (index >= 0)
        box->setCurrentIndex(index);
}

} // namespace

MainWindow::MainWindow(PipelineLoader loader, QWidget* parent)
    : QMainWindow(parent) {
    setObjectName("MainWindow");
    setWindowTitle(tr("DEADiff Studio"));
    setMinimumSize(900, 600);
    setAcceptDrops(true);

    pages_ = new QStackedWidget(this);
    setCentralWidget(pages_);
    buildModelPage();
    buildStudioPage();
    buildDocks();
    buildMenus();
    startWorker(loader ? std::move(loader) : defaultPipelineLoader());

    const RuntimeInfo info = runtimeInfo();
    const bool bf16 = info.cpu.avx512Bf16 || info.cpu.amxBf16;
    statusBar()->showMessage(tr("LibTorch %1 · threads: %2 · %3 · %4")
                                 .arg(QString::fromStdString(info.torchVersion))
                                 .arg(info.torchThreads)
                                 .arg(QString::fromStdString(info.blas.vendorName),
                                      bf16 ? tr("bfloat16 available") : tr("float32 only")));
    restoreSettings();
}

MainWindow::~MainWindow() {
    if (currentJob_ != 0)
        worker_->cancel(currentJob_);
    cancelAllBatches(); // a paused batch would hold the worker thread forever
    workerThread_.quit();
    workerThread_.wait();
}

void MainWindow::startWorker(PipelineLoader loader) {
    registerWorkerMetaTypes();
    worker_ = new GenerationWorker(std::move(loader));
    worker_->moveToThread(&workerThread_);
    workerThread_.setObjectName(QStringLiteral("generation"));
    connect(&workerThread_, &QThread::finished, worker_, &QObject::deleteLater);

    connect(this, &MainWindow::loadRequested, worker_, &GenerationWorker::loadModelWith,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::modelFactsChanged, this, &MainWindow::onModelFacts,
            Qt::QueuedConnection);
    connect(this, &MainWindow::generationRequested, worker_, &GenerationWorker::generate,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::loadProgress, this, &MainWindow::onLoadProgress,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::modelLoaded, this, &MainWindow::onModelLoaded,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::loadFailed, this, &MainWindow::onLoadFailed,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::vocabularyLoaded, form_, &GenerationForm::setVocabulary,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::started, this, &MainWindow::onStarted,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::stageChanged, this, &MainWindow::onStage,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::stepDone, this, &MainWindow::onStep, Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::finished, this, &MainWindow::onFinished,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::cancelled, this, &MainWindow::onCancelled,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::failed, this, &MainWindow::onFailed, Qt::QueuedConnection);
    connect(this, &MainWindow::batchRequested, worker_, &GenerationWorker::runBatch,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::batchStarted, batchPanel_, &BatchQueuePanel::onStarted,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::batchProgress, batchPanel_, &BatchQueuePanel::onProgress,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::batchImage, batchPanel_, &BatchQueuePanel::onImage,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::batchImage, this, &MainWindow::onBatchImage,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::batchFinished, batchPanel_, &BatchQueuePanel::onFinished,
            Qt::QueuedConnection);
    connect(worker_, &GenerationWorker::batchFinished, this, &MainWindow::onBatchFinished,
            Qt::QueuedConnection);
    // BatchControl is thread-safe: the GUI pauses and cancels directly, not through the queue
    // (which is busy with the batch itself).
    connect(batchPanel_, &BatchQueuePanel::pauseRequested, this,
            [this](quint64 id) { worker_->batchControl(id)->pause(); });
    connect(batchPanel_, &BatchQueuePanel::resumeRequested, this,
            [this](quint64 id) { worker_->batchControl(id)->resume(); });
    connect(batchPanel_, &BatchQueuePanel::cancelRequested, this,
            [this](quint64 id) { worker_->batchControl(id)->cancel(); });
    workerThread_.start();
}

void MainWindow::buildMenus() {
    QMenu* fileMenu = menuBar()->addMenu(tr("&File"));
    QAction* openSettings = fileMenu->addAction(tr("&Open Settings from Image…"), this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Open Settings from Image"),
                                                          QString(), tr("PNG images (*.png)"));
        if (!path.isEmpty())
            openDroppedFile(path);
    });
    openSettings->setObjectName("actionOpenSettings");
    openSettings->setToolTip(tr("Restore every setting from a PNG saved by DEADiff Studio"));
    QAction* save = fileMenu->addAction(tr("&Save Image…"), this, [this] {
        const int selected = gallery_->currentRow();
        saveResultWithDialog(selected >= 0 ? selected : gallery_->resultCount() - 1);
    });
    save->setShortcut(QKeySequence::Save);
    save->setObjectName("actionSaveImage");
    save->setToolTip(tr("Save the selected (or latest) result with its settings"));
    QAction* saveAll = fileMenu->addAction(tr("Save &All…"), this, &MainWindow::saveAllWithDialog);
    saveAll->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    saveAll->setObjectName("actionSaveAll");
    saveAll->setToolTip(tr("Save every result the gallery shows into one folder"));
    QMenu* exportSize = fileMenu->addMenu(tr("Export &Size"));
    exportSize->setObjectName("exportSizeMenu");
    auto* scales = new QActionGroup(this);
    for (const int scale : {1, 2, 4, 8}) {
        QAction* action =
            exportSize->addAction(scale == 1 ? tr("As Generated") : tr("Enlarged %1×").arg(scale));
        action->setCheckable(true);
        action->setData(scale);
        scales->addAction(action);
        exportScaleActions_ << action;
        connect(action, &QAction::triggered, this,
                [this, scale] { setExportScale(scale, sharpPixelsAction_->isChecked()); });
    }
    exportSize->addSeparator();
    sharpPixelsAction_ = exportSize->addAction(tr("Sharp Pixels When Enlarging"));
    sharpPixelsAction_->setCheckable(true);
    connect(sharpPixelsAction_, &QAction::toggled, this,
            [this](bool sharp) { setExportScale(exportScale(), sharp); });
    {
        QSettings settings;
        setExportScale(settings.value(kExportScaleKey, 1).toInt(),
                       settings.value(kExportSharpKey, true).toBool());
    }
    fileMenu->addSeparator();
    autoSaveAction_ = fileMenu->addAction(tr("Save Results &Automatically"));
    autoSaveAction_->setObjectName("actionAutoSave");
    autoSaveAction_->setCheckable(true);
    autoSaveAction_->setChecked(history_.autoSave());
    connect(autoSaveAction_, &QAction::toggled, this, [this](bool on) {
        history_.setAutoSave(on);
        updateGalleryCount();
    });
    QAction* outputFolder =
        fileMenu->addAction(tr("&Output Folder…"), this, &MainWindow::chooseOutputFolder);
    outputFolder->setObjectName("actionOutputFolder");
    QAction* openOutput = fileMenu->addAction(tr("Open Output Folder"), this, [this] {
        QDir().mkpath(history_.currentFolder());
        QDesktopServices::openUrl(QUrl::fromLocalFile(history_.currentFolder()));
    });
    openOutput->setObjectName("actionOpenOutputFolder");
    fileMenu->addSeparator();
    QAction* quit = fileMenu->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);
    quit->setObjectName("actionQuit");

    QMenu* modelMenu = menuBar()->addMenu(tr("&Model"));
    QAction* choose = modelMenu->addAction(tr("&Choose Model…"), this, &MainWindow::chooseModel);
    choose->setShortcut(QKeySequence::Open);
    choose->setObjectName("actionChooseModel");
    QAction* reload =
        modelMenu->addAction(tr("&Reload Model"), this, [this] { setModelPath(modelPath_); });
    reload->setObjectName("actionReloadModel");
    recentModelsMenu_ = modelMenu->addMenu(tr("Recent &Models"));
    recentModelsMenu_->setObjectName("recentModelsMenu");
    connect(recentModelsMenu_, &QMenu::aboutToShow, this, &MainWindow::fillRecentModelsMenu);
    installedModelsMenu_ = modelMenu->addMenu(tr("&Installed Models"));
    installedModelsMenu_->setObjectName("installedModelsMenu");
    connect(installedModelsMenu_, &QMenu::aboutToShow, this, &MainWindow::fillInstalledModelsMenu);
    QAction* download =
        modelMenu->addAction(tr("&Download Models…"), this, &MainWindow::showDownloadDialog);
    download->setObjectName("actionDownloadModels");
    modelMenu->addSeparator();
    parts_ = new ModelPartsMenus(modelMenu, this);
    connect(parts_, &ModelPartsMenus::changed, this, &MainWindow::onModelPartsChanged);
    QAction* realWeights =
        modelMenu->addAction(tr("Get the Real &Weights…"), this, [this] { showRealWeightsPage(); });
    realWeights->setObjectName("actionRealWeights");

    QMenu* generateMenu = menuBar()->addMenu(tr("&Generate"));
    generateAction_ = generateMenu->addAction(tr("&Generate"), this, &MainWindow::generate);
    generateAction_->setObjectName("actionGenerate");
    generateAction_->setShortcuts(
        {QKeySequence(Qt::CTRL | Qt::Key_Return), QKeySequence(Qt::CTRL | Qt::Key_Enter)});
    cancelAction_ = generateMenu->addAction(tr("&Cancel"), this, &MainWindow::cancel);
    cancelAction_->setObjectName("actionCancel");
    cancelAction_->setShortcut(QKeySequence(Qt::Key_Escape));
    generateMenu->addSeparator();
    batchAction_ =
        generateMenu->addAction(tr("&Batch Export…"), this, &MainWindow::openBatchDialog);
    batchAction_->setObjectName("actionBatchExport");
    batchAction_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_B));

    QMenu* viewMenu = menuBar()->addMenu(tr("&View"));
    viewMenu->addAction(plotDock_->toggleViewAction());
    viewMenu->addAction(galleryDock_->toggleViewAction());
    viewMenu->addAction(batchDock_->toggleViewAction());
    viewMenu->addSeparator();
    QMenu* languageMenu = viewMenu->addMenu(tr("&Language"));
    auto* languages = new QActionGroup(this);
    const QString current = QSettings().value(kLanguageKey).toString();
    const std::pair<QString, QString> choices[] = {
        {QString(), tr("System Language")},
        {QStringLiteral("en"), QStringLiteral("English")},
        {QStringLiteral("zh_CN"), QStringLiteral("简体中文")}};
    for (const auto& [code, name] : choices) {
        QAction* action = languageMenu->addAction(name);
        action->setCheckable(true);
        action->setChecked(code == current);
        languages->addAction(action);
        connect(action, &QAction::triggered, this, [this, code = code] { setLanguage(code); });
    }

    QMenu* helpMenu = menuBar()->addMenu(tr("&Help"));
    helpMenu->addAction(tr("&About DEADiff Studio"), this, &MainWindow::showAbout);
    helpMenu->addAction(tr("About &Qt"), qApp, &QApplication::aboutQt);
    updateActions();
}

void MainWindow::buildModelPage() {
    auto* page = new QWidget(pages_);
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
    auto* downloadButton = new QPushButton(tr("Download Models…"), page);
    downloadButton->setObjectName("downloadModelsButton");
    downloadButton->setMinimumHeight(36);
    connect(downloadButton, &QPushButton::clicked, this, &MainWindow::showDownloadDialog);
    auto* buttonRow = new QHBoxLayout;
    buttonRow->addStretch();
    buttonRow->addWidget(chooseModelButton_);
    buttonRow->addWidget(downloadButton);
    buttonRow->addStretch();
    layout->addLayout(buttonRow);

    modelStateLabel_ = new QLabel(page);
    modelStateLabel_->setObjectName("modelStateLabel");
    modelStateLabel_->setAlignment(Qt::AlignCenter);
    modelStateLabel_->setWordWrap(true);
    modelStateLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(modelStateLabel_);

    layout->addStretch(3);
    pages_->addWidget(page);
}

void MainWindow::buildStudioPage() {
    auto* splitter = new QSplitter(Qt::Horizontal, pages_);
    splitter->setObjectName("studioPage");

    form_ = new GenerationForm;
    connect(form_, &GenerationForm::generateRequested, this, &MainWindow::generate);
    connect(form_, &GenerationForm::realWeightsRequested, this, [this] { showRealWeightsPage(); });
    connect(form_, &GenerationForm::referenceRefused, this,
            [this](const QString& message) { statusBar()->showMessage(message, 10000); });
    auto* scroll = new QScrollArea(splitter);
    formScroll_ = scroll;
    scroll->setObjectName("formScroll");
    scroll->setWidget(form_);
    scroll->setWidgetResizable(true);
    // The panel never gets narrower than the form needs (at 2x scaling the window is small);
    // should the form still not fit, a scroll bar shows what is cut off.
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    scroll->setMinimumWidth(form_->minimumSizeHint().width() +
                            scroll->verticalScrollBar()->sizeHint().width() +
                            2 * scroll->frameWidth());

    auto* right = new QWidget(splitter);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(4, 4, 4, 4);

    modelBadge_ = new QLabel(right);
    modelBadge_->setObjectName("modelBadge");
    modelBadge_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    modelBadge_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    rightLayout->addWidget(modelBadge_);

    preview_ = new ImageView(right);
    preview_->setObjectName("preview");
    preview_->setPlaceholderText(
        tr("The image appears here while it forms.\nDrop a style image on the left, write a "
           "prompt, then press Generate (Ctrl+Enter)."));
    preview_->setMinimumSize(240, 240);
    preview_->setInteractive(true);
    preview_->setToolTip(tr("Wheel: zoom · drag: move · double-click: 100 % or fit · +/−/0/1"));
    rightLayout->addWidget(preview_, 1);

    // The viewer's controls: zoom, and the compare mode for two gallery results.
    const auto toolButton = [right](const QString& text, const QString& tip, const char* name) {
        auto* button = new QToolButton(right);
        button->setText(text);
        button->setToolTip(tip);
        button->setObjectName(name);
        button->setAutoRaise(true);
        return button;
    };
    QToolButton* fit =
        toolButton(tr("Fit"), tr("Fit the image into the view (0)"), "zoomFitButton");
    QToolButton* actual = toolButton(
        QStringLiteral("1:1"), tr("One image pixel per screen pixel (1)"), "zoomActualButton");
    QToolButton* zoomOut = toolButton(QStringLiteral("−"), tr("Zoom out (−)"), "zoomOutButton");
    QToolButton* zoomIn = toolButton(QStringLiteral("+"), tr("Zoom in (+)"), "zoomInButton");
    connect(fit, &QToolButton::clicked, preview_, &ImageView::zoomToFit);
    connect(actual, &QToolButton::clicked, preview_, &ImageView::zoomActualSize);
    connect(zoomOut, &QToolButton::clicked, preview_, &ImageView::zoomOut);
    connect(zoomIn, &QToolButton::clicked, preview_, &ImageView::zoomIn);
    zoomLabel_ = new QLabel(right);
    zoomLabel_->setObjectName("zoomLabel");
    zoomLabel_->setMinimumWidth(
        zoomLabel_->fontMetrics().horizontalAdvance(QStringLiteral("8888 %")));
    connect(preview_, &ImageView::zoomChanged, this, [this](double scale) {
        zoomLabel_->setText(QStringLiteral("%1 %").arg(std::lround(scale * 100)));
    });
    compareCombo_ = new QComboBox(right);
    compareCombo_->setObjectName("compareCombo");
    compareCombo_->addItem(tr("Side by side"), static_cast<int>(ImageView::Compare::SideBySide));
    compareCombo_->addItem(tr("Slider"), static_cast<int>(ImageView::Compare::Slider));
    compareCombo_->setToolTip(tr("How two results are compared: select two in the gallery, then "
                                 "right-click → Compare"));
    selectComboData(compareCombo_, QSettings().value(kCompareModeKey, 1).toInt());
    connect(compareCombo_, &QComboBox::currentIndexChanged, this, [this] {
        QSettings().setValue(kCompareModeKey, compareCombo_->currentData());
        if (preview_->compareMode() != ImageView::Compare::Off)
            preview_->setCompare(
                static_cast<ImageView::Compare>(compareCombo_->currentData().toInt()),
                preview_->compareImage(), previewOtherCaption_);
    });
    auto* viewerRow = new QHBoxLayout;
    viewerRow->setSpacing(2);
    for (QToolButton* button : {fit, actual, zoomOut, zoomIn})
        viewerRow->addWidget(button);
    viewerRow->addWidget(zoomLabel_);
    viewerRow->addStretch();
    viewerRow->addWidget(new QLabel(tr("Compare:"), right));
    viewerRow->addWidget(compareCombo_);
    rightLayout->addLayout(viewerRow);

    generateButton_ = new QPushButton(tr("Generate"), right);
    generateButton_->setObjectName("generateButton");
    generateButton_->setDefault(true);
    generateButton_->setMinimumHeight(34);
    generateButton_->setToolTip(tr("Generate an image (Ctrl+Enter)"));
    QFont bold = generateButton_->font();
    bold.setBold(true);
    generateButton_->setFont(bold);
    connect(generateButton_, &QPushButton::clicked, this, &MainWindow::generate);
    cancelButton_ = new QPushButton(tr("Cancel"), right);
    cancelButton_->setObjectName("cancelButton");
    cancelButton_->setMinimumHeight(34);
    cancelButton_->setToolTip(tr("Stop after the current step (Esc)"));
    connect(cancelButton_, &QPushButton::clicked, this, &MainWindow::cancel);

    progress_ = new QProgressBar(right);
    progress_->setObjectName("progressBar");
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(tr("Ready"));
    progress_->setTextVisible(true);
    progress_->setMinimumHeight(26);
    etaLabel_ = new QLabel(right);
    etaLabel_->setObjectName("etaLabel");
    etaLabel_->setMinimumWidth(110);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(generateButton_);
    buttons->addWidget(cancelButton_);
    buttons->addWidget(progress_, 1);
    buttons->addWidget(etaLabel_);
    rightLayout->addLayout(buttons);

    fullDecodeSpin_ = new QSpinBox(right);
    fullDecodeSpin_->setObjectName("fullDecodeSpin");
    fullDecodeSpin_->setRange(0, 100);
    fullDecodeSpin_->setSpecialValueText(tr("never"));
    fullDecodeSpin_->setPrefix(tr("every "));
    fullDecodeSpin_->setSuffix(tr(" steps"));
    fullDecodeSpin_->setToolTip(
        tr("The preview is a quick colour estimate; a full decode shows the real image but costs "
           "about one step each time."));
    connect(fullDecodeSpin_, &QSpinBox::valueChanged, this,
            [this](int steps) { worker_->setFullDecodeEvery(steps); });
    auto* previewOptions = new QHBoxLayout;
    previewOptions->addWidget(new QLabel(tr("Full preview decode:"), right));
    previewOptions->addWidget(fullDecodeSpin_);
    previewOptions->addStretch();
    rightLayout->addLayout(previewOptions);

    splitter->addWidget(scroll);
    splitter->addWidget(right);
    splitter->setCollapsible(0, false);
    splitter->setStretchFactor(0, 0);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({440, 700});
    pages_->addWidget(splitter);
}

void MainWindow::buildDocks() {
    plot_ = new StepPlot;
    plotDock_ = new QDockWidget(tr("Steps"), this);
    plotDock_->setObjectName("plotDock");
    plotDock_->setWidget(plot_);
    addDockWidget(Qt::RightDockWidgetArea, plotDock_);

    gallery_ = new Gallery;
    galleryDock_ = new QDockWidget(tr("Gallery"), this);
    galleryDock_->setObjectName("galleryDock");
    auto* galleryPanel = new QWidget;
    auto* galleryLayout = new QVBoxLayout(galleryPanel);
    galleryLayout->setContentsMargins(2, 2, 2, 2);
    gallerySearch_ = new QLineEdit(galleryPanel);
    gallerySearch_->setObjectName("gallerySearch");
    gallerySearch_->setPlaceholderText(tr("Search prompts, styles, seeds…"));
    gallerySearch_->setClearButtonEnabled(true);
    galleryCount_ = new QLabel(galleryPanel);
    galleryCount_->setObjectName("galleryCount");
    // A long output path must not widen the dock: the tooltip has it all.
    galleryCount_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* saveAll = new QPushButton(tr("Save All…"), galleryPanel);
    saveAll->setObjectName("saveAllButton");
    saveAll->setToolTip(tr("Save every result shown here into one folder"));
    connect(saveAll, &QPushButton::clicked, this, &MainWindow::saveAllWithDialog);
    auto* searchRow = new QHBoxLayout;
    searchRow->addWidget(gallerySearch_, 1);
    searchRow->addWidget(saveAll);
    galleryLayout->addLayout(searchRow);
    galleryLayout->addWidget(gallery_, 1);
    galleryLayout->addWidget(galleryCount_);
    galleryDock_->setWidget(galleryPanel);
    connect(gallerySearch_, &QLineEdit::textChanged, this, [this](const QString& text) {
        gallery_->setFilter(text);
        updateGalleryCount();
    });
    connect(gallery_->model(), &QAbstractItemModel::rowsInserted, this,
            &MainWindow::updateGalleryCount);
    connect(gallery_->model(), &QAbstractItemModel::rowsRemoved, this,
            &MainWindow::updateGalleryCount);
    updateGalleryCount();
    addDockWidget(Qt::RightDockWidgetArea, galleryDock_);
    resizeDocks({plotDock_, galleryDock_}, {380, 380}, Qt::Horizontal);
    resizeDocks({plotDock_, galleryDock_}, {480, 420}, Qt::Vertical);

    batchPanel_ = new BatchQueuePanel;
    batchDock_ = new QDockWidget(tr("Batch Queue"), this);
    batchDock_->setObjectName("batchDock");
    batchDock_->setWidget(batchPanel_);
    addDockWidget(Qt::RightDockWidgetArea, batchDock_);
    tabifyDockWidget(plotDock_, batchDock_);
    plotDock_->raise();

    connect(gallery_, &Gallery::viewRequested, this, &MainWindow::showResult);
    connect(gallery_, &Gallery::saveRequested, this, &MainWindow::saveResultWithDialog);
    connect(gallery_, &Gallery::copyRequested, this, &MainWindow::copyResult);
    connect(gallery_, &Gallery::reuseSettingsRequested, this, &MainWindow::reuseSettings);
    connect(gallery_, &Gallery::useAsStyleRequested, this, &MainWindow::useResultAsStyle);
    connect(gallery_, &Gallery::useAsStartImageRequested, this, &MainWindow::useResultAsStartImage);
    connect(gallery_, &Gallery::compareRequested, this, &MainWindow::compareResults);
    connect(gallery_, &Gallery::deleteRequested, this, &MainWindow::askDeleteResults);
    connect(gallery_, &Gallery::showInFolderRequested, this, [this](int index) {
        QDesktopServices::openUrl(
            QUrl::fromLocalFile(QFileInfo(gallery_->entry(index).path).absolutePath()));
    });
}

void MainWindow::updateGalleryCount() {
    const int shown = gallery_->visibleCount();
    const int all = gallery_->resultCount();
    QString text =
        shown == all ? tr("Results: %1").arg(all) : tr("Results: %1 of %2").arg(shown).arg(all);
    if (history_.autoSave())
        text += QStringLiteral(" · ") +
                tr("saved in %1").arg(QDir::toNativeSeparators(history_.outputRoot()));
    galleryCount_->setText(text);
    galleryCount_->setToolTip(text);
}

void MainWindow::showStudio(bool studio) {
    pages_->setCurrentIndex(studio ? 1 : 0);
    // The docks belong to the studio; on the "choose a model" page they would be empty noise.
    plotDock_->setVisible(studio);
    galleryDock_->setVisible(studio);
    batchDock_->setVisible(studio);
    if (studio)
        plotDock_->raise();
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
    if (currentJob_ != 0) {
        statusBar()->showMessage(tr("Wait for the generation to finish (or cancel it) before "
                                    "changing the model."));
        return;
    }
    const QFileInfo file(path);
    const bool readable = !path.isEmpty() && file.exists() && file.isReadable();
    if (!readable && modelReady_) {
        // A vanished Recent entry: say so and keep working with the loaded model.
        showError(
            tr("Could not load the model"),
            file.exists()
                ? tr("The model file %1 cannot be read (permissions?).")
                      .arg(QDir::toNativeSeparators(path))
                : tr("The model file %1 no longer exists.").arg(QDir::toNativeSeparators(path)),
            tr("Still working with %1.").arg(QFileInfo(modelPath_).fileName()));
        return;
    }
    modelPath_ = path;
    modelReady_ = false;
    modelLoading_ = false;
    parts_->setModelPath(path);
    if (!path.isEmpty()) // remembered at once: quitting while it loads keeps the choice
        QSettings().setValue(kModelPathKey, path);
    updateModelState();
    if (readable) {
        modelLoading_ = true;
        progress_->setRange(0, 1000);
        progress_->setValue(0);
        progress_->setFormat(tr("Loading model… %p%"));
        modelBadge_->setText(tr("Loading %1…").arg(file.fileName()));
        showStudio(true);
        worker_->setPreferredDtype(form_->request().dtype);
        Q_EMIT loadRequested(currentLoadOptions(), true);
    } else {
        showStudio(false);
    }
    updateActions();
}

QStringList MainWindow::recentModels() const {
    return QSettings().value(kRecentModelsKey).toStringList();
}

void MainWindow::fillRecentModelsMenu() {
    recentModelsMenu_->clear();
    const QStringList recent = recentModels();
    for (const QString& path : recent) {
        QAction* action = recentModelsMenu_->addAction(QFileInfo(path).fileName(), this,
                                                       [this, path] { setModelPath(path); });
        action->setToolTip(QDir::toNativeSeparators(path));
        action->setEnabled(QFileInfo::exists(path));
    }
    if (recent.isEmpty())
        recentModelsMenu_->addAction(tr("No recent models"))->setEnabled(false);
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

void MainWindow::updateActions() {
    const bool busy = currentJob_ != 0 || generateWhenLoaded_;
    const bool canGenerate = (modelReady_ || modelLoading_) && !busy;
    if (generateButton_ != nullptr) {
        generateButton_->setEnabled(canGenerate);
        cancelButton_->setEnabled(busy);
    }
    if (generateAction_ != nullptr) {
        generateAction_->setEnabled(canGenerate);
        cancelAction_->setEnabled(busy);
    }
    if (batchAction_ != nullptr)
        batchAction_->setEnabled(modelReady_);
}

void MainWindow::onLoadProgress(const QString& what, double fraction) {
    if (!modelLoading_)
        return;
    progress_->setValue(static_cast<int>(std::lround(std::clamp(fraction, 0.0, 1.0) * 1000)));
    progress_->setFormat(tr("Loading model: %1 %p%").arg(what));
}

void MainWindow::onModelLoaded(const QString& path, const QString& computeDtype, int nativeSide) {
    if (path != modelPath_)
        return; // an older load finished after the user picked another model
    modelLoading_ = false;
    modelReady_ = true;
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(tr("Ready"));
    modelBadge_->setText(
        tr("Model: %1 · computing in %2").arg(QFileInfo(path).fileName(), computeDtype));
    workingModel_ = path;
    {
        QSettings settings;
        QStringList recent = settings.value(kRecentModelsKey).toStringList();
        recent.removeAll(path);
        recent.prepend(path);
        settings.setValue(kRecentModelsKey, recent.mid(0, kMaxRecentModels));
    }
    pipeline::ModelCard card;
    try {
        card = pipeline::modelCard(path.toStdString());
    } catch (const std::exception&) {
        card = {}; // the model loaded, so its model.json was readable a moment ago
    }
    form_->setModelCard(card, QFileInfo(path).fileName());
    // A 64 px demo model asked for 512 px paints far outside what it learnt (and 64x slower);
    // the user's own size stays as long as the models agree.
    const int side = nativeSide;
    QString loaded = tr("Model loaded: %1").arg(QDir::toNativeSeparators(path));
    if (side != loadedModelSide_) {
        form_->setImageSide(side);
        loaded += QStringLiteral(" · ") +
                  tr("image size set to %1 × %1 px, the size it was trained at").arg(side);
    }
    loadedModelSide_ = side;
    statusBar()->showMessage(loaded, 8000);
    const bool queued = generateWhenLoaded_;
    generateWhenLoaded_ = false;
    updateActions();
    if (queued)
        generate(); // a form that is not ready says so, and Generate is enabled again
}

void MainWindow::onLoadFailed(const QString& path, const QString& message) {
    if (path != modelPath_)
        return;
    generateWhenLoaded_ = false; // the error says why; the user decides what to run next
    if (worker_->hasModel()) {
        // A base or VAE was refused before anything changed: the loaded model still works.
        parts_->showLoaded(QString::fromStdString(loadedFacts_.base), loadedFacts_.baseEma,
                           QString::fromStdString(loadedFacts_.vae));
        modelLoading_ = false;
        modelReady_ = true;
        progress_->setRange(0, 1);
        progress_->setValue(0);
        progress_->setFormat(tr("Ready"));
        updateActions();
        showError(tr("Could not switch the base model or VAE"), userMessage(message),
                  tr("Choose a Stable Diffusion 1.5 checkpoint as the base model (not SDXL, SD "
                     "2.x, an inpainting or a v-prediction model) and a standalone SD VAE."));
        return;
    }
    {
        // A file that does not load is no "recent model", nor the one to open next time.
        QSettings settings;
        QStringList recent = settings.value(kRecentModelsKey).toStringList();
        recent.removeAll(path);
        settings.setValue(kRecentModelsKey, recent);
        if (workingModel_.isEmpty())
            settings.remove(kModelPathKey);
        else
            settings.setValue(kModelPathKey, workingModel_);
    }
    if (!workingModel_.isEmpty() && workingModel_ != path) {
        // The worker released the working model to make room: load it again; the form, the
        // gallery and the docks stay as they are.
        const QString back = workingModel_;
        showError(tr("Could not load the model"), userMessage(message),
                  tr("Still working with %1. Choose a DEADiff checkpoint (.ckpt or "
                     ".safetensors) or a model folder from the Model menu.")
                      .arg(QFileInfo(back).fileName()));
        modelPath_ = back;
        updateModelState();
        modelLoading_ = true;
        progress_->setRange(0, 1000);
        progress_->setValue(0);
        progress_->setFormat(tr("Loading model… %p%"));
        modelBadge_->setText(tr("Loading %1…").arg(QFileInfo(back).fileName()));
        parts_->setModelPath(back);
        Q_EMIT loadRequested(currentLoadOptions(), true);
        return;
    }
    modelLoading_ = false;
    modelReady_ = false;
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(tr("No model"));
    modelStateLabel_->setText(
        tr("Could not load %1:\n%2").arg(QDir::toNativeSeparators(path), message));
    showStudio(false);
    updateActions();
    showError(tr("Could not load the model"), userMessage(message),
              tr("Choose a DEADiff checkpoint (.ckpt or .safetensors) from the Model menu. If "
                 "the file was copied or downloaded, check that it is complete."));
}

GenerationRequest MainWindow::currentRequest() const {
    GenerationRequest request = form_->request();
    request.model = modelPath_.toStdString();
    request.base = parts_->base().toStdString();
    request.baseEma = parts_->baseEma();
    request.vae = parts_->vae().toStdString();
    return request;
}

LoadOptions MainWindow::currentLoadOptions() const {
    return loadOptionsFor(currentRequest(), modelPath_.toStdString());
}

void MainWindow::onModelPartsChanged() {
    if (modelPath_.isEmpty() || !modelReady_)
        return; // remembered: the next load uses it
    if (currentJob_ != 0) {
        statusBar()->showMessage(tr("The new base model or VAE is used from the next "
                                    "generation."),
                                 8000);
        return; // the next generation reloads (GenerationWorker::reloadFor)
    }
    modelReady_ = false;
    modelLoading_ = true;
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setFormat(tr("Loading model… %p%"));
    updateActions();
    Q_EMIT loadRequested(currentLoadOptions(), false);
}

void MainWindow::onModelFacts(const deadiff::ModelFacts& facts) {
    if (QString::fromStdString(facts.modelPath) != modelPath_)
        return;
    loadedFacts_ = facts;
    form_->setReferenceImagesEnabled(facts.referenceImages);
    QStringList loraNotes;
    for (const std::string& note : facts.loraNotes)
        loraNotes << QString::fromStdString(note);
    form_->loraPanel()->setLoaded(facts.loras, loraNotes);
    // A model folder's own lora/ holds LoRAs made for it (the demo model's LCM-LoRA).
    form_->loraPanel()->setModelLoraFolder(QFileInfo(modelPath_).isDir()
                                               ? QDir(modelPath_).filePath(QStringLiteral("lora"))
                                               : QString());
    // And its controlnet/ the ControlNets made for it (the demo model's canny and depth).
    form_->controlPanel()->setModelControlNetFolder(
        QFileInfo(modelPath_).isDir() ? QDir(modelPath_).filePath(QStringLiteral("controlnet"))
                                      : QString());
    QString badge = modelBadge_->text();
    if (!facts.base.empty())
        badge += QStringLiteral(" · ") +
                 tr("base %1").arg(QFileInfo(QString::fromStdString(facts.base)).fileName());
    if (!facts.vae.empty())
        badge += QStringLiteral(" · ") +
                 tr("VAE %1").arg(QFileInfo(QString::fromStdString(facts.vae)).fileName());
    if (!facts.referenceImages)
        badge += QStringLiteral(" · ") + tr("text only (plain Stable Diffusion 1.5)");
    modelBadge_->setText(badge);
    if (!facts.notes.empty())
        statusBar()->showMessage(QString::fromStdString(facts.notes.front()), 10000);
}

QString MainWindow::restoreModelParts(const GenerationRequest& recorded) {
    QStringList missing;
    const auto find = [&](const std::string& path, const std::string& hash) -> QString {
        if (path.empty())
            return {};
        const QString found = parts_->locate(
            QString::fromStdString(path), QString::fromStdString(hash), modelPath_, recentModels());
        if (found.isEmpty())
            missing << QDir::toNativeSeparators(QString::fromStdString(path));
        return found;
    };
    const QString base = find(recorded.base, recorded.baseHash);
    const QString vae = find(recorded.vae, recorded.vaeHash);
    if (!missing.isEmpty())
        return tr("Not found, so the current base model and VAE stay: %1.")
            .arg(missing.join(QStringLiteral(", ")));
    const QSignalBlocker quiet(parts_); // one load for all three
    parts_->setBase(base);
    parts_->setBaseEma(recorded.baseEma);
    parts_->setVae(vae);
    return {};
}

QString MainWindow::locateLoras(std::vector<LoraChoice>& loras) const {
    std::vector<std::string> folders;
    const auto addFolderOf = [&](const QString& file) {
        const std::string folder = QFileInfo(file).absolutePath().toStdString();
        if (std::find(folders.begin(), folders.end(), folder) == folders.end())
            folders.push_back(folder);
    };
    if (const std::string root = models::modelsRoot(); !root.empty())
        addFolderOf(QDir(QString::fromStdString(root)).filePath(QStringLiteral("lora/any")));
    if (!modelPath_.isEmpty())
        addFolderOf(modelPath_);
    for (const LoraChoice& listed : form_->loraPanel()->loras())
        addFolderOf(QString::fromStdString(listed.path));
    QStringList missing;
    for (LoraChoice& lora : loras) {
        const std::string found =
            pipeline::locateModelFile(lora.path, lora.hash, folders, pipeline::loraFileHash);
        if (found.empty())
            missing << QDir::toNativeSeparators(QString::fromStdString(lora.path));
        else
            lora.path = found;
    }
    if (missing.isEmpty())
        return {};
    return tr("LoRA not found (or changed since): %1.").arg(missing.join(QStringLiteral(", ")));
}

void MainWindow::generate() {
    if (currentJob_ != 0)
        return;
    if (!modelReady_ && modelLoading_) {
        // The form is usable while the model loads; the request is read from it once the model
        // is there (a model's native size may change it).
        generateWhenLoaded_ = true;
        statusBar()->showMessage(
            tr("Generates as soon as the model has loaded (Esc or Cancel takes it back)."));
        updateActions();
        return;
    }
    if (!modelReady_) {
        statusBar()->showMessage(tr("Choose a model first (Model menu)."), 8000);
        return;
    }
    GenerationRequest request = currentRequest();
    const QString incomplete = form_->incompleteSettings();
    if (!incomplete.isEmpty()) {
        showError(tr("Cannot generate yet"), incomplete,
                  tr("Fix that setting in the form on the left, then press Generate again."));
        return;
    }
    try {
        // `<lora:NAME:W>` in the prompt loads like a listed LoRA (as in `deadiff generate`).
        pipeline::addPromptLoras(request, models::modelsRoot());
        validate(request);
    } catch (const RequestError& error) {
        showError(tr("Cannot generate yet"), userMessage(error),
                  tr("Fix that setting in the form on the left, then press Generate again."));
        return;
    }
    QStringList missing;
    for (const StyleReference& style : request.styles)
        if (!QFileInfo::exists(QString::fromStdString(style.path)))
            missing << QString::fromStdString(style.path);
    for (const std::string* path : {&request.content, &request.init, &request.mask})
        if (!path->empty() && !QFileInfo::exists(QString::fromStdString(*path)))
            missing << QString::fromStdString(*path);
    QStringList missingLoras;
    for (const LoraChoice& lora : request.loras)
        if (!QFileInfo::exists(QString::fromStdString(lora.path)))
            missingLoras << QString::fromStdString(lora.path);
    if (!missingLoras.isEmpty()) {
        showError(tr("LoRA file missing"),
                  tr("These LoRA files do not exist: %1")
                      .arg(QDir::toNativeSeparators(missingLoras.join(QStringLiteral(", ")))),
                  tr("Remove them from the LoRAs list, or put the files back."));
        return;
    }
    if (!missing.isEmpty()) {
        showError(tr("Reference image missing"),
                  tr("These reference images do not exist: %1")
                      .arg(QDir::toNativeSeparators(missing.join(QStringLiteral(", ")))),
                  tr("Drop the images again or clear their slots."));
        return;
    }

    // Written now, not only on quit: a crash or a kill mid-run keeps the settings that ran.
    saveSettings();
    currentJob_ = ++lastJob_;
    plot_->reset(request.steps);
    progress_->setRange(0, request.steps);
    progress_->setValue(0);
    etaLabel_->clear();
    updateActions();
    preview_->setCompare(ImageView::Compare::Off);
    if (batchQueueBusy()) {
        // The worker runs one job at a time: this image waits for the batch queue.
        progress_->setFormat(tr("Waiting for the batch queue…"));
        statusBar()->showMessage(tr("Your image starts when the batch jobs are done; cancel them "
                                    "in the Batch Queue dock to start it sooner."));
        batchDock_->show();
        batchDock_->raise();
    } else {
        progress_->setFormat(tr("Starting…"));
        statusBar()->showMessage(tr("Generating…"));
    }
    Q_EMIT generationRequested(request, currentJob_);
}

void MainWindow::cancel() {
    if (generateWhenLoaded_) {
        generateWhenLoaded_ = false;
        statusBar()->showMessage(tr("The queued generation was taken back."), 8000);
        updateActions();
        return;
    }
    if (currentJob_ == 0)
        return;
    worker_->cancel(currentJob_);
    progress_->setFormat(tr("Cancelling…"));
    cancelButton_->setEnabled(false);
}

void MainWindow::onStarted(quint64 jobId, const GenerationRequest& resolved) {
    if (jobId != currentJob_)
        return;
    progress_->setFormat(tr("Starting…"));
    if (resolved.seed)
        statusBar()->showMessage(tr("Generating with seed %1…").arg(*resolved.seed));
}

void MainWindow::onStage(quint64 jobId, const QString& stage) {
    if (jobId != currentJob_)
        return;
    progress_->setFormat(stageText(stage));
}

void MainWindow::onStep(const StepUpdate& update) {
    if (!update.preview.isNull())
        worker_->previewConsumed();
    if (update.jobId != currentJob_)
        return;
    const int done = update.step + 1;
    const int total = std::max(update.totalSteps, done);
    progress_->setRange(0, total);
    progress_->setValue(done);
    progress_->setFormat(tr("Step %1 / %2").arg(done).arg(total));
    const double perStep = update.elapsedSeconds / done;
    etaLabel_->setText(tr("ETA %1 · %2 s/step")
                           .arg(formatDuration(perStep * (total - done)))
                           .arg(update.stepSeconds, 0, 'f', 2));
    plot_->addStep(update.step, update.stepSeconds, update.change);
    if (!update.preview.isNull()) {
        preview_->setImage(update.preview);
        preview_->setCaption(update.fullDecode
                                 ? tr("step %1 / %2 · full decode").arg(done).arg(total)
                                 : tr("step %1 / %2 · preview").arg(done).arg(total));
    }
}

void MainWindow::onFinished(const GenerationOutcome& outcome) {
    if (outcome.jobId != currentJob_)
        return;
    currentJob_ = 0;
    updateActions();
    if (outcome.request.seed)
        form_->setLastSeed(*outcome.request.seed);
    for (const QImage& image : outcome.images)
        keepResult(image, outcome.request);
    if (!outcome.images.isEmpty()) {
        preview_->setImage(outcome.images.front());
        preview_->setCaption(
            Gallery::labelFor(outcome.request).replace(QLatin1Char('\n'), QStringLiteral(" · ")));
    }
    progress_->setValue(progress_->maximum());
    progress_->setFormat(tr("Done"));
    etaLabel_->setText(tr("%1 in total").arg(formatDuration(outcome.seconds)));
    const QString saved =
        outcome.images.isEmpty() ? QString() : gallery_->entry(gallery_->resultCount() - 1).path;
    statusBar()->showMessage(
        saved.isEmpty()
            ? tr("Finished in %1 (seed %2); not saved yet: File → Save All, or right-click it in "
                 "the gallery.")
                  .arg(formatDuration(outcome.seconds))
                  .arg(outcome.request.seed.value_or(0))
            : tr("Finished in %1 (seed %2), saved as %3.")
                  .arg(formatDuration(outcome.seconds))
                  .arg(outcome.request.seed.value_or(0))
                  .arg(QDir::toNativeSeparators(saved)),
        15000);
}

void MainWindow::onCancelled(quint64 jobId) {
    if (jobId != currentJob_)
        return;
    currentJob_ = 0;
    updateActions();
    progress_->setValue(0);
    progress_->setFormat(tr("Cancelled"));
    etaLabel_->clear();
    statusBar()->showMessage(tr("Generation cancelled."), 8000);
}

void MainWindow::onFailed(quint64 jobId, const QString& message) {
    if (jobId != currentJob_)
        return;
    currentJob_ = 0;
    updateActions();
    progress_->setValue(0);
    progress_->setFormat(tr("Failed"));
    etaLabel_->clear();
    showError(tr("The generation failed"), userMessage(message),
              tr("Check the reference images and the settings, then press Generate again. If "
                 "it keeps failing, reload the model (Model → Reload Model)."));
}

void MainWindow::showError(const QString& title, const QString& message, const QString& advice) {
    statusBar()->showMessage(title + QStringLiteral(": ") + message);
    // Window-modal and non-blocking: the worker's queued signals keep being processed.
    if (messageBox_ != nullptr)
        messageBox_->deleteLater();
    messageBox_ = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    messageBox_->setObjectName("errorMessageBox");
    messageBox_->setInformativeText(advice);
    messageBox_->setAttribute(Qt::WA_DeleteOnClose);
    messageBox_->open();
    Q_EMIT errorShown(message);
}

bool MainWindow::saveResult(int index, const QString& path) {
    if (index < 0 || index >= gallery_->resultCount())
        return false;
    const QImage image = gallery_->image(index);
    try {
        if (image.isNull())
            throw std::runtime_error(
                tr("%1 cannot be read any more").arg(gallery_->entry(index).path).toStdString());
        writeResultImage(path, image, gallery_->entry(index).request, exportScale(),
                         sharpPixelsAction_->isChecked());
    } catch (const std::exception& error) {
        showError(tr("Could not save the image"), QString::fromStdString(error.what()),
                  tr("Choose another folder or free some disk space."));
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 8000);
    return true;
}

void MainWindow::saveResultWithDialog(int index) {
    if (index < 0 || index >= gallery_->resultCount())
        return;
    QSettings settings;
    // The last folder saved into, else today's output folder (never a reference's folder).
    QString folder = settings.value(kLastSaveDirKey).toString();
    if (folder.isEmpty() || !QFileInfo(folder).isDir()) {
        folder = history_.currentFolder();
        QDir().mkpath(folder);
    }
    const GalleryEntry& entry = gallery_->entry(index);
    const QString name = resultFileName(folder, entry.created, entry.request);
    QString filter;
    QString path = QFileDialog::getSaveFileName(this, tr("Save Image"), QDir(folder).filePath(name),
                                                saveFilters(), &filter);
    if (path.isEmpty())
        return;
    if (QFileInfo(path).suffix().isEmpty())
        path += filter.contains(QLatin1String("*.jpg"))    ? QStringLiteral(".jpg")
                : filter.contains(QLatin1String("*.webp")) ? QStringLiteral(".webp")
                                                           : QStringLiteral(".png");
    settings.setValue(kLastSaveDirKey, QFileInfo(path).path());
    saveResult(index, path);
}

int MainWindow::saveAllResults(const QString& folder) {
    if (!QDir().mkpath(folder)) {
        showError(tr("Could not save the images"),
                  tr("Cannot create the folder %1.").arg(QDir::toNativeSeparators(folder)),
                  tr("Choose another folder."));
        return 0;
    }
    int written = 0;
    for (int i = 0; i < gallery_->resultCount(); ++i) {
        if (gallery_->item(i)->isHidden())
            continue; // the search hides it: "all" is what the gallery shows
        const GalleryEntry& entry = gallery_->entry(i);
        const QString path =
            QDir(folder).filePath(resultFileName(folder, entry.created, entry.request));
        const QImage image = gallery_->image(i);
        try {
            writeResultImage(path, image, entry.request, exportScale(),
                             sharpPixelsAction_->isChecked());
        } catch (const std::exception& error) {
            showError(tr("Could not save the images"), QString::fromStdString(error.what()),
                      tr("Images saved before this one: %1. Choose another folder or free some "
                         "disk space.")
                          .arg(written));
            return written;
        }
        if (entry.path.isEmpty())
            gallery_->setSaved(i, path); // no longer only in memory
        ++written;
    }
    statusBar()->showMessage(
        tr("Images saved in %1: %2").arg(QDir::toNativeSeparators(folder)).arg(written), 10000);
    return written;
}

void MainWindow::saveAllWithDialog() {
    if (gallery_->visibleCount() == 0) {
        statusBar()->showMessage(tr("The gallery shows no results to save."), 8000);
        return;
    }
    QSettings settings;
    QString start = settings.value(kLastSaveDirKey).toString();
    if (start.isEmpty() || !QFileInfo(start).isDir())
        start = history_.outputRoot();
    const QString folder =
        QFileDialog::getExistingDirectory(this, tr("Save All Results Into"), start);
    if (folder.isEmpty())
        return;
    settings.setValue(kLastSaveDirKey, folder);
    saveAllResults(folder);
}

int MainWindow::exportScale() const {
    for (QAction* action : exportScaleActions_)
        if (action->isChecked())
            return action->data().toInt();
    return 1;
}

void MainWindow::setExportScale(int scale, bool sharpPixels) {
    for (QAction* action : exportScaleActions_) {
        const QSignalBlocker block(action);
        action->setChecked(action->data().toInt() == scale);
    }
    {
        const QSignalBlocker block(sharpPixelsAction_);
        sharpPixelsAction_->setChecked(sharpPixels);
    }
    QSettings settings;
    settings.setValue(kExportScaleKey, exportScale());
    settings.setValue(kExportSharpKey, sharpPixels);
}

void MainWindow::copyResult(int index) {
    if (index < 0 || index >= gallery_->resultCount())
        return;
    QApplication::clipboard()->setImage(gallery_->image(index));
    statusBar()->showMessage(tr("Image copied to the clipboard."), 5000);
}

void MainWindow::reuseSettings(int index) {
    if (index < 0 || index >= gallery_->resultCount())
        return;
    form_->setRequest(gallery_->entry(index).request);
    statusBar()->showMessage(tr("Settings of that image restored (seed included)."), 8000);
}

QString MainWindow::resultFileForReuse(int index) {
    if (index < 0 || index >= gallery_->resultCount())
        return {};
    const GalleryEntry& entry = gallery_->entry(index);
    // The pipeline reads references and start images from files: a saved result is one already.
    QString path = entry.path;
    if (path.isEmpty()) {
        const QString folder = QStandardPaths::writableLocation(QStandardPaths::CacheLocation) +
                               QStringLiteral("/references");
        QDir().mkpath(folder);
        path = QDir(folder).filePath(
            QStringLiteral("result-%1-%2.png").arg(entry.request.seed.value_or(0)).arg(index));
        try {
            writeResultImage(path, entry.image, entry.request);
        } catch (const std::exception& error) {
            showError(tr("Could not use the image"), QString::fromStdString(error.what()),
                      tr("Save the image somewhere and drop it onto the form instead."));
            return {};
        }
    }
    return path;
}

void MainWindow::useResultAsStyle(int index, int slot) {
    const QString path = resultFileForReuse(index);
    if (!path.isEmpty())
        (slot == 0 ? form_->styleZoneA() : form_->styleZoneB())->offerPath(path);
}

void MainWindow::useResultAsStartImage(int index) {
    const QString path = resultFileForReuse(index);
    if (!path.isEmpty())
        form_->startImagePanel()->setStartImage(path);
}

void MainWindow::showResult(int index) {
    if (index < 0 || index >= gallery_->resultCount())
        return;
    const GalleryEntry& entry = gallery_->entry(index);
    preview_->setCompare(ImageView::Compare::Off);
    const QImage image = gallery_->image(index);
    if (image.isNull()) {
        preview_->clear();
        preview_->setPlaceholderText(
            tr("%1 cannot be read any more.").arg(QDir::toNativeSeparators(entry.path)));
        return;
    }
    preview_->setImage(image);
    preview_->setCaption(
        Gallery::labelFor(entry.request).replace(QLatin1Char('\n'), QStringLiteral(" · ")));
}

void MainWindow::compareResults(int first, int second) {
    if (first < 0 || second < 0 || first >= gallery_->resultCount() ||
        second >= gallery_->resultCount() || first == second)
        return;
    showResult(first);
    const QImage other = gallery_->image(second);
    previewOtherCaption_ = Gallery::labelFor(gallery_->entry(second).request)
                               .replace(QLatin1Char('\n'), QStringLiteral(" · "));
    preview_->setCompare(static_cast<ImageView::Compare>(compareCombo_->currentData().toInt()),
                         other, previewOtherCaption_);
    statusBar()->showMessage(tr("Comparing two results: change the view under the image "
                                "(side by side or slider); click a result to end."),
                             10000);
}

void MainWindow::askDeleteResults(const QList<int>& indexes) {
    if (indexes.isEmpty())
        return;
    const auto answer = QMessageBox::question(
        this, tr("Delete Results"),
        indexes.size() == 1 ? tr("Move this result to the trash and remove it from the "
                                 "gallery?")
                            : tr("Move these %1 results to the trash and remove them from "
                                 "the gallery?")
                                  .arg(indexes.size()),
        QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer == QMessageBox::Yes)
        deleteResults(indexes);
}

void MainWindow::deleteResults(const QList<int>& indexes) {
    QStringList paths;
    for (const int index : indexes) {
        if (index < 0 || index >= gallery_->resultCount())
            continue;
        const QString path = gallery_->entry(index).path;
        if (path.isEmpty())
            continue;
        // The trash first: a deleted result can still be brought back.
        if (!QFile::moveToTrash(path))
            QFile::remove(path);
        paths << path;
    }
    try {
        if (!paths.isEmpty())
            history_.forget(paths);
    } catch (const std::exception& error) {
        showError(tr("Could not update the history"), QString::fromStdString(error.what()),
                  QString());
    }
    gallery_->removeResults(indexes);
    preview_->setCompare(ImageView::Compare::Off);
    statusBar()->showMessage(indexes.size() == 1 ? tr("Result deleted.")
                                                 : tr("%1 results deleted.").arg(indexes.size()),
                             8000);
}

void MainWindow::keepResult(const QImage& image, const GenerationRequest& request,
                            const QString& writtenTo) {
    QString path = writtenTo;
    QDateTime created = QDateTime::currentDateTime();
    try {
        if (!path.isEmpty()) {
            if (gallery_->indexOfPath(path) >= 0)
                return; // a batch run again keeps its images: they are in the gallery already
            history_.record({path, created, request});
        } else if (history_.autoSave()) {
            const HistoryEntry entry = history_.save(image, request);
            path = entry.path;
            created = entry.created;
        }
    } catch (const std::exception& error) {
        // The image stays in the gallery, unsaved; quitting asks about it.
        if (!autoSaveFailureShown_)
            showError(tr("Could not save the result"), QString::fromStdString(error.what()),
                      tr("It stays in the gallery. Choose another output folder (File → Output "
                         "Folder…) or free some disk space, then use File → Save All."));
        autoSaveFailureShown_ = true;
    }
    gallery_->addResult(image, request, path, created);
    Q_EMIT resultAdded(gallery_->resultCount() - 1);
}

void MainWindow::restoreHistory() {
    for (const HistoryEntry& entry : history_.load())
        gallery_->addResult(QImage(), entry.request, entry.path, entry.created);
}

void MainWindow::chooseOutputFolder() {
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("Output Folder (a folder per day is made inside)"), history_.outputRoot());
    if (folder.isEmpty())
        return;
    history_.setOutputRoot(folder);
    autoSaveFailureShown_ = false;
    updateGalleryCount();
    statusBar()->showMessage(
        tr("New results are saved in %1").arg(QDir::toNativeSeparators(history_.currentFolder())),
        10000);
}

QDialog* MainWindow::showRealWeightsPage() {
    if (realWeightsPage_ == nullptr) {
        realWeightsPage_ = new QDialog(this);
        realWeightsPage_->setObjectName("realWeightsPage");
        realWeightsPage_->setWindowTitle(tr("Get the Real Weights"));
        auto* text = new QLabel(realWeightsPage_);
        text->setObjectName("realWeightsText");
        text->setWordWrap(true);
        text->setTextFormat(Qt::RichText);
        text->setOpenExternalLinks(true);
        text->setTextInteractionFlags(Qt::TextBrowserInteraction);
        text->setText(
            tr("<h3>The real DEADiff model</h3>"
               "<p>The studio comes with a small demo model (10 MB): it paints 64 px pictures of "
               "12 simple subjects in 10 procedural styles, the ones on its card, and nothing "
               "else. It is there to show how DEADiff works.</p>"
               "<p>The real model paints any prompt at 512 px in the style of any reference "
               "image. Its weights are too large to ship with the studio:</p>"
               "<ul><li><b>DEADiff</b> (Qi et al., CVPR 2024): <tt>deadiff_v1.ckpt</tt>, 7.4 GB, "
               "from Hugging Face <a href=\"https://huggingface.co/qth/DEADiff\">qth/DEADiff</a>. "
               "It is licensed for research and non-commercial use only: read the licence "
               "before downloading.</li>"
               "<li>Optional, to hold a layout: a ControlNet depth checkpoint "
               "(<tt>control_sd15_depth.pth</tt>, "
               "<a href=\"https://huggingface.co/lllyasviel/ControlNet\">lllyasviel/"
               "ControlNet</a>).</li></ul>"
               "<p>Then choose the file with Model → Choose Model…, or drop it on the window. "
               "It needs about 8 GB of memory; on a CPU one 512 px image takes a few "
               "minutes.</p>"));
        auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, realWeightsPage_);
        QPushButton* download =
            buttons->addButton(tr("Download Models…"), QDialogButtonBox::ActionRole);
        download->setObjectName("downloadModelsButton");
        connect(download, &QPushButton::clicked, this, [this] {
            realWeightsPage_->accept();
            showDownloadDialog();
        });
        QPushButton* choose =
            buttons->addButton(tr("Choose Downloaded File…"), QDialogButtonBox::ActionRole);
        choose->setObjectName("chooseDownloadedButton");
        connect(choose, &QPushButton::clicked, this, [this] {
            realWeightsPage_->accept();
            chooseModel();
        });
        connect(buttons, &QDialogButtonBox::rejected, realWeightsPage_, &QDialog::reject);
        auto* layout = new QVBoxLayout(realWeightsPage_);
        layout->addWidget(text);
        layout->addWidget(buttons);
        realWeightsPage_->resize(560, 420);
    }
    realWeightsPage_->show();
    realWeightsPage_->raise();
    return realWeightsPage_;
}

bool MainWindow::openDroppedFile(const QString& path) {
    std::optional<GenerationRequest> recorded;
    try {
        recorded = recordedRequest(path.toStdString());
    } catch (const RequestError& error) {
        showError(tr("Cannot restore the settings"), userMessage(error),
                  tr("The image's settings come from an incompatible version; you can still "
                     "use it as a style reference."));
        return false;
    } catch (const std::exception&) {
        recorded.reset(); // not a PNG (a JPEG reference, say): no settings to restore
    }
    if (recorded) {
        GenerationRequest& request = *recorded;
        const QString missingLoras = locateLoras(request.loras);
        form_->setRequest(request);
        QString note = tr("Settings restored from %1.").arg(QFileInfo(path).fileName());
        if (!missingLoras.isEmpty())
            note += QLatin1Char(' ') + missingLoras;
        const LoadOptions before = currentLoadOptions();
        const QString missing = restoreModelParts(request);
        if (!missing.isEmpty())
            note += QLatin1Char(' ') + missing;
        else if (currentLoadOptions() != before)
            onModelPartsChanged();
        if (!request.model.empty() && QFileInfo(QString::fromStdString(request.model)).fileName() !=
                                          QFileInfo(modelPath_).fileName())
            note += QLatin1Char(' ') +
                    tr("It was made with the model %1.").arg(QString::fromStdString(request.model));
        statusBar()->showMessage(note, 10000);
        return true;
    }
    const QString problem = imageProblem(path);
    if (problem.isEmpty())
        askUseAsStyle(path);
    else
        statusBar()->showMessage(problem, 10000);
    return false;
}

void MainWindow::askUseAsStyle(const QString& imagePath) {
    auto* box = new QMessageBox(QMessageBox::Question, tr("Use as style reference?"),
                                tr("%1 carries no DEADiff settings. Use it as a style reference?")
                                    .arg(QFileInfo(imagePath).fileName()),
                                QMessageBox::NoButton, this);
    box->setObjectName("useAsStyleBox");
    QPushButton* asA = box->addButton(tr("As Style A"), QMessageBox::AcceptRole);
    asA->setObjectName("useAsStyleA");
    QPushButton* asB = box->addButton(tr("As Style B"), QMessageBox::AcceptRole);
    asB->setObjectName("useAsStyleB");
    box->addButton(QMessageBox::Cancel);
    box->setAttribute(Qt::WA_DeleteOnClose);
    connect(box, &QMessageBox::buttonClicked, this,
            [this, asA, asB, imagePath](QAbstractButton* b) {
                if (b == asA)
                    form_->styleZoneA()->offerPath(imagePath);
                else if (b == asB)
                    form_->styleZoneB()->offerPath(imagePath);
            });
    box->open();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    const QMimeData* mime = event->mimeData();
    if (mime->hasUrls() && !mime->urls().isEmpty() && mime->urls().front().isLocalFile())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    const QList<QUrl> urls = event->mimeData()->urls();
    if (urls.isEmpty() || !urls.front().isLocalFile())
        return;
    event->acceptProposedAction();
    const QString path = urls.front().toLocalFile();
    const QString suffix = QFileInfo(path).suffix().toLower();
    const bool checkpoint = suffix == QStringLiteral("safetensors") ||
                            suffix == QStringLiteral("ckpt") || suffix == QStringLiteral("pth");
    if (checkpoint)
        setModelPath(path);
    else
        openDroppedFile(path);
}

void MainWindow::showAbout() {
    QMessageBox::about(
        this, tr("About DEADiff Studio"),
        tr("<h3>DEADiff Studio %1</h3>"
           "<p>Stylize Stable Diffusion 1.5 with a reference image without losing the "
           "prompt: DEADiff (Qi et al., CVPR 2024) as a native desktop application.</p>")
            .arg(QApplication::applicationVersion()));
}

void MainWindow::setLanguage(const QString& language) {
    QSettings().setValue(kLanguageKey, language);
    statusBar()->showMessage(tr("The language changes the next time DEADiff Studio starts."),
                             10000);
}

void MainWindow::restoreSettings() {
    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        // First start: most of the screen, so the form, preview and docks all have room.
        const QRect available = screen()->availableGeometry();
        const int width = std::min(1600, available.width() * 9 / 10);
        resize(width, std::min(1000, available.height() * 9 / 10));
        // On a small (or 2x scaled) screen the docks give the preview room to breathe.
        const int dock = std::clamp(width * 27 / 100, 300, 380);
        resizeDocks({plotDock_, galleryDock_}, {dock, dock}, Qt::Horizontal);
    }
    restoreState(settings.value(kStateKey).toByteArray());
    const QString saved = settings.value(kFormKey).toString();
    if (!saved.isEmpty()) {
        try {
            form_->setRequest(requestFromJson(saved.toStdString(), JsonStrictness::Lenient));
        } catch (const std::exception&) {
            // Settings from an incompatible version: start from the defaults.
        }
    }
    // The request lists references without their slots and drops the mix below two: the
    // slots and the slider are kept beside it.
    if (settings.contains(kStyleSlotsKey))
        form_->setStyleSlots(settings.value(kStyleSlotsKey).toStringList());
    if (settings.contains(kMixKey))
        form_->setMixPercentB(settings.value(kMixKey).toInt());
    restoreHistory();
    fullDecodeSpin_->setValue(settings.value(kFullDecodeKey, 0).toInt());
    // No model chosen yet: open on the bundled demo model when it is installed.
    QString model = settings.value(kModelPathKey).toString();
    if (model.isEmpty())
        model = QString::fromStdString(pipeline::bundledModelDir());
    setModelPath(model);
}

void MainWindow::saveSettings() const {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    settings.setValue(kFormKey, QString::fromStdString(toJson(form_->request())));
    settings.setValue(kStyleSlotsKey, form_->styleSlots());
    settings.setValue(kMixKey, form_->mixPercentB());
    settings.setValue(kFullDecodeKey, fullDecodeSpin_->value());
    settings.sync(); // on disk now: generate() calls this so that a kill loses nothing
}

void MainWindow::closeEvent(QCloseEvent* event) {
    const int unsaved = gallery_->unsavedCount();
    if (unsaved > 0) {
        QMessageBox box(QMessageBox::Warning, tr("Unsaved Results"),
                        unsaved == 1 ? tr("One result in the gallery is not saved.")
                                     : tr("%1 results in the gallery are not saved.").arg(unsaved),
                        QMessageBox::NoButton, this);
        box.setObjectName("unsavedResultsBox");
        box.setInformativeText(tr("Save them before quitting? Unsaved results are lost."));
        QPushButton* saveAll = box.addButton(tr("Save All…"), QMessageBox::AcceptRole);
        saveAll->setObjectName("unsavedSaveAll");
        QPushButton* discard =
            box.addButton(tr("Quit Without Saving"), QMessageBox::DestructiveRole);
        discard->setObjectName("unsavedDiscard");
        box.addButton(QMessageBox::Cancel);
        box.exec();
        if (box.clickedButton() == saveAll) {
            saveAllWithDialog();
            if (gallery_->unsavedCount() > 0) {
                event->ignore(); // the folder dialog was cancelled or saving failed
                return;
            }
        } else if (box.clickedButton() != discard) {
            event->ignore();
            return;
        }
    }
    saveSettings();
    if (currentJob_ != 0)
        worker_->cancel(currentJob_);
    cancelAllBatches();
    event->accept();
}

void MainWindow::openBatchDialog() {
    if (!modelReady_) {
        showError(tr("No model"), tr("Choose a model first (Model menu)."), QString());
        return;
    }
    QSettings settings;
    auto* dialog =
        new BatchDialog(currentRequest(), settings.value(kLastBatchDirKey).toString(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const std::optional<batch::BatchJob> job = dialog->job();
        if (!job)
            return;
        QSettings().setValue(kLastBatchDirKey, dialog->outputFolder());
        startBatch(*job, dialog->outputFolder());
    });
    dialog->open();
}

quint64 MainWindow::startBatch(const batch::BatchJob& job, const QString& outDir) {
    if (!modelReady_)
        return 0;
    batch::BatchJob withModel = job;
    withModel.templ.model = modelPath_.toStdString();
    int images = 0;
    try {
        io::checkOutputFolder(outDir.toStdString());
        // `<lora:NAME:W>` in the prompts loads with the job's model, as in Generate.
        batch::addPromptLoras(withModel, models::modelsRoot());
        images = static_cast<int>(batch::expandJob(withModel, 0).images.size());
    } catch (const std::exception& error) {
        showError(tr("The batch job cannot run"), userMessage(QString::fromStdString(error.what())),
                  QString());
        return 0;
    }
    const quint64 id = ++lastBatch_;
    batchPanel_->enqueue(id, outDir, images);
    batchDock_->show();
    batchDock_->raise();
    Q_EMIT batchRequested(withModel, outDir, id);
    return id;
}

void MainWindow::onBatchImage(const BatchImageUpdate& image) {
    if (image.image.isNull())
        return;
    if (!image.kept && currentJob_ == 0) {
        preview_->setCompare(ImageView::Compare::Off);
        preview_->setImage(image.image);
        preview_->setCaption(tr("batch image %1 of %2").arg(image.index + 1).arg(image.total));
    }
    keepResult(image.image, image.request, image.path);
}

void MainWindow::onBatchFinished(const BatchResult& result) {
    const auto outcome = static_cast<batch::BatchOutcome>(result.outcome);
    if (outcome == batch::BatchOutcome::Failed) {
        showError(tr("The batch job stopped"), userMessage(result.message),
                  tr("Images finished so far stay in %1; run the job again to continue.")
                      .arg(QDir::toNativeSeparators(result.outDir)));
        return;
    }
    statusBar()->showMessage(outcome == batch::BatchOutcome::Completed
                                 ? tr("Batch done: %1 new, %2 kept, in %3")
                                       .arg(result.generated)
                                       .arg(result.kept)
                                       .arg(QDir::toNativeSeparators(result.outDir))
                                 : tr("Batch cancelled; finished images stay in %1")
                                       .arg(QDir::toNativeSeparators(result.outDir)));
}

QList<quint64> MainWindow::unfinishedBatches() const {
    QList<quint64> ids;
    for (quint64 id = 1; id <= lastBatch_; ++id) {
        const QString state = batchPanel_->state(id);
        if (state == QLatin1String("queued") || state == QLatin1String("running") ||
            state == QLatin1String("paused"))
            ids << id;
    }
    return ids;
}

bool MainWindow::batchQueueBusy() const {
    return !unfinishedBatches().isEmpty();
}

void MainWindow::cancelAllBatches() {
    for (const quint64 id : unfinishedBatches())
        worker_->batchControl(id)->cancel();
}

// ---- the models folder and its downloads (issue 24) ----

void MainWindow::showDownloadDialog() {
    auto* dialog = new DownloadDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &DownloadDialog::modelChosen, this, &MainWindow::setModelPath);
    dialog->open();
}

void MainWindow::fillInstalledModelsMenu() {
    installedModelsMenu_->clear();
    const models::ModelsListing listing = models::listModels();
    bool any = false;
    for (const models::InstalledModel& model : listing.models) {
        if (model.kind != "deadiff")
            continue; // the studio's model is a DEADiff checkpoint or model folder
        const QString path = QString::fromStdString(model.path);
        QAction* action = installedModelsMenu_->addAction(QString::fromStdString(model.name), this,
                                                          [this, path] { setModelPath(path); });
        action->setToolTip(QDir::toNativeSeparators(path));
        action->setCheckable(true);
        action->setChecked(path == modelPath_);
        any = true;
    }
    if (!any)
        installedModelsMenu_->addAction(tr("No DEADiff models in the models folder"))
            ->setEnabled(false);
    installedModelsMenu_->addSeparator();
    const QString root = QString::fromStdString(listing.root);
    QAction* open = installedModelsMenu_->addAction(tr("Open Models Folder"), this, [root] {
        QDir().mkpath(root + QStringLiteral("/deadiff"));
        QDesktopServices::openUrl(QUrl::fromLocalFile(root));
    });
    open->setToolTip(QDir::toNativeSeparators(root));
    open->setEnabled(!root.isEmpty());
}

} // namespace deadiff::ui
