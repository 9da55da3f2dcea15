// The ControlNet flags shared by `generate` and `batch` (conventions, round 3): `--control
// PATH[:scale[:start:end]]` repeatable, each followed by its own `--hint IMG` or `--hint-from IMG
// [--preprocess NAME[:a[:b]]] [--preprocess-model ONNX]` and optionally `--control-type TYPE`;
// the single-ControlNet flags of earlier versions (--depth, --depth-from, --depth-model,
// --control-scale, --control-start, --control-end) still describe one ControlNet.
#pragma once

#include "app/cli/args.h"
#include "core/control/control_unit.h"

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

namespace deadiff::cli {

void addControlOptions(Args& args);

// One `--control` value: PATH, PATH:scale or PATH:scale:start:end (numbers are read from the
// right, so a path may hold colons). UsageError for a malformed one.
control::ControlUnit controlSpec(const std::string& text);

// The units in command-line order. UsageError for a hint before any --control, a malformed
// PATH:scale:start:end or NAME:a:b, a flag given twice for one ControlNet, or old flags with
// several ControlNets.
std::vector<control::ControlUnit> controlsFromArgs(const Args& args);

// Each unit's files exist (UsageError naming the flag and the file), checked before the slow
// model load.
void checkControlFiles(const std::vector<control::ControlUnit>& controls);

// --save-hint DIR: the folder must exist and be writable before generating (no image is lost
// to a typo); then each hint as used is written as DIR/<image stem>-hint-<i>.png.
void checkHintFolder(const std::string& folder);
std::vector<std::string> saveHints(const std::string& folder, const std::string& imagePath,
                                   const std::vector<cv::Mat>& hints);

} // namespace deadiff::cli
