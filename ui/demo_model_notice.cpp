#include "ui/demo_model_notice.h"

#include "core/models/catalog.h"
#include "core/models/models_folder.h"
#include "core/pipeline/default_model.h"
#include "core/runtime/units.h"

#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>

#include <algorithm>

namespace deadiff::ui {
namespace {

// The size of the catalogue's first DEADiff checkpoint, for the offer; empty when unknown.
QString deadiffDownloadSize() {
    try {
        const std::string path = models::defaultCatalogPath();
        if (path.empty())
            return {};
        for (const models::CatalogEntry& entry : models::readCatalog(path))
            if (entry.kind == "deadiff")
                return QString::fromStdString(humanBytes(entry.size));
    } catch (const std::exception&) {
        // A broken catalogue: the dialog says what is wrong with it.
    }
    return {};
}

} // namespace

DemoModelNotice::DemoModelNotice(QWidget* parent)
    : QFrame(parent) {
    setObjectName("demoModelNotice");
    setFrameShape(QFrame::StyledPanel);
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(8, 4, 8, 4);
    text_ = new QLabel(this);
    text_->setWordWrap(true);
    layout->addWidget(text_, 1);
    button_ = new QPushButton(tr("Get the DEADiff Weights…"), this);
    button_->setObjectName("demoDownloadButton");
    connect(button_, &QPushButton::clicked, this, &DemoModelNotice::downloadRequested);
    layout->addWidget(button_);
    hide();
}

void DemoModelNotice::updateFor(const QString& modelPath, const QString& modelsRoot) {
    const QString demo = QString::fromStdString(pipeline::bundledModelDir());
    const bool onDemo =
        !demo.isEmpty() && !modelPath.isEmpty() &&
        QFileInfo(modelPath).canonicalFilePath() == QFileInfo(demo).canonicalFilePath();
    const models::ModelsListing listing =
        models::listModels(modelsRoot.isEmpty() ? models::modelsRoot() : modelsRoot.toStdString());
    const bool haveReal =
        std::any_of(listing.models.begin(), listing.models.end(),
                    [](const models::InstalledModel& model) { return model.kind == "deadiff"; });
    if (!onDemo || haveReal) {
        hide();
        return;
    }
    const QString size = deadiffDownloadSize();
    text_->setText(
        tr("This is the bundled demo model: a small DEADiff trained on simple shapes in a few "
           "styles, painting 64 px images. For real pictures use the official DEADiff weights%1.")
            .arg(size.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(size)));
    show();
}

} // namespace deadiff::ui
