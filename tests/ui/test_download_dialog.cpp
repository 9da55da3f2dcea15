// Model → Download Models… against a loopback HTTP server (tests/support/http_test_server): the
// licence is shown and accepted before a download can start, progress and verification, cancel
// then resume, a failure's message, the offered safetensors conversion of a pickle and "Use This
// Model"; and the studio's first-run path: on the demo model its card offers the download, which
// never starts by itself.
#include "tests/support/ckpt_writer.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/test_bytes.h"
#include "tests/ui/gradient_pipeline.h"
#include "ui/download_dialog.h"
#include "ui/generation_form.h"
#include "ui/main_window.h"

#include <QAction>
#include <QCheckBox>
#include <QDialog>
#include <QDir>
#include <QFile>
#include <QLabel>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>
#include <algorithm>

using deadiff::net::DownloadOutcome;
using deadiff::net::DownloadStatus;
using deadiff::test::HttpTestServer;
using deadiff::ui::DownloadDialog;

namespace {

// coreutils' sha256sum: the expected hashes do not come from the code under test.
std::string sha256sum(const std::string& bytes, const QString& scratch) {
    return deadiff::test::sha256sumOfBytes(bytes, scratch.toStdString());
}

DownloadOutcome outcomeOf(const QSignalSpy& spy) {
    return spy.last().at(0).value<DownloadOutcome>();
}

} // namespace

class TestDownloadDialog : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        for (const char* name :
             {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
            ::unsetenv(name);
        ::setenv("XDG_DATA_HOME", qPrintable(dir_.path() + "/data"), 1);
        ::setenv("DEADIFF_DEMO_MODEL", "none", 1);
        QVERIFY(!deadiff::testing::prepareStudioWorkspace(dir_.path()).isEmpty());
        root_ = dir_.path() + "/data/deadiff/models";

        payload_ = deadiff::test::randomBytes(2 << 20, 3);
        server_.serve("/payload.bin", payload_);
        deadiff::test::CkptSpec ckpt;
        ckpt.tensors.push_back({"model.diffusion_model.w", "FloatStorage", "0", 4, 0, {4}, {1}});
        ckpt.storages["0"] = std::string(16, '\x02');
        const std::string pickle = deadiff::test::makeTorchCheckpoint(ckpt);
        server_.serve("/tiny.ckpt", pickle);

        catalog_ = dir_.path() + "/catalog.json";
        QFile file(catalog_);
        QVERIFY(file.open(QIODevice::WriteOnly));
        const auto entry = [&](const char* name, const char* kind, const std::string& path,
                               std::size_t size, const std::string& sha) {
            return QStringLiteral(R"({"name": "%1", "kind": "%2", "url": "%3", "size": %4, )"
                                  R"("sha256": "%5", "licence": "Licence of %1: research only"})")
                .arg(name, kind, QString::fromStdString(server_.url(path)))
                .arg(size)
                .arg(QString::fromStdString(sha));
        };
        file.write(QStringLiteral(R"({"models": [%1, %2, %3]})")
                       .arg(entry("payload", "vae", "/payload.bin", payload_.size(),
                                  sha256sum(payload_, dir_.path())),
                            entry("tiny", "deadiff", "/tiny.ckpt", pickle.size(),
                                  sha256sum(pickle, dir_.path())),
                            entry("gone", "lora", "/gone.safetensors", 10, std::string(64, 'a')))
                       .toUtf8());
    }

    void theLicenceIsAcceptedBeforeADownloadCanStart() {
        DownloadDialog dialog(nullptr, catalog_, root_);
        QCOMPARE(dialog.table()->rowCount(), 3);
        QVERIFY(dialog.selectEntry("payload"));
        QVERIFY2(dialog.details()->toPlainText().contains("Licence of payload: research only"),
                 qPrintable(dialog.details()->toPlainText()));
        QVERIFY(!dialog.downloadButton()->isEnabled());
        dialog.startDownload(); // refused: the licence is not accepted
        QVERIFY(!dialog.isBusy());
        dialog.acceptLicenceBox()->setChecked(true);
        QVERIFY(dialog.downloadButton()->isEnabled());
        // Another entry: its own licence, not accepted yet.
        QVERIFY(dialog.selectEntry("tiny"));
        QVERIFY(!dialog.acceptLicenceBox()->isChecked());
        QVERIFY(!dialog.downloadButton()->isEnabled());
        QVERIFY(server_.requests().empty());
    }

    void downloadsVerifiesAndShowsIt() {
        DownloadDialog dialog(nullptr, catalog_, root_);
        QSignalSpy finished(&dialog, &DownloadDialog::downloadFinished);
        QVERIFY(dialog.selectEntry("payload"));
        dialog.acceptLicenceBox()->setChecked(true);
        QTest::mouseClick(dialog.downloadButton(), Qt::LeftButton);
        QVERIFY(dialog.isBusy());
        QVERIFY(finished.wait(30000));
        QCOMPARE(outcomeOf(finished).status, DownloadStatus::Done);
        QFile file(root_ + "/vae/payload.bin");
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.readAll() == QByteArray::fromStdString(payload_));
        QCOMPARE(dialog.progressBar()->value(), 1000);
        QCOMPARE(dialog.table()->item(0, 3)->text(), QStringLiteral("Downloaded"));
        QVERIFY(!dialog.downloadButton()->isEnabled());
        QVERIFY(!dialog.useModelButton()->isEnabled()); // a VAE is not the studio's model
        QFile::remove(file.fileName());
    }

    void cancelKeepsThePartAndTheNextDownloadResumesIt() {
        const std::size_t requestsBefore = server_.requests().size();
        server_.setBytesPerSecond(1 << 20);
        DownloadDialog dialog(nullptr, catalog_, root_);
        QSignalSpy finished(&dialog, &DownloadDialog::downloadFinished);
        QVERIFY(dialog.selectEntry("payload"));
        dialog.acceptLicenceBox()->setChecked(true);
        dialog.startDownload();
        const QString part = root_ + "/vae/payload.bin.part";
        QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(part).size() > (256 << 10), 20000);
        QTest::mouseClick(dialog.cancelButton(), Qt::LeftButton);
        QVERIFY(finished.wait(20000));
        QCOMPARE(outcomeOf(finished).status, DownloadStatus::Cancelled);
        const qint64 kept = QFileInfo(part).size();
        QVERIFY(kept > 0 && kept < static_cast<qint64>(payload_.size()));
        QVERIFY2(dialog.table()->item(0, 3)->text().startsWith("Partly downloaded"),
                 qPrintable(dialog.table()->item(0, 3)->text()));
        QCOMPARE(dialog.downloadButton()->text(), QStringLiteral("Resume Download"));

        server_.setBytesPerSecond(0);
        dialog.acceptLicenceBox()->setChecked(true);
        dialog.startDownload();
        QVERIFY(finished.wait(30000));
        QCOMPARE(outcomeOf(finished).status, DownloadStatus::Done);
        // The server logs a request when its response ends; the cancelled one ends when the
        // server notices the closed connection, possibly after the resumed one.
        QTRY_COMPARE_WITH_TIMEOUT(server_.requests().size(), requestsBefore + 2, 10000);
        const auto requests = server_.requests();
        const QString resumedRange = QStringLiteral("bytes=%1-").arg(kept);
        QVERIFY(std::any_of(requests.end() - 2, requests.end(), [&](const auto& request) {
            return QString::fromStdString(request.range) == resumedRange;
        }));
        QFile::remove(root_ + "/vae/payload.bin");
    }

    void aFailedDownloadSaysWhy() {
        DownloadDialog dialog(nullptr, catalog_, root_);
        QSignalSpy finished(&dialog, &DownloadDialog::downloadFinished);
        QVERIFY(dialog.selectEntry("gone"));
        dialog.acceptLicenceBox()->setChecked(true);
        dialog.startDownload();
        QVERIFY(finished.wait(30000));
        QCOMPARE(outcomeOf(finished).status, DownloadStatus::Failed);
        QVERIFY2(dialog.statusLabel()->text().contains("404"),
                 qPrintable(dialog.statusLabel()->text()));
        QCOMPARE(dialog.progressBar()->format(), QStringLiteral("Failed"));
    }

    void aPickleIsOfferedItsConversionAndTheModelCanBeUsed() {
        DownloadDialog dialog(nullptr, catalog_, root_);
        dialog.show();
        QSignalSpy finished(&dialog, &DownloadDialog::downloadFinished);
        QSignalSpy converted(&dialog, &DownloadDialog::conversionFinished);
        QSignalSpy chosen(&dialog, &DownloadDialog::modelChosen);
        QVERIFY(dialog.selectEntry("tiny"));
        QVERIFY(!dialog.convertButton()->isVisible());
        dialog.acceptLicenceBox()->setChecked(true);
        dialog.startDownload();
        QVERIFY(finished.wait(30000));
        QCOMPARE(outcomeOf(finished).status, DownloadStatus::Done);
        QVERIFY(dialog.convertButton()->isVisible());
        QVERIFY2(dialog.statusLabel()->text().contains("never unpickled again"),
                 qPrintable(dialog.statusLabel()->text()));
        QVERIFY(!QFile::exists(root_ + "/deadiff/tiny.safetensors")); // offered, not done

        QTest::mouseClick(dialog.convertButton(), Qt::LeftButton);
        QVERIFY(converted.wait(30000));
        QVERIFY2(converted.last().at(0).toBool(), qPrintable(converted.last().at(1).toString()));
        QVERIFY(QFile::exists(root_ + "/deadiff/tiny.safetensors"));
        QVERIFY(!dialog.convertButton()->isVisible());
        QVERIFY(dialog.useModelButton()->isEnabled());
        QTest::mouseClick(dialog.useModelButton(), Qt::LeftButton);
        QCOMPARE(chosen.count(), 1);
        QCOMPARE(chosen.last().at(0).toString(), root_ + "/deadiff/tiny.safetensors");
        QDir(root_ + "/deadiff").removeRecursively();
    }

    // The first-run path: on the bundled demo model the studio says what it is (its model card)
    // and offers the real weights through the card's page; it never downloads by itself. The
    // installed-models menu lists what the models folder holds.
    void theStudioOffersTheDownloadOnTheDemoModelAndNeverStartsOne() {
        ::setenv("DEADIFF_DEMO_MODEL", DEADIFF_DEMO_MODEL_DIR, 1);
        QSettings().remove("model/path");
        const std::size_t requestsBefore = server_.requests().size();
        {
            auto probe = std::make_shared<deadiff::testing::GradientProbe>();
            deadiff::ui::MainWindow window(deadiff::testing::gradientFactory(probe));
            window.show();
            QTRY_VERIFY_WITH_TIMEOUT(window.modelReady(), 5000);
            auto* offer = window.form()->findChild<QPushButton*>("realWeightsButton");
            QVERIFY(offer != nullptr);
            QVERIFY(offer->isVisible());
            QVERIFY(window.findChild<DownloadDialog*>() == nullptr);
            QTest::qWait(300);
            QCOMPARE(server_.requests().size(), requestsBefore);
            QVERIFY(!QDir(root_ + "/deadiff").exists());

            QTest::mouseClick(offer, Qt::LeftButton);
            auto* page = window.findChild<QDialog*>("realWeightsPage");
            QVERIFY(page != nullptr);
            QVERIFY(page->isVisible());
            QTest::mouseClick(page->findChild<QPushButton*>("downloadModelsButton"),
                              Qt::LeftButton);
            QVERIFY(!page->isVisible());
            auto* dialog = window.findChild<DownloadDialog*>();
            QVERIFY(dialog != nullptr);
            QVERIFY(dialog->isVisible());
            QVERIFY(!dialog->isBusy()); // opened, not started
            dialog->close();
            QCOMPARE(server_.requests().size(), requestsBefore);
            QVERIFY(window.findChild<QAction*>("actionDownloadModels") != nullptr);

            // A DEADiff model in the models folder is listed by name.
            QVERIFY(QDir().mkpath(root_ + "/deadiff"));
            QFile model(root_ + "/deadiff/real.safetensors");
            QVERIFY(model.open(QIODevice::WriteOnly));
            model.write("x");
            model.close();
            auto* installed = window.findChild<QMenu*>("installedModelsMenu");
            QVERIFY(installed != nullptr);
            QMetaObject::invokeMethod(installed, "aboutToShow");
            QStringList names;
            for (QAction* entry : installed->actions())
                names << entry->text();
            QVERIFY2(names.contains("real"), qPrintable(names.join(", ")));
        }
        ::setenv("DEADIFF_DEMO_MODEL", "none", 1);
        QDir(root_ + "/deadiff").removeRecursively();
    }

private:
    QTemporaryDir dir_;
    QString root_;
    QString catalog_;
    HttpTestServer server_;
    std::string payload_;
};

QTEST_MAIN(TestDownloadDialog)
#include "test_download_dialog.moc"
