// What a small model was trained to paint: the optional "trained_on" section of a model folder's
// model.json. The bundled demo model knows 12 subjects and 10 styles by name and nothing else;
// the studio lists them, builds its example prompts from them and marks prompt words outside
// them. Models trained on open-ended captions (SD 1.5, DEADiff) have no such section.
// Torch-free (the GUI includes it).
#pragma once

#include <string>
#include <vector>

namespace deadiff::pipeline {

// model.json:
//   "trained_on": { "subjects": ["circle", ...],   // what a prompt can name
//                   "styles": ["neon", ...],       // what a reference (or "in <style> style")
//                                                  // can give
//                   "words": ["circle", "in", ...] } // every word of the training captions
struct ModelCard {
    std::vector<std::string> subjects;
    std::vector<std::string> styles;
    std::vector<std::string> words;

    bool empty() const { return subjects.empty() && styles.empty() && words.empty(); }
};

// The card of the model at `modelPath` (a model folder or its model.json); empty for a
// checkpoint file or a folder whose model.json has no "trained_on". Throws like
// readModelConfig for a broken model.json.
ModelCard modelCard(const std::string& modelPath);

} // namespace deadiff::pipeline
