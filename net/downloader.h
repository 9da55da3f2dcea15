// Downloads one large file over HTTP(S) with Qt Network, for the model catalogue: the size and
// the free space are checked first, bytes go to TARGET.part (core/models/partial_download.h), a
// cut connection is resumed with an HTTP Range request (after a restart too: the .part stays),
// and the file appears under its name only after its SHA-256 matched. Proxies come from the
// environment and the desktop settings (http_proxy, https_proxy, no_proxy, …), except for
// loopback hosts. Qt Core + Network only, no widgets: the CLI and the studio both use it.
//
// start() and the signals run on the thread the object lives on (the studio moves it to a
// worker thread: verifying a 7 GB file takes a while); cancel() may be called from any thread.
#pragma once

#include "core/models/partial_download.h"
#include "core/models/transfer_meter.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QUrl>

#include <atomic>
#include <memory>

class QNetworkAccessManager;
class QNetworkReply;
class QTimer;

namespace deadiff::net {

struct DownloadSpec {
    QUrl url;
    QString target;  // the final path; the data goes to target + ".part" first
    qint64 size = 0; // the expected size in bytes
    QString sha256;  // the expected SHA-256, 64 lowercase hex digits
};

enum class DownloadStatus {
    Done,         // the verified file is at the target
    Cancelled,    // cancel(): the .part file is kept for a later resume
    DiskFull,     // not enough room, before or during the transfer; the .part file is kept
    HashMismatch, // the complete file had another SHA-256: it was deleted
    Failed,       // HTTP error (404, …), network failure after the retries, a local error
};

struct DownloadOutcome {
    DownloadStatus status = DownloadStatus::Failed;
    QString message;        // for people: what happened and what to do
    bool retryable = false; // running the download again may succeed (network, disk space)
};

// How persistent and how careful a download is; the defaults are for real use, tests shorten
// the delays and inject the free-space probe.
struct DownloadOptions {
    int maxRetries = 6;               // consecutive attempts that bring no new byte
    int firstRetryDelayMs = 2000;     // doubled after each such attempt, up to 60 s
    int transferTimeoutMs = 60000;    // a connection silent this long is cut and retried
    qint64 spaceReserve = 64LL << 20; // left free on the disk after the download
    models::FreeSpaceProbe freeSpace; // empty: models::freeSpace (statvfs)
};

class Downloader : public QObject {
    Q_OBJECT

public:
    explicit Downloader(DownloadSpec spec, DownloadOptions options = {}, QObject* parent = nullptr);
    ~Downloader() override;

    const DownloadSpec& spec() const { return spec_; }

public Q_SLOTS:
    void start();
    // Thread-safe. Stops the transfer or the verification; the .part file stays.
    void cancel();

Q_SIGNALS:
    // Bytes in the .part file (received so far, earlier attempts included) of `total`;
    // bytesPerSecond and secondsLeft are < 0 while unknown.
    void progress(qint64 received, qint64 total, double bytesPerSecond, double secondsLeft);
    // Verifying the SHA-256 of the complete file: bytes hashed of `total`.
    void verifying(qint64 hashed, qint64 total);
    // Something the user should read while it goes on: a resume, a restart from zero (the
    // server ignored the Range request), a retry after a cut connection.
    void notice(const QString& text);
    void finished(const deadiff::net::DownloadOutcome& outcome);

private:
    void sendRequest();
    void onMetaData();
    void onReadyRead();
    void onReplyFinished();
    void retryLater(const QString& why);
    void verifyAndFinish();
    void finish(DownloadStatus status, const QString& message, bool retryable = false);
    void emitProgress();
    void abortReply();

    DownloadSpec spec_;
    DownloadOptions options_;
    std::unique_ptr<models::PartialDownload> part_;
    QNetworkAccessManager* network_ = nullptr;
    QPointer<QNetworkReply> reply_;
    QTimer* retryTimer_ = nullptr;
    QElapsedTimer clock_;
    models::TransferMeter meter_;
    qint64 lastProgressMs_ = -1;
    qint64 requestStart_ = 0; // the .part size when the current request was sent
    qint64 bytesAtLastAttempt_ = -1;
    int failedAttempts_ = 0;
    bool replyAccepted_ = false;    // the current reply's status and range were checked
    bool restartRequested_ = false; // the reply carries the wrong bytes: retry from zero
    bool done_ = false;
    std::atomic<bool> cancelled_{false};
};

// The user's proxy settings for every host except loopback ones (a local mirror or a test
// server is never sent through a proxy). Installed once per process by the Downloader.
void useSystemProxiesExceptLoopback();

} // namespace deadiff::net

Q_DECLARE_METATYPE(deadiff::net::DownloadOutcome)
