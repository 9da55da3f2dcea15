#include "ui/generation_form.h"

#include "ui/control_units.h"
#include "ui/drop_zone.h"
#include "ui/enum_combo.h"
#include "ui/image_convert.h"
#include "ui/image_view.h"
#include "ui/lora_list.h"
#include "ui/reference_controls.h"
#include "ui/reference_list.h"
#include "ui/start_image_panel.h"
#include "ui/token_counter.h"

#include "core/tokenize/clip_tokenizer.h"
#include "core/tokenize/prompt_weights.h"

#include <QAbstractScrollArea>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QDoubleSpinBox>
#include <QDropEvent>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpressionValidator>
#include <QScrollBar>
#include <QSlider>
#include <QSpinBox>
#include <QSyntaxHighlighter>
#include <QVBoxLayout>
#include <QWheelEvent>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace deadiff::ui {
namespace {

constexpr int kMixSliderSteps = 100;

QString fromStd(const std::string& text) {
    return QString::fromStdString(text);
}
std::string toStd(const QString& text) {
    return text.toStdString();
}

QSpinBox* makeSideSpin(QWidget* parent) {
    auto* spin = new QSpinBox(parent);
    spin->setRange(kMinImageSide, kMaxImageSide);
    spin->setSingleStep(64);
    spin->setStepType(QAbstractSpinBox::DefaultStepType);
    spin->setSuffix(QStringLiteral(" px"));
    spin->setValue(512);
    // Multiples of 64 only: typing 500 snaps to 512 when editing ends.
    QObject::connect(spin, &QSpinBox::editingFinished, spin, [spin] {
        const int snapped = std::max(kMinImageSide, (spin->value() + 32) / 64 * 64);
        if (snapped != spin->value())
            spin->setValue(snapped);
    });
    return spin;
}

// The words of a prompt as CLIP's tokenizer sees them (lower case; any script's letters), with
// where each one stands in the text.
struct PromptWord {
    int start;
    int length;
    QString word;
};

std::vector<PromptWord> promptWords(const QString& text) {
    static const QRegularExpression letters(QStringLiteral("\\p{L}+"));
    std::vector<PromptWord> words;
    for (auto it = letters.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch match = it.next();
        words.push_back({static_cast<int>(match.capturedStart()),
                         static_cast<int>(match.capturedLength()), match.captured().toLower()});
    }
    return words;
}

// Underlines prompt words the loaded model never saw, like a spelling checker.
class UnknownWordHighlighter : public QSyntaxHighlighter {
public:
    UnknownWordHighlighter(QTextDocument* document, const QStringList* known)
        : QSyntaxHighlighter(document)
        , known_(known) {}

protected:
    void highlightBlock(const QString& text) override {
        if (known_->isEmpty())
            return;
        QTextCharFormat unknown;
        unknown.setUnderlineStyle(QTextCharFormat::SpellCheckUnderline);
        unknown.setUnderlineColor(QColor(0xb0, 0x00, 0x20));
        for (const PromptWord& word : promptWords(text))
            if (!known_->contains(word.word))
                setFormat(word.start, word.length, unknown);
    }

private:
    const QStringList* known_;
};

// A value a stray wheel turn would change. Scroll bars (of the prompt field, of a combo box's
// popup) scroll, which is what the wheel is for.
bool changesWithTheWheel(const QWidget* widget) {
    return qobject_cast<const QAbstractSpinBox*>(widget) != nullptr ||
           qobject_cast<const QComboBox*>(widget) != nullptr ||
           (qobject_cast<const QAbstractSlider*>(widget) != nullptr &&
            qobject_cast<const QScrollBar*>(widget) == nullptr);
}

} // namespace

GenerationForm::GenerationForm(QWidget* parent)
    : QWidget(parent) {
    setObjectName("generationForm");
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addStretch();
    addSection(buildModelCard());
    addSection(buildPromptGroup());
    addSection(buildStyleGroup());
    addSection(buildSamplingGroup());
    loras_ = new LoraListPanel(this);
    addSection(loras_);
    connect(loras_, &LoraListPanel::rowAdded, this, &GenerationForm::guardWheel);
    addSection(buildContentGroup());
    controls_ = new ControlUnitsPanel(this);
    addSection(controls_);
    connect(controls_, &ControlUnitsPanel::unitAdded, this, &GenerationForm::guardWheel);
    // Step reuse and ControlNets exclude each other (their residuals enter the reused features).
    connect(controls_, &QGroupBox::toggled, cacheInterval_, &QWidget::setDisabled);
    connect(controls_, &ControlUnitsPanel::hintRefused, this, &GenerationForm::referenceRefused);
    const auto followSize = [this] { controls_->setHintSize(width_->value(), height_->value()); };
    connect(width_, qOverload<int>(&QSpinBox::valueChanged), this, followSize);
    connect(height_, qOverload<int>(&QSpinBox::valueChanged), this, followSize);
    followSize();
    buildArtistControls(layout);
    onStyleReferencesChanged();
    updateSeedState();
    setModelCard({}, QString());
}

void GenerationForm::addSection(QWidget* section) {
    auto* column = static_cast<QVBoxLayout*>(layout());
    column->insertWidget(column->count() - 1, section); // above the stretch
    guardWheel(section);
}

void GenerationForm::guardWheel(QWidget* section) {
    for (QWidget* widget : section->findChildren<QWidget*>()) {
        if (!changesWithTheWheel(widget) || widget->window() != section->window())
            continue; // a popup's widgets are its own window's
        // Wheel focus would let a scroll over the widget take focus and change it.
        widget->setFocusPolicy(Qt::StrongFocus);
        widget->installEventFilter(this);
    }
}

QWidget* GenerationForm::buildModelCard() {
    auto* card = new QGroupBox(this);
    card->setObjectName("modelCard");
    auto* layout = new QVBoxLayout(card);
    cardTitle_ = new QLabel(card);
    cardTitle_->setObjectName("modelCardTitle");
    cardTitle_->setWordWrap(true);
    QFont bold = cardTitle_->font();
    bold.setBold(true);
    cardTitle_->setFont(bold);
    cardText_ = new QLabel(card);
    cardText_->setObjectName("modelCardText");
    cardText_->setWordWrap(true);
    cardText_->setTextFormat(Qt::RichText);
    cardText_->setToolTip(tr("Click a subject to use it as the prompt"));
    connect(cardText_, &QLabel::linkActivated, this, [this](const QString& link) {
        if (link.startsWith(QLatin1String("subject:")))
            prompt_->setPlainText(link.mid(8));
    });
    auto* realWeights = new QPushButton(tr("Get the Real Weights…"), card);
    realWeights->setObjectName("realWeightsButton");
    realWeights->setToolTip(tr("Where the full DEADiff model comes from: it paints any prompt at "
                               "512 px"));
    connect(realWeights, &QPushButton::clicked, this, &GenerationForm::realWeightsRequested);
    auto* buttonRow = new QHBoxLayout;
    buttonRow->addStretch();
    buttonRow->addWidget(realWeights);
    layout->addWidget(cardTitle_);
    layout->addWidget(cardText_);
    layout->addLayout(buttonRow);
    cardPanel_ = card;
    return card;
}

void GenerationForm::setModelCard(const pipeline::ModelCard& card, const QString& modelName) {
    card_ = card;
    knownWords_.clear();
    for (const std::string& word : card.words)
        knownWords_ << fromStd(word).toLower();
    cardPanel_->setVisible(!card.empty());
    const auto join = [](const std::vector<std::string>& names, bool links) {
        QStringList items;
        for (const std::string& name : names)
            items << (links ? QStringLiteral("<a href=\"subject:%1\">%1</a>").arg(fromStd(name))
                            : fromStd(name));
        return items.join(QStringLiteral(", "));
    };
    cardTitle_->setText(tr("What %1 can paint").arg(modelName));
    cardText_->setText(
        tr("<b>Subjects</b> (the prompt): %1<br><b>Styles</b> (from a reference image): %2")
            .arg(join(card.subjects, true), join(card.styles, false)));
    // The example prompt is one the model can paint.
    if (card.subjects.size() >= 2)
        prompt_->setPlaceholderText(tr("Name a subject this model knows, e.g. “%1” or “%2”")
                                        .arg(fromStd(card.subjects[card.subjects.size() * 2 / 3]),
                                             fromStd(card.subjects[card.subjects.size() / 4])));
    else
        prompt_->setPlaceholderText(
            tr("Describe the picture, e.g. “a lighthouse on a cliff at dusk”"));
    unknownHighlighter_->rehighlight();
    updateUnknownWords();
}

QStringList GenerationForm::unknownPromptWords() const {
    QStringList unknown;
    if (knownWords_.isEmpty())
        return unknown;
    for (const PromptWord& word : promptWords(prompt_->toPlainText()))
        if (!knownWords_.contains(word.word) && !unknown.contains(word.word))
            unknown << word.word;
    return unknown;
}

void GenerationForm::updateUnknownWords() {
    const QStringList unknown = unknownPromptWords();
    unknownWords_->setVisible(!unknown.isEmpty());
    if (unknown.isEmpty())
        return;
    QStringList quoted;
    for (const QString& word : unknown)
        quoted << QStringLiteral("“%1”").arg(word);
    unknownWords_->setText(tr("This model does not know %1: it paints only the subjects on its "
                              "card, so these words are noise to it.")
                               .arg(quoted.join(QStringLiteral(", "))));
}

QGroupBox* GenerationForm::buildPromptGroup() {
    auto* group = new QGroupBox(tr("Prompt"), this);
    auto* layout = new QVBoxLayout(group);
    prompt_ = new QPlainTextEdit(group);
    prompt_->setObjectName("promptEdit");
    prompt_->setPlaceholderText(tr("Describe the picture, e.g. “a lighthouse on a cliff at dusk”"));
    prompt_->setFixedHeight(64);
    prompt_->setTabChangesFocus(true);
    prompt_->installEventFilter(this);
    prompt_->viewport()->installEventFilter(this);
    layout->addWidget(prompt_);
    unknownHighlighter_ = new UnknownWordHighlighter(prompt_->document(), &knownWords_);
    unknownWords_ = new QLabel(group);
    unknownWords_->setObjectName("unknownWordsLabel");
    unknownWords_->setWordWrap(true);
    unknownWords_->setStyleSheet(QStringLiteral("color: #b00020;"));
    unknownWords_->hide();
    layout->addWidget(unknownWords_);
    connect(prompt_, &QPlainTextEdit::textChanged, this, &GenerationForm::updateUnknownWords);

    auto* negativeLabel = new QLabel(tr("Negative prompt"), group);
    negativePrompt_ = new QPlainTextEdit(group);
    negativePrompt_->setObjectName("negativePromptEdit");
    negativePrompt_->setPlaceholderText(tr("What the picture should avoid"));
    negativePrompt_->setPlainText(fromStd(kOfficialNegativePrompt));
    negativePrompt_->setFixedHeight(52);
    negativePrompt_->setTabChangesFocus(true);
    negativePrompt_->installEventFilter(this);
    negativePrompt_->viewport()->installEventFilter(this);
    negativeLabel->setBuddy(negativePrompt_);
    layout->addWidget(negativeLabel);
    layout->addWidget(negativePrompt_);
    return group;
}

QGroupBox* GenerationForm::buildStyleGroup() {
    auto* group = new QGroupBox(tr("Style references"), this);
    group->setObjectName("styleGroup");
    styleGroup_ = group;
    auto* layout = new QVBoxLayout(group);

    styleA_ = new ImageDropZone(tr("Style A"), tr("Drop a style image here"), group);
    styleA_->setObjectName("styleZoneA");
    styleB_ = new ImageDropZone(tr("Style B"), tr("Drop a second style to mix"), group);
    styleB_->setObjectName("styleZoneB");
    connect(styleA_, &ImageDropZone::pathChanged, this, &GenerationForm::onStyleReferencesChanged);
    connect(styleB_, &ImageDropZone::pathChanged, this, &GenerationForm::onStyleReferencesChanged);
    for (ImageDropZone* zone : {styleA_, styleB_})
        connect(zone, &ImageDropZone::refused, this, &GenerationForm::referenceRefused);
    for (ImageDropZone* zone : {styleA_, styleB_})
        zone->setMaximumHeight(220);
    auto* zones = new QHBoxLayout;
    zones->addWidget(styleA_);
    zones->addWidget(styleB_);
    layout->addLayout(zones);

    mix_ = new QSlider(Qt::Horizontal, group);
    mix_->setObjectName("mixSlider");
    mix_->setRange(0, kMixSliderSteps);
    mix_->setValue(kMixSliderSteps / 2);
    mix_->setTickPosition(QSlider::TicksBelow);
    mix_->setTickInterval(kMixSliderSteps / 4);
    mix_->setToolTip(tr("How much of style B goes into the mix (needs two references)"));
    mixValue_ = new QLabel(group);
    mixValue_->setObjectName("mixValueLabel");
    mixValue_->setMinimumWidth(92);
    connect(mix_, &QSlider::valueChanged, this, &GenerationForm::updateMixLabel);
    auto* mixRow = new QHBoxLayout;
    mixRow->addWidget(new QLabel(QStringLiteral("A"), group));
    mixRow->addWidget(mix_, 1);
    mixRow->addWidget(new QLabel(QStringLiteral("B"), group));
    mixRow->addWidget(mixValue_);
    updateMixLabel();

    imageWeight_ = new QDoubleSpinBox(group);
    imageWeight_->setObjectName("imageWeightSpin");
    imageWeight_->setRange(0.0, 2.0);
    imageWeight_->setSingleStep(0.1);
    imageWeight_->setDecimals(2);
    imageWeight_->setValue(1.0);
    imageWeight_->setToolTip(tr("Strength of the reference images against the prompt"));

    mode_ = new QComboBox(group);
    mode_->setObjectName("modeCombo");
    mode_->addItem(tr("Style"), QStringLiteral("style"));
    mode_->addItem(tr("Content"), QStringLiteral("content"));
    mode_->addItem(tr("Style and content"), QStringLiteral("both"));
    mode_->addItem(tr("None (prompt only)"), QStringLiteral("none"));
    mode_->setItemData(0, tr("The style references set the look; the prompt sets the subject"),
                       Qt::ToolTipRole);
    mode_->setItemData(1, tr("The content reference (or style A) sets the subject"),
                       Qt::ToolTipRole);
    mode_->setItemData(2, tr("Style from the style references, subject from the content reference"),
                       Qt::ToolTipRole);
    mode_->setItemData(3, tr("Plain Stable Diffusion 1.5: references are ignored"),
                       Qt::ToolTipRole);
    selectData(mode_, QStringLiteral("none"));

    auto* form = new QFormLayout;
    form->addRow(tr("Mix"), mixRow);
    form->addRow(tr("Image weight"), imageWeight_);
    form->addRow(tr("Mode"), mode_);
    layout->addLayout(form);
    return group;
}

QGroupBox* GenerationForm::buildContentGroup() {
    auto* group = new QGroupBox(tr("Content reference (optional)"), this);
    group->setObjectName("contentGroup");
    contentGroup_ = group;
    auto* layout = new QVBoxLayout(group);
    content_ = new ImageDropZone(tr("Content"), tr("Drop an image whose subject to keep"), group);
    content_->setObjectName("contentZone");
    connect(content_, &ImageDropZone::refused, this, &GenerationForm::referenceRefused);
    content_->setMinimumHeight(150);
    content_->setMaximumHeight(170);
    layout->addWidget(content_);
    return group;
}

QGroupBox* GenerationForm::buildSamplingGroup() {
    auto* group = new QGroupBox(tr("Sampling"), this);
    auto* form = new QFormLayout(group);

    width_ = makeSideSpin(group);
    width_->setObjectName("widthSpin");
    height_ = makeSideSpin(group);
    height_->setObjectName("heightSpin");
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(width_, 1);
    sizeRow->addWidget(new QLabel(QStringLiteral("×"), group));
    sizeRow->addWidget(height_, 1);
    form->addRow(tr("Size"), sizeRow);

    steps_ = new QSpinBox(group);
    steps_->setObjectName("stepsSpin");
    steps_->setRange(1, kMaxSteps);
    steps_->setValue(50);
    cfg_ = new QDoubleSpinBox(group);
    cfg_->setObjectName("cfgSpin");
    cfg_->setRange(0.0, 30.0);
    cfg_->setSingleStep(0.5);
    cfg_->setDecimals(1);
    cfg_->setValue(7.5);
    cfg_->setToolTip(tr("Classifier-free guidance: how closely to follow the prompt"));
    auto* stepsRow = new QHBoxLayout;
    stepsRow->addWidget(steps_, 1);
    stepsRow->addWidget(new QLabel(tr("CFG"), group));
    stepsRow->addWidget(cfg_, 1);
    form->addRow(tr("Steps"), stepsRow);

    seed_ = new QLineEdit(group);
    seed_->setObjectName("seedEdit");
    seed_->setValidator(
        new QRegularExpressionValidator(QRegularExpression(QStringLiteral("[0-9]{1,20}")), seed_));
    seed_->setPlaceholderText(tr("random"));
    randomSeed_ = new QCheckBox(tr("Random"), group);
    randomSeed_->setObjectName("randomSeedCheck");
    randomSeed_->setChecked(true);
    randomSeed_->setToolTip(tr("Draw a new seed for every generation"));
    reuseSeed_ = new QPushButton(tr("Reuse last"), group);
    reuseSeed_->setObjectName("reuseSeedButton");
    reuseSeed_->setToolTip(tr("Use the seed of the last image again"));
    connect(randomSeed_, &QCheckBox::toggled, this, &GenerationForm::updateSeedState);
    connect(reuseSeed_, &QPushButton::clicked, this, [this] {
        if (!lastSeed_)
            return;
        randomSeed_->setChecked(false);
        seed_->setText(QString::number(*lastSeed_));
    });
    auto* seedRow = new QHBoxLayout;
    seedRow->addWidget(seed_, 1);
    seedRow->addWidget(randomSeed_);
    seedRow->addWidget(reuseSeed_);
    form->addRow(tr("Seed"), seedRow);

    sampler_ = new QComboBox(group);
    sampler_->setObjectName("samplerCombo");
    for (const auto& entry : enumNames(SamplerKind{}))
        sampler_->addItem(QString::fromLatin1(sample::a1111SamplerName(entry.value)),
                          QString::fromLatin1(entry.name));
    cacheInterval_ = new QSpinBox(group);
    cacheInterval_->setObjectName("cacheIntervalSpin");
    cacheInterval_->setRange(1, kMaxCacheInterval);
    cacheInterval_->setSpecialValueText(tr("off"));
    cacheInterval_->setPrefix(tr("every "));
    cacheInterval_->setSuffix(tr(" steps"));
    cacheInterval_->setToolTip(
        tr("Faster drafts (DeepCache): the model's deep features are computed every N-th step "
           "and reused in between. About 1.8× faster at 2 and 2.2× at 3; details change. Not "
           "with ControlNets."));
    auto* samplerRow = new QHBoxLayout;
    samplerRow->addWidget(sampler_, 1);
    samplerRow->addWidget(new QLabel(tr("Reuse"), group));
    samplerRow->addWidget(cacheInterval_, 1);
    form->addRow(tr("Sampler"), samplerRow);

    batch_ = new QSpinBox(group);
    batch_->setObjectName("batchSpin");
    batch_->setRange(1, kMaxBatch);
    dtype_ = new QComboBox(group);
    dtype_->setObjectName("dtypeCombo");
    dtype_->addItem(tr("Automatic"), QStringLiteral("auto"));
    dtype_->addItem(tr("float32 (exact)"), QStringLiteral("float32"));
    dtype_->addItem(tr("bfloat16 (fast)"), QStringLiteral("bfloat16"));
    auto* batchRow = new QHBoxLayout;
    batchRow->addWidget(batch_);
    batchRow->addWidget(new QLabel(tr("Precision"), group));
    batchRow->addWidget(dtype_, 1);
    form->addRow(tr("Images"), batchRow);
    return group;
}

GenerationRequest GenerationForm::request() const {
    GenerationRequest request = hidden_;
    request.prompt = toStd(prompt_->toPlainText());
    request.negativePrompt = toStd(negativePrompt_->toPlainText());

    request.styles.clear();
    for (const ImageDropZone* zone : {styleA_, styleB_})
        if (zone->hasImage())
            request.styles.push_back({toStd(zone->path()), std::nullopt});
    // Styles beyond A and B (from the CLI or a batch) have no zone; keep them after A and B.
    for (std::size_t i = 2; i < hidden_.styles.size(); ++i)
        request.styles.push_back(hidden_.styles[i]);
    request.mix.reset();
    if (request.styles.size() == 2)
        request.mix = mix_->value() / static_cast<double>(kMixSliderSteps);

    request.content = toStd(content_->path());
    request.mode = comboChoice<ReferenceMode>(mode_);
    request.imageWeight = imageWeight_->value();
    request.width = width_->value();
    request.height = height_->value();
    request.steps = steps_->value();
    request.cfg = cfg_->value();
    request.seed.reset();
    bool valid = false;
    const qulonglong seed = seed_->text().toULongLong(&valid);
    if (!randomSeed_->isChecked() && valid) // more than 64 bits: treated as random
        request.seed = seed;
    request.sampler = comboChoice<SamplerKind>(sampler_).value_or(SamplerKind::Ddim);
    request.cacheInterval = controls_->isChecked() ? 1 : cacheInterval_->value();
    request.batch = batch_->value();
    request.dtype = comboChoice<ComputeDtype>(dtype_).value_or(ComputeDtype::Auto);
    applyArtistControls(request);

    if (!referenceImages_) { // the zones keep their images for the next DEADiff model
        request.styles.clear();
        request.mix.reset();
        request.content.clear();
        request.mode = ReferenceMode::None;
    }

    request.controls = controls_->units();
    request.loras = loras_->loras();
    return request;
}

void GenerationForm::setReferenceImagesEnabled(bool enabled) {
    referenceImages_ = enabled;
    const QString why = enabled ? QString()
                                : tr("The loaded model is plain Stable Diffusion 1.5: it paints "
                                     "from the prompt alone. Choose a DEADiff model to use "
                                     "reference images.");
    for (QGroupBox* group : {styleGroup_, contentGroup_}) {
        group->setEnabled(enabled);
        group->setToolTip(why);
    }
}

void GenerationForm::setRequest(const GenerationRequest& request) {
    hidden_ = request;
    prompt_->setPlainText(fromStd(request.prompt));
    negativePrompt_->setPlainText(fromStd(request.negativePrompt));

    styleA_->setPath(request.styles.size() > 0 ? fromStd(request.styles[0].path) : QString());
    styleB_->setPath(request.styles.size() > 1 ? fromStd(request.styles[1].path) : QString());
    if (request.styles.size() == 2) {
        // Explicit weights without `mix` (CLI, batch) become the equivalent slider position.
        double mix = 0.5;
        try {
            mix = normalizedStyleWeights(request)[1];
        } catch (const RequestError&) {
        }
        mix_->setValue(static_cast<int>(std::lround(mix * kMixSliderSteps)));
    }
    content_->setPath(fromStd(request.content));
    selectData(mode_, QString::fromLatin1(nameOf(effectiveMode(request))));
    imageWeight_->setValue(request.imageWeight);
    width_->setValue(request.width);
    height_->setValue(request.height);
    steps_->setValue(request.steps);
    cfg_->setValue(request.cfg);
    randomSeed_->setChecked(!request.seed.has_value());
    seed_->setText(request.seed ? QString::number(*request.seed) : QString());
    selectData(sampler_, QString::fromLatin1(nameOf(request.sampler)));
    cacheInterval_->setValue(request.cacheInterval);
    batch_->setValue(request.batch);
    selectData(dtype_, QString::fromLatin1(nameOf(request.dtype)));
    updateSeedState();
    setArtistControls(request);

    // A request without ControlNets switches the panel off but keeps its units (their files
    // are tools, like the model path).
    controls_->setUnits(request.controls);
    loras_->setLoras(request.loras);
}

void GenerationForm::buildArtistControls(QVBoxLayout* layout) {
    promptTokens_ = new TokenCounter(prompt_);
    negativeTokens_ = new TokenCounter(negativePrompt_);
    vocabularyWatcher_ = new QFutureWatcher<std::shared_ptr<const tokenize::ClipTokenizer>>(this);
    connect(vocabularyWatcher_, &QFutureWatcherBase::finished, this, [this] {
        const auto tokenizer = vocabularyWatcher_->result();
        promptTokens_->setTokenizer(tokenizer);
        negativeTokens_->setTokenizer(tokenizer);
    });

    // The list of references sits under the A/B slots it replaces while it is on.
    QWidget* styleGroup = styleA_->parentWidget();
    referenceList_ = new ReferenceList(this);
    layout->insertWidget(layout->indexOf(styleGroup) + 1, referenceList_);
    guardWheel(referenceList_);
    connect(referenceList_, &QGroupBox::toggled, this, [this](bool on) {
        styleA_->setEnabled(!on);
        styleB_->setEnabled(!on);
        onStyleReferencesChanged();
        if (on) {
            mix_->setEnabled(false);
            mixValue_->setEnabled(false);
        }
    });
    connect(referenceList_, &ReferenceList::referencesChanged, this, [this] {
        if (referenceList_->isChecked() && !referenceList_->references().empty() &&
            mode_->currentData().toString() == QStringLiteral("none"))
            selectData(mode_, QStringLiteral("style"));
    });
    connect(referenceList_, &ReferenceList::takeSlotsRequested, this, [this] {
        GenerationRequest fromSlots;
        for (const ImageDropZone* zone : {styleA_, styleB_})
            if (zone->hasImage())
                fromSlots.styles.push_back({toStd(zone->path()), std::nullopt});
        if (fromSlots.styles.size() == 2)
            fromSlots.mix = mix_->value() / static_cast<double>(kMixSliderSteps);
        const std::vector<double> weights = normalizedStyleWeights(fromSlots);
        for (std::size_t i = 0; i < fromSlots.styles.size(); ++i)
            fromSlots.styles[i].weight = weights[i];
        referenceList_->setReferences(fromSlots.styles);
    });

    referenceControls_ = new ReferenceControls(this);
    layout->insertWidget(layout->indexOf(referenceList_) + 1, referenceControls_);
    guardWheel(referenceControls_);
    startImage_ = new StartImagePanel(this);
    addSection(startImage_);
}

void GenerationForm::applyArtistControls(GenerationRequest& request) const {
    referenceList_->applyTo(request);
    referenceControls_->applyTo(request);
    startImage_->applyTo(request);
}

void GenerationForm::setArtistControls(const GenerationRequest& request) {
    referenceList_->setFrom(request);
    referenceControls_->setFrom(request);
    startImage_->setFrom(request);
}

void GenerationForm::setVocabulary(const QString& vocabulary, int promptChunks) {
    promptTokens_->setChunkOptions(tokenize::chunkOptionsFor(promptChunks));
    negativeTokens_->setChunkOptions(tokenize::chunkOptionsFor(promptChunks));
    if (vocabulary.isEmpty()) {
        promptTokens_->setTokenizer(nullptr);
        negativeTokens_->setTokenizer(nullptr);
        return;
    }
    const std::string path = toStd(vocabulary);
    vocabularyWatcher_->setFuture(
        QtConcurrent::run([path]() -> std::shared_ptr<const tokenize::ClipTokenizer> {
            try {
                return std::make_shared<const tokenize::ClipTokenizer>(
                    tokenize::ClipTokenizer::load(path));
            } catch (const std::exception&) {
                return nullptr; // the model loaded with it; a counter is not worth an error
            }
        }));
}

QStringList GenerationForm::styleSlots() const {
    return {styleA_->path(), styleB_->path()};
}

void GenerationForm::setStyleSlots(const QStringList& paths) {
    styleA_->setPath(paths.value(0));
    styleB_->setPath(paths.value(1));
}

int GenerationForm::mixPercentB() const {
    return mix_->value() * 100 / kMixSliderSteps;
}

void GenerationForm::setMixPercentB(int percent) {
    mix_->setValue(std::clamp(percent, 0, 100) * kMixSliderSteps / 100);
}

QString GenerationForm::incompleteSettings() const {
    return controls_->incompleteSettings();
}

void GenerationForm::setImageSide(int side) {
    width_->setValue(side);
    height_->setValue(side);
}

void GenerationForm::setLastSeed(std::uint64_t seed) {
    lastSeed_ = seed;
    updateSeedState();
}

void GenerationForm::onStyleReferencesChanged() {
    const int count = (styleA_->hasImage() ? 1 : 0) + (styleB_->hasImage() ? 1 : 0);
    // Disabled, not hidden: the artist sees that a second reference unlocks mixing.
    mix_->setEnabled(count == 2);
    mixValue_->setEnabled(count == 2);
    // Follow the references when the mode still says the opposite of what they imply.
    const QString mode = mode_->currentData().toString();
    if (styleCount_ == 0 && count > 0 && mode == QStringLiteral("none"))
        selectData(mode_, QStringLiteral("style"));
    else if (count == 0 && styleCount_ > 0 && mode == QStringLiteral("style"))
        selectData(mode_, QStringLiteral("none"));
    styleCount_ = count;
    updateMixLabel();
}

QString mixText(double shareOfB) {
    const int b = static_cast<int>(std::lround(std::clamp(shareOfB, 0.0, 1.0) * 100));
    return GenerationForm::tr("%1 % A · %2 % B").arg(100 - b).arg(b);
}

void GenerationForm::updateMixLabel() {
    mixValue_->setText(mixText(mix_->value() / static_cast<double>(kMixSliderSteps)));
}

void GenerationForm::updateSeedState() {
    seed_->setEnabled(!randomSeed_->isChecked());
    reuseSeed_->setEnabled(lastSeed_.has_value());
    if (lastSeed_)
        reuseSeed_->setToolTip(tr("Use the seed of the last image again (%1)").arg(*lastSeed_));
}

bool GenerationForm::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::Wheel) {
        auto* widget = qobject_cast<QWidget*>(watched);
        if (widget != nullptr && changesWithTheWheel(widget) && !widget->hasFocus()) {
            // Not focused: the artist is scrolling the panel, not changing this value.
            for (QWidget* up = parentWidget(); up != nullptr; up = up->parentWidget())
                if (auto* area = qobject_cast<QAbstractScrollArea*>(up)) {
                    QCoreApplication::sendEvent(area->viewport(), event);
                    break;
                }
            return true;
        }
    }
    // A file dropped on a prompt field is meant for the window (a PNG to restore, a reference),
    // not to be pasted as a path: refuse it here so the drag goes on to the window.
    if (event->type() == QEvent::DragEnter || event->type() == QEvent::DragMove ||
        event->type() == QEvent::Drop) {
        auto* drag = static_cast<QDropEvent*>(event);
        if (drag->mimeData()->hasUrls()) {
            drag->ignore();
            return true;
        }
    }
    if (event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        const bool enter = key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter;
        if (enter && (key->modifiers() & Qt::ControlModifier)) {
            Q_EMIT generateRequested();
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace deadiff::ui
