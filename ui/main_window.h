// The studio's main window. Until a model is chosen it shows a "choose a model" page; then the
// generation form, the live preview (zoom, pan, compare), the step plot and the gallery. All
// model work runs on a GenerationWorker in its own thread. Every finished result is saved at
// once into the output folder and indexed (ResultHistory), so the gallery survives a quit, a
// crash or a kill.
#pragma once

#include "core/pipeline/request.h"
#include "ui/generation_worker.h"
#include "ui/image_view.h"
#include "ui/result_history.h"

#include <QMainWindow>
#include <QPointer>
#include <QThread>

class QAction;
class QComboBox;
class QDialog;
class QDockWidget;
class QLabel;
class QLineEdit;
class QMenu;
class QMessageBox;
class QProgressBar;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QStackedWidget;

namespace deadiff::ui {

class BatchQueuePanel;
class Gallery;
class GenerationForm;
class ImageView;
class ModelPartsMenus;
class StepPlot;

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    // `factory` makes the pipeline on the worker thread; empty: Pipeline::load.
    explicit MainWindow(PipelineLoader loader = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    QString modelPath() const { return modelPath_; }
    // Most recent first, remembered across sessions.
    QStringList recentModels() const;
    bool modelReady() const { return modelReady_; }
    bool isGenerating() const { return currentJob_ != 0; }
    // Generate was pressed while the model loaded: it runs when the load ends.
    bool generationQueued() const { return generateWhenLoaded_; }

    GenerationForm* form() const { return form_; }
    ImageView* preview() const { return preview_; }
    StepPlot* stepPlot() const { return plot_; }
    Gallery* gallery() const { return gallery_; }
    GenerationWorker* worker() const { return worker_; }
    BatchQueuePanel* batchQueue() const { return batchPanel_; }
    QThread* workerThread() { return &workerThread_; }
    ResultHistory& history() { return history_; }
    QLineEdit* gallerySearch() const { return gallerySearch_; }
    QScrollArea* formScroll() const { return formScroll_; }
    QComboBox* compareCombo() const { return compareCombo_; }

    // The request the Generate button would run now (form + model, base and VAE).
    GenerationRequest currentRequest() const;
    // Model → Base Model / VAE: the base and VAE the next load or generation uses.
    ModelPartsMenus* modelParts() const { return parts_; }

    // Queues a batch job on the worker (after what is already queued); its images stream into
    // the gallery. Returns the batch id (0 when no model is loaded).
    quint64 startBatch(const batch::BatchJob& job, const QString& outDir);

    // Gallery actions. saveResult writes the image at the export size (File → Export Size): a
    // PNG with the A1111 "parameters" chunk and the JSON request chunk, or JPEG/WebP by suffix;
    // false after showing what went wrong.
    bool saveResult(int index, const QString& path);
    // Writes the results shown in the gallery (all, or those the search leaves) into `folder`;
    // returns how many were written (all of them, or an error was shown).
    int saveAllResults(const QString& folder);
    void copyResult(int index);
    void reuseSettings(int index);
    void useResultAsStyle(int index, int slot);
    void useResultAsStartImage(int index);
    // The gallery result `index` written as a PNG the pipeline can read; empty (after saying
    // why) when it cannot be written.
    QString resultFileForReuse(int index);
    // Moves the results' files to the trash and drops them from the history (no question asked;
    // the gallery's Delete asks first).
    void deleteResults(const QList<int>& indexes);
    // Shows result `first` and `second` together in the preview, as the compare box says (side
    // by side unless the slider was chosen).
    void compareResults(int first, int second);
    // Enlargement of saved images (1, 2, 4 or 8) and whether enlarging keeps sharp pixels.
    int exportScale() const;
    void setExportScale(int scale, bool sharpPixels);

    // The "Get the real weights" page (modeless; created on first use).
    QDialog* showRealWeightsPage();

    // A file dropped on the window: a PNG with our JSON chunk restores every setting (true);
    // another image asks whether to use it as a style reference (false).
    bool openDroppedFile(const QString& path);

public Q_SLOTS:
    // Opens a file dialog; the choice is remembered across sessions.
    void chooseModel();
    // Remembers the path and loads the model on the worker (when the file exists).
    void setModelPath(const QString& path);
    void generate();
    void cancel();
    // The batch export dialog, filled from the form; "Add to Queue" starts the job.
    void openBatchDialog();
    // Model → Download Models…: the catalogue's models, their licences and downloads; "Use
    // This Model" there loads the downloaded one.
    void showDownloadDialog();

Q_SIGNALS:
    // To the worker (queued). `fresh`: a whole new pipeline; else only what changed.
    void loadRequested(const deadiff::LoadOptions& options, bool fresh);
    void generationRequested(const deadiff::GenerationRequest& request, quint64 jobId);
    void batchRequested(const deadiff::batch::BatchJob& job, const QString& outDir,
                        quint64 batchId);
    // A message box was shown (tests and the status line follow it).
    void errorShown(const QString& message);
    // The most recent result reached the gallery.
    void resultAdded(int index);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    void buildModelPage();
    void buildStudioPage();
    void buildDocks();
    void startWorker(PipelineLoader loader);
    void updateModelState();
    void updateActions();
    void showStudio(bool studio);
    void showError(const QString& title, const QString& message, const QString& advice);
    void askUseAsStyle(const QString& imagePath);
    void saveResultWithDialog(int index);
    void saveAllWithDialog();
    void askDeleteResults(const QList<int>& indexes);
    void showResult(int index);
    void chooseOutputFolder();
    void restoreHistory();
    void updateGalleryCount();
    // A result that just finished (or a batch image): saved and indexed, then into the gallery.
    void keepResult(const QImage& image, const GenerationRequest& request,
                    const QString& writtenTo = {});
    bool batchQueueBusy() const;
    QList<quint64> unfinishedBatches() const;
    void showAbout();
    void restoreSettings();
    void saveSettings() const;
    void setLanguage(const QString& language);
    void fillRecentModelsMenu();
    void fillInstalledModelsMenu();

    void onLoadProgress(const QString& what, double fraction);
    void onModelLoaded(const QString& path, const QString& computeDtype, int nativeSide);
    void onLoadFailed(const QString& path, const QString& message);
    void onModelFacts(const deadiff::ModelFacts& facts);
    // Base, EMA or VAE changed in the Model menu: load just those parts.
    void onModelPartsChanged();
    // What the window would load now (model, dtype, base, VAE).
    LoadOptions currentLoadOptions() const;
    // A dropped PNG's base and VAE: chosen again when found, else a sentence naming what is
    // missing (empty when everything was found).
    QString restoreModelParts(const GenerationRequest& recorded);
    // A dropped PNG's LoRAs where they are now: the recorded path, else a file of that name
    // and recorded hash in the models folder's lora/, beside the model or beside a listed LoRA.
    // Returns a sentence naming those found nowhere (they stay listed, marked missing).
    QString locateLoras(std::vector<LoraChoice>& loras) const;
    void onStarted(quint64 jobId, const deadiff::GenerationRequest& resolved);
    void onStage(quint64 jobId, const QString& stage);
    void onStep(const deadiff::ui::StepUpdate& update);
    void onFinished(const deadiff::ui::GenerationOutcome& outcome);
    void onCancelled(quint64 jobId);
    void onFailed(quint64 jobId, const QString& message);
    void onBatchImage(const deadiff::ui::BatchImageUpdate& image);
    void onBatchFinished(const deadiff::ui::BatchResult& result);
    void cancelAllBatches();

    ResultHistory history_;
    QThread workerThread_;
    GenerationWorker* worker_ = nullptr;

    QString modelPath_;
    // The last model that loaded: a failed load of another falls back to it.
    QString workingModel_;
    bool modelReady_ = false;
    // The native image size of the last loaded model (a model folder's default_image_size, 512
    // for a checkpoint): the form follows it when a model with another size loads.
    int loadedModelSide_ = 512;
    bool modelLoading_ = false;
    bool generateWhenLoaded_ = false; // Generate pressed during a load
    quint64 lastJob_ = 0;
    quint64 currentJob_ = 0; // 0: idle

    QStackedWidget* pages_ = nullptr;
    QLabel* modelStateLabel_ = nullptr;
    QPushButton* chooseModelButton_ = nullptr;
    GenerationForm* form_ = nullptr;
    ImageView* preview_ = nullptr;
    QPushButton* generateButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* etaLabel_ = nullptr;
    QSpinBox* fullDecodeSpin_ = nullptr;
    QLabel* modelBadge_ = nullptr;
    StepPlot* plot_ = nullptr;
    Gallery* gallery_ = nullptr;
    QDockWidget* plotDock_ = nullptr;
    QDockWidget* galleryDock_ = nullptr;
    BatchQueuePanel* batchPanel_ = nullptr;
    QDockWidget* batchDock_ = nullptr;
    QAction* batchAction_ = nullptr;
    quint64 lastBatch_ = 0;
    QAction* generateAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    // Null once the box is gone. A QPointer, not a `destroyed` handler: the box is a child and
    // is deleted in ~QWidget, after ~MainWindow, where a handler would write to a destroyed
    // MainWindow (UBSan found it in the sanitizer run of test_studio_stress).
    QPointer<QMessageBox> messageBox_;
    QMenu* recentModelsMenu_ = nullptr;
    QMenu* installedModelsMenu_ = nullptr;
    ModelPartsMenus* parts_ = nullptr;
    ModelFacts loadedFacts_; // what the worker loaded last
    QScrollArea* formScroll_ = nullptr;
    QLineEdit* gallerySearch_ = nullptr;
    QLabel* galleryCount_ = nullptr;
    QComboBox* compareCombo_ = nullptr;
    QLabel* zoomLabel_ = nullptr;
    QString previewOtherCaption_;
    QAction* autoSaveAction_ = nullptr;
    QList<QAction*> exportScaleActions_;
    QAction* sharpPixelsAction_ = nullptr;
    QDialog* realWeightsPage_ = nullptr;
    bool autoSaveFailureShown_ = false;
};

} // namespace deadiff::ui
