#include "ui/gallery.h"

#include <QContextMenuEvent>
#include <QMenu>
#include <QPainter>

namespace deadiff::ui {
namespace {

constexpr int kThumbnailSide = 112;

QIcon thumbnailIcon(const QImage& image) {
    // Square canvas so thumbnails of any aspect line up in the grid.
    QPixmap canvas(kThumbnailSide, kThumbnailSide);
    canvas.fill(Qt::transparent);
    const QImage scaled =
        image.scaled(kThumbnailSide, kThumbnailSide, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    QPainter painter(&canvas);
    painter.drawImage((kThumbnailSide - scaled.width()) / 2, (kThumbnailSide - scaled.height()) / 2,
                      scaled);
    return QIcon(canvas);
}

} // namespace

Gallery::Gallery(QWidget* parent)
    : QListWidget(parent) {
    setObjectName("gallery");
    setViewMode(QListView::IconMode);
    setIconSize(QSize(kThumbnailSide, kThumbnailSide));
    setGridSize(QSize(kThumbnailSide + 16, kThumbnailSide + 34));
    setResizeMode(QListView::Adjust);
    setMovement(QListView::Static);
    setUniformItemSizes(true);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setWordWrap(true);
    connect(this, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { Q_EMIT viewRequested(row(item)); });
    connect(this, &QListWidget::currentRowChanged, this, [this](int index) {
        if (index >= 0)
            Q_EMIT viewRequested(index);
    });
}

void Gallery::addResult(const QImage& image, const GenerationRequest& request) {
    entries_.push_back({image, request});
    auto* item = new QListWidgetItem(thumbnailIcon(image),
                                     request.seed ? tr("seed %1").arg(*request.seed) : QString());
    item->setToolTip(QString::fromStdString(request.prompt));
    addItem(item);
    scrollToItem(item);
}

void Gallery::contextMenuEvent(QContextMenuEvent* event) {
    QListWidgetItem* item = itemAt(event->pos());
    if (item == nullptr)
        return;
    const int index = row(item);
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
    menu.exec(event->globalPos());
}

} // namespace deadiff::ui
