// Model → Base Model and Model → VAE: which Stable Diffusion 1.5 model sits under the DEADiff
// parts (empty: the DEADiff checkpoint's own), whether its EMA weights are used, and which VAE
// decodes (empty: the base's own). The choice and a recent list of each are remembered across
// sessions; a dropped PNG restores them through locate().
#pragma once

#include <QObject>
#include <QString>
#include <QStringList>

class QAction;
class QMenu;
class QWidget;

namespace deadiff::ui {

class ModelPartsMenus : public QObject {
    Q_OBJECT

public:
    // Adds the two submenus to `modelMenu`; file dialogs open over `dialogParent`.
    ModelPartsMenus(QMenu* modelMenu, QWidget* dialogParent);

    QString base() const { return base_; }
    bool baseEma() const { return baseEma_; }
    QString vae() const { return vae_; }
    QStringList recentBases() const;
    QStringList recentVaes() const;
    QMenu* baseMenu() const { return baseMenu_; }
    QMenu* vaeMenu() const { return vaeMenu_; }

    // Sets the choice (a path is added to its recent list); emits changed() when it differs.
    void setBase(const QString& path);
    void setBaseEma(bool ema);
    void setVae(const QString& path);
    // The same without changed(): the window shows what is actually loaded after a refused
    // switch.
    void showLoaded(const QString& base, bool baseEma, const QString& vae);
    // The DEADiff model now chosen: bases shipped beside it (model folders in its "bases"
    // folder) are offered in the Base Model menu.
    void setModelPath(const QString& modelPath);
    // Those shipped bases (folder paths), sorted.
    QStringList shippedBases() const;

    // Where a file recorded in a PNG is now (pipeline::locateModelFile): its recorded path, or
    // the same name in the folders of the recent bases, VAEs and models, or of `modelPath`.
    // Empty when it is nowhere.
    QString locate(const QString& recorded, const QString& sha256, const QString& modelPath,
                   const QStringList& recentModels) const;

public Q_SLOTS:
    void chooseBase();
    void chooseVae();

Q_SIGNALS:
    // The user changed the base, its EMA choice or the VAE.
    void changed();

private:
    void fillBaseMenu();
    void fillVaeMenu();
    void remember(const char* key, const QString& path) const;
    void save() const;

    QWidget* dialogParent_ = nullptr;
    QMenu* baseMenu_ = nullptr;
    QMenu* vaeMenu_ = nullptr;
    QString base_;
    bool baseEma_ = false;
    QString vae_;
    QString modelPath_;
};

} // namespace deadiff::ui
