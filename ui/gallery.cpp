#include "ui/gallery.h"

#include "ui/generation_form.h"

#include <QApplication>
#include <QContextMenuEvent>
#include <QDir>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QImageReader>
#include <QKeyEvent>
#include <QMenu>
#include <QPainter>
#include <QRegularExpression>
#include <QTimer>
#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <cmath>

namespace deadiff::ui {
namespace {

constexpr int kThumbnailSide = 112;

QIcon thumbnailIcon(const QImage& image) {
    // Square canvas so thumbnails of any aspect line up in the grid.
    QPixmap canvas(kThumbnailSide, kThumbnailSide);
    canvas.fill(Qt::transparent);
    if (!image.isNull()) {
        const QImage scaled = image.scaled(kThumbnailSide, kThumbnailSide, Qt::KeepAspectRatio,
                                           Qt::SmoothTransformation);
        QPainter painter(&canvas);
        painter.drawImage((kThumbnailSide - scaled.width()) / 2,
                          (kThumbnailSide - scaled.height()) / 2, scaled);
    }
    return QIcon(canvas);
}

QImage readThumbnail(const QString& path) {
    QImageReader reader(path);
    if (reader.size().isValid() && reader.size().width() > kThumbnailSide * 2)
        reader.setScaledSize(
            reader.size().scaled(kThumbnailSide * 2, kThumbnailSide * 2, Qt::KeepAspectRatio));
    return reader.read();
}

QStringList styleNames(const GenerationRequest& request) {
    QStringList names;
    for (const StyleReference& style : request.styles)
        names << QFileInfo(QString::fromStdString(style.path)).completeBaseName();
    return names;
}

} // namespace

Gallery::Gallery(QWidget* parent)
    : QListWidget(parent) {
    setObjectName("gallery");
    setViewMode(QListView::IconMode);
    setIconSize(QSize(kThumbnailSide, kThumbnailSide));
    // Three lines under each thumbnail: prompt, references, seed.
    setGridSize(QSize(kThumbnailSide + 36, kThumbnailSide + 12 + 3 * fontMetrics().height()));
    setResizeMode(QListView::Adjust);
    setMovement(QListView::Static);
    setUniformItemSizes(true);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setWordWrap(true);
    connect(this, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { Q_EMIT viewRequested(row(item)); });
    connect(this, &QListWidget::currentRowChanged, this, [this](int index) {
        if (index >= 0)
            Q_EMIT viewRequested(index);
    });
    thumbnails_ = new QFutureWatcher<QImage>(this);
    connect(thumbnails_, &QFutureWatcher<QImage>::resultReadyAt, this, [this](int at) {
        const int index = indexOfPath(thumbnailPaths_.value(at));
        if (index >= 0)
            item(index)->setIcon(thumbnailIcon(thumbnails_->resultAt(at)));
    });
    connect(thumbnails_, &QFutureWatcher<QImage>::finished, this, &Gallery::loadMissingThumbnails);
}

Gallery::~Gallery() {
    thumbnails_->cancel();
    thumbnails_->waitForFinished();
}

QString Gallery::labelFor(const GenerationRequest& request) {
    // Three short lines that fit under the thumbnail: prompt, references, seed (and B's share).
    const QFontMetrics metrics(QApplication::font());
    const auto fit = [&metrics](const QString& text) {
        return metrics.elidedText(text, Qt::ElideRight, kThumbnailSide + 24);
    };
    const QStringList styles = styleNames(request);
    QString last = request.seed ? tr("seed %1").arg(*request.seed) : QString();
    if (styles.size() == 2 && request.mix)
        last += QStringLiteral(" · ") + tr("%1 % B").arg(std::lround(*request.mix * 100));
    return fit(QString::fromStdString(request.prompt).simplified()) + QLatin1Char('\n') +
           fit(styles.isEmpty() ? tr("no reference") : styles.join(QStringLiteral(" + "))) +
           QLatin1Char('\n') + fit(last);
}

void Gallery::addResult(const QImage& image, const GenerationRequest& request, const QString& path,
                        const QDateTime& created) {
    entries_.push_back({image, request, path, created});
    auto* item = new QListWidgetItem(thumbnailIcon(image), labelFor(request));
    QStringList tip{QString::fromStdString(request.prompt)};
    if (!request.styles.empty())
        tip << tr("Styles: %1").arg(styleNames(request).join(QStringLiteral(" + ")));
    if (request.styles.size() == 2 && request.mix)
        tip << tr("Mix: %1").arg(mixText(*request.mix));
    tip << tr("Seed %1 · %2 × %3 px · %4 steps")
               .arg(request.seed.value_or(0))
               .arg(request.width)
               .arg(request.height)
               .arg(request.steps);
    tip << (path.isEmpty() ? tr("Not saved yet") : QDir::toNativeSeparators(path));
    item->setToolTip(tip.join(QLatin1Char('\n')));
    addItem(item);
    item->setHidden(!matches(entries_.back(), filter_.split(QLatin1Char(' '), Qt::SkipEmptyParts)));
    if (!item->isHidden())
        scrollToItem(item);
    if (image.isNull() && !path.isEmpty() && !thumbnailsScheduled_) {
        thumbnailsScheduled_ = true; // one job for a whole restored history
        QTimer::singleShot(0, this, &Gallery::loadMissingThumbnails);
    }
}

void Gallery::loadMissingThumbnails() {
    thumbnailsScheduled_ = false;
    if (thumbnails_->isRunning())
        return; // finished() comes back here
    QStringList missing;
    for (int i = 0; i < resultCount(); ++i)
        if (entries_[static_cast<size_t>(i)].image.isNull() &&
            !entries_[static_cast<size_t>(i)].path.isEmpty() &&
            !thumbnailPaths_.contains(entries_[static_cast<size_t>(i)].path))
            missing << entries_[static_cast<size_t>(i)].path;
    if (missing.isEmpty())
        return;
    // Newest first: the end of the list is what the artist looks at.
    std::reverse(missing.begin(), missing.end());
    thumbnailPaths_ = missing;
    thumbnails_->setFuture(QtConcurrent::mapped(thumbnailPaths_, readThumbnail));
}

QImage Gallery::image(int index) const {
    const GalleryEntry& e = entry(index);
    return e.image.isNull() ? QImage(e.path) : e.image;
}

int Gallery::indexOfPath(const QString& path) const {
    if (path.isEmpty())
        return -1;
    for (int i = 0; i < resultCount(); ++i)
        if (entries_[static_cast<size_t>(i)].path == path)
            return i;
    return -1;
}

void Gallery::setSaved(int index, const QString& path) {
    entries_.at(static_cast<size_t>(index)).path = path;
}

int Gallery::unsavedCount() const {
    return static_cast<int>(std::count_if(entries_.begin(), entries_.end(),
                                          [](const GalleryEntry& e) { return e.path.isEmpty(); }));
}

void Gallery::removeResults(QList<int> indexes) {
    std::sort(indexes.begin(), indexes.end(), std::greater<>());
    indexes.erase(std::unique(indexes.begin(), indexes.end()), indexes.end());
    for (int index : indexes) {
        if (index < 0 || index >= resultCount())
            continue;
        delete takeItem(index);
        entries_.erase(entries_.begin() + index);
    }
}

QList<int> Gallery::selectedResults() const {
    QList<int> rows;
    for (const QModelIndex& index : selectionModel()->selectedIndexes())
        rows << index.row();
    std::sort(rows.begin(), rows.end());
    return rows;
}

bool Gallery::matches(const GalleryEntry& e, const QStringList& words) const {
    if (words.isEmpty())
        return true;
    const QString text = QString::fromStdString(e.request.prompt) + QLatin1Char(' ') +
                         styleNames(e.request).join(QLatin1Char(' '));
    const QString fileName = QFileInfo(e.path).fileName();
    const QString seed = e.request.seed ? QString::number(*e.request.seed) : QString();
    // A number is a seed: it must not also match the HHmmss time stamp every file name starts with.
    static const QRegularExpression number(QStringLiteral("^\\d+$"));
    return std::all_of(words.begin(), words.end(), [&](const QString& word) {
        if (number.match(word).hasMatch())
            return word == seed || text.contains(word);
        return text.contains(word, Qt::CaseInsensitive) ||
               fileName.contains(word, Qt::CaseInsensitive);
    });
}

void Gallery::setFilter(const QString& text) {
    filter_ = text;
    const QStringList words = text.split(QLatin1Char(' '), Qt::SkipEmptyParts);
    for (int i = 0; i < resultCount(); ++i)
        item(i)->setHidden(!matches(entries_[static_cast<size_t>(i)], words));
}

int Gallery::visibleCount() const {
    int visible = 0;
    for (int i = 0; i < count(); ++i)
        visible += item(i)->isHidden() ? 0 : 1;
    return visible;
}

void Gallery::keyPressEvent(QKeyEvent* event) {
    if (event->key() == Qt::Key_Delete && !selectedResults().isEmpty()) {
        Q_EMIT deleteRequested(selectedResults());
        return;
    }
    QListWidget::keyPressEvent(event);
}

void Gallery::contextMenuEvent(QContextMenuEvent* event) {
    QListWidgetItem* item = itemAt(event->pos());
    if (item == nullptr)
        return;
    const int index = row(item);
    QList<int> selected = selectedResults();
    if (!selected.contains(index))
        selected = {index};
    QMenu menu(this);
    menu.addAction(tr("Save As…"), this, [this, index] { Q_EMIT saveRequested(index); });
    menu.addAction(tr("Copy Image"), this, [this, index] { Q_EMIT copyRequested(index); });
    menu.addAction(tr("Reuse Settings"), this,
                   [this, index] { Q_EMIT reuseSettingsRequested(index); });
    menu.addSeparator();
    menu.addAction(tr("Use as Style Reference A"), this,
                   [this, index] { Q_EMIT useAsStyleRequested(index, 0); });
    menu.addAction(tr("Use as Style Reference B"), this,
                   [this, index] { Q_EMIT useAsStyleRequested(index, 1); });
    menu.addAction(tr("Use as Start Image"), this,
                   [this, index] { Q_EMIT useAsStartImageRequested(index); });
    menu.addSeparator();
    QAction* compare = menu.addAction(tr("Compare the Two Selected"), this, [this, selected] {
        Q_EMIT compareRequested(selected.value(0), selected.value(1));
    });
    compare->setEnabled(selected.size() == 2);
    if (selected.size() != 2)
        compare->setText(tr("Compare (select two results)"));
    QAction* folder = menu.addAction(tr("Show in Folder"), this,
                                     [this, index] { Q_EMIT showInFolderRequested(index); });
    folder->setEnabled(!entry(index).path.isEmpty());
    menu.addSeparator();
    menu.addAction(selected.size() > 1 ? tr("Delete %n Results…", nullptr, selected.size())
                                       : tr("Delete…"),
                   this, [this, selected] { Q_EMIT deleteRequested(selected); });
    menu.exec(event->globalPos());
}

} // namespace deadiff::ui
