#include "ui/model_parts_menus.h"

#include "core/pipeline/model_files.h"

#include <QAction>
#include <QActionGroup>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace deadiff::ui {
namespace {

constexpr auto kBaseKey = "model/base";
constexpr auto kBaseEmaKey = "model/baseEma";
constexpr auto kVaeKey = "model/vae";
constexpr auto kRecentBasesKey = "model/recentBases";
constexpr auto kRecentVaesKey = "model/recentVaes";
constexpr int kMaxRecent = 6;

// One checkable entry per choice, the current one checked; missing files greyed out. Shipped
// entries (beside the model) are named with `shippedFormat` ("%1": the folder's name).
void addChoices(QMenu* menu, const QString& ownText, const QString& current,
                const QStringList& shipped, const QString& shippedFormat, const QStringList& recent,
                const std::function<void(const QString&)>& choose) {
    menu->clear();
    qDeleteAll(menu->findChildren<QActionGroup*>(QString(), Qt::FindDirectChildrenOnly));
    auto* group = new QActionGroup(menu);
    QAction* own = menu->addAction(ownText, menu, [choose] { choose(QString()); });
    own->setObjectName("ownChoice");
    own->setCheckable(true);
    own->setChecked(current.isEmpty());
    group->addAction(own);
    QStringList entries = shipped;
    for (const QString& path : recent)
        if (!entries.contains(path))
            entries << path;
    if (!entries.isEmpty())
        menu->addSeparator();
    for (const QString& path : entries) {
        const QString name = QFileInfo(path).fileName();
        QAction* action = menu->addAction(shipped.contains(path) ? shippedFormat.arg(name) : name,
                                          menu, [choose, path] { choose(path); });
        action->setToolTip(QDir::toNativeSeparators(path));
        action->setCheckable(true);
        action->setChecked(path == current);
        action->setEnabled(QFileInfo::exists(path));
        group->addAction(action);
    }
    menu->addSeparator();
}

} // namespace

ModelPartsMenus::ModelPartsMenus(QMenu* modelMenu, QWidget* dialogParent)
    : QObject(modelMenu)
    , dialogParent_(dialogParent) {
    const QSettings settings;
    base_ = settings.value(kBaseKey).toString();
    baseEma_ = settings.value(kBaseEmaKey, false).toBool();
    vae_ = settings.value(kVaeKey).toString();
    baseMenu_ = modelMenu->addMenu(tr("&Base Model"));
    baseMenu_->setObjectName("baseModelMenu");
    baseMenu_->setToolTip(tr("The Stable Diffusion 1.5 model under the DEADiff parts: it paints, "
                             "DEADiff brings the reference's style"));
    baseMenu_->setToolTipsVisible(true);
    connect(baseMenu_, &QMenu::aboutToShow, this, &ModelPartsMenus::fillBaseMenu);
    vaeMenu_ = modelMenu->addMenu(tr("&VAE"));
    vaeMenu_->setObjectName("vaeMenu");
    vaeMenu_->setToolTipsVisible(true);
    connect(vaeMenu_, &QMenu::aboutToShow, this, &ModelPartsMenus::fillVaeMenu);
    // Filled now too, so the actions exist before the menus are first shown (shortcuts, tests).
    fillBaseMenu();
    fillVaeMenu();
}

QStringList ModelPartsMenus::recentBases() const {
    return QSettings().value(kRecentBasesKey).toStringList();
}

QStringList ModelPartsMenus::recentVaes() const {
    return QSettings().value(kRecentVaesKey).toStringList();
}

void ModelPartsMenus::fillBaseMenu() {
    addChoices(baseMenu_, tr("The DEADiff Checkpoint's Own"), base_, shippedBases(),
               tr("%1 (made for this model)"), recentBases(),
               [this](const QString& path) { setBase(path); });
    QAction* choose =
        baseMenu_->addAction(tr("Choose Base Model…"), this, &ModelPartsMenus::chooseBase);
    choose->setObjectName("chooseBaseAction");
    QAction* ema = baseMenu_->addAction(tr("Use the EMA Weights"));
    ema->setObjectName("baseEmaAction");
    ema->setCheckable(true);
    ema->setChecked(baseEma_);
    ema->setToolTip(tr("Checkpoints saved during training may hold a second, averaged copy of "
                       "the UNet (model_ema.*)"));
    connect(ema, &QAction::toggled, this, &ModelPartsMenus::setBaseEma);
}

void ModelPartsMenus::fillVaeMenu() {
    addChoices(vaeMenu_, tr("The Base Model's Own"), vae_, {}, QString(), recentVaes(),
               [this](const QString& path) { setVae(path); });
    QAction* choose = vaeMenu_->addAction(tr("Choose VAE…"), this, &ModelPartsMenus::chooseVae);
    choose->setObjectName("chooseVaeAction");
}

void ModelPartsMenus::chooseBase() {
    const QString start = base_.isEmpty() ? QString() : QFileInfo(base_).absolutePath();
    const QString path = QFileDialog::getOpenFileName(
        dialogParent_, tr("Choose a Stable Diffusion 1.5 Base Model"), start,
        tr("Checkpoints (*.safetensors *.ckpt);;Model folders (model.json);;All files (*)"));
    if (!path.isEmpty())
        setBase(path);
}

void ModelPartsMenus::chooseVae() {
    const QString start = vae_.isEmpty() ? QString() : QFileInfo(vae_).absolutePath();
    const QString path =
        QFileDialog::getOpenFileName(dialogParent_, tr("Choose a VAE"), start,
                                     tr("VAE files (*.safetensors *.ckpt *.pt);;All files (*)"));
    if (!path.isEmpty())
        setVae(path);
}

void ModelPartsMenus::remember(const char* key, const QString& path) const {
    if (path.isEmpty())
        return;
    QSettings settings;
    QStringList recent = settings.value(key).toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    settings.setValue(key, recent.mid(0, kMaxRecent));
}

void ModelPartsMenus::save() const {
    QSettings settings;
    settings.setValue(kBaseKey, base_);
    settings.setValue(kBaseEmaKey, baseEma_);
    settings.setValue(kVaeKey, vae_);
}

void ModelPartsMenus::setBase(const QString& path) {
    remember(kRecentBasesKey, path);
    if (path == base_)
        return;
    base_ = path;
    save();
    fillBaseMenu();
    Q_EMIT changed();
}

void ModelPartsMenus::setBaseEma(bool ema) {
    if (ema == baseEma_)
        return;
    baseEma_ = ema;
    save();
    Q_EMIT changed();
}

void ModelPartsMenus::setVae(const QString& path) {
    remember(kRecentVaesKey, path);
    if (path == vae_)
        return;
    vae_ = path;
    save();
    fillVaeMenu();
    Q_EMIT changed();
}

void ModelPartsMenus::setModelPath(const QString& modelPath) {
    modelPath_ = modelPath;
    fillBaseMenu();
}

QStringList ModelPartsMenus::shippedBases() const {
    if (modelPath_.isEmpty())
        return {};
    const QFileInfo model(modelPath_);
    const QDir folder(model.isDir() ? model.absoluteFilePath() : model.absolutePath());
    QStringList bases;
    const QDir shipped(folder.filePath(QStringLiteral("bases")));
    for (const QString& name : shipped.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
        if (QFileInfo::exists(shipped.filePath(name + QStringLiteral("/model.json"))))
            bases << shipped.filePath(name);
    return bases;
}

void ModelPartsMenus::showLoaded(const QString& base, bool baseEma, const QString& vae) {
    base_ = base;
    baseEma_ = baseEma;
    vae_ = vae;
    save();
    fillBaseMenu();
    fillVaeMenu();
}

QString ModelPartsMenus::locate(const QString& recorded, const QString& sha256,
                                const QString& modelPath, const QStringList& recentModels) const {
    std::vector<std::string> folders;
    const auto addFolderOf = [&](const QString& path) {
        if (path.isEmpty())
            return;
        const QFileInfo info(path);
        // A model folder's "file" is the folder: look beside it.
        const std::string folder =
            (info.isDir() ? QFileInfo(info.absoluteFilePath()).absolutePath() : info.absolutePath())
                .toStdString();
        if (std::find(folders.begin(), folders.end(), folder) == folders.end())
            folders.push_back(folder);
    };
    addFolderOf(modelPath);
    for (const QStringList& list : {recentBases(), recentVaes(), recentModels})
        for (const QString& path : list)
            addFolderOf(path);
    return QString::fromStdString(
        pipeline::locateModelFile(recorded.toStdString(), sha256.toStdString(), folders));
}

} // namespace deadiff::ui
