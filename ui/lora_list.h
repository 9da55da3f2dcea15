// The studio's "LoRAs" panel (issue 22): the LoRA files merged into the model, each with its
// weight on a slider (and a spin box for weights beyond the slider's ±2), added from the models
// folder's lora/ or any file, removed with one click. Self-contained like the ControlNet panel:
// the form asks it for loras() and gives it setLoras(); what the loaded model made of each file
// (modules changed, keys that matched nothing) is shown under its row.
#pragma once

#include "core/pipeline/request.h"

#include <QFrame>
#include <QGroupBox>
#include <QString>
#include <QStringList>

#include <vector>

class QDoubleSpinBox;
class QLabel;
class QMenu;
class QPushButton;
class QSlider;
class QVBoxLayout;

namespace deadiff::ui {

// One LoRA: its file (named by its stem), weight and what loading it said.
class LoraRow : public QFrame {
    Q_OBJECT

public:
    explicit LoraRow(const QString& path, double weight, QWidget* parent = nullptr);

    QString path() const { return path_; }
    double weight() const;
    void setWeight(double weight);
    // What the loaded model reported for this file; empty: not loaded (yet).
    void setNote(const QString& note);
    QString note() const;
    bool fileMissing() const { return missing_; }

    QSlider* slider() const { return slider_; }
    QDoubleSpinBox* weightBox() const { return weight_; }
    QPushButton* removeButton() const { return remove_; }

Q_SIGNALS:
    void removeRequested();
    void weightChanged(double weight);

private:
    QString path_;
    bool missing_ = false;
    QLabel* name_ = nullptr;
    QSlider* slider_ = nullptr;
    QDoubleSpinBox* weight_ = nullptr;
    QPushButton* remove_ = nullptr;
    QLabel* note_ = nullptr;
};

class LoraListPanel : public QGroupBox {
    Q_OBJECT

public:
    explicit LoraListPanel(QWidget* parent = nullptr);

    // The listed LoRAs in order, at their weights (no hashes: those are recorded, not asked for).
    std::vector<LoraChoice> loras() const;
    // Replaces the list (a request's LoRAs, e.g. read back from a PNG).
    void setLoras(const std::vector<LoraChoice>& loras);
    // Adds a file at weight 1 (its row gets focus); a file already listed is not added twice.
    LoraRow* addLora(const QString& path);
    // What the loaded model merged (ModelFacts::loras) and said of each (ModelFacts::loraNotes).
    void setLoaded(const std::vector<LoraChoice>& loaded, const QStringList& notes);

    int rowCount() const { return static_cast<int>(rows_.size()); }
    LoraRow* row(int index) const { return rows_.at(static_cast<std::size_t>(index)); }
    QPushButton* addButton() const { return add_; }
    // The LoRA files in the models folder's lora/, as the Add menu lists them.
    static QStringList installedLoras();
    // LoRAs made for the loaded model (its folder's lora/, such as the demo model's LCM-LoRA),
    // listed first in the Add menu; empty: none (a single-file model).
    void setModelLoraFolder(const QString& folder);
    QStringList modelLoras() const;
    QMenu* addMenu() const { return addMenu_; }

Q_SIGNALS:
    void lorasChanged();
    // A row was added (the form keeps the wheel off its slider and spin box).
    void rowAdded(LoraRow* row);

private:
    void fillAddMenu();
    void chooseFile();
    void removeRow(LoraRow* row);
    void refreshNotes();
    void updateEmptyState();

    QVBoxLayout* list_ = nullptr;
    QLabel* empty_ = nullptr;
    QPushButton* add_ = nullptr;
    QMenu* addMenu_ = nullptr;
    std::vector<LoraRow*> rows_;
    QString modelLoraFolder_;
    std::vector<LoraChoice> loaded_;
    QStringList loadedNotes_;
};

} // namespace deadiff::ui
