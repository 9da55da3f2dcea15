// Model → Download Models…: the catalogue (resources/model-catalog.json) with what of it is in
// the models folder, the selected entry's licence note (accepted before its download can
// start), the download with progress, rate and time left, cancel (the partial file stays and
// the next download resumes it), and after a pickle checkpoint the offer to convert it once to
// safetensors. The download runs on its own thread (net::Downloader); the conversion too.
#pragma once

#include "core/models/catalog.h"
#include "net/downloader.h"

#include <QDialog>
#include <QFutureWatcher>
#include <QPointer>

#include <vector>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTextBrowser;
class QThread;

namespace deadiff::ui {

class DownloadDialog : public QDialog {
    Q_OBJECT

public:
    // `catalogPath` empty: the shipped catalogue; `modelsRoot` empty: models::modelsRoot().
    explicit DownloadDialog(QWidget* parent = nullptr, const QString& catalogPath = {},
                            const QString& modelsRoot = {});
    ~DownloadDialog() override;

    // Retries, time-outs and the free-space probe of the next download (tests shorten them).
    void setDownloadOptions(const net::DownloadOptions& options) { options_ = options; }

    const std::vector<models::CatalogEntry>& catalog() const { return catalog_; }
    // Selects the entry called `name`; false when the catalogue has none.
    bool selectEntry(const QString& name);
    bool isBusy() const;

    QTableWidget* table() const { return table_; }
    QTextBrowser* details() const { return details_; }
    QCheckBox* acceptLicenceBox() const { return acceptLicence_; }
    QPushButton* downloadButton() const { return downloadButton_; }
    QPushButton* cancelButton() const { return cancelButton_; }
    QPushButton* convertButton() const { return convertButton_; }
    QPushButton* useModelButton() const { return useButton_; }
    QProgressBar* progressBar() const { return progress_; }
    QLabel* statusLabel() const { return status_; }

public Q_SLOTS:
    // Starts (or resumes) the selected entry's download; needs the licence accepted.
    void startDownload();
    // Stops it; the .part file is kept.
    void cancelDownload();
    // Converts the selected downloaded pickle checkpoint to safetensors.
    void convertSelected();

Q_SIGNALS:
    // "Use This Model": the selected entry's file (its conversion when there is one).
    void modelChosen(const QString& path);
    void downloadFinished(const deadiff::net::DownloadOutcome& outcome);
    void conversionFinished(bool ok, const QString& message);

protected:
    // Closing while a download runs cancels it (keeping the partial file) first.
    void reject() override;

private:
    void loadCatalog(const QString& catalogPath);
    void refreshTable();
    void updateSelection();
    void updateButtons();
    const models::CatalogEntry* selected() const;
    void onProgress(qint64 received, qint64 total, double bytesPerSecond, double secondsLeft);
    void onVerifying(qint64 hashed, qint64 total);
    void onFinished(const deadiff::net::DownloadOutcome& outcome);
    void onConverted();
    void stopThread();

    std::vector<models::CatalogEntry> catalog_;
    std::string root_;
    net::DownloadOptions options_;
    QThread* thread_ = nullptr;
    QPointer<net::Downloader> downloader_;
    bool closeWhenStopped_ = false;
    QFutureWatcher<QString>* conversion_ = nullptr;

    QLabel* folderLabel_ = nullptr;
    QTableWidget* table_ = nullptr;
    QTextBrowser* details_ = nullptr;
    QCheckBox* acceptLicence_ = nullptr;
    QPushButton* downloadButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QPushButton* convertButton_ = nullptr;
    QPushButton* useButton_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
};

} // namespace deadiff::ui
