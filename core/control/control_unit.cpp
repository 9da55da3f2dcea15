#include "core/control/control_unit.h"

namespace deadiff::control {

bool ControlUnit::operator==(const ControlUnit& o) const {
    return model == o.model && type == o.type && hint == o.hint && hintFrom == o.hintFrom &&
           preprocess == o.preprocess && thresholdA == o.thresholdA && thresholdB == o.thresholdB &&
           preprocessModel == o.preprocessModel && scale == o.scale && start == o.start &&
           end == o.end;
}

const std::string& hintSource(const ControlUnit& unit) {
    return unit.hint.empty() ? unit.hintFrom : unit.hint;
}

ControlType effectiveType(const ControlUnit& unit) {
    return unit.type ? *unit.type : controlTypeFromFileName(unit.model);
}

std::optional<Preprocessor> effectivePreprocessor(const ControlUnit& unit) {
    if (unit.hintFrom.empty())
        return Preprocessor::None;
    if (unit.preprocess)
        return unit.preprocess;
    return defaultPreprocessor(effectiveType(unit));
}

bool stepInWindow(double start, double end, int step, int total) {
    if (total <= 0)
        return false;
    const double fraction = static_cast<double>(step) / static_cast<double>(total);
    return fraction >= start && fraction <= end;
}

bool actsAt(const ControlUnit& unit, int step, int total) {
    return unit.scale != 0.0 && stepInWindow(unit.start, unit.end, step, total);
}

} // namespace deadiff::control
