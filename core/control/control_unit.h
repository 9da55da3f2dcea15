// One ControlNet of a request (conventions: `controls` [{model, type, hint, hint_from,
// preprocess, scale, start, end}]): which file, what its hint is and how it is made, how strongly
// and on which steps it acts. Several units' residuals are summed (ControlLDM, A1111).
// Torch- and OpenCV-free: the request and the GUI include it.
#pragma once

#include "core/control/control_type.h"

#include <optional>
#include <string>

namespace deadiff::control {

struct ControlUnit {
    std::string model;                      // the ControlNet checkpoint
    std::optional<ControlType> type;        // absent: from the file name (controlTypeFromFileName)
    std::string hint;                       // a ready hint image, used as it is
    std::string hintFrom;                   // or a picture the preprocessor makes the hint from
    std::optional<Preprocessor> preprocess; // with hintFrom; absent: the type's default
    // The preprocessor's settings (A1111's "Threshold A/B", preprocessorSettings says what they
    // mean); absent: its defaults.
    std::optional<double> thresholdA, thresholdB;
    std::string preprocessModel; // depth_midas: the ONNX depth estimator
    double scale = 1.0;          // strength: the residuals are multiplied by it
    double start = 0.0;          // fraction of the steps from which it acts ...
    double end = 1.0;            // ... up to which it acts

    bool operator==(const ControlUnit& other) const;
    bool operator!=(const ControlUnit& other) const { return !(*this == other); }
};

// The picture the hint comes from: `hint`, else `hintFrom`.
const std::string& hintSource(const ControlUnit& unit);

// The unit's kind: its own, else what its file name says.
ControlType effectiveType(const ControlUnit& unit);

// How the unit's hint is made: None for a ready hint; with hint_from the named preprocessor or
// the type's default (defaultPreprocessor); nullopt when there is none to use.
std::optional<Preprocessor> effectivePreprocessor(const ControlUnit& unit);

// Whether sampler step `step` (0-based, run order) of `total` lies in the window [start, end] of
// fractions of the steps: step / total in [start, end] (A1111's guidance start/end), so 0..1 is
// every step and start 1 none. The one rule for ControlNet units and the reference window.
bool stepInWindow(double start, double end, int step, int total);

// Whether the unit acts at sampler step `step` of `total`: in its window (stepInWindow). A unit
// of strength 0 never acts.
bool actsAt(const ControlUnit& unit, int step, int total);

} // namespace deadiff::control
