// Combo boxes whose items carry an enum's name (core/common/enum_names.h) as their data: the
// GUI edge where such enums are parsed (the form's sampler, mode and precision, a ControlNet
// unit's kind and preprocessor).
#pragma once

#include "core/common/enum_names.h"

#include <QComboBox>
#include <QString>

#include <optional>

namespace deadiff::ui {

// The enum the current item names; nullopt for an item without a name (e.g. "automatic").
template <typename Enum> std::optional<Enum> comboChoice(const QComboBox* combo) {
    return enumFromName<Enum>(combo->currentData().toString().toStdString());
}

// Selects the item whose data is `data`; when none has it, the item `fallback` (-1: the current
// item stays).
inline void selectData(QComboBox* box, const QString& data, int fallback = -1) {
    const int index = box->findData(data);
    if (index >= 0 || fallback >= 0)
        box->setCurrentIndex(index >= 0 ? index : fallback);
}

} // namespace deadiff::ui
