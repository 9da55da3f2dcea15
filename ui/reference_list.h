// More than two style references: a list with a weight each (A1111-style "mix" for any number),
// reordered by dragging, filled by dropping images or "Add…", or from the A and B slots. While
// the section is switched on, the list is the request's style references (weights normalised
// to sum 1 by the pipeline); switched off, the A/B slots and the mix slider are. A
// self-contained section of the form: applyTo()/setFrom() are its only contact with a
// GenerationRequest.
#pragma once

#include "core/pipeline/request.h"

#include <QGroupBox>

#include <vector>

class QTreeWidget;

namespace deadiff::ui {

class ReferenceList : public QGroupBox {
    Q_OBJECT

public:
    explicit ReferenceList(QWidget* parent = nullptr);

    // Switched on with at least one row: styles = the rows in order with their weights, mix
    // cleared. Otherwise the request is left alone.
    void applyTo(GenerationRequest& request) const;
    // Switched on for three or more references, which the rows then hold with the weights as
    // run; off for fewer (the A/B slots show them).
    void setFrom(const GenerationRequest& request);

    // Appends a reference with weight 1 (or `weight`).
    void addReference(const QString& path, double weight = 1.0);
    // Replaces the rows (switching the section on when there are any).
    void setReferences(const std::vector<StyleReference>& references);
    std::vector<StyleReference> references() const;
    QTreeWidget* tree() const { return tree_; }

Q_SIGNALS:
    // The rows changed: added, removed, reordered or reweighted.
    void referencesChanged();
    // "From A and B": the window fills the list from the form's two slots and mix.
    void takeSlotsRequested();

private:
    QTreeWidget* tree_ = nullptr;
};

} // namespace deadiff::ui
