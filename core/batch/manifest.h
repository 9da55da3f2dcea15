// manifest.csv / manifest.json: every output of a batch job with its settings and status, so
// a spreadsheet (or a script) can find "the seed-3 image of the woodcut style".
#pragma once

#include "core/batch/batch_job.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace deadiff::batch {

enum class ImageStatus { Pending, Generated, Kept, Failed };
// "pending", "generated", "kept" (already there from an earlier run, metadata matched), "failed"
const char* statusName(ImageStatus status);

struct ManifestRow {
    ImageStatus status = ImageStatus::Pending;
    double seconds = 0; // generation time of the request (0 when kept or pending)
};

// Both files, written atomically into `outDir`. `rows` runs parallel to plan.images.
void writeManifest(const std::string& outDir, const BatchPlan& plan,
                   const std::vector<ManifestRow>& rows, std::uint64_t baseSeed);

// The base seed a previous run recorded in outDir/manifest.json, if any (resume of a job whose
// template has no seed).
std::optional<std::uint64_t> readManifestBaseSeed(const std::string& outDir);

// One CSV field: quoted when it holds a comma, quote, CR or LF (RFC 4180); a leading = + - @
// gets a "'" so spreadsheets do not run prompts as formulas.
std::string csvField(const std::string& value);

} // namespace deadiff::batch
