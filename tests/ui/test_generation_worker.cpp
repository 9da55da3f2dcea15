// GenerationWorker on its own thread with the gradient test double: the GUI thread keeps
// processing events during a run, steps and previews arrive, Cancel stops within one step, and
// errors come back as messages.
#include "tests/ui/gradient_pipeline.h"
#include "ui/generation_worker.h"

#include "core/pipeline/default_model.h"

#include <QApplication>
#include <QSignalSpy>
#include <QThread>
#include <QTimer>
#include <QtTest>

using deadiff::ComputeDtype;
using deadiff::GenerationRequest;
using deadiff::ReferenceMode;
using deadiff::testing::GradientProbe;
using deadiff::ui::GenerationOutcome;
using deadiff::ui::GenerationWorker;
using deadiff::ui::StepUpdate;

namespace {

GenerationRequest smallRequest(int steps) {
    GenerationRequest request;
    request.prompt = "a lighthouse";
    request.steps = steps;
    request.width = 128;
    request.height = 64;
    request.seed = 5;
    return request;
}

// A worker on its own thread, as the window sets it up. QSignalSpy records worker signals on the
// worker thread (direct connection), possibly before QSignalSpy::wait() starts; so tests poll
// the spy's count (QTRY_*) instead of waiting for a next emission.
struct WorkerFixture {
    std::shared_ptr<GradientProbe> probe = std::make_shared<GradientProbe>();
    QThread thread;
    GenerationWorker* worker = nullptr;

    // The gradient double, or `loader` (the real pipeline).
    explicit WorkerFixture(deadiff::PipelineLoader loader = {}) {
        worker = new GenerationWorker(loader ? std::move(loader)
                                             : deadiff::testing::gradientFactory(probe));
        worker->moveToThread(&thread);
        QObject::connect(&thread, &QThread::finished, worker, &QObject::deleteLater);
        thread.start();
    }
    ~WorkerFixture() {
        thread.quit();
        thread.wait();
    }
    void load(const QString& path) {
        QMetaObject::invokeMethod(worker, "loadModel", Qt::QueuedConnection, Q_ARG(QString, path));
    }
    void generate(const GenerationRequest& request, quint64 job) {
        QMetaObject::invokeMethod(worker, "generate", Qt::QueuedConnection,
                                  Q_ARG(deadiff::GenerationRequest, request), Q_ARG(quint64, job));
    }
};

} // namespace

class TestGenerationWorker : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void loadsTheModelOnTheWorkerWithProgress() {
        WorkerFixture fixture;
        QSignalSpy progress(fixture.worker, &GenerationWorker::loadProgress);
        QSignalSpy loaded(fixture.worker, &GenerationWorker::modelLoaded);
        fixture.load("/models/demo.safetensors");
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() > 0, 5000);
        QCOMPARE(loaded.at(0).at(0).toString(), QStringLiteral("/models/demo.safetensors"));
        QCOMPARE(loaded.at(0).at(1).toString(), QStringLiteral("float32"));
        QVERIFY(progress.count() >= 1);
        QVERIFY(fixture.worker->hasModel());
    }

    void brokenModelReportsTheLoadersMessage() {
        WorkerFixture fixture;
        QSignalSpy failed(fixture.worker, &GenerationWorker::loadFailed);
        fixture.load("/models/broken.safetensors");
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() > 0, 5000);
        QVERIFY2(failed.at(0).at(1).toString().contains("not a safetensors file"),
                 qPrintable(failed.at(0).at(1).toString()));
        QVERIFY(!fixture.worker->hasModel());
    }

    void generatesOffTheGuiThreadWhileEventsKeepFlowing() {
        WorkerFixture fixture;
        fixture.probe->stepMillis = 25;
        QSignalSpy loaded(fixture.worker, &GenerationWorker::modelLoaded);
        fixture.load("/models/demo.safetensors");
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() > 0, 5000);

        int ticks = 0;
        QTimer timer;
        timer.setInterval(10);
        connect(&timer, &QTimer::timeout, [&ticks] { ++ticks; });
        timer.start();

        int steps = 0;
        int previews = 0;
        int stepsOffGuiThread = 0;
        connect(fixture.worker, &GenerationWorker::stepDone, this, [&](const StepUpdate& update) {
            ++steps;
            if (QThread::currentThread() != QCoreApplication::instance()->thread())
                ++stepsOffGuiThread;
            if (!update.preview.isNull()) {
                ++previews;
                fixture.worker->previewConsumed();
            }
        });
        QSignalSpy finished(fixture.worker, &GenerationWorker::finished);
        fixture.generate(smallRequest(20), 1);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() > 0, 10000);
        // The queued step signals reach the GUI thread after the spy saw `finished`.
        QTRY_COMPARE_WITH_TIMEOUT(steps, 20, 5000);
        timer.stop();

        QVERIFY(fixture.probe->generateThread != std::this_thread::get_id());
        QCOMPARE(stepsOffGuiThread, 0);
        QVERIFY2(previews >= 2, qPrintable(QString::number(previews)));
        // 20 steps x 25 ms = 500 ms; a GUI thread that kept spinning saw tens of 10 ms ticks.
        QVERIFY2(ticks >= 15, qPrintable(QStringLiteral("timer ticks: %1").arg(ticks)));
        const auto outcome = finished.at(0).at(0).value<GenerationOutcome>();
        QCOMPARE(outcome.jobId, quint64(1));
        QCOMPARE(outcome.images.size(), 1);
        QCOMPARE(outcome.images[0].size(), QSize(128, 64));
        QCOMPARE(outcome.request.seed, std::optional<std::uint64_t>(5));
        QVERIFY(outcome.request.mode == ReferenceMode::None); // resolved
    }

    void stalePreviewsAreDropped() {
        WorkerFixture fixture;
        fixture.probe->stepMillis = 1;
        QSignalSpy loaded(fixture.worker, &GenerationWorker::modelLoaded);
        fixture.load("/models/demo.safetensors");
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() > 0, 5000);
        QSignalSpy steps(fixture.worker, &GenerationWorker::stepDone);
        QSignalSpy finished(fixture.worker, &GenerationWorker::finished);
        fixture.generate(smallRequest(30), 1);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() > 0, 10000);
        // Nobody consumed previews: only the first step carried one.
        int previews = 0;
        for (const QList<QVariant>& args : steps)
            previews += args.at(0).value<StepUpdate>().preview.isNull() ? 0 : 1;
        QCOMPARE(steps.count(), 30);
        QCOMPARE(previews, 1);
    }

    void fullDecodeEveryReachesThePipeline() {
        WorkerFixture fixture;
        fixture.probe->stepMillis = 1;
        QSignalSpy loaded(fixture.worker, &GenerationWorker::modelLoaded);
        fixture.load("/models/demo.safetensors");
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() > 0, 5000);
        fixture.worker->setFullDecodeEvery(5);
        QSignalSpy steps(fixture.worker, &GenerationWorker::stepDone);
        QSignalSpy finished(fixture.worker, &GenerationWorker::finished);
        fixture.generate(smallRequest(10), 1);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() > 0, 5000);
        QList<int> fullSteps;
        for (const QList<QVariant>& args : steps) {
            const auto update = args.at(0).value<StepUpdate>();
            if (update.fullDecode) {
                fullSteps << update.step;
                QVERIFY(!update.preview.isNull()); // full decodes are never dropped
            }
        }
        QCOMPARE(fullSteps, QList<int>({4, 9}));
    }

    void cancelStopsWithinOneStep() {
        WorkerFixture fixture;
        fixture.probe->stepMillis = 30;
        QSignalSpy loaded(fixture.worker, &GenerationWorker::modelLoaded);
        fixture.load("/models/demo.safetensors");
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() > 0, 5000);

        int stepsAtCancel = -1;
        connect(fixture.worker, &GenerationWorker::stepDone, this, [&](const StepUpdate& update) {
            if (update.step == 4 && stepsAtCancel < 0) {
                fixture.worker->cancel(update.jobId);
                stepsAtCancel = fixture.probe->stepsCompleted.load();
            }
        });
        QSignalSpy cancelled(fixture.worker, &GenerationWorker::cancelled);
        QSignalSpy finished(fixture.worker, &GenerationWorker::finished);
        fixture.generate(smallRequest(200), 3);
        QTRY_VERIFY_WITH_TIMEOUT(cancelled.count() > 0, 10000);
        QCOMPARE(cancelled.at(0).at(0).value<quint64>(), quint64(3));
        QCOMPARE(finished.count(), 0);
        QVERIFY(fixture.probe->sawCancel.load());
        // The step running when Cancel was pressed may finish; no further one starts.
        QVERIFY2(fixture.probe->stepsCompleted.load() <= stepsAtCancel + 1,
                 qPrintable(QStringLiteral("%1 steps after cancel at %2")
                                .arg(fixture.probe->stepsCompleted.load())
                                .arg(stepsAtCancel)));

        // A later job is not affected by the earlier cancel.
        fixture.probe->stepMillis = 1;
        fixture.generate(smallRequest(3), 4);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() > 0, 5000);
    }

    void pipelineErrorBecomesAFailedSignal() {
        WorkerFixture fixture;
        fixture.probe->failWith = "cannot decode style reference /tmp/x.png";
        QSignalSpy loaded(fixture.worker, &GenerationWorker::modelLoaded);
        fixture.load("/models/demo.safetensors");
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() > 0, 5000);
        QSignalSpy failed(fixture.worker, &GenerationWorker::failed);
        fixture.generate(smallRequest(5), 9);
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() > 0, 5000);
        QCOMPARE(failed.at(0).at(0).value<quint64>(), quint64(9));
        QCOMPARE(failed.at(0).at(1).toString(),
                 QStringLiteral("cannot decode style reference /tmp/x.png"));
    }

    // The real pipeline on the bundled demo model: a request asking for another precision makes
    // the worker load the model again in it, the networks compute in it (other pixels), and the
    // outcome records it.
    void precisionReloadsTheRealModelInThatDtype() {
        const std::string demo = deadiff::pipeline::bundledModelDir();
        if (demo.empty())
            QSKIP("the bundled demo model is not installed");
        WorkerFixture fixture(deadiff::defaultPipelineLoader());
        QSignalSpy loaded(fixture.worker, &GenerationWorker::modelLoaded);
        QSignalSpy finished(fixture.worker, &GenerationWorker::finished);
        fixture.load(QString::fromStdString(demo));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() == 1, 60000);
        QCOMPARE(loaded.at(0).at(1).toString(), QStringLiteral("float32")); // its auto_dtype
        QCOMPARE(loaded.at(0).at(2).toInt(), 64);                           // its native size

        GenerationRequest request = smallRequest(3);
        request.prompt = "house";
        request.width = request.height = 64;
        const auto start = [&](ComputeDtype dtype, int job) {
            request.dtype = dtype;
            fixture.generate(request, static_cast<quint64>(job));
        };
        start(ComputeDtype::Float32, 1);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, 60000);
        QCOMPARE(loaded.count(), 1); // float32 is what it computes in already
        start(ComputeDtype::BFloat16, 2);
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2, 60000);
        const auto exact = finished.at(0).at(0).value<GenerationOutcome>();
        const auto fast = finished.at(1).at(0).value<GenerationOutcome>();
        QCOMPARE(loaded.count(), 2);
        QCOMPARE(loaded.at(1).at(1).toString(), QStringLiteral("bfloat16"));
        QVERIFY(exact.request.dtype == ComputeDtype::Float32);
        QVERIFY(fast.request.dtype == ComputeDtype::BFloat16);
        QVERIFY(exact.images.at(0) != fast.images.at(0));
    }

    void generateWithoutModelFails() {
        WorkerFixture fixture;
        QSignalSpy failed(fixture.worker, &GenerationWorker::failed);
        fixture.generate(smallRequest(5), 1);
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() > 0, 5000);
        QVERIFY(!failed.at(0).at(1).toString().isEmpty());
    }
};

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    deadiff::ui::registerWorkerMetaTypes();
    TestGenerationWorker test;
    return QTest::qExec(&test, argc, argv);
}

#include "test_generation_worker.moc"
