// The settings of one generation: prompt, references, mix, mode, sampling. request() and
// setRequest() are the one place where widgets and GenerationRequest meet; saving, restoring
// from a PNG, "reuse settings" and QSettings all go through them.
//
// The form is a column of sections (group boxes) added with addSection(), which also keeps the
// mouse wheel from changing a section's values while the artist scrolls the panel. A small
// model's card (what it can paint) sits on top, and prompt words it does not know are marked.
#pragma once

#include "core/pipeline/model_card.h"
#include "core/pipeline/request.h"

#include <QFutureWatcher>
#include <QString>
#include <QWidget>

#include <cstdint>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSyntaxHighlighter;
class QSlider;
class QSpinBox;
class QVBoxLayout;

namespace deadiff::tokenize {
class ClipTokenizer;
}

namespace deadiff::ui {

class ControlUnitsPanel;
class ImageDropZone;
class ImageView;
class LoraListPanel;
class ReferenceControls;
class ReferenceList;
class StartImagePanel;
class TokenCounter;

// The one way the studio writes a mix of two style references: "70 % A · 30 % B" for a share of
// 0.3 for B (the request's `mix`); the slider, the gallery and the batch dialog all say it so.
QString mixText(double shareOfB);

class GenerationForm : public QWidget {
    Q_OBJECT

public:
    explicit GenerationForm(QWidget* parent = nullptr);

    // Form -> request. The model path is not part of the form (the window owns it); fields the
    // form does not show (extra styles) come from the last setRequest(). The ControlNets are
    // those of the ControlNet panel while it is switched on; the LoRAs those of the LoRA panel.
    GenerationRequest request() const;
    // Request -> form. Every field the form shows is set; the rest is kept for request().
    void setRequest(const GenerationRequest& request);
    // What the loaded model can do: without reference images (a plain SD 1.5 model) the style
    // and content sections are greyed out with a tooltip saying why, and request() carries no
    // references (mode none); the zones keep their images for the next DEADiff model.
    void setReferenceImagesEnabled(bool enabled);
    bool referenceImagesEnabled() const { return referenceImages_; }

    ImageDropZone* styleZoneA() const { return styleA_; }
    ImageDropZone* styleZoneB() const { return styleB_; }
    ImageDropZone* contentZone() const { return content_; }
    QSlider* mixSlider() const { return mix_; }
    ReferenceControls* referenceControls() const { return referenceControls_; }
    ReferenceList* referenceList() const { return referenceList_; }
    StartImagePanel* startImagePanel() const { return startImage_; }
    TokenCounter* promptTokenCounter() const { return promptTokens_; }
    ControlUnitsPanel* controlPanel() const { return controls_; }
    LoraListPanel* loraPanel() const { return loras_; }
    QComboBox* samplerCombo() const { return sampler_; }

    // Appends a section (usually a QGroupBox) below the others; its spin boxes, combo boxes and
    // sliders change only while focused, so the wheel scrolls the panel instead.
    void addSection(QWidget* section);

    // Style slots as the user left them (an empty string for an empty slot) and the mix
    // slider's share of B in percent: the window keeps them across sessions, so a reference in
    // slot B comes back in slot B and the slider where it was, with or without two references.
    QStringList styleSlots() const;
    void setStyleSlots(const QStringList& paths);
    int mixPercentB() const;
    void setMixPercentB(int percent);

    // What keeps these settings from running, in the user's words, for what the request cannot
    // express (a ControlNet unit with neither file nor hint); empty when nothing does.
    QString incompleteSettings() const;

    // The loaded model's card: what it can paint. Empty: a model that reads open-ended prompts
    // (the card hides, nothing is marked).
    void setModelCard(const pipeline::ModelCard& card, const QString& modelName);
    const pipeline::ModelCard& modelCard() const { return card_; }
    // Prompt words outside the card's words, in prompt order (lower case, no repeats).
    QStringList unknownPromptWords() const;
    QWidget* modelCardPanel() const { return cardPanel_; }
    QLabel* unknownWordsLabel() const { return unknownWords_; }
    QPlainTextEdit* promptEdit() const { return prompt_; }

    // "Reuse last" fills in the seed of the last finished generation.
    void setLastSeed(std::uint64_t seed);
    // Width and height both to `side` px (a model's native size).
    void setImageSide(int side);

public Q_SLOTS:
    // The loaded model's tokenizer vocabulary (ModelFacts::vocabulary), read off the GUI thread,
    // and the chunks it reads (ModelFacts::promptChunks), for the prompts' token counters; an
    // empty vocabulary hides them.
    void setVocabulary(const QString& vocabulary, int promptChunks = 0);

Q_SIGNALS:
    // Ctrl+Enter in a prompt field.
    void generateRequested();
    // "Get the real weights" on the model card.
    void realWeightsRequested();
    // A dropped or picked reference was refused (message translated).
    void referenceRefused(const QString& message);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QWidget* buildModelCard();
    QGroupBox* buildPromptGroup();
    QGroupBox* buildStyleGroup();
    QGroupBox* buildContentGroup();
    QGroupBox* buildSamplingGroup();
    // Issue 28's sections (reference timing/strength, reference list, start image) and the
    // prompts' token counters: self-contained widgets, created, filled and read here only.
    void buildArtistControls(QVBoxLayout* layout);
    void applyArtistControls(GenerationRequest& request) const;
    void setArtistControls(const GenerationRequest& request);
    void onStyleReferencesChanged();
    void updateMixLabel();
    void updateSeedState();
    void updateUnknownWords();
    void guardWheel(QWidget* section);

    GenerationRequest hidden_; // fields without widgets, carried through setRequest/request
    std::optional<std::uint64_t> lastSeed_;
    int styleCount_ = 0;
    pipeline::ModelCard card_;
    QStringList knownWords_;
    QWidget* cardPanel_ = nullptr;
    QLabel* cardTitle_ = nullptr;
    QLabel* cardText_ = nullptr;
    QLabel* unknownWords_ = nullptr;
    QSyntaxHighlighter* unknownHighlighter_ = nullptr;

    QPlainTextEdit* prompt_ = nullptr;
    QPlainTextEdit* negativePrompt_ = nullptr;
    ImageDropZone* styleA_ = nullptr;
    ImageDropZone* styleB_ = nullptr;
    ImageDropZone* content_ = nullptr;
    QSlider* mix_ = nullptr;
    QLabel* mixValue_ = nullptr;
    QDoubleSpinBox* imageWeight_ = nullptr;
    QComboBox* mode_ = nullptr;
    QGroupBox* styleGroup_ = nullptr;
    QGroupBox* contentGroup_ = nullptr;
    bool referenceImages_ = true;
    QSpinBox* width_ = nullptr;
    QSpinBox* height_ = nullptr;
    QSpinBox* steps_ = nullptr;
    QDoubleSpinBox* cfg_ = nullptr;
    QLineEdit* seed_ = nullptr;
    QCheckBox* randomSeed_ = nullptr;
    QPushButton* reuseSeed_ = nullptr;
    QComboBox* sampler_ = nullptr;
    QSpinBox* cacheInterval_ = nullptr;
    QSpinBox* batch_ = nullptr;
    QComboBox* dtype_ = nullptr;
    ControlUnitsPanel* controls_ = nullptr;
    LoraListPanel* loras_ = nullptr;

    ReferenceControls* referenceControls_ = nullptr;
    ReferenceList* referenceList_ = nullptr;
    StartImagePanel* startImage_ = nullptr;
    TokenCounter* promptTokens_ = nullptr;
    TokenCounter* negativeTokens_ = nullptr;
    QFutureWatcher<std::shared_ptr<const tokenize::ClipTokenizer>>* vocabularyWatcher_ = nullptr;
};

} // namespace deadiff::ui
