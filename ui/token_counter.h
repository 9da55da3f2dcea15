// A1111's token counter for a prompt field: "12/75" in the field's corner, the prompt's tokens
// against the room of its 75-token chunks ("80/150" once a prompt spills into a second chunk;
// emphasis brackets do not count). Recounted as the text changes, with the loaded model's own
// tokenizer; hidden until one is set.
#pragma once

#include "core/tokenize/prompt_weights.h"

#include <QLabel>

#include <memory>

class QPlainTextEdit;

namespace deadiff::ui {

class TokenCounter : public QLabel {
    Q_OBJECT

public:
    // Sits over `edit`'s bottom-right corner (a child of it).
    explicit TokenCounter(QPlainTextEdit* edit);

    void setTokenizer(std::shared_ptr<const tokenize::ClipTokenizer> tokenizer);
    // How the model lays prompts out (tokenize::chunkOptionsFor): a model that reads one chunk
    // shows "176/75" in red when a prompt runs past what it reads.
    void setChunkOptions(const tokenize::ChunkOptions& options);
    // -1 without a tokenizer or for a prompt that does not parse.
    int tokenCount() const { return count_; }
    int tokenLimit() const { return limit_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void recount();
    void place();

    QPlainTextEdit* edit_;
    std::shared_ptr<const tokenize::ClipTokenizer> tokenizer_;
    tokenize::ChunkOptions options_;
    int count_ = -1;
    int limit_ = 0;
};

} // namespace deadiff::ui
