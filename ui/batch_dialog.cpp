#include "ui/batch_dialog.h"

#include "ui/drop_zone.h"
#include "ui/engine_messages.h"
#include "ui/generation_form.h"

#include <QDate>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStandardPaths>
#include <QVBoxLayout>

#include <cmath>

namespace deadiff::ui {

BatchDialog::BatchDialog(const GenerationRequest& current, const QString& outputFolder,
                         QWidget* parent)
    : QDialog(parent)
    , template_(current) {
    setWindowTitle(tr("Batch Export"));
    setObjectName("batchDialog");

    prompts_ = new QPlainTextEdit(QString::fromStdString(current.prompt));
    prompts_->setObjectName("batchPrompts");
    prompts_->setPlaceholderText(tr("One prompt per line"));
    prompts_->setTabChangesFocus(true);

    styleSets_ = new QListWidget;
    styleSets_->setObjectName("batchStyleSets");
    styleSets_->setMinimumHeight(90);
    auto* addEach = new QPushButton(tr("Add References…"));
    addEach->setToolTip(tr("Each chosen image becomes its own style set"));
    auto* addMix = new QPushButton(tr("Add a Mix…"));
    addMix->setToolTip(tr("The chosen images become one set, mixed with equal weights (or the "
                          "mix values for two)"));
    auto* remove = new QPushButton(tr("Remove"));
    const auto choose = [this] {
        return QFileDialog::getOpenFileNames(this, tr("Choose Style References"), QString(),
                                             imageFileFilter());
    };
    connect(addEach, &QPushButton::clicked, this, [this, choose] {
        for (const QString& path : choose())
            addStyleSet({path});
    });
    connect(addMix, &QPushButton::clicked, this, [this, choose] {
        const QStringList paths = choose();
        if (!paths.isEmpty())
            addStyleSet(paths);
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        delete styleSets_->currentItem();
        updateSummary();
    });
    auto* styleButtons = new QHBoxLayout;
    styleButtons->addWidget(addEach);
    styleButtons->addWidget(addMix);
    styleButtons->addWidget(remove);
    styleButtons->addStretch();
    refusalLabel_ = new QLabel;
    refusalLabel_->setObjectName("batchRefusal");
    refusalLabel_->setWordWrap(true);
    refusalLabel_->setStyleSheet(QStringLiteral("color: #b00020;"));
    refusalLabel_->hide();
    auto* styleBox = new QVBoxLayout;
    styleBox->addWidget(styleSets_);
    styleBox->addWidget(refusalLabel_);
    styleBox->addLayout(styleButtons);
    if (!current.styles.empty()) {
        QStringList paths;
        for (const StyleReference& style : current.styles)
            paths << QString::fromStdString(style.path);
        addStyleSet(paths);
    }

    // The mix as the form's slider says it: the share of style B in percent.
    mixes_ =
        new QLineEdit(current.mix ? QString::number(std::lround(*current.mix * 100)) : QString());
    mixes_->setObjectName("batchMixes");
    mixes_->setPlaceholderText(tr("e.g. 30, 50, 70 (% of style B, for sets of two references)"));
    mixes_->setToolTip(tr("30 means %1, as on the form's Mix slider").arg(mixText(0.3)));

    seedList_ = new QRadioButton(tr("List:"));
    seeds_ = new QLineEdit(current.seed ? QString::number(*current.seed) : QString());
    seeds_->setObjectName("batchSeeds");
    seeds_->setPlaceholderText(tr("e.g. 1, 2, 3 (empty: one random seed for all)"));
    seedCountButton_ = new QRadioButton(tr("Number of seeds:"));
    seedCount_ = new QSpinBox;
    seedCount_->setObjectName("batchSeedCount");
    seedCount_->setRange(1, 1000);
    seedCount_->setValue(4);
    seedCount_->setToolTip(tr("Seeds follow the form's seed: s, s+1, …"));
    seedList_->setChecked(true);
    auto* seedRow = new QHBoxLayout;
    seedRow->addWidget(seedList_);
    seedRow->addWidget(seeds_, 1);
    seedRow->addWidget(seedCountButton_);
    seedRow->addWidget(seedCount_);

    imageWeights_ = new QLineEdit;
    imageWeights_->setObjectName("batchImageWeights");
    imageWeights_->setPlaceholderText(
        tr("e.g. 0.6, 0.8, 1.0 (empty: %1)").arg(current.imageWeight));

    const QString defaultFolder =
        QDir(QStandardPaths::writableLocation(QStandardPaths::PicturesLocation))
            .filePath(
                QStringLiteral("DEADiff/batch-%1").arg(QDate::currentDate().toString(Qt::ISODate)));
    folder_ = new QLineEdit(outputFolder.isEmpty() ? defaultFolder : outputFolder);
    folder_->setObjectName("batchFolder");
    auto* browse = new QPushButton(tr("Browse…"));
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString folder =
            QFileDialog::getExistingDirectory(this, tr("Output Folder"), folder_->text());
        if (!folder.isEmpty())
            folder_->setText(folder);
    });
    auto* folderRow = new QHBoxLayout;
    folderRow->addWidget(folder_, 1);
    folderRow->addWidget(browse);

    nameTemplate_ = new QLineEdit(QString::fromUtf8(batch::kDefaultNameTemplate));
    nameTemplate_->setObjectName("batchNameTemplate");
    nameTemplate_->setToolTip(tr("Fields: {index} {seed} {style} {prompt} {mix} {image_weight} "
                                 "{steps} {cfg} {width} {height} {sampler} {batch_index}; "
                                 "{prompt:20} keeps 20 characters"));

    summary_ = new QLabel;
    summary_->setObjectName("batchSummary");
    summary_->setWordWrap(true);

    auto* form = new QFormLayout;
    form->addRow(tr("Prompts:"), prompts_);
    form->addRow(tr("Style sets:"), styleBox);
    form->addRow(tr("Mix (% of B):"), mixes_);
    form->addRow(tr("Seeds:"), seedRow);
    form->addRow(tr("Image weights:"), imageWeights_);
    form->addRow(tr("Output folder:"), folderRow);
    form->addRow(tr("File names:"), nameTemplate_);

    buttons_ = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons_->button(QDialogButtonBox::Ok)->setText(tr("Add to Queue"));
    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(summary_);
    layout->addWidget(buttons_);
    resize(620, 560);

    connect(prompts_, &QPlainTextEdit::textChanged, this, &BatchDialog::updateSummary);
    for (QLineEdit* edit : {mixes_, seeds_, imageWeights_, folder_, nameTemplate_})
        connect(edit, &QLineEdit::textChanged, this, &BatchDialog::updateSummary);
    connect(seedList_, &QRadioButton::toggled, this, &BatchDialog::updateSummary);
    connect(seedCount_, &QSpinBox::valueChanged, this, &BatchDialog::updateSummary);
    updateSummary();
}

bool BatchDialog::addStyleSet(const QStringList& paths) {
    // Refused here, not when the batch reaches the image: a whole queue may run before it.
    for (const QString& path : paths) {
        const QString problem = imageProblem(path);
        if (!problem.isEmpty()) {
            refusal_ = problem;
            refusalLabel_->setText(problem);
            refusalLabel_->show();
            return false;
        }
    }
    refusal_.clear();
    if (refusalLabel_ != nullptr)
        refusalLabel_->hide();
    QStringList names;
    for (const QString& path : paths)
        names << QFileInfo(path).fileName();
    auto* item = new QListWidgetItem(names.join(QStringLiteral(" + ")), styleSets_);
    item->setData(Qt::UserRole, paths);
    item->setToolTip(paths.join(QLatin1Char('\n')));
    updateSummary();
    return true;
}

QString BatchDialog::outputFolder() const {
    return folder_->text().trimmed();
}

std::optional<std::vector<double>> BatchDialog::numbers(const QLineEdit* edit,
                                                        const QString& field) const {
    std::vector<double> values;
    for (const QString& part :
         edit->text().split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts)) {
        bool ok = false;
        const double value = part.toDouble(&ok);
        if (!ok) {
            problem_ = tr("%1: '%2' is not a number.").arg(field, part);
            return std::nullopt;
        }
        values.push_back(value);
    }
    return values;
}

std::optional<batch::BatchJob> BatchDialog::job() const {
    problem_.clear();
    batch::BatchJob job;
    job.templ = template_;
    for (const QString& line : prompts_->toPlainText().split(QLatin1Char('\n'))) {
        const QString prompt = line.trimmed();
        if (!prompt.isEmpty())
            job.prompts.push_back(prompt.toStdString());
    }
    if (job.prompts.empty()) {
        problem_ = tr("Prompts: write at least one prompt.");
        return std::nullopt;
    }
    job.templ.styles.clear();
    for (int i = 0; i < styleSets_->count(); ++i) {
        std::vector<StyleReference> set;
        for (const QString& path : styleSets_->item(i)->data(Qt::UserRole).toStringList())
            set.push_back({path.toStdString(), std::nullopt});
        job.styleSets.push_back(set);
    }
    const auto mixes = numbers(mixes_, tr("Mix values"));
    const auto weights = numbers(imageWeights_, tr("Image weights"));
    if (!mixes || !weights)
        return std::nullopt;
    for (const double percent : *mixes) {
        if (!(percent >= 0 && percent <= 100)) {
            problem_ =
                tr("Mix values: %1 is not a share of style B between 0 and 100 %.").arg(percent);
            return std::nullopt;
        }
        job.mixes.push_back(percent / 100.0);
    }
    job.imageWeights = *weights;
    if (seedList_->isChecked()) {
        for (const QString& part : seeds_->text().split(
                 QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts)) {
            bool ok = false;
            const qulonglong seed = part.toULongLong(&ok);
            if (!ok) {
                problem_ = tr("Seeds: '%1' is not a whole number ≥ 0.").arg(part);
                return std::nullopt;
            }
            job.seeds.push_back(seed);
        }
    } else {
        job.seedCount = seedCount_->value();
    }
    job.nameTemplate = nameTemplate_->text().trimmed().toStdString();
    if (job.nameTemplate.empty())
        job.nameTemplate = batch::kDefaultNameTemplate;
    try {
        batch::expandJob(job, 0);
    } catch (const std::exception& error) {
        problem_ = userMessage(QString::fromStdString(error.what()));
        return std::nullopt;
    }
    return job;
}

void BatchDialog::updateSummary() {
    if (summary_ == nullptr)
        return; // still building the dialog (the form's style set is added early)
    const std::optional<batch::BatchJob> planned = job();
    imageCount_ = 0;
    if (planned)
        imageCount_ = static_cast<int>(batch::expandJob(*planned, 0).images.size());
    const bool folderOk = !outputFolder().isEmpty();
    if (!planned) {
        summary_->setText(problem_);
        summary_->setStyleSheet(QStringLiteral("color: #b00020;"));
    } else if (!folderOk) {
        summary_->setText(tr("Output folder: choose where the images go."));
        summary_->setStyleSheet(QStringLiteral("color: #b00020;"));
    } else {
        summary_->setText(tr("%n image(s); images already in the folder with the same settings "
                             "are kept.",
                             nullptr, imageCount_));
        summary_->setStyleSheet(QString());
    }
    if (buttons_ != nullptr)
        buttons_->button(QDialogButtonBox::Ok)->setEnabled(planned.has_value() && folderOk);
}

} // namespace deadiff::ui
