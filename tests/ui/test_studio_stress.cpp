// The studio's generate / cancel / close sequences, many times over, on the tiny random model
// through the real engine (Pipeline::load on the worker thread, the depth preview on the
// thread pool): no crash, no hang, no lost result. DEADIFF_STRESS_ROUNDS sets the rounds (CI
// runs a few; docs/reliability.md has the long runs). ctest runs it with freed memory
// poisoned (MALLOC_PERTURB_, no tcache), so a use of freed memory crashes at once instead of
// once in a while. Also: paths that are not regular files never block the GUI thread.
#include "tests/support/tiny_model_folder.h"
#include "tests/ui/studio_home.h"
#include "ui/application.h"
#include "ui/control_units.h"
#include "ui/drop_zone.h"
#include "ui/gallery.h"
#include "ui/generation_form.h"
#include "ui/image_view.h"
#include "ui/main_window.h"

#include "core/io/png.h"
#include "core/pipeline/request.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QGroupBox>
#include <QPainter>
#include <QProgressBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

using deadiff::GenerationRequest;
using deadiff::ui::ControlUnitEditor;
using deadiff::ui::ControlUnitsPanel;
using deadiff::ui::GenerationForm;
using deadiff::ui::MainWindow;

namespace {

int stressRounds() {
    bool ok = false;
    const int rounds = qEnvironmentVariableIntValue("DEADIFF_STRESS_ROUNDS", &ok);
    return ok && rounds > 0 ? rounds : 8;
}

// Unblocks a reader stuck in open() or read() on `fifo` after `seconds`, so a regression fails
// the test instead of hanging it.
class FifoWatchdog {
public:
    FifoWatchdog(const QString& fifo, int seconds)
        : thread_([this, path = fifo.toStdString(), seconds] {
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
            while (!done_.load() && std::chrono::steady_clock::now() < until)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            if (done_.load())
                return;
            const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
            if (fd >= 0)
                ::close(fd); // the reader sees end of file
        }) {}
    ~FifoWatchdog() {
        done_.store(true);
        thread_.join();
    }

private:
    std::atomic<bool> done_{false};
    std::thread thread_;
};

} // namespace

class TestStudioStress : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        model_ = QString::fromStdString(
            deadiff::test::writeTinyModel(dir_.filePath("tiny").toStdString(), 4));
        QImage style(48, 48, QImage::Format_RGB888);
        style.fill(Qt::darkCyan);
        QVERIFY(style.save(dir_.filePath("style.png")));
        // A depth-like picture: a bright disc on a dark ramp.
        QImage depth(96, 96, QImage::Format_Grayscale8);
        for (int y = 0; y < depth.height(); ++y)
            for (int x = 0; x < depth.width(); ++x)
                depth.setPixel(x, y, qRgb(y, y, y));
        QPainter painter(&depth);
        painter.setBrush(Qt::white);
        painter.drawEllipse(QPoint(40, 50), 22, 22);
        painter.end();
        QVERIFY(depth.save(dir_.filePath("depth.png")));
        fifo_ = dir_.filePath("pipe.png");
        QCOMPARE(::mkfifo(fifo_.toLocal8Bit().constData(), 0600), 0);
    }

    void init() { useFreshHome(QTest::currentTestFunction()); }

    // The sequences of the ControlNet oracle test and of a user in a hurry, round after round,
    // each round in a fresh window that is closed (or destroyed) at the end.
    void generateCancelCloseRounds() {
        const int rounds = stressRounds();
        for (int round = 0; round < rounds; ++round) {
            // The studio keeps every result in its history: each round starts with none.
            useFreshHome(QStringLiteral("round-%1").arg(round));
            QElapsedTimer closing;
            {
                MainWindow window;
                window.show();
                window.setModelPath(model_);
                QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 60000);
                GenerationForm* form = window.form();
                GenerationRequest request = form->request();
                request.prompt = "star";
                request.styles = {{dir_.filePath("style.png").toStdString(), std::nullopt}};
                request.mode = deadiff::ReferenceMode::Style;
                request.width = 64;
                request.height = 64;
                request.steps = 40;
                request.seed = static_cast<std::uint64_t>(round);
                request.dtype = deadiff::ComputeDtype::Float32;
                form->setRequest(request);
                // The ControlNet hint preview runs on the thread pool while the worker generates.
                ControlUnitsPanel* controls = form->controlPanel();
                controls->setChecked(true);
                ControlUnitEditor* unit =
                    controls->unitCount() > 0 ? controls->editor(0) : controls->addUnit();
                unit->hintZone()->setPath(dir_.filePath("depth.png"));
                controls->setChecked(false);
                auto* progress = window.findChild<QProgressBar*>("progressBar");
                QVERIFY(progress != nullptr);

                switch (round % 4) {
                case 0: { // two results; the first one is intact after the second lands
                    request.steps = 2;
                    form->setRequest(request);
                    window.generate();
                    QTRY_COMPARE_WITH_TIMEOUT(window.gallery()->resultCount(), 1, 60000);
                    const QImage firstImage = window.gallery()->entry(0).image.copy();
                    QVERIFY(window.gallery()->entry(0).request.seed == request.seed);
                    request.seed = *request.seed + 1000;
                    form->setRequest(request);
                    window.generate();
                    QTRY_COMPARE_WITH_TIMEOUT(window.gallery()->resultCount(), 2, 60000);
                    const auto& first = window.gallery()->entry(0);
                    QCOMPARE(first.image.size(), QSize(64, 64));
                    QCOMPARE(first.image, firstImage);
                    QVERIFY(first.image != window.gallery()->entry(1).image);
                    break;
                }
                case 1: // cancelled before the first step, then a full run
                    window.generate();
                    window.cancel();
                    QTRY_VERIFY_WITH_TIMEOUT(!window.isGenerating(), 30000);
                    QCOMPARE(window.gallery()->resultCount(), 0);
                    request.steps = 3;
                    form->setRequest(request);
                    window.generate();
                    QTRY_COMPARE_WITH_TIMEOUT(window.gallery()->resultCount(), 1, 60000);
                    break;
                case 2: // cancelled mid-run
                    window.generate();
                    QTRY_VERIFY_WITH_TIMEOUT(progress->value() >= 1, 30000);
                    window.cancel();
                    QTRY_VERIFY_WITH_TIMEOUT(!window.isGenerating(), 30000);
                    QCOMPARE(window.gallery()->resultCount(), 0);
                    break;
                case 3: // closed mid-run (and with a hint preview pending)
                    window.generate();
                    QTRY_VERIFY_WITH_TIMEOUT(progress->value() >= 1, 30000);
                    controls->setChecked(true);
                    unit->hintZone()->setPath(dir_.filePath("style.png"));
                    break;
                }
                if (round % 2 == 0)
                    window.close();
                closing.start();
            } // the window is destroyed here, possibly while the worker is still sampling
            QVERIFY2(closing.elapsed() < 30000, "closing the window waited too long");
        }
    }

    // A request that cannot fit in memory is refused with a message and a size that fits; the
    // window keeps working. (The CLI's test does the same under `prlimit --as`.)
    void aRequestLargerThanMemoryIsRefused() {
        MainWindow window;
        window.show();
        window.setModelPath(model_);
        QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 60000);
        // 1 GiB beyond what the studio holds now: a 64 px image fits, 2048 px does not.
        QFile status(QStringLiteral("/proc/self/status"));
        QVERIFY(status.open(QIODevice::ReadOnly));
        qint64 residentKb = 0;
        for (const QByteArray& line : status.readAll().split('\n'))
            if (line.startsWith("VmRSS:"))
                residentKb = line.mid(6).trimmed().split(' ').front().toLongLong();
        QVERIFY(residentKb > 0);
        qputenv("DEADIFF_MEMORY_LIMIT", QByteArray::number(residentKb * 1024 + (1LL << 30)));
        GenerationRequest request = window.form()->request();
        request.prompt = "star";
        request.styles.clear();
        request.mode = deadiff::ReferenceMode::None;
        request.steps = 2;
        request.seed = 9;
        request.width = 2048;
        request.height = 2048;
        window.form()->setRequest(request);
        QSignalSpy errors(&window, &MainWindow::errorShown);
        window.generate();
        QTRY_VERIFY_WITH_TIMEOUT(!errors.isEmpty(), 30000);
        const QString message = errors.front().front().toString();
        QVERIFY2(message.contains("2048x2048 needs about"), qPrintable(message));
        QVERIFY2(message.contains("DEADIFF_MEMORY_LIMIT"), qPrintable(message));
        QVERIFY2(message.contains("would fit"), qPrintable(message));
        QTRY_VERIFY_WITH_TIMEOUT(!window.isGenerating(), 30000);
        request.width = 64;
        request.height = 64;
        window.form()->setRequest(request);
        window.generate();
        QTRY_COMPARE_WITH_TIMEOUT(window.gallery()->resultCount(), 1, 60000);
        qunsetenv("DEADIFF_MEMORY_LIMIT");
    }

    // A FIFO or a device named as an image (typed, restored from settings, or carried by a
    // dropped PNG's request) is refused at once; the GUI thread never waits on it.
    void pathsThatAreNotFilesNeverBlockTheGui() {
        FifoWatchdog watchdog(fifo_, 10);
        MainWindow window;
        window.show();
        QElapsedTimer timer;
        timer.start();
        window.form()->styleZoneA()->setPath(fifo_);
        window.form()->styleZoneB()->setPath(QStringLiteral("/dev/zero"));
        QVERIFY(!window.openDroppedFile(fifo_));
        QVERIFY(!window.openDroppedFile(QStringLiteral("/dev/zero")));
        // A PNG whose settings name the FIFO as a style reference.
        GenerationRequest hostile;
        hostile.prompt = "a cat";
        hostile.styles = {{fifo_.toStdString(), std::nullopt}};
        const QString png = dir_.filePath("hostile.png");
        deadiff::io::writePng(png.toStdString(), cv::Mat(8, 8, CV_8UC3, cv::Scalar(1, 2, 3)),
                              {{deadiff::io::kRequestJsonKeyword, deadiff::toJson(hostile)}});
        QVERIFY(window.openDroppedFile(png));
        QCOMPARE(window.form()->request().styles.front().path, fifo_.toStdString());
        QVERIFY2(timer.elapsed() < 3000, "a FIFO or /dev/zero held the GUI thread");
    }

private:
    // Settings, result history and output folders under `name` in the test's folder.
    void useFreshHome(const QString& name) {
        const QString home = dir_.filePath(QStringLiteral("home-") + name);
        QVERIFY(QDir().mkpath(home));
        deadiff::testing::isolateStudioHome(home);
        QSettings().clear();
    }

    QTemporaryDir dir_;
    QString model_;
    QString fifo_;
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    deadiff::ui::setUpApplication(app);
    TestStudioStress test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_studio_stress.moc"
