#include "core/runtime/system_info.h"
#include "ui/application.h"
#include "ui/main_window.h"

#include <QApplication>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    deadiff::ui::setUpApplication(app);
    // LibTorch defaults to half the hardware threads; set the count before any parallel op.
    deadiff::configureThreads();
    deadiff::configureAllocator();

    deadiff::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
