#include "core/runtime/system_info.h"
#include "ui/application.h"
#include "ui/main_window.h"

#include <QApplication>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    deadiff::ui::setUpApplication(app);
    // Before any tensor operation: the kernel choice and the thread count are read once.
    deadiff::configureKernels();
    deadiff::configureThreads();
    deadiff::configureAllocator();

    deadiff::ui::MainWindow window;
    window.show();
    return QApplication::exec();
}
