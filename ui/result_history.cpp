#include "ui/result_history.h"

#include "core/io/png.h"
#include "core/pipeline/metadata.h"
#include "ui/image_convert.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHash>
#include <QImageWriter>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>

#include <algorithm>
#include <stdexcept>

namespace deadiff::ui {
namespace {

constexpr auto kOutputRootKey = "output/folder";
constexpr auto kAutoSaveKey = "output/autoSave";
constexpr int kPromptCharsInName = 32;

std::runtime_error failure(const QString& message) {
    return std::runtime_error(message.toStdString());
}

QByteArray indexLine(const HistoryEntry& entry) {
    // The request keeps the conventions' JSON (toJson); the rest is wrapped around it.
    const QJsonObject head{{QStringLiteral("path"), entry.path},
                           {QStringLiteral("created"), entry.created.toString(Qt::ISODateWithMs)}};
    QByteArray line = QJsonDocument(head).toJson(QJsonDocument::Compact);
    line.chop(1); // the closing brace
    line += ",\"request\":" + QByteArray::fromStdString(toJson(entry.request)) + "}\n";
    return line;
}

} // namespace

ResultHistory::ResultHistory()
    : indexPath_(QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation))
                     .filePath(QStringLiteral("history.jsonl"))) {}

QString ResultHistory::defaultOutputRoot() {
    return QDir(QStandardPaths::writableLocation(QStandardPaths::PicturesLocation))
        .filePath(QStringLiteral("DEADiff"));
}

QString ResultHistory::outputRoot() const {
    const QString chosen = QSettings().value(kOutputRootKey).toString();
    return chosen.isEmpty() ? defaultOutputRoot() : chosen;
}

void ResultHistory::setOutputRoot(const QString& folder) {
    QSettings().setValue(kOutputRootKey, folder);
}

bool ResultHistory::autoSave() const {
    return QSettings().value(kAutoSaveKey, true).toBool();
}

void ResultHistory::setAutoSave(bool on) {
    QSettings().setValue(kAutoSaveKey, on);
}

QString ResultHistory::currentFolder() const {
    return QDir(outputRoot()).filePath(QDate::currentDate().toString(Qt::ISODate));
}

std::vector<HistoryEntry> ResultHistory::load() const {
    std::vector<HistoryEntry> entries;
    QHash<QString, std::size_t> position;
    QFile file(indexPath_);
    if (!file.open(QIODevice::ReadOnly))
        return entries; // no history yet
    while (!file.atEnd()) {
        const QByteArray line = file.readLine().trimmed();
        if (line.isEmpty())
            continue;
        const QJsonObject object = QJsonDocument::fromJson(line).object();
        HistoryEntry entry;
        entry.path = object.value(QStringLiteral("path")).toString();
        entry.created = QDateTime::fromString(object.value(QStringLiteral("created")).toString(),
                                              Qt::ISODateWithMs);
        if (entry.path.isEmpty() || !QFileInfo::exists(entry.path))
            continue; // a torn line (killed while writing) or a file deleted outside the studio
        try {
            entry.request =
                requestFromJson(QJsonDocument(object.value(QStringLiteral("request")).toObject())
                                    .toJson(QJsonDocument::Compact)
                                    .toStdString(),
                                JsonStrictness::Lenient);
        } catch (const std::exception&) {
            continue; // written by an incompatible version
        }
        // The same file indexed twice (a batch run again) is one result, at its latest place.
        if (const auto seen = position.constFind(entry.path); seen != position.constEnd())
            entries[*seen].path.clear();
        position.insert(entry.path, entries.size());
        entries.push_back(entry);
    }
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [](const HistoryEntry& e) { return e.path.isEmpty(); }),
                  entries.end());
    return entries;
}

HistoryEntry ResultHistory::save(const QImage& image, const GenerationRequest& request) {
    const QString folder = currentFolder();
    if (!QDir().mkpath(folder))
        throw failure(QObject::tr("cannot create the output folder %1")
                          .arg(QDir::toNativeSeparators(folder)));
    HistoryEntry entry;
    entry.created = QDateTime::currentDateTime();
    entry.request = request;
    entry.path = QDir(folder).filePath(resultFileName(folder, entry.created, request));
    writeResultImage(entry.path, image, request);
    append(entry);
    return entry;
}

void ResultHistory::record(const HistoryEntry& entry) {
    append(entry);
}

void ResultHistory::append(const HistoryEntry& entry) {
    QDir().mkpath(QFileInfo(indexPath_).path());
    QFile file(indexPath_);
    // One write of a whole line: a kill leaves at most a torn last line, which load() skips.
    if (!file.open(QIODevice::WriteOnly | QIODevice::Append) || file.write(indexLine(entry)) < 0 ||
        !file.flush())
        throw failure(QObject::tr("cannot write the history index %1: %2")
                          .arg(QDir::toNativeSeparators(indexPath_), file.errorString()));
}

void ResultHistory::forget(const QStringList& paths) {
    std::vector<HistoryEntry> kept = load();
    kept.erase(std::remove_if(kept.begin(), kept.end(),
                              [&paths](const HistoryEntry& e) { return paths.contains(e.path); }),
               kept.end());
    QSaveFile file(indexPath_);
    if (!file.open(QIODevice::WriteOnly))
        throw failure(QObject::tr("cannot rewrite the history index %1: %2")
                          .arg(QDir::toNativeSeparators(indexPath_), file.errorString()));
    for (const HistoryEntry& entry : kept)
        file.write(indexLine(entry));
    if (!file.commit())
        throw failure(QObject::tr("cannot rewrite the history index %1: %2")
                          .arg(QDir::toNativeSeparators(indexPath_), file.errorString()));
}

QString resultFileName(const QString& folder, const QDateTime& created,
                       const GenerationRequest& request, const QString& suffix) {
    QString words = QString::fromStdString(request.prompt).toLower();
    words.replace(QRegularExpression(QStringLiteral("[^\\p{L}\\p{N}]+")), QStringLiteral("-"));
    words = words.left(kPromptCharsInName);
    while (words.endsWith(QLatin1Char('-')))
        words.chop(1);
    while (words.startsWith(QLatin1Char('-')))
        words.remove(0, 1);
    QString stem = created.toString(QStringLiteral("HHmmss"));
    if (request.seed)
        stem += QStringLiteral("-seed%1").arg(*request.seed);
    if (!words.isEmpty())
        stem += QLatin1Char('-') + words;
    QString name = stem + QLatin1Char('.') + suffix;
    for (int n = 2; QFileInfo::exists(QDir(folder).filePath(name)); ++n)
        name = QStringLiteral("%1-%2.%3").arg(stem).arg(n).arg(suffix);
    return name;
}

void writeResultImage(const QString& path, const QImage& image, const GenerationRequest& request,
                      int scale, bool sharpPixels) {
    QImage pixels = image;
    if (scale > 1)
        pixels = image.scaled(image.size() * scale, Qt::IgnoreAspectRatio,
                              sharpPixels ? Qt::FastTransformation : Qt::SmoothTransformation);
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("png")) {
        io::writePng(path.toStdString(), toRgbMat(pixels), resultMetadata(request));
        return;
    }
    // Other formats through Qt, atomically like writePng.
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        throw failure(QStringLiteral("%1: %2").arg(path, file.errorString()));
    QImageWriter writer(&file, suffix.toLatin1());
    writer.setQuality(95);
    if (!writer.write(pixels.convertToFormat(QImage::Format_RGB888)) || !file.commit())
        throw failure(QStringLiteral("%1: %2").arg(
            path, writer.error() != QImageWriter::UnknownError ? writer.errorString()
                                                               : file.errorString()));
}

} // namespace deadiff::ui
