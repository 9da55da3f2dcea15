#include "ui/reference_list.h"

#include "ui/drop_zone.h"

#include <QDir>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImageReader>
#include <QMimeData>
#include <QPushButton>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace deadiff::ui {
namespace {

constexpr int kPathRole = Qt::UserRole;
constexpr int kNameColumn = 0;
constexpr int kWeightColumn = 1;

// Rows move by dragging; image files dropped from outside become new rows.
class ReferenceTree : public QTreeWidget {
public:
    explicit ReferenceTree(ReferenceList* owner)
        : QTreeWidget(owner)
        , owner_(owner) {
        setColumnCount(2);
        setHeaderLabels({ReferenceList::tr("Reference"), ReferenceList::tr("Weight")});
        setRootIsDecorated(false);
        setItemsExpandable(false);
        setUniformRowHeights(true);
        setIconSize(QSize(40, 40));
        setDragDropMode(QAbstractItemView::InternalMove);
        setDefaultDropAction(Qt::MoveAction);
        setSelectionMode(QAbstractItemView::ExtendedSelection);
        setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed |
                        QAbstractItemView::SelectedClicked);
        header()->setSectionResizeMode(kNameColumn, QHeaderView::Stretch);
        header()->setSectionResizeMode(kWeightColumn, QHeaderView::ResizeToContents);
        setMinimumHeight(120);
    }

protected:
    void dragEnterEvent(QDragEnterEvent* event) override {
        if (!firstImagePath(event->mimeData()).isEmpty())
            event->acceptProposedAction();
        else
            QTreeWidget::dragEnterEvent(event);
    }
    void dragMoveEvent(QDragMoveEvent* event) override {
        if (event->source() != this && !firstImagePath(event->mimeData()).isEmpty())
            event->acceptProposedAction();
        else
            QTreeWidget::dragMoveEvent(event);
    }
    void dropEvent(QDropEvent* event) override {
        if (event->source() != this) {
            for (const QUrl& url : event->mimeData()->urls())
                if (url.isLocalFile() && isImageFile(url.toLocalFile()))
                    owner_->addReference(url.toLocalFile());
            event->acceptProposedAction();
            return;
        }
        QTreeWidget::dropEvent(event);
        Q_EMIT owner_->referencesChanged();
    }

private:
    ReferenceList* owner_;
};

} // namespace

ReferenceList::ReferenceList(QWidget* parent)
    : QGroupBox(tr("Reference list"), parent) {
    setObjectName("referenceList");
    setCheckable(true);
    setChecked(false);
    setToolTip(tr("Mix any number of style references, each with its weight; drag to reorder. "
                  "While this is on, it replaces the A and B slots."));
    auto* layout = new QVBoxLayout(this);
    tree_ = new ReferenceTree(this);
    tree_->setObjectName("referenceTree");
    connect(tree_, &QTreeWidget::itemChanged, this, [this] { Q_EMIT referencesChanged(); });
    layout->addWidget(tree_);

    auto* add = new QPushButton(tr("Add…"), this);
    add->setObjectName("referenceAddButton");
    connect(add, &QPushButton::clicked, this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(this, tr("Add Style References"),
                                                                QString(), imageFileFilter());
        for (const QString& file : files)
            addReference(file);
    });
    auto* remove = new QPushButton(tr("Remove"), this);
    remove->setObjectName("referenceRemoveButton");
    connect(remove, &QPushButton::clicked, this, [this] {
        const QList<QTreeWidgetItem*> selected = tree_->selectedItems();
        if (selected.isEmpty())
            return;
        qDeleteAll(selected);
        Q_EMIT referencesChanged();
    });
    auto* fromSlots = new QPushButton(tr("From A and B"), this);
    fromSlots->setObjectName("referenceFromSlotsButton");
    fromSlots->setToolTip(tr("Start the list with the two style slots and their mix"));
    connect(fromSlots, &QPushButton::clicked, this, &ReferenceList::takeSlotsRequested);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch();
    buttons->addWidget(fromSlots);
    layout->addLayout(buttons);
}

void ReferenceList::addReference(const QString& path, double weight) {
    const QSignalBlocker quiet(tree_);
    auto* item = new QTreeWidgetItem(tree_);
    item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemIsDragEnabled |
                   Qt::ItemIsEditable);
    item->setText(kNameColumn, QFileInfo(path).fileName());
    item->setToolTip(kNameColumn, QDir::toNativeSeparators(path));
    item->setData(kNameColumn, kPathRole, path);
    QImageReader reader(path);
    reader.setScaledSize(reader.size().scaled(40, 40, Qt::KeepAspectRatio));
    const QImage thumbnail = reader.read();
    if (!thumbnail.isNull())
        item->setIcon(kNameColumn, QIcon(QPixmap::fromImage(thumbnail)));
    item->setData(kWeightColumn, Qt::EditRole, weight);
    setChecked(true);
    Q_EMIT referencesChanged();
}

void ReferenceList::setReferences(const std::vector<StyleReference>& references) {
    tree_->clear();
    for (const StyleReference& reference : references)
        addReference(QString::fromStdString(reference.path), reference.weight.value_or(1.0));
    setChecked(!references.empty());
}

std::vector<StyleReference> ReferenceList::references() const {
    std::vector<StyleReference> references;
    for (int i = 0; i < tree_->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* item = tree_->topLevelItem(i);
        references.push_back({item->data(kNameColumn, kPathRole).toString().toStdString(),
                              item->data(kWeightColumn, Qt::EditRole).toDouble()});
    }
    return references;
}

void ReferenceList::applyTo(GenerationRequest& request) const {
    if (!isChecked() || tree_->topLevelItemCount() == 0)
        return;
    request.styles = references();
    request.mix.reset();
}

void ReferenceList::setFrom(const GenerationRequest& request) {
    // Two references are the A/B slots' (explicit weights become the mix slider's position).
    if (request.styles.size() <= 2) {
        setChecked(false);
        return;
    }
    std::vector<StyleReference> references = request.styles;
    // As run: the weights the pipeline normalised (1/n each when none were given).
    try {
        const std::vector<double> weights = normalizedStyleWeights(request);
        for (std::size_t i = 0; i < references.size(); ++i)
            references[i].weight = weights[i];
    } catch (const RequestError&) {
    }
    setReferences(references);
}

} // namespace deadiff::ui
