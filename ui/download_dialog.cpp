#include "ui/download_dialog.h"

#include "core/io/convert.h"
#include "core/models/models_folder.h"
#include "core/models/partial_download.h"
#include "core/runtime/units.h"
#include "ui/text_format.h"

#include <QCheckBox>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QTextBrowser>
#include <QThread>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace deadiff::ui {
namespace {

QString bytesText(std::uint64_t bytes) {
    return QString::fromStdString(humanBytes(bytes));
}

QString qs(const std::string& text) {
    return QString::fromStdString(text);
}

enum Column { kNameColumn, kKindColumn, kSizeColumn, kStateColumn, kColumnCount };

// Runs on a pool thread: the conversion's message, empty on success.
QString convertFile(const QString& input, const QString& output) {
    try {
        const std::uint64_t needed = io::tensorBytes(input.toStdString());
        const std::uint64_t available =
            models::freeSpace(QFileInfo(output).absolutePath().toStdString());
        if (available < needed + (std::uint64_t{64} << 20))
            return QObject::tr("The conversion needs %1 of disk space and %2 is free.")
                .arg(bytesText(needed), bytesText(available));
        io::convertToSafetensors(input.toStdString(), output.toStdString());
    } catch (const std::exception& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

} // namespace

DownloadDialog::DownloadDialog(QWidget* parent, const QString& catalogPath,
                               const QString& modelsRoot)
    : QDialog(parent)
    , root_(modelsRoot.isEmpty() ? models::modelsRoot() : modelsRoot.toStdString()) {
    setObjectName("DownloadDialog");
    setWindowTitle(tr("Download Models"));
    setMinimumSize(720, 520);
    auto* layout = new QVBoxLayout(this);

    auto* folderRow = new QHBoxLayout;
    folderLabel_ = new QLabel(this);
    folderLabel_->setObjectName("modelsFolderLabel");
    folderLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    folderLabel_->setText(tr("Models folder: %1").arg(QDir::toNativeSeparators(qs(root_))));
    folderRow->addWidget(folderLabel_, 1);
    auto* openFolder = new QPushButton(tr("Open Folder"), this);
    openFolder->setObjectName("openModelsFolderButton");
    connect(openFolder, &QPushButton::clicked, this, [this] {
        QDir().mkpath(qs(root_));
        QDesktopServices::openUrl(QUrl::fromLocalFile(qs(root_)));
    });
    folderRow->addWidget(openFolder);
    layout->addLayout(folderRow);

    table_ = new QTableWidget(0, kColumnCount, this);
    table_->setObjectName("catalogTable");
    table_->setHorizontalHeaderLabels({tr("Name"), tr("Kind"), tr("Size"), tr("State")});
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(kNameColumn, QHeaderView::Stretch);
    table_->horizontalHeader()->setSectionResizeMode(kStateColumn, QHeaderView::Stretch);
    connect(table_, &QTableWidget::itemSelectionChanged, this, &DownloadDialog::updateSelection);
    layout->addWidget(table_, 2);

    details_ = new QTextBrowser(this);
    details_->setObjectName("licenceText");
    details_->setOpenExternalLinks(true);
    layout->addWidget(details_, 2);

    acceptLicence_ = new QCheckBox(tr("I have read the licence note above and accept it"), this);
    acceptLicence_->setObjectName("acceptLicence");
    connect(acceptLicence_, &QCheckBox::toggled, this, &DownloadDialog::updateButtons);
    layout->addWidget(acceptLicence_);

    progress_ = new QProgressBar(this);
    progress_->setObjectName("downloadProgress");
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    progress_->setTextVisible(true);
    progress_->setFormat(QString());
    layout->addWidget(progress_);
    status_ = new QLabel(this);
    status_->setObjectName("downloadStatus");
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(status_);

    auto* buttons = new QDialogButtonBox(this);
    downloadButton_ = buttons->addButton(tr("Download"), QDialogButtonBox::ActionRole);
    downloadButton_->setObjectName("downloadButton");
    connect(downloadButton_, &QPushButton::clicked, this, &DownloadDialog::startDownload);
    cancelButton_ = buttons->addButton(tr("Cancel Download"), QDialogButtonBox::ActionRole);
    cancelButton_->setObjectName("cancelDownloadButton");
    connect(cancelButton_, &QPushButton::clicked, this, &DownloadDialog::cancelDownload);
    convertButton_ = buttons->addButton(tr("Convert to Safetensors"), QDialogButtonBox::ActionRole);
    convertButton_->setObjectName("convertButton");
    convertButton_->setToolTip(
        tr("A .ckpt/.pth checkpoint is a Python pickle: DEADiff Studio reads it with a "
           "restricted reader, but a one-time conversion to safetensors means it is never "
           "unpickled again and loads faster (memory-mapped)."));
    connect(convertButton_, &QPushButton::clicked, this, &DownloadDialog::convertSelected);
    useButton_ = buttons->addButton(tr("Use This Model"), QDialogButtonBox::ActionRole);
    useButton_->setObjectName("useModelButton");
    connect(useButton_, &QPushButton::clicked, this, [this] {
        const models::CatalogEntry* entry = selected();
        if (entry == nullptr)
            return;
        const models::EntryStatus status = models::entryStatus(*entry, root_);
        Q_EMIT modelChosen(qs(status.converted.empty() ? status.path : status.converted));
        accept();
    });
    QPushButton* close = buttons->addButton(QDialogButtonBox::Close);
    connect(close, &QPushButton::clicked, this, &DownloadDialog::reject);
    layout->addWidget(buttons);

    loadCatalog(catalogPath);
}

DownloadDialog::~DownloadDialog() {
    if (downloader_ != nullptr)
        downloader_->cancel();
    stopThread();
    if (conversion_ != nullptr)
        conversion_->waitForFinished(); // the conversion writes atomically; let it end cleanly
}

void DownloadDialog::loadCatalog(const QString& catalogPath) {
    const std::string path =
        catalogPath.isEmpty() ? models::defaultCatalogPath() : catalogPath.toStdString();
    try {
        if (path.empty())
            throw models::CatalogError(
                tr("The model catalogue (model-catalog.json) is not installed.").toStdString());
        catalog_ = models::readCatalog(path);
    } catch (const std::exception& error) {
        catalog_.clear();
        status_->setText(tr("The model catalogue cannot be used: %1").arg(qs(error.what())));
    }
    refreshTable();
    if (!catalog_.empty())
        table_->selectRow(0);
    updateSelection();
}

void DownloadDialog::refreshTable() {
    const int row = table_->currentRow();
    table_->setRowCount(static_cast<int>(catalog_.size()));
    for (std::size_t i = 0; i < catalog_.size(); ++i) {
        const models::CatalogEntry& entry = catalog_[i];
        const models::EntryStatus status = models::entryStatus(entry, root_);
        QString state = tr("Not downloaded");
        if (status.installed && !status.converted.empty())
            state = tr("Downloaded, converted to safetensors");
        else if (status.installed)
            state = tr("Downloaded");
        else if (status.partialBytes > 0)
            state = tr("Partly downloaded (%1 %)")
                        .arg(std::floor(100.0 * static_cast<double>(status.partialBytes) /
                                        static_cast<double>(entry.size)));
        const QString cells[kColumnCount] = {qs(entry.name), qs(entry.kind), bytesText(entry.size),
                                             state};
        for (int column = 0; column < kColumnCount; ++column) {
            auto* item = new QTableWidgetItem(cells[column]);
            table_->setItem(static_cast<int>(i), column, item);
        }
    }
    if (row >= 0 && row < table_->rowCount())
        table_->selectRow(row);
}

const models::CatalogEntry* DownloadDialog::selected() const {
    const int row = table_->currentRow();
    return row >= 0 && row < static_cast<int>(catalog_.size()) ? &catalog_[row] : nullptr;
}

bool DownloadDialog::selectEntry(const QString& name) {
    for (std::size_t i = 0; i < catalog_.size(); ++i) {
        if (qs(catalog_[i].name) == name) {
            table_->selectRow(static_cast<int>(i));
            return true;
        }
    }
    return false;
}

bool DownloadDialog::isBusy() const {
    return thread_ != nullptr || conversion_ != nullptr;
}

void DownloadDialog::updateSelection() {
    const models::CatalogEntry* entry = selected();
    // A licence is accepted for one entry at a time.
    acceptLicence_->setChecked(false);
    if (entry == nullptr) {
        details_->clear();
        updateButtons();
        return;
    }
    const models::EntryStatus status = models::entryStatus(*entry, root_);
    QString text = QStringLiteral("<h3>%1</h3>").arg(qs(entry->name).toHtmlEscaped());
    text += QStringLiteral("<p>") +
            tr("%1 model, %2. From %3<br>into %4<br>SHA-256 %5")
                .arg(qs(entry->kind), bytesText(entry->size), qs(entry->url).toHtmlEscaped(),
                     QDir::toNativeSeparators(qs(status.path)).toHtmlEscaped(), qs(entry->sha256)) +
            QStringLiteral("</p>");
    text += QStringLiteral("<p><b>") + tr("Licence") + QStringLiteral(":</b> ") +
            qs(entry->licence).toHtmlEscaped() + QStringLiteral("</p>");
    details_->setHtml(text);
    updateButtons();
}

void DownloadDialog::updateButtons() {
    const models::CatalogEntry* entry = selected();
    const bool busy = isBusy();
    models::EntryStatus status;
    if (entry != nullptr)
        status = models::entryStatus(*entry, root_);
    downloadButton_->setText(status.partialBytes > 0 ? tr("Resume Download") : tr("Download"));
    downloadButton_->setEnabled(entry != nullptr && !status.installed && !busy &&
                                acceptLicence_->isChecked());
    acceptLicence_->setEnabled(entry != nullptr && !status.installed && !busy);
    cancelButton_->setEnabled(thread_ != nullptr);
    const bool pickle = status.installed && models::isPickleFile(status.path);
    convertButton_->setVisible(pickle && status.converted.empty());
    convertButton_->setEnabled(!busy);
    useButton_->setEnabled(entry != nullptr && status.installed && entry->kind == "deadiff" &&
                           !busy);
    table_->setEnabled(!busy);
}

void DownloadDialog::startDownload() {
    const models::CatalogEntry* entry = selected();
    if (entry == nullptr || isBusy() || !acceptLicence_->isChecked())
        return;
    net::DownloadSpec spec;
    spec.url = QUrl(qs(entry->url));
    spec.target = qs(models::installPath(*entry, root_));
    spec.size = static_cast<qint64>(entry->size);
    spec.sha256 = qs(entry->sha256);

    thread_ = new QThread(this);
    thread_->setObjectName(QStringLiteral("download"));
    downloader_ = new net::Downloader(spec, options_);
    downloader_->moveToThread(thread_);
    connect(thread_, &QThread::started, downloader_, &net::Downloader::start);
    connect(thread_, &QThread::finished, downloader_, &QObject::deleteLater);
    connect(downloader_, &net::Downloader::progress, this, &DownloadDialog::onProgress,
            Qt::QueuedConnection);
    connect(downloader_, &net::Downloader::verifying, this, &DownloadDialog::onVerifying,
            Qt::QueuedConnection);
    connect(
        downloader_, &net::Downloader::notice, this,
        [this](const QString& text) { status_->setText(text); }, Qt::QueuedConnection);
    connect(downloader_, &net::Downloader::finished, this, &DownloadDialog::onFinished,
            Qt::QueuedConnection);
    progress_->setValue(0);
    progress_->setFormat(tr("Starting…"));
    status_->clear();
    thread_->start();
    updateButtons();
}

void DownloadDialog::cancelDownload() {
    if (downloader_ != nullptr) {
        downloader_->cancel();
        progress_->setFormat(tr("Cancelling…"));
    }
}

void DownloadDialog::onProgress(qint64 received, qint64 total, double bytesPerSecond,
                                double secondsLeft) {
    progress_->setValue(total > 0 ? static_cast<int>(1000.0 * static_cast<double>(received) /
                                                     static_cast<double>(total))
                                  : 0);
    progress_->setFormat(tr("%1 of %2")
                             .arg(bytesText(static_cast<std::uint64_t>(received)),
                                  bytesText(static_cast<std::uint64_t>(total))));
    if (bytesPerSecond > 0)
        status_->setText(tr("%1/s · %2 left")
                             .arg(bytesText(static_cast<std::uint64_t>(bytesPerSecond)),
                                  formatDuration(secondsLeft)));
}

void DownloadDialog::onVerifying(qint64 hashed, qint64 total) {
    progress_->setValue(total > 0 ? static_cast<int>(1000.0 * static_cast<double>(hashed) /
                                                     static_cast<double>(total))
                                  : 0);
    progress_->setFormat(tr("Verifying SHA-256… %p%"));
    status_->setText(tr("Checking that the file is exactly the catalogue's before it is used."));
}

void DownloadDialog::onFinished(const net::DownloadOutcome& outcome) {
    stopThread();
    switch (outcome.status) {
    case net::DownloadStatus::Done:
        progress_->setValue(1000);
        progress_->setFormat(tr("Done"));
        break;
    case net::DownloadStatus::Cancelled:
        progress_->setFormat(tr("Cancelled"));
        break;
    default:
        progress_->setFormat(tr("Failed"));
        break;
    }
    status_->setText(outcome.message);
    refreshTable();
    updateButtons();
    if (outcome.status == net::DownloadStatus::Done && convertButton_->isVisible())
        status_->setText(outcome.message + QStringLiteral("\n") +
                         tr("This is a pickle checkpoint: convert it once to safetensors "
                            "(Convert to Safetensors) so it is never unpickled again."));
    Q_EMIT downloadFinished(outcome);
    if (closeWhenStopped_)
        QDialog::reject();
}

void DownloadDialog::stopThread() {
    if (thread_ == nullptr)
        return;
    thread_->quit();
    thread_->wait();
    delete thread_; // its finished() deleted the downloader
    thread_ = nullptr;
}

void DownloadDialog::convertSelected() {
    const models::CatalogEntry* entry = selected();
    if (entry == nullptr || isBusy())
        return;
    const models::EntryStatus status = models::entryStatus(*entry, root_);
    if (!status.installed || !models::isPickleFile(status.path))
        return;
    conversion_ = new QFutureWatcher<QString>(this);
    connect(conversion_, &QFutureWatcher<QString>::finished, this, &DownloadDialog::onConverted);
    progress_->setRange(0, 0); // the conversion reports no fraction here: a busy bar
    progress_->setFormat(tr("Converting…"));
    status_->setText(tr("Converting %1 to %2…")
                         .arg(QFileInfo(qs(status.path)).fileName(),
                              QFileInfo(qs(models::convertedPath(status.path))).fileName()));
    conversion_->setFuture(
        QtConcurrent::run(convertFile, qs(status.path), qs(models::convertedPath(status.path))));
    updateButtons();
}

void DownloadDialog::onConverted() {
    const QString error = conversion_->result();
    conversion_->deleteLater();
    conversion_ = nullptr;
    progress_->setRange(0, 1000);
    progress_->setValue(error.isEmpty() ? 1000 : 0);
    progress_->setFormat(error.isEmpty() ? tr("Converted") : tr("Not converted"));
    status_->setText(error.isEmpty()
                         ? tr("Converted: the model now loads from the safetensors file. The "
                              "checkpoint can be deleted to free space.")
                         : tr("The conversion failed: %1").arg(error));
    refreshTable();
    updateButtons();
    Q_EMIT conversionFinished(error.isEmpty(), error);
    if (closeWhenStopped_)
        QDialog::reject();
}

void DownloadDialog::reject() {
    if (thread_ != nullptr) {
        closeWhenStopped_ = true;
        cancelDownload();
        return;
    }
    if (conversion_ != nullptr) {
        closeWhenStopped_ = true;
        return;
    }
    QDialog::reject();
}

} // namespace deadiff::ui
