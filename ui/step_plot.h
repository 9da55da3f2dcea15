// Live per-step statistics of the running generation: seconds per step (left axis) and how much
// the predicted image still changes (right axis). Resets per run; can be saved as PNG.
#pragma once

#include <QWidget>

class QCustomPlot;
class QCPGraph;

namespace deadiff::ui {

class StepPlot : public QWidget {
    Q_OBJECT

public:
    explicit StepPlot(QWidget* parent = nullptr);

    QCustomPlot* plot() const { return plot_; }
    int pointCount() const;

public Q_SLOTS:
    void reset(int totalSteps);
    // `step` is 0-based; the plot shows 1-based steps like the progress bar.
    void addStep(int step, double stepSeconds, double change);
    // Returns false (and says nothing) when the file cannot be written.
    bool savePng(const QString& path);
    void saveWithDialog();

private:
    QCustomPlot* plot_ = nullptr;
    QCPGraph* stepTime_ = nullptr;
    QCPGraph* change_ = nullptr;
    int totalSteps_ = 1;
};

} // namespace deadiff::ui
