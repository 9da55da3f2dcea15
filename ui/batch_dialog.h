// The batch export dialog: a batch job built from the current form. Prompts line by line, style
// reference sets (each added file its own set, or several files as one mixed set), and values
// for the mix, seed and image-weight axes; the output folder and the file-name template. The
// dialog shows how many images the job makes (or which field is wrong) as the user types.
#pragma once

#include "core/batch/batch_job.h"

#include <QDialog>

#include <optional>

class QDialogButtonBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QRadioButton;
class QSpinBox;

namespace deadiff::ui {

class BatchDialog : public QDialog {
    Q_OBJECT

public:
    // `current`: the form's request (with the model); it becomes the job's template.
    explicit BatchDialog(const GenerationRequest& current, const QString& outputFolder = {},
                         QWidget* parent = nullptr);

    // The job as the fields describe it; std::nullopt (and problem() says why) when invalid.
    std::optional<batch::BatchJob> job() const;
    QString problem() const { return problem_; }
    QString outputFolder() const;
    int imageCount() const { return imageCount_; }

    // Widgets, for tests and the window.
    QPlainTextEdit* promptsEdit() const { return prompts_; }
    QListWidget* styleSetList() const { return styleSets_; }
    QLineEdit* mixEdit() const { return mixes_; }
    QLineEdit* seedsEdit() const { return seeds_; }
    QRadioButton* seedListButton() const { return seedList_; }
    QRadioButton* seedCountButton() const { return seedCountButton_; }
    QSpinBox* seedCountSpin() const { return seedCount_; }
    QLineEdit* imageWeightsEdit() const { return imageWeights_; }
    QLineEdit* folderEdit() const { return folder_; }
    QLineEdit* nameTemplateEdit() const { return nameTemplate_; }
    QLabel* summaryLabel() const { return summary_; }

    // Appends one style set (paths of one mix). A file the engine cannot decode is refused:
    // nothing is added, refusal() says why. Returns whether the set was added.
    bool addStyleSet(const QStringList& paths);
    QString refusal() const { return refusal_; }

public Q_SLOTS:
    void updateSummary();

private:
    std::optional<std::vector<double>> numbers(const QLineEdit* edit, const QString& field) const;

    GenerationRequest template_;
    mutable QString problem_;
    int imageCount_ = 0;

    QPlainTextEdit* prompts_ = nullptr;
    QListWidget* styleSets_ = nullptr;
    QLineEdit* mixes_ = nullptr;
    QRadioButton* seedList_ = nullptr;
    QRadioButton* seedCountButton_ = nullptr;
    QLineEdit* seeds_ = nullptr;
    QSpinBox* seedCount_ = nullptr;
    QLineEdit* imageWeights_ = nullptr;
    QLineEdit* folder_ = nullptr;
    QLineEdit* nameTemplate_ = nullptr;
    QLabel* summary_ = nullptr;
    QLabel* refusalLabel_ = nullptr;
    QString refusal_;
    QDialogButtonBox* buttons_ = nullptr;
};

} // namespace deadiff::ui
