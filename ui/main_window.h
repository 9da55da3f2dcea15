// The studio's main window. Until a model is chosen it shows a "choose a model" page.
#pragma once

#include <QMainWindow>

class QLabel;
class QPushButton;

namespace deadiff::ui {

class MainWindow : public QMainWindow {
    Q_OBJECT

public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    QString modelPath() const { return modelPath_; }

public Q_SLOTS:
    // Opens a file dialog; the choice is remembered across sessions.
    void chooseModel();
    void setModelPath(const QString& path);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void buildMenus();
    void buildModelPage();
    void updateModelState();
    void showAbout();

    QString modelPath_;
    QLabel* modelStateLabel_ = nullptr;
    QPushButton* chooseModelButton_ = nullptr;
};

} // namespace deadiff::ui
