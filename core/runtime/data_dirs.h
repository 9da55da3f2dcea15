// Where the data the repository keeps in resources/ (vocabularies, the demo model, the model
// catalogue, examples) is found at run time: an installed copy (the .deb puts it in
// /usr/share/deadiff-studio) is found relative to the executable, a build tree falls back to the
// source checkout. Torch-free (the GUI includes it).
#pragma once

#include <string>
#include <vector>

namespace deadiff {

// The folder of the running executable (/proc/self/exe); empty when unknown.
std::string executableDir();

// <executable dir>/../share/deadiff-studio/NAME (installed layout), then
// DEADIFF_SOURCE_DIR/resources/NAME (build tree), whether they exist or not.
std::vector<std::string> bundledDataCandidates(const std::string& name);

} // namespace deadiff
