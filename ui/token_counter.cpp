#include "ui/token_counter.h"

#include "core/tokenize/clip_tokenizer.h"

#include <QEvent>
#include <QPlainTextEdit>
#include <QScrollBar>

namespace deadiff::ui {

TokenCounter::TokenCounter(QPlainTextEdit* edit)
    : QLabel(edit)
    , edit_(edit) {
    setObjectName(edit->objectName() + QStringLiteral("TokenCounter"));
    setAttribute(Qt::WA_TransparentForMouseEvents);
    setMargin(2);
    setAutoFillBackground(true);
    setBackgroundRole(QPalette::Base);
    setForegroundRole(QPalette::PlaceholderText);
    connect(edit_, &QPlainTextEdit::textChanged, this, &TokenCounter::recount);
    edit_->installEventFilter(this);
    hide();
}

void TokenCounter::setTokenizer(std::shared_ptr<const tokenize::ClipTokenizer> tokenizer) {
    tokenizer_ = std::move(tokenizer);
    recount();
}

void TokenCounter::setChunkOptions(const tokenize::ChunkOptions& options) {
    options_ = options;
    recount();
}

void TokenCounter::recount() {
    count_ = -1;
    limit_ = 0;
    if (!tokenizer_) {
        hide();
        return;
    }
    try {
        const tokenize::WeightedPrompt weighted =
            tokenize::weightPrompt(*tokenizer_, edit_->toPlainText().toStdString(), options_);
        count_ = weighted.tokenCount;
        limit_ = weighted.tokenLimit();
        setText(QStringLiteral("%1/%2").arg(count_).arg(limit_));
        const bool cut = count_ > limit_;
        setStyleSheet(cut ? QStringLiteral("color: #c0392b") : QString());
        if (cut)
            setToolTip(
                tr("This model reads the first %1 tokens; the rest is left out").arg(limit_));
        else if (limit_ > tokenize::WeightedPrompt::kTokensPerChunk)
            setToolTip(tr("%n chunk(s) of 75 tokens: the model reads all of them", nullptr,
                          limit_ / tokenize::WeightedPrompt::kTokensPerChunk));
        else
            setToolTip(tr("Tokens the model reads, of 75 per chunk"));
    } catch (const tokenize::PromptSyntaxError& error) {
        setText(QStringLiteral("?/75"));
        setToolTip(QString::fromStdString(error.what()));
    }
    adjustSize();
    place();
    show();
    raise();
}

void TokenCounter::place() {
    const QScrollBar* bar = edit_->verticalScrollBar();
    const int right = edit_->width() - edit_->frameWidth() - (bar->isVisible() ? bar->width() : 0);
    move(right - width() - 2, edit_->height() - edit_->frameWidth() - height() - 2);
}

bool TokenCounter::eventFilter(QObject* watched, QEvent* event) {
    if (watched == edit_ && (event->type() == QEvent::Resize || event->type() == QEvent::Show))
        place();
    return QLabel::eventFilter(watched, event);
}

} // namespace deadiff::ui
