// manifest.csv / manifest.json: every output of a batch job with its settings and status, so
// a spreadsheet (or a script) can find "the seed-3 image of the woodcut style".
#pragma once

#include "core/batch/batch_job.h"
#include "core/batch/shard.h"
#include "core/pipeline/pipeline.h"

#include <cstdint>
#include <map>
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

constexpr const char* kManifestCsvName = "manifest.csv";
constexpr const char* kManifestJsonName = "manifest.json";

// Both files, written atomically into `outDir`. `rows` runs parallel to plan.images.
void writeManifest(const std::string& outDir, const BatchPlan& plan,
                   const std::vector<ManifestRow>& rows, std::uint64_t baseSeed);

// A shard's own manifest, "manifest.part-K-of-N.json": manifest.json's format with the shard's
// images only, "shard": {"index": K, "count": N} and "model": {"path", "dtype", "native_size"}
// (the loaded model's facts, which the merge plans with: it loads no model). Shards sharing a
// folder never write the same file; `deadiff batch --merge` writes manifest.csv/.json from the
// images and these parts.
std::string manifestPartName(const Shard& shard);
void writeManifestPart(const std::string& outDir, const BatchPlan& plan,
                       const std::vector<ManifestRow>& rows, std::uint64_t baseSeed,
                       const ModelFacts& model, const Shard& shard);

struct PartImage {
    std::string file;
    ManifestRow row;
};
struct ManifestPart {
    Shard shard;
    std::string path;
    std::optional<ModelFacts> model; // nullopt: a damaged part
    std::map<int, PartImage> images; // by 0-based image index
};
// The parts in `outDir`, ordered by N then K. A damaged part (unreadable JSON, missing fields)
// has no model and no images.
std::vector<ManifestPart> readManifestParts(const std::string& outDir);

// The base seed a previous run recorded in outDir/manifest.json, if any (resume of a job whose
// template has no seed).
std::optional<std::uint64_t> readManifestBaseSeed(const std::string& outDir);

// One CSV field: quoted when it holds a comma, quote, CR or LF (RFC 4180); a leading = + - @
// gets a "'" so spreadsheets do not run prompts as formulas.
std::string csvField(const std::string& value);

} // namespace deadiff::batch
