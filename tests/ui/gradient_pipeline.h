// The GUI tests' factory around the Qt-free GradientPipeline double.
#pragma once

#include "tests/support/gradient_pipeline.h"
#include "tests/ui/studio_home.h"
#include "ui/generation_worker.h"

#include <QColor>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>
#include <QString>

#include <utility>

namespace deadiff::testing {

// What a real loader reports as the native size: a model folder's default_image_size, else 512.
inline int modelFolderSide(const std::string& path) {
    QFile json(QString::fromStdString(path) + "/model.json");
    if (!json.open(QIODevice::ReadOnly))
        return 512;
    return QJsonDocument::fromJson(json.readAll()).object().value("default_image_size").toInt(512);
}

// Paths containing "broken" fail to load with a loader-style message.
inline PipelineLoader gradientFactory(std::shared_ptr<GradientProbe> probe) {
    return [probe](const LoadOptions& options,
                   const LoadProgress& progress) -> std::unique_ptr<Pipeline> {
        const std::string& path = options.model;
        ++probe->loads;
        if (progress)
            progress("text encoder", 0.5);
        if (path.find("broken") != std::string::npos)
            throw std::runtime_error(path + ": not a safetensors file (header length exceeds "
                                            "the file size)");
        if (progress)
            progress("done", 1.0);
        {
            const std::lock_guard<std::mutex> lock(probe->mutex);
            probe->lastLoad = options;
        }
        return std::make_unique<GradientPipeline>(options, probe, modelFolderSide(path));
    };
}

// A studio test's workspace in `dir`: isolateStudioHome(dir), a stand-in model file
// "demo.safetensors" (returned; the gradient factory never reads it), and two style references
// "a.png" (red) and "b.png" (blue). Returns an empty string when a file could not be written.
inline QString prepareStudioWorkspace(const QString& dir) {
    isolateStudioHome(dir);
    const QString model = dir + "/demo.safetensors";
    QFile file(model);
    if (!file.open(QIODevice::WriteOnly) || file.write("stand-in") != 8)
        return {};
    file.close();
    for (const auto& [name, color] :
         {std::pair<const char*, QColor>{"a.png", Qt::red}, {"b.png", Qt::blue}}) {
        QImage image(40, 40, QImage::Format_RGB888);
        image.fill(color);
        if (!image.save(dir + "/" + name))
            return {};
    }
    return model;
}

} // namespace deadiff::testing
