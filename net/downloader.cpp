#include "net/downloader.h"

#include "core/build_config.h"
#include "core/runtime/units.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QNetworkAccessManager>
#include <QNetworkProxyFactory>
#include <QNetworkReply>
#include <QNetworkRequest>
#include <QRegularExpression>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace deadiff::net {
namespace {

constexpr qint64 kProgressIntervalMs = 250;
constexpr int kMaxRetryDelayMs = 60000;

QString bytesText(qint64 bytes) {
    return QString::fromStdString(
        humanBytes(static_cast<std::uint64_t>(std::max<qint64>(0, bytes))));
}

class LoopbackDirectProxyFactory : public QNetworkProxyFactory {
public:
    QList<QNetworkProxy> queryProxy(const QNetworkProxyQuery& query) override {
        const QString host = query.peerHostName();
        if (host.compare(QStringLiteral("localhost"), Qt::CaseInsensitive) == 0 ||
            QHostAddress(host).isLoopback())
            return {QNetworkProxy(QNetworkProxy::NoProxy)};
        return systemProxyForQuery(query);
    }
};

// "bytes 100-199/1000" -> (100, 1000); total -1 when "*".
bool parseContentRange(const QByteArray& header, qint64& first, qint64& total) {
    static const QRegularExpression pattern(
        QStringLiteral(R"(^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$)"),
        QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch match = pattern.match(QString::fromLatin1(header));
    if (!match.hasMatch())
        return false;
    first = match.captured(1).toLongLong();
    total = match.captured(3) == QLatin1String("*") ? -1 : match.captured(3).toLongLong();
    return true;
}

bool retryableHttpStatus(int status) {
    return status == 408 || status == 429 || status >= 500;
}

} // namespace

void useSystemProxiesExceptLoopback() {
    static std::once_flag once;
    std::call_once(once, [] {
        QNetworkProxyFactory::setApplicationProxyFactory(new LoopbackDirectProxyFactory);
    });
}

Downloader::Downloader(DownloadSpec spec, DownloadOptions options, QObject* parent)
    : QObject(parent)
    , spec_(std::move(spec))
    , options_(std::move(options)) {
    static const int registered = qRegisterMetaType<deadiff::net::DownloadOutcome>();
    (void)registered;
    if (!options_.freeSpace)
        options_.freeSpace = models::freeSpace;
}

Downloader::~Downloader() {
    abortReply();
}

void Downloader::start() {
    done_ = false;
    failedAttempts_ = 0;
    bytesAtLastAttempt_ = -1;
    if (cancelled_) {
        finish(DownloadStatus::Cancelled, tr("Cancelled before the download started."));
        return;
    }
    useSystemProxiesExceptLoopback();
    if (QFileInfo::exists(spec_.target)) {
        finish(DownloadStatus::Done, tr("%1 is already there.").arg(spec_.target));
        return;
    }
    try {
        part_ = std::make_unique<models::PartialDownload>(spec_.target.toStdString());
    } catch (const std::exception& error) {
        finish(DownloadStatus::Failed, QString::fromStdString(error.what()));
        return;
    }
    if (part_->size() > static_cast<std::uint64_t>(spec_.size)) {
        Q_EMIT notice(tr("The partial file %1 is larger than the download; starting over.")
                          .arg(QString::fromStdString(part_->partPath())));
        try {
            part_->restart();
        } catch (const std::exception& error) {
            finish(DownloadStatus::Failed, QString::fromStdString(error.what()));
            return;
        }
    }
    const qint64 have = static_cast<qint64>(part_->size());
    const qint64 needed = spec_.size - have;
    const QString folder = QFileInfo(spec_.target).absolutePath();
    std::uint64_t available = 0;
    try {
        available = options_.freeSpace(folder.toStdString());
    } catch (const std::exception& error) {
        finish(DownloadStatus::Failed, QString::fromStdString(error.what()));
        return;
    }
    if (static_cast<qint64>(available) < needed + options_.spaceReserve) {
        finish(DownloadStatus::DiskFull,
               tr("Not enough disk space: the download needs %1 more (plus %2 to spare), but "
                  "only %3 is free in %4. Free some space or choose another models folder "
                  "(XDG_DATA_HOME), then download again.")
                   .arg(bytesText(needed), bytesText(options_.spaceReserve),
                        bytesText(static_cast<qint64>(available)),
                        QDir::toNativeSeparators(folder)),
               true);
        return;
    }
    if (have > 0)
        Q_EMIT notice(tr("Resuming at %1 of %2.").arg(bytesText(have), bytesText(spec_.size)));
    clock_.start();
    if (have == spec_.size) {
        verifyAndFinish();
        return;
    }
    network_ = new QNetworkAccessManager(this);
    network_->setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
    retryTimer_ = new QTimer(this);
    retryTimer_->setSingleShot(true);
    connect(retryTimer_, &QTimer::timeout, this, &Downloader::sendRequest);
    sendRequest();
}

void Downloader::cancel() {
    cancelled_ = true;
    // The reply lives on this object's thread: abort it there.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (done_)
                return;
            if (reply_ != nullptr) {
                reply_->abort(); // finishes through onReplyFinished
            } else if (retryTimer_ != nullptr && retryTimer_->isActive()) {
                retryTimer_->stop();
                finish(DownloadStatus::Cancelled,
                       tr("Cancelled; the %1 downloaded so far are kept and the next download "
                          "resumes from there.")
                           .arg(bytesText(static_cast<qint64>(part_ ? part_->size() : 0))));
            }
        },
        Qt::QueuedConnection);
}

void Downloader::sendRequest() {
    if (done_)
        return;
    if (cancelled_) {
        finish(DownloadStatus::Cancelled, tr("Cancelled."));
        return;
    }
    requestStart_ = static_cast<qint64>(part_->size());
    replyAccepted_ = false;
    restartRequested_ = false;
    QNetworkRequest request(spec_.url);
    request.setHeader(QNetworkRequest::UserAgentHeader,
                      QStringLiteral("DEADiff-Studio/" DEADIFF_VERSION_STRING));
    // Byte ranges refer to the file as stored: no transparent compression.
    request.setRawHeader("Accept-Encoding", "identity");
    if (requestStart_ > 0)
        request.setRawHeader("Range", "bytes=" + QByteArray::number(requestStart_) + "-");
    request.setTransferTimeout(options_.transferTimeoutMs);
    reply_ = network_->get(request);
    connect(reply_, &QNetworkReply::readyRead, this, &Downloader::onReadyRead);
    connect(reply_, &QNetworkReply::finished, this, &Downloader::onReplyFinished);
    meter_.reset();
    meter_.sample(static_cast<std::uint64_t>(requestStart_), clock_.elapsed() / 1000.0);
}

// Checks the status and range of the current reply once, before its first byte is written.
// False: the body must not be written (an error page, the wrong range).
void Downloader::onMetaData() {
    if (replyAccepted_ || reply_ == nullptr)
        return;
    const int status = reply_->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status == 206) {
        qint64 first = -1;
        qint64 total = -1;
        if (!parseContentRange(reply_->rawHeader("Content-Range"), first, total) ||
            first != requestStart_ || (total >= 0 && total != spec_.size)) {
            Q_EMIT notice(tr("The server sent another part of the file (%1) than asked for; "
                             "starting over.")
                              .arg(QString::fromLatin1(reply_->rawHeader("Content-Range"))));
            restartRequested_ = true;
            return;
        }
        replyAccepted_ = true;
        return;
    }
    if (status == 200) {
        const QVariant length = reply_->header(QNetworkRequest::ContentLengthHeader);
        if (length.isValid() && length.toLongLong() != spec_.size) {
            finish(DownloadStatus::Failed,
                   tr("The server offers %1 bytes, the catalogue says %2: the file changed on "
                      "the server or the catalogue's URL is wrong (%3). Nothing was kept from "
                      "this answer.")
                       .arg(length.toLongLong())
                       .arg(spec_.size)
                       .arg(spec_.url.toDisplayString()));
            return;
        }
        if (requestStart_ > 0) {
            Q_EMIT notice(tr("The server ignored the request to resume at %1 (no HTTP Range "
                             "support); starting over from zero.")
                              .arg(bytesText(requestStart_)));
            try {
                part_->restart();
            } catch (const std::exception& error) {
                finish(DownloadStatus::Failed, QString::fromStdString(error.what()));
                return;
            }
            requestStart_ = 0;
            meter_.reset();
        }
        replyAccepted_ = true;
        return;
    }
    if (status == 416) {
        // The server's file is shorter than our part: it is not the file we were resuming.
        Q_EMIT notice(
            tr("The server cannot resume at %1; starting over.").arg(bytesText(requestStart_)));
        restartRequested_ = true;
    }
}

void Downloader::onReadyRead() {
    if (done_ || reply_ == nullptr)
        return;
    onMetaData();
    if (done_)
        return;
    if (!replyAccepted_) {
        reply_->readAll(); // an error page, or the wrong range: not the file
        if (restartRequested_)
            reply_->abort();
        return;
    }
    const QByteArray data = reply_->readAll();
    if (static_cast<qint64>(part_->size()) + data.size() > spec_.size) {
        finish(DownloadStatus::Failed,
               tr("The server sent more than the %1 bytes the catalogue states (%2): the file "
                  "changed on the server or the URL is wrong.")
                   .arg(spec_.size)
                   .arg(spec_.url.toDisplayString()));
        return;
    }
    try {
        part_->append(data.constData(), static_cast<std::size_t>(data.size()));
    } catch (const models::DiskFullError& error) {
        finish(DownloadStatus::DiskFull, QString::fromStdString(error.what()), true);
        return;
    } catch (const std::exception& error) {
        finish(DownloadStatus::Failed, QString::fromStdString(error.what()));
        return;
    }
    emitProgress();
}

void Downloader::onReplyFinished() {
    QNetworkReply* reply = reply_;
    if (reply == nullptr)
        return;
    reply->deleteLater();
    if (done_) {
        reply_ = nullptr;
        return;
    }
    onMetaData();
    if (done_) {
        reply_ = nullptr;
        return;
    }
    if (replyAccepted_ && reply->bytesAvailable() > 0)
        onReadyRead();
    reply_ = nullptr;
    if (done_)
        return;
    emitProgress();
    const qint64 have = static_cast<qint64>(part_->size());
    if (cancelled_) {
        finish(DownloadStatus::Cancelled,
               tr("Cancelled at %1 of %2; the partial download is kept and the next download "
                  "resumes from there.")
                   .arg(bytesText(have), bytesText(spec_.size)));
        return;
    }
    if (restartRequested_) {
        try {
            part_->restart();
        } catch (const std::exception& error) {
            finish(DownloadStatus::Failed, QString::fromStdString(error.what()));
            return;
        }
        retryLater(tr("The partial file did not match the server's file"));
        return;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status >= 400) {
        const QString what =
            tr("HTTP %1 %2 from %3")
                .arg(status)
                .arg(reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString(),
                     reply->url().toDisplayString());
        if (retryableHttpStatus(status)) {
            retryLater(what);
            return;
        }
        finish(DownloadStatus::Failed,
               what + QStringLiteral(". ") +
                   (status == 404 ? tr("The file is not at that address: the catalogue is out "
                                       "of date or the file was moved.")
                                  : tr("The server refused the download.")) +
                   (have > 0 ? QStringLiteral(" ") +
                                   tr("The %1 downloaded earlier are kept.").arg(bytesText(have))
                             : QString()));
        return;
    }
    if (reply->error() != QNetworkReply::NoError) {
        retryLater(reply->errorString());
        return;
    }
    if (have == spec_.size) {
        verifyAndFinish();
        return;
    }
    retryLater(tr("The connection ended at %1 of %2").arg(bytesText(have), bytesText(spec_.size)));
}

void Downloader::retryLater(const QString& why) {
    const qint64 have = static_cast<qint64>(part_->size());
    if (have > bytesAtLastAttempt_)
        failedAttempts_ = 0; // this attempt brought bytes: the connection works
    bytesAtLastAttempt_ = have;
    ++failedAttempts_;
    if (failedAttempts_ > options_.maxRetries) {
        finish(DownloadStatus::Failed,
               tr("%1. Gave up after %n attempt(s) without progress; the %2 downloaded so far "
                  "are kept: download again to resume.",
                  nullptr, failedAttempts_)
                   .arg(why, bytesText(have)),
               true);
        return;
    }
    const int delay = static_cast<int>(
        std::min<qint64>(kMaxRetryDelayMs, static_cast<qint64>(options_.firstRetryDelayMs)
                                               << (failedAttempts_ - 1)));
    Q_EMIT notice(tr("%1; resuming at %2 in %3 s (attempt %4 of %5).")
                      .arg(why, bytesText(have))
                      .arg(delay / 1000.0, 0, 'f', delay < 1000 ? 1 : 0)
                      .arg(failedAttempts_ + 1)
                      .arg(options_.maxRetries + 1));
    retryTimer_->start(delay);
}

void Downloader::verifyAndFinish() {
    Q_EMIT verifying(0, spec_.size);
    qint64 lastEmitted = 0;
    bool matched = false;
    try {
        matched = part_->finish(spec_.sha256.toStdString(),
                                [this, &lastEmitted](std::uint64_t done, std::uint64_t total) {
                                    const auto hashed = static_cast<qint64>(done);
                                    if (hashed - lastEmitted >= (64 << 20) || done == total) {
                                        lastEmitted = hashed;
                                        Q_EMIT verifying(hashed, static_cast<qint64>(total));
                                    }
                                    return !cancelled_;
                                });
    } catch (const models::HashMismatchError& error) {
        finish(DownloadStatus::HashMismatch,
               QString::fromStdString(error.what()) + QStringLiteral(". ") +
                   tr("Nothing was kept. Download it again; if the hash is wrong again, the "
                      "file on the server is not the one the catalogue describes."));
        return;
    } catch (const std::exception& error) {
        finish(DownloadStatus::Failed, QString::fromStdString(error.what()));
        return;
    }
    if (!matched) {
        finish(DownloadStatus::Cancelled,
               tr("Cancelled while verifying; the complete download is kept and is verified "
                  "next time."));
        return;
    }
    finish(DownloadStatus::Done, tr("Verified (SHA-256 %1) and saved as %2.")
                                     .arg(spec_.sha256, QDir::toNativeSeparators(spec_.target)));
}

void Downloader::emitProgress() {
    const qint64 now = clock_.elapsed();
    const qint64 have = static_cast<qint64>(part_->size());
    meter_.sample(static_cast<std::uint64_t>(have), now / 1000.0);
    if (lastProgressMs_ >= 0 && now - lastProgressMs_ < kProgressIntervalMs && have != spec_.size)
        return;
    lastProgressMs_ = now;
    const double rate = meter_.bytesPerSecond();
    const double left = meter_.secondsLeft(static_cast<std::uint64_t>(spec_.size - have));
    Q_EMIT progress(have, spec_.size, rate > 0 ? rate : -1.0, left);
}

void Downloader::abortReply() {
    if (reply_ != nullptr) {
        QNetworkReply* reply = reply_;
        reply_ = nullptr;
        reply->disconnect(this);
        reply->abort();
        reply->deleteLater();
    }
}

void Downloader::finish(DownloadStatus status, const QString& message, bool retryable) {
    if (done_)
        return;
    done_ = true;
    abortReply();
    if (retryTimer_ != nullptr)
        retryTimer_->stop();
    if (part_ != nullptr && part_->size() == 0)
        part_->discard(); // an empty .part would only clutter the models folder
    part_.reset();        // closes the .part file and releases its lock
    Q_EMIT finished({status, message, retryable});
}

} // namespace deadiff::net
