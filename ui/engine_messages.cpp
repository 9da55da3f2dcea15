#include "ui/engine_messages.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QRegularExpression>

namespace deadiff::ui {

// The translation context of this file's strings (fully qualified, as lupdate names it).
class EngineMessages {
    Q_DECLARE_TR_FUNCTIONS(deadiff::ui::EngineMessages)

public:
    static QString label(const QString& key);
    static QString requestProblem(const QString& key, const QString& problem);
    static QString fileProblem(const QString& path, const QString& problem);
    static QString modelProblem(const QString& message);
};

QString EngineMessages::label(const QString& key) {
    static const QRegularExpression styleEntry(
        QStringLiteral("^styles\\[(\\d+)\\]\\.(path|weight)$"));
    const QRegularExpressionMatch style = styleEntry.match(key);
    if (style.hasMatch()) {
        const int index = style.captured(1).toInt();
        const QString name = index == 0   ? tr("Style A")
                             : index == 1 ? tr("Style B")
                                          : tr("Style reference %1").arg(index + 1);
        return style.captured(2) == QLatin1String("weight") ? tr("Weight of %1").arg(name) : name;
    }
    struct Entry {
        const char* key;
        const char* label;
    };
    static const Entry kLabels[] = {
        {"prompt", QT_TR_NOOP("Prompt")},
        {"negative_prompt", QT_TR_NOOP("Negative prompt")},
        {"styles", QT_TR_NOOP("Style references")},
        {"mix", QT_TR_NOOP("Mix")},
        {"content", QT_TR_NOOP("Content reference")},
        {"mode", QT_TR_NOOP("Mode")},
        {"image_weight", QT_TR_NOOP("Image weight")},
        {"seed", QT_TR_NOOP("Seed")},
        {"steps", QT_TR_NOOP("Steps")},
        {"cfg", QT_TR_NOOP("CFG")},
        {"sampler", QT_TR_NOOP("Sampler")},
        {"width", QT_TR_NOOP("Width")},
        {"height", QT_TR_NOOP("Height")},
        {"batch", QT_TR_NOOP("Images")},
        {"dtype", QT_TR_NOOP("Precision")},
        {"depth", QT_TR_NOOP("Depth map")},
        {"depth_from", QT_TR_NOOP("Photo to estimate depth from")},
        {"depth_model", QT_TR_NOOP("Depth model")},
        {"control", QT_TR_NOOP("ControlNet checkpoint")},
        {"control_scale", QT_TR_NOOP("ControlNet strength")},
        {"control_start", QT_TR_NOOP("ControlNet steps from – to")},
        {"control_end", QT_TR_NOOP("ControlNet steps from – to")},
    };
    for (const Entry& entry : kLabels)
        if (key == QLatin1String(entry.key))
            return tr(entry.label);
    return key;
}

// RequestError's problems (core/pipeline/request.cpp: validate and normalizedStyleWeights).
QString EngineMessages::requestProblem(const QString& key, const QString& problem) {
    const QString field = label(key);
    const auto match = [&problem](const char* pattern) {
        return QRegularExpression(QString::fromLatin1(pattern)).match(problem);
    };
    if (problem == QLatin1String("is required"))
        return key == QLatin1String("prompt")
                   ? tr("Write a prompt first: the words that say what the picture shows.")
                   : tr("%1 is required.").arg(field);
    if (auto m = match("^must be a multiple of 64 between (\\d+) and (\\d+), got (-?\\d+)$");
        m.hasMatch())
        return tr("%1 must be a multiple of 64 between %2 and %3 px (it is %4).")
            .arg(field, m.captured(1), m.captured(2), m.captured(3));
    if (auto m = match("^must be between (\\d+) and (\\d+), got (.+)$"); m.hasMatch())
        return tr("%1 must be between %2 and %3 (it is %4).")
            .arg(field, m.captured(1), m.captured(2), m.captured(3));
    if (auto m = match("^must lie in \\[([^,]+), ([^\\]]+)\\], got (.+)$"); m.hasMatch())
        return tr("%1 must lie between %2 and %3 (it is %4).")
            .arg(field, m.captured(1), m.captured(2), m.captured(3));
    if (auto m = match("^must be a non-negative number, got (.+)$"); m.hasMatch())
        return tr("%1 must be zero or more (it is %2).").arg(field, m.captured(1));
    if (problem.startsWith(QLatin1String("weights must not all be zero")))
        return tr("The style weights must not all be zero.");
    if (problem.contains(QLatin1String("needs at least one style reference")))
        return tr("This mode takes its style from a reference: drop an image on Style A, or set "
                  "the mode to “None (prompt only)”.");
    if (problem.startsWith(QLatin1String("mode 'content' needs a content reference")))
        return tr("The mode “Content” needs a content reference (or a style reference).");
    if (problem == QLatin1String("is empty"))
        return tr("%1 has no file.").arg(field);
    if (problem.startsWith(QLatin1String("is required with a depth map")))
        return tr("ControlNet depth is on with a depth map but no ControlNet checkpoint: choose "
                  "the ControlNet depth checkpoint (.pth or .safetensors), or switch the panel "
                  "off.");
    if (problem.startsWith(QLatin1String("is required with a ControlNet")))
        return tr("ControlNet depth is on without a depth map: drop a depth map (or a photo to "
                  "estimate one from) on the Depth slot, or switch the panel off.");
    if (problem.startsWith(QLatin1String("is required to estimate depth")))
        return tr("Estimating depth from a photo needs a depth model: choose a MiDaS .onnx file.");
    if (problem.startsWith(QLatin1String("and control_end must satisfy")))
        return tr("ControlNet steps: “from” must not be after “to”, both between 0 and 1.");
    if (problem.startsWith(QLatin1String("and depth_from are alternatives")))
        return tr("Give either a depth map or a photo to estimate depth from, not both.");
    if (problem.startsWith(QLatin1String("must be ")))
        return tr("%1: the value is not valid (%2).").arg(field, problem);
    return QString();
}

// ImageError's problems (core/image/image_io.cpp), after "<path>: ".
QString EngineMessages::fileProblem(const QString& path, const QString& problem) {
    const QString name = QFileInfo(path).fileName().isEmpty() ? path : QFileInfo(path).fileName();
    if (problem.startsWith(QLatin1String("not an image in a supported format")))
        return tr("%1 is not an image in a format DEADiff Studio reads (PNG, JPEG, WebP, BMP, "
                  "TIFF, PPM/PGM).")
            .arg(name);
    if (problem == QLatin1String("the image data is truncated or corrupt"))
        return tr("%1 is damaged: its image data is truncated or corrupt.").arg(name);
    if (problem == QLatin1String("no such file"))
        return tr("%1 does not exist (moved or deleted?).").arg(name);
    if (problem == QLatin1String("is a directory, not an image file"))
        return tr("%1 is a folder, not an image file.").arg(name);
    if (problem.startsWith(QLatin1String("empty file")))
        return tr("%1 is empty (0 bytes).").arg(name);
    if (problem.startsWith(QLatin1String("GIF images are not supported")))
        return tr("%1 is a GIF, which DEADiff Studio does not read: convert it to PNG first.")
            .arg(name);
    static const QRegularExpression tooLarge(
        QStringLiteral("^the image is (\\d+x\\d+) pixels; the largest side accepted is (\\d+)"));
    if (const auto m = tooLarge.match(problem); m.hasMatch())
        return tr("%1 is %2 pixels; the largest side accepted is %3 pixels. Scale it down first.")
            .arg(name, m.captured(1), m.captured(2));
    if (problem.startsWith(QLatin1String("the image has zero size")))
        return tr("%1 has no pixels (zero size).").arg(name);
    return QString();
}

// Pipeline::load's explanations of a file that is not a DEADiff model (core/pipeline).
QString EngineMessages::modelProblem(const QString& message) {
    static const QRegularExpression controlNet(
        QStringLiteral("^(.+) is a ControlNet checkpoint, not a DEADiff model"));
    if (const auto m = controlNet.match(message); m.hasMatch())
        return tr("%1 is a ControlNet checkpoint, not a DEADiff model: choose it in the "
                  "ControlNet depth panel, and a DEADiff checkpoint as the model.")
            .arg(QFileInfo(m.captured(1)).fileName());
    static const QRegularExpression plainSd(
        QStringLiteral("^(.+) is a Stable Diffusion checkpoint without the DEADiff parts"));
    if (const auto m = plainSd.match(message); m.hasMatch())
        return tr("%1 is a plain Stable Diffusion checkpoint without the DEADiff parts: choose "
                  "deadiff_v1.ckpt.")
            .arg(QFileInfo(m.captured(1)).fileName());
    return QString();
}

QString fieldLabel(const QString& key) {
    return EngineMessages::label(key);
}

QString userMessage(const RequestError& error) {
    const QString text = EngineMessages::requestProblem(QString::fromStdString(error.field()),
                                                        QString::fromStdString(error.problem()));
    return text.isEmpty() ? userMessage(QString::fromStdString(error.what())) : text;
}

QString userMessage(const QString& engineMessage) {
    // RequestError: "'<json key>' <problem>".
    static const QRegularExpression request(
        QStringLiteral("^'([a-z_]+(?:\\[\\d+\\]\\.[a-z_]+)?)' (.+)$"),
        QRegularExpression::DotMatchesEverythingOption);
    if (const auto m = request.match(engineMessage); m.hasMatch()) {
        const QString text = EngineMessages::requestProblem(m.captured(1), m.captured(2));
        if (!text.isEmpty())
            return text;
    }
    // ImageError: "<path>: <problem>"; paths may hold ": ", the problems do not start with "/".
    for (qsizetype at = engineMessage.lastIndexOf(QLatin1String(": ")); at > 0;
         at = engineMessage.lastIndexOf(QLatin1String(": "), at - 1)) {
        const QString text =
            EngineMessages::fileProblem(engineMessage.left(at), engineMessage.mid(at + 2));
        if (!text.isEmpty())
            return text;
    }
    const QString model = EngineMessages::modelProblem(engineMessage);
    return model.isEmpty() ? engineMessage : model;
}

} // namespace deadiff::ui
