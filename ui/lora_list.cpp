#include "ui/lora_list.h"

#include "core/models/models_folder.h"

#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSettings>
#include <QSignalBlocker>
#include <QSlider>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace deadiff::ui {
namespace {

// The slider covers the weights people use (A1111's LoRAs: 0–1, sometimes up to 2, negative to
// subtract a look) in hundredths; the spin box reaches the request's limit.
constexpr int kSliderHundredths = 200;
const char* const kLastLoraDirKey = "lora/lastDir";

int sliderPosition(double weight) {
    return std::clamp(static_cast<int>(std::lround(weight * 100.0)), -kSliderHundredths,
                      kSliderHundredths);
}

QString noteText(const std::string& note, const std::string& path) {
    // describeLora starts with the file's stem, which the row already shows.
    const std::string stem =
        QFileInfo(QString::fromStdString(path)).completeBaseName().toStdString();
    const std::string prefix = stem + ": ";
    return QString::fromStdString(note.rfind(prefix, 0) == 0 ? note.substr(prefix.size()) : note);
}

} // namespace

LoraRow::LoraRow(const QString& path, double weight, QWidget* parent)
    : QFrame(parent)
    , path_(path) {
    setObjectName("loraRow");
    setFrameShape(QFrame::StyledPanel);
    const QFileInfo file(path);
    missing_ = !file.isFile();

    name_ = new QLabel(file.completeBaseName(), this);
    name_->setObjectName("loraName");
    name_->setToolTip(QDir::toNativeSeparators(path));
    name_->setMinimumWidth(60);
    name_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName("loraWeightSlider");
    slider_->setRange(-kSliderHundredths, kSliderHundredths);
    slider_->setSingleStep(5);
    slider_->setPageStep(25);
    slider_->setToolTip(tr("How strongly this LoRA changes the model (1: as trained, 0: not at "
                           "all, negative: the opposite)"));
    weight_ = new QDoubleSpinBox(this);
    weight_->setObjectName("loraWeight");
    weight_->setRange(-kMaxLoraWeight, kMaxLoraWeight);
    weight_->setDecimals(2);
    weight_->setSingleStep(0.05);
    weight_->setToolTip(slider_->toolTip());
    remove_ = new QPushButton(tr("Remove"), this);
    remove_->setObjectName("removeLoraButton");
    remove_->setToolTip(tr("Take this LoRA out of the model"));
    connect(remove_, &QPushButton::clicked, this, &LoraRow::removeRequested);

    connect(slider_, &QSlider::valueChanged, this, [this](int hundredths) {
        // A weight beyond the slider's end stays as typed while the slider rests there.
        if (sliderPosition(weight_->value()) == hundredths)
            return;
        weight_->setValue(hundredths / 100.0);
    });
    connect(weight_, qOverload<double>(&QDoubleSpinBox::valueChanged), this, [this](double value) {
        const QSignalBlocker quiet(slider_);
        slider_->setValue(sliderPosition(value));
        Q_EMIT weightChanged(value);
    });

    note_ = new QLabel(this);
    note_->setObjectName("loraNote");
    note_->setWordWrap(true);
    note_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont small = note_->font();
    small.setPointSizeF(small.pointSizeF() * 0.9);
    note_->setFont(small);

    auto* top = new QHBoxLayout;
    top->addWidget(name_, 1);
    top->addWidget(remove_);
    auto* weightRow = new QHBoxLayout;
    weightRow->addWidget(slider_, 1);
    weightRow->addWidget(weight_);
    auto* column = new QVBoxLayout(this);
    column->setContentsMargins(6, 4, 6, 4);
    column->addLayout(top);
    column->addLayout(weightRow);
    column->addWidget(note_);

    setWeight(weight);
    setNote({});
}

double LoraRow::weight() const {
    return weight_->value();
}

void LoraRow::setWeight(double weight) {
    weight_->setValue(weight);
    const QSignalBlocker quiet(slider_);
    slider_->setValue(sliderPosition(weight));
}

void LoraRow::setNote(const QString& note) {
    if (missing_) {
        note_->setText(tr("File not found: %1").arg(QDir::toNativeSeparators(path_)));
        note_->setStyleSheet(QStringLiteral("color: #b00020;"));
        note_->show();
        return;
    }
    note_->setText(note);
    note_->setStyleSheet(QString());
    note_->setVisible(!note.isEmpty());
}

QString LoraRow::note() const {
    return note_->isVisibleTo(this) ? note_->text() : QString();
}

LoraListPanel::LoraListPanel(QWidget* parent)
    : QGroupBox(tr("LoRAs"), parent) {
    setObjectName("loraGroup");
    setToolTip(tr("LoRA files change the model's look or teach it a subject; they are merged "
                  "into the model when the next image starts. A prompt can also name one as "
                  "<lora:name:weight>."));
    auto* layout = new QVBoxLayout(this);
    empty_ = new QLabel(tr("No LoRA: the model as it is."), this);
    empty_->setObjectName("loraEmpty");
    empty_->setEnabled(false);
    layout->addWidget(empty_);
    list_ = new QVBoxLayout;
    layout->addLayout(list_);
    add_ = new QPushButton(tr("Add LoRA"), this);
    add_->setObjectName("addLoraButton");
    addMenu_ = new QMenu(add_);
    addMenu_->setObjectName("addLoraMenu");
    connect(addMenu_, &QMenu::aboutToShow, this, &LoraListPanel::fillAddMenu);
    add_->setMenu(addMenu_);
    layout->addWidget(add_);
    updateEmptyState();
}

QStringList LoraListPanel::installedLoras() {
    QStringList paths;
    try {
        for (const models::InstalledModel& model : models::listModels().models)
            if (model.kind == "lora" && !model.modelFolder)
                paths << QString::fromStdString(model.path);
    } catch (const std::exception&) {
        // An unreadable models folder lists nothing; "Choose a file…" still works.
    }
    return paths;
}

void LoraListPanel::setModelLoraFolder(const QString& folder) {
    modelLoraFolder_ = folder;
}

QStringList LoraListPanel::modelLoras() const {
    QStringList paths;
    if (modelLoraFolder_.isEmpty())
        return paths;
    const QDir folder(modelLoraFolder_);
    for (const QFileInfo& file :
         folder.entryInfoList({QStringLiteral("*.safetensors")}, QDir::Files, QDir::Name))
        paths << file.absoluteFilePath();
    return paths;
}

void LoraListPanel::fillAddMenu() {
    addMenu_->clear();
    const QStringList own = modelLoras();
    const QStringList installed = installedLoras();
    for (const QStringList* list : {&own, &installed}) {
        if (list == &installed && !own.isEmpty() && !installed.isEmpty())
            addMenu_->addSeparator();
        for (const QString& path : *list) {
            QAction* action = addMenu_->addAction(
                list == &own
                    ? tr("%1 (made for this model)").arg(QFileInfo(path).completeBaseName())
                    : QFileInfo(path).completeBaseName());
            action->setToolTip(QDir::toNativeSeparators(path));
            connect(action, &QAction::triggered, this, [this, path] { addLora(path); });
        }
    }
    if (installed.isEmpty() && own.isEmpty()) {
        QAction* none = addMenu_->addAction(tr("(no LoRA in the models folder's lora/)"));
        none->setEnabled(false);
    }
    addMenu_->addSeparator();
    QAction* choose = addMenu_->addAction(tr("Choose a file…"));
    choose->setObjectName("chooseLoraFile");
    connect(choose, &QAction::triggered, this, &LoraListPanel::chooseFile);
}

void LoraListPanel::chooseFile() {
    QSettings settings;
    QString folder = settings.value(QString::fromLatin1(kLastLoraDirKey)).toString();
    if (folder.isEmpty() && !models::modelsRoot().empty())
        folder =
            QDir(QString::fromStdString(models::modelsRoot())).filePath(QStringLiteral("lora"));
    const QString file = QFileDialog::getOpenFileName(
        this, tr("Choose a LoRA file"), folder,
        tr("LoRA files (*.safetensors *.ckpt *.pt *.pth *.bin);;All files (*)"));
    if (file.isEmpty())
        return;
    settings.setValue(QString::fromLatin1(kLastLoraDirKey), QFileInfo(file).absolutePath());
    addLora(file);
}

LoraRow* LoraListPanel::addLora(const QString& path) {
    for (LoraRow* row : rows_)
        if (row->path() == path) {
            row->weightBox()->setFocus();
            return row;
        }
    auto* row = new LoraRow(path, 1.0, this);
    connect(row, &LoraRow::removeRequested, this, [this, row] { removeRow(row); });
    connect(row, &LoraRow::weightChanged, this, [this] {
        refreshNotes();
        Q_EMIT lorasChanged();
    });
    rows_.push_back(row);
    list_->addWidget(row);
    refreshNotes();
    updateEmptyState();
    Q_EMIT rowAdded(row);
    Q_EMIT lorasChanged();
    return row;
}

std::vector<LoraChoice> LoraListPanel::loras() const {
    std::vector<LoraChoice> choices;
    for (const LoraRow* row : rows_)
        choices.push_back({row->path().toStdString(), row->weight(), {}});
    return choices;
}

void LoraListPanel::setLoras(const std::vector<LoraChoice>& loras) {
    // Not quiet: rowAdded must reach the form, which keeps the wheel off each new row.
    for (LoraRow* row : std::vector<LoraRow*>(rows_))
        removeRow(row);
    for (const LoraChoice& lora : loras)
        addLora(QString::fromStdString(lora.path))->setWeight(lora.weight);
}

void LoraListPanel::setLoaded(const std::vector<LoraChoice>& loaded, const QStringList& notes) {
    loaded_ = loaded;
    loadedNotes_ = notes;
    refreshNotes();
}

void LoraListPanel::refreshNotes() {
    for (LoraRow* row : rows_) {
        QString note = tr("Merged into the model when the next image starts.");
        for (std::size_t i = 0; i < loaded_.size(); ++i) {
            if (QString::fromStdString(loaded_[i].path) != row->path())
                continue;
            const int index = static_cast<int>(i);
            note = index < loadedNotes_.size()
                       ? noteText(loadedNotes_[index].toStdString(), loaded_[i].path)
                       : QString();
            if (loaded_[i].weight != row->weight())
                note = tr("Merged at %1; the new weight applies from the next image.")
                           .arg(loaded_[i].weight) +
                       (note.isEmpty() ? QString() : QStringLiteral("\n") + note);
        }
        row->setNote(note);
    }
}

void LoraListPanel::removeRow(LoraRow* row) {
    rows_.erase(std::remove(rows_.begin(), rows_.end(), row), rows_.end());
    row->hide();
    row->deleteLater();
    updateEmptyState();
    Q_EMIT lorasChanged();
}

void LoraListPanel::updateEmptyState() {
    empty_->setVisible(rows_.empty());
}

} // namespace deadiff::ui
