// The first-run path: while the studio runs the bundled demo model and the models folder holds
// no DEADiff model, a line under the model badge says what the demo model is and offers the real
// weights' download. It only offers: the download starts in the dialog, after the licence.
#pragma once

#include <QFrame>

class QLabel;
class QPushButton;

namespace deadiff::ui {

class DemoModelNotice : public QFrame {
    Q_OBJECT

public:
    explicit DemoModelNotice(QWidget* parent = nullptr);

    // Shown when `modelPath` is the bundled demo model and the models folder
    // (`modelsRoot`, empty: models::modelsRoot()) has nothing in deadiff/.
    void updateFor(const QString& modelPath, const QString& modelsRoot = {});

    QPushButton* downloadButton() const { return button_; }

Q_SIGNALS:
    void downloadRequested();

private:
    QLabel* text_ = nullptr;
    QPushButton* button_ = nullptr;
};

} // namespace deadiff::ui
