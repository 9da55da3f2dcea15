#include "core/batch/batch_job.h"

#include "core/batch/file_names.h"
#include "core/io/bounded_file.h"
#include "core/models/models_folder.h"

#include "core/common/json_fields.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <functional>
#include <iomanip>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

namespace deadiff::batch {
namespace {

using Json = json::Value;
namespace fs = std::filesystem;

[[noreturn]] void fail(const std::string& field, const std::string& problem) {
    throw BatchJobError("'" + field + "' " + problem);
}

std::string number(double value) {
    std::ostringstream text;
    text << std::setprecision(6) << value;
    return text.str();
}

std::string absoluteFrom(const std::string& baseDir, const std::string& path) {
    if (path.empty())
        return path;
    fs::path p(path);
    if (p.is_relative())
        p = fs::path(baseDir.empty() ? fs::current_path() : fs::absolute(baseDir)) / p;
    return p.lexically_normal().string();
}

const Json& nonEmptyArray(const Json& value, const std::string& key, const char* what) {
    if (!value.is_array())
        fail(key, std::string("must be a list of ") + what);
    if (value.empty())
        fail(key, "must not be empty (leave the key out instead)");
    return value;
}

// The shared typed reader, its errors as BatchJobErrors.
template <typename Reader>
auto readField(Reader reader, const Json& value, const std::string& field) {
    try {
        return reader(value, field);
    } catch (const json::FieldError& error) {
        throw BatchJobError(error.what());
    }
}

std::string stringAt(const Json& value, const std::string& field) {
    return readField(json::asString, value, field);
}

double numberAt(const Json& value, const std::string& field) {
    return readField(json::asNumber, value, field);
}

std::string stem(const std::string& path) {
    return fs::path(path).stem().string();
}

std::string styleSetLabel(const std::vector<StyleReference>& set) {
    std::string label;
    for (const StyleReference& style : set) {
        if (!label.empty())
            label += "+";
        label += stem(style.path);
        if (style.weight)
            label += " " + number(*style.weight);
    }
    return label.empty() ? "none" : label;
}

// The template's relative paths, against the job file's folder.
void resolvePaths(GenerationRequest& request, const std::string& baseDir) {
    for (StyleReference& style : request.styles)
        style.path = absoluteFrom(baseDir, style.path);
    for (LoraChoice& lora : request.loras)
        lora.path = absoluteFrom(baseDir, lora.path);
    for (std::string* path : {&request.content, &request.init, &request.mask})
        *path = absoluteFrom(baseDir, *path);
    for (control::ControlUnit& unit : request.controls)
        for (std::string* path : {&unit.hint, &unit.hintFrom})
            *path = absoluteFrom(baseDir, *path);
    // A model given as a relative path is a file next to the job, else a name in the models
    // folder; a model name that is neither stays as typed (the loader reports it), a missing
    // ControlNet or depth estimator is reported next to the job.
    std::vector<std::pair<std::string*, const char*>> models = {
        {&request.model, "deadiff"}, {&request.base, "base"}, {&request.vae, "vae"}};
    for (control::ControlUnit& unit : request.controls) {
        models.emplace_back(&unit.model, "controlnet");
        models.emplace_back(&unit.preprocessModel, "depth");
    }
    for (const auto& [field, kind] : models) {
        if (field->empty())
            continue;
        const std::string local = absoluteFrom(baseDir, *field);
        std::error_code ec;
        if (fs::exists(local, ec)) {
            *field = local;
            continue;
        }
        std::string named;
        try {
            named = models::resolveModel(*field, kind);
        } catch (const models::AmbiguousModelName& error) {
            throw BatchJobError(error.what());
        }
        if (named != *field)
            *field = named;
        else if (field != &request.model)
            *field = local;
    }
}

} // namespace

BatchJob parseBatchJob(const std::string& text, const std::string& baseDir) {
    Json json;
    try {
        json = Json::parse(text);
    } catch (const Json::exception& error) {
        throw BatchJobError(std::string("not valid JSON: ") + error.what());
    }
    if (!json.is_object())
        throw BatchJobError("a batch job must be a JSON object with a \"template\" and axes");

    BatchJob job;
    job.widthGiven = job.heightGiven = false; // until the template says
    for (auto it = json.begin(); it != json.end(); ++it) {
        const std::string& key = it.key();
        const Json& value = *it;
        if (key == "template") {
            if (!value.is_object())
                fail(key, "must be an object of request fields");
            try {
                job.templ = requestFromJson(value.dump(), JsonStrictness::Strict);
            } catch (const RequestError& error) {
                throw BatchJobError(std::string("template: ") + error.what());
            }
            resolvePaths(job.templ, baseDir);
            job.widthGiven = value.contains("width");
            job.heightGiven = value.contains("height");
        } else if (key == "prompts") {
            nonEmptyArray(value, key, "strings");
            for (std::size_t i = 0; i < value.size(); ++i) {
                const std::string field = key + "[" + std::to_string(i) + "]";
                job.prompts.push_back(stringAt(value[i], field));
                if (job.prompts.back().empty())
                    fail(field, "is empty");
            }
        } else if (key == "styles") {
            nonEmptyArray(value, key, "style sets (each a list of image paths)");
            for (std::size_t i = 0; i < value.size(); ++i) {
                const std::string setField = key + "[" + std::to_string(i) + "]";
                const Json& set = value[i];
                if (set.is_string()) { // a lone path is a set of one
                    job.styleSets.push_back({{absoluteFrom(baseDir, set.get<std::string>()), {}}});
                    continue;
                }
                if (!set.is_array())
                    fail(setField, "must be a list of image paths (or {\"path\", \"weight\"})");
                std::vector<StyleReference> styles;
                for (std::size_t j = 0; j < set.size(); ++j) {
                    const std::string field = setField + "[" + std::to_string(j) + "]";
                    const Json& entry = set[j];
                    StyleReference style;
                    if (entry.is_string()) {
                        style.path = entry.get<std::string>();
                    } else if (entry.is_object()) {
                        for (auto f = entry.begin(); f != entry.end(); ++f)
                            if (f.key() != "path" && f.key() != "weight")
                                fail(field + "." + f.key(), "is not a known field");
                        if (!entry.contains("path"))
                            fail(field + ".path", "is missing");
                        style.path = stringAt(entry["path"], field + ".path");
                        if (entry.contains("weight"))
                            style.weight = numberAt(entry["weight"], field + ".weight");
                    } else {
                        fail(field, "must be an image path or a {\"path\", \"weight\"} object");
                    }
                    if (style.path.empty())
                        fail(field, "is an empty path");
                    style.path = absoluteFrom(baseDir, style.path);
                    styles.push_back(style);
                }
                job.styleSets.push_back(std::move(styles)); // [] = no style reference
            }
        } else if (key == "mix" || key == "image_weight") {
            nonEmptyArray(value, key, "numbers");
            auto& target = key == "mix" ? job.mixes : job.imageWeights;
            for (std::size_t i = 0; i < value.size(); ++i)
                target.push_back(numberAt(value[i], key + "[" + std::to_string(i) + "]"));
        } else if (key == "seeds") {
            nonEmptyArray(value, key, "seeds (integers >= 0)");
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (!value[i].is_number_unsigned())
                    fail(key + "[" + std::to_string(i) + "]", "must be an integer >= 0");
                job.seeds.push_back(value[i].get<std::uint64_t>());
            }
        } else if (key == "seed_count") {
            if (!value.is_number_integer() || value.get<std::int64_t>() < 1 ||
                value.get<std::int64_t>() > kMaxBatchImages)
                fail(key, "must be an integer from 1 to " + std::to_string(kMaxBatchImages));
            job.seedCount = value.get<int>();
        } else if (key == "depths") {
            nonEmptyArray(value, key, "depth map image paths");
            for (std::size_t i = 0; i < value.size(); ++i) {
                const std::string field = key + "[" + std::to_string(i) + "]";
                job.depths.push_back(absoluteFrom(baseDir, stringAt(value[i], field)));
                if (job.depths.back().empty())
                    fail(field, "is an empty path");
            }
        } else if (key == "hints") {
            nonEmptyArray(value, key,
                          "hint sets (each a path or a list of paths, one per "
                          "ControlNet of the template)");
            for (std::size_t i = 0; i < value.size(); ++i) {
                const std::string field = key + "[" + std::to_string(i) + "]";
                std::vector<std::string> set;
                if (value[i].is_array()) {
                    for (std::size_t j = 0; j < value[i].size(); ++j)
                        set.push_back(absoluteFrom(
                            baseDir, stringAt(value[i][j], field + "[" + std::to_string(j) + "]")));
                } else {
                    set.push_back(absoluteFrom(baseDir, stringAt(value[i], field)));
                }
                for (const std::string& path : set)
                    if (path.empty())
                        fail(field, "holds an empty path");
                if (set.empty())
                    fail(field, "is an empty hint set");
                job.hintSets.push_back(set);
            }
        } else if (key == "name_template") {
            job.nameTemplate = stringAt(value, key);
            NameFields probe;
            GenerationRequest request;
            probe.request = &request;
            renderFileName(job.nameTemplate, probe); // unknown fields fail here, early
        } else {
            fail(key, "is not a known batch field (template, prompts, styles, mix, seeds, "
                      "seed_count, image_weight, depths, name_template)");
        }
    }
    if (!job.seeds.empty() && job.seedCount > 0)
        fail("seed_count", "cannot be combined with 'seeds' (give one of them)");
    if (job.prompts.empty() && job.templ.prompt.empty())
        fail("prompts", "is missing: give \"prompts\" or a \"prompt\" in the template");
    return job;
}

BatchJob loadBatchJob(const std::string& path) {
    std::string text;
    try {
        text = io::readBoundedTextFile(path, io::kMaxJsonFileBytes, "batch job");
    } catch (const io::FileAccessError& error) {
        throw BatchJobError(std::string("cannot read the batch job: ") + error.what());
    }
    try {
        return parseBatchJob(text, fs::path(path).parent_path().string());
    } catch (const BatchJobError& error) {
        throw BatchJobError(path + ": " + error.what());
    }
}

std::string toJson(const BatchJob& job, bool pretty) {
    Json json;
    Json templ = Json::parse(deadiff::toJson(job.templ));
    // toJson writes the effective mode; a template without one must stay without one, or the
    // style axis would run with the template's "none".
    if (!job.templ.mode)
        templ.erase("mode");
    json["template"] = templ;
    if (!job.prompts.empty())
        json["prompts"] = job.prompts;
    if (!job.styleSets.empty()) {
        Json sets = Json::array();
        for (const auto& set : job.styleSets) {
            Json entries = Json::array();
            for (const StyleReference& style : set) {
                if (style.weight)
                    entries.push_back({{"path", style.path}, {"weight", *style.weight}});
                else
                    entries.push_back(style.path);
            }
            sets.push_back(entries);
        }
        json["styles"] = sets;
    }
    if (!job.mixes.empty())
        json["mix"] = job.mixes;
    if (!job.seeds.empty())
        json["seeds"] = job.seeds;
    if (job.seedCount > 0)
        json["seed_count"] = job.seedCount;
    if (!job.imageWeights.empty())
        json["image_weight"] = job.imageWeights;
    if (!job.depths.empty())
        json["depths"] = job.depths;
    if (!job.hintSets.empty())
        json["hints"] = job.hintSets;
    if (job.nameTemplate != kDefaultNameTemplate)
        json["name_template"] = job.nameTemplate;
    return json.dump(pretty ? 2 : -1);
}

bool needsBaseSeed(const BatchJob& job) {
    return job.seeds.empty() && !job.templ.seed.has_value();
}

BatchPlan expandJob(const BatchJob& job, std::uint64_t baseSeed) {
    // Each axis: its labels and how a value index changes the request.
    struct AxisSpec {
        Axis axis;
        std::function<void(GenerationRequest&, std::size_t)> apply;
    };
    std::vector<AxisSpec> specs;
    const auto add = [&](const char* key, const char* title, std::vector<std::string> labels,
                         std::function<void(GenerationRequest&, std::size_t)> apply) {
        specs.push_back({{key, title, std::move(labels)}, std::move(apply)});
    };
    const std::uint64_t seed0 = job.templ.seed.value_or(baseSeed);

    if (!job.prompts.empty())
        add("prompts", "prompt", job.prompts,
            [&](GenerationRequest& r, std::size_t i) { r.prompt = job.prompts[i]; });
    if (!job.styleSets.empty()) {
        std::vector<std::string> labels;
        for (const auto& set : job.styleSets)
            labels.push_back(styleSetLabel(set));
        add("styles", "style", labels,
            [&](GenerationRequest& r, std::size_t i) { r.styles = job.styleSets[i]; });
    }
    if (!job.mixes.empty()) {
        std::vector<std::string> labels;
        for (double mix : job.mixes)
            labels.push_back(number(mix));
        add("mix", "mix", labels,
            [&](GenerationRequest& r, std::size_t i) { r.mix = job.mixes[i]; });
    }
    if (!job.seeds.empty() || job.seedCount > 0) {
        std::vector<std::uint64_t> seeds = job.seeds;
        for (int k = 0; k < job.seedCount; ++k)
            seeds.push_back(seed0 + static_cast<std::uint64_t>(k));
        std::vector<std::string> labels;
        for (std::uint64_t seed : seeds)
            labels.push_back(std::to_string(seed));
        add("seeds", "seed", labels,
            [seeds](GenerationRequest& r, std::size_t i) { r.seed = seeds[i]; });
    }
    if (!job.imageWeights.empty()) {
        std::vector<std::string> labels;
        for (double weight : job.imageWeights)
            labels.push_back(number(weight));
        add("image_weight", "image weight", labels,
            [&](GenerationRequest& r, std::size_t i) { r.imageWeight = job.imageWeights[i]; });
    }
    if (!job.depths.empty()) {
        std::vector<std::string> labels;
        for (const std::string& depth : job.depths)
            labels.push_back(stem(depth));
        add("depths", "depth", labels, [&](GenerationRequest& r, std::size_t i) {
            // The old single-ControlNet form: a depth map for the template's (first) ControlNet.
            if (r.controls.empty())
                r.controls.emplace_back();
            control::ControlUnit& unit = r.controls.front();
            unit.hint.clear();
            unit.hintFrom = job.depths[i];
            if (!unit.preprocess || *unit.preprocess == control::Preprocessor::None)
                unit.preprocess = control::Preprocessor::DepthMap;
            if (!unit.type)
                unit.type = control::ControlType::Depth;
        });
    }
    if (!job.hintSets.empty()) {
        std::vector<std::string> labels;
        for (std::size_t k = 0; k < job.hintSets.size(); ++k) {
            const std::vector<std::string>& set = job.hintSets[k];
            if (set.size() > job.templ.controls.size())
                throw BatchJobError("'hints[" + std::to_string(k) + "]' holds " +
                                    std::to_string(set.size()) + " pictures but the template has " +
                                    std::to_string(job.templ.controls.size()) + " ControlNets");
            std::string label;
            for (const std::string& path : set)
                label += (label.empty() ? "" : "+") + stem(path);
            labels.push_back(label);
        }
        add("hints", "hint", labels, [&](GenerationRequest& r, std::size_t i) {
            const std::vector<std::string>& set = job.hintSets[i];
            for (std::size_t j = 0; j < set.size(); ++j)
                (r.controls[j].hintFrom.empty() ? r.controls[j].hint : r.controls[j].hintFrom) =
                    set[j];
        });
    }

    const int batch = std::max(1, job.templ.batch);
    std::size_t requestCount = 1;
    for (const AxisSpec& spec : specs) {
        requestCount *= spec.axis.labels.size();
        if (requestCount * static_cast<std::size_t>(batch) > kMaxBatchImages)
            throw BatchJobError("the job has more than " + std::to_string(kMaxBatchImages) +
                                " images; split it into smaller jobs");
    }

    BatchPlan plan;
    for (const AxisSpec& spec : specs)
        plan.axes.push_back(spec.axis);
    if (batch > 1) {
        Axis images{"batch", "image", {}};
        for (int i = 0; i < batch; ++i)
            images.labels.push_back(std::to_string(i + 1));
        plan.axes.push_back(images);
    }

    std::vector<std::size_t> coord(specs.size(), 0);
    for (std::size_t n = 0; n < requestCount; ++n) {
        // Odometer: the last axis varies fastest.
        std::size_t rest = n;
        for (std::size_t a = specs.size(); a-- > 0;) {
            const std::size_t size = specs[a].axis.labels.size();
            coord[a] = rest % size;
            rest /= size;
        }
        GenerationRequest request = job.templ;
        request.seed = seed0;
        for (std::size_t a = 0; a < specs.size(); ++a)
            specs[a].apply(request, coord[a]);
        try {
            validate(request);
            normalizedStyleWeights(request);
        } catch (const RequestError& error) {
            std::string where;
            for (std::size_t a = 0; a < specs.size(); ++a)
                where += (where.empty() ? "" : ", ") + specs[a].axis.key + "[" +
                         std::to_string(coord[a]) + "]";
            throw BatchJobError((where.empty() ? std::string("template") : where) + ": " +
                                error.what());
        }
        PlannedRequest planned{request, coord};
        if (batch > 1)
            planned.coord.push_back(0);
        plan.requests.push_back(std::move(planned));
    }

    const int total = static_cast<int>(requestCount) * batch;
    std::set<std::string> taken = {"manifest.csv", "manifest.json", "contact-sheet.png"};
    for (std::size_t r = 0; r < plan.requests.size(); ++r) {
        for (int b = 0; b < batch; ++b) {
            PlannedImage image;
            image.index = static_cast<int>(plan.images.size());
            image.requestIndex = r;
            image.batchIndex = b;
            NameFields fields{image.index, total, b, &plan.requests[r].request};
            std::string name = renderFileName(job.nameTemplate, fields);
            // Case-insensitive file systems (Windows, macOS) see "A.png" and "a.png" as one.
            const auto folded = [](std::string s) {
                std::transform(s.begin(), s.end(), s.begin(),
                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                return s;
            };
            if (taken.count(folded(name))) {
                const std::string base = name.substr(0, name.size() - 4);
                name = sanitizeFileName(base + "-" + std::to_string(image.index + 1) + ".png");
            }
            taken.insert(folded(name));
            image.fileName = name;
            plan.images.push_back(image);
        }
    }
    return plan;
}

} // namespace deadiff::batch
