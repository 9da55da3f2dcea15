// Where the bundled demo model (resources/demo-model: model.json + model.safetensors +
// tokenizer/) is found, so `deadiff generate` and the studio have a real model on a fresh
// machine. Torch-free (the GUI includes it).
#pragma once

#include <string>
#include <vector>

namespace deadiff::pipeline {

// The first of these folders that holds a model.json: $DEADIFF_DEMO_MODEL ("none": no
// bundled model at all), <executable
// dir>/../share/deadiff-studio/demo-model (installed), DEADIFF_SOURCE_DIR/resources/demo-model
// (build tree). Empty when none does (e.g. an install without the demo model).
std::string bundledModelDir();

// The first candidate folder of bundledModelDir() that holds `fileName` (e.g. the evaluation's
// "classifiers.safetensors", which ships before a trained model does), as a path; empty when
// none does.
std::string bundledModelFile(const std::string& fileName);

// The candidates bundledModelDir() tries, in order (for messages).
std::vector<std::string> bundledModelCandidates();

} // namespace deadiff::pipeline
