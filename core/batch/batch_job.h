// Batch jobs (conventions.md "Batch job file"): one GenerationRequest template plus axes, run
// as the cartesian product of the axes present, in key order (the first axis varies slowest).
// Parsing names the offending field; expansion turns a job into the planned requests and the
// output files, seeds resolved, so a re-run can recognise what it already wrote. Torch-free:
// the GUI builds jobs from its form.
#pragma once

#include "core/pipeline/request.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff::batch {

// A job file that cannot be run; the message names the field (e.g. "styles[1][0]").
class BatchJobError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

constexpr const char* kDefaultNameTemplate = "{index}_{seed}_{style}_{prompt:20}.png";
constexpr int kMaxBatchImages = 10000;

struct BatchJob {
    GenerationRequest templ; // "template": every field the axes do not set
    // Axes, in the order the product nests them (the first varies slowest). Empty: absent.
    std::vector<std::string> prompts;                   // "prompts"
    std::vector<std::vector<StyleReference>> styleSets; // "styles": lists of paths/{path,weight}
    std::vector<double> mixes;                          // "mix"
    std::vector<std::uint64_t> seeds;                   // "seeds"
    int seedCount = 0;                                  // "seed_count" (with no "seeds")
    std::vector<double> imageWeights;                   // "image_weight"
    std::vector<std::string> depths;                    // "depths": depth map images
    // "hints": per value one picture per template ControlNet (its hint, or its hint_from when
    // the template's ControlNet makes its hint from a picture).
    std::vector<std::vector<std::string>> hintSets;
    std::string nameTemplate = kDefaultNameTemplate; // "name_template"
    // Whether the template sets the size; a side it leaves out is the model's (applyNativeSize).
    bool widthGiven = true, heightGiven = true;
};

// Parses a job file's JSON. Relative paths (style references, content, depth maps, model) are
// made absolute against `baseDir` (the job file's folder). Unknown keys, wrong types and
// invalid template fields are BatchJobErrors naming the key.
BatchJob parseBatchJob(const std::string& json, const std::string& baseDir);
// Reads and parses a job file; errors name the file.
BatchJob loadBatchJob(const std::string& path);
// The job as a job file (paths as stored in the job; the GUI writes absolute ones).
std::string toJson(const BatchJob& job, bool pretty = true);

// One axis of the plan as the contact sheet and the manifest label it.
struct Axis {
    std::string key;                 // "prompts", "styles", "mix", "seeds", "image_weight", ...
    std::string title;               // "prompt", "style", "mix", "seed", ...
    std::vector<std::string> labels; // one per value, short and human-readable
};

struct PlannedRequest {
    GenerationRequest request;      // seed set; validated
    std::vector<std::size_t> coord; // index along each axis of BatchPlan::axes
};

struct PlannedImage {
    int index = 0; // 0-based position in the job
    std::size_t requestIndex = 0;
    int batchIndex = 0;   // row of that request's batch
    std::string fileName; // sanitised, unique within the job
};

struct BatchPlan {
    std::vector<Axis> axes; // the axes present, in key order; a batch > 1 adds "image" last
    std::vector<PlannedRequest> requests;
    std::vector<PlannedImage> images;
};

// The cartesian product. Seeds: the "seeds" axis; else "seed_count" N gives seeds
// template.seed + 0 .. N-1; else every request uses template.seed. A template without a seed
// uses `baseSeed` (the caller draws it once and records it in the manifest). Every request is
// validated (errors name the axis value: "prompts[2]: 'prompt' is required").
BatchPlan expandJob(const BatchJob& job, std::uint64_t baseSeed);

// Whether expandJob needs a base seed that the job does not fix.
bool needsBaseSeed(const BatchJob& job);

} // namespace deadiff::batch
