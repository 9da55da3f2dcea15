// `deadiff eval` (issue 9): how well a demo model paints a prompt's subject in a reference's
// style on combinations it never saw. For held-out (subject, style) pairs, the prompt names the
// subject alone and the style reference shows that style on ANOTHER subject (a training
// combination); small classifiers (classifier.h) then judge each generated image:
//   text alignment  = the prompt's subject is recognised,
//   style           = the reference's style is recognised,
//   content leak    = the reference's subject is recognised instead (what DEADiff reduces).
#pragma once

#include "core/control/control_unit.h"
#include "core/nn/vae.h"
#include "core/pipeline/pipeline.h"
#include "core/train/classifier.h"
#include "core/train/synthetic_dataset.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace deadiff::train {

struct EvaluationOptions {
    int pairs = 48; // cycles through the 12 held-out combinations
    int steps = 25; // DDIM steps per image
    double cfg = 5.0;
    int cacheInterval = 1; // DeepCache step reuse (request cache_interval); 1: off
    SamplerKind sampler = SamplerKind::Ddim;
    DecoderKind decoder = DecoderKind::Vae; // taesd: the model folder's TAESD decoder
    double imageWeight = 1.0;               // DEADiff's w (request image_weight)
    std::uint64_t seed = 1000;              // dataset seed of the references (not a training seed)
    ReferenceMode mode = ReferenceMode::Style; // the request mode used with the reference
    std::string samplesPath; // optional contact sheet: reference | generated, per pair
    // The prompt names the style too ("heart in neon style"): what text alone achieves on the
    // held-out combinations (a baseline row; use with mode "none").
    bool promptNamesStyle = false;
    // Targets from training combinations instead of held-out ones (seenEvaluationPair): how
    // well the model takes a style from a reference at all, apart from composing.
    bool seenCombinations = false;
    // Issue 21's layout measure: each target gets a layout the base never paints
    // (offPriorPlacement) and the hint of that layout of this kind (layoutHint); `control` (when
    // given: its model, strength and window) reads the hint. Needs a segmenter: the score is the
    // IoU of the subject it finds in the image with the layout's mask. Without a ControlNet the
    // same layouts are scored (how far the model alone is from them). The subject classifier
    // then reads the layout's region (cropToPlacement): the prompt's subject must be where the
    // hint put it.
    std::optional<control::ControlType> layout;
    std::optional<control::ControlUnit> control;
};

struct EvaluationScores {
    int images = 0;
    double subject = 0;     // fraction with the prompt's subject recognised
    double style = 0;       // fraction with the reference's style recognised
    double contentLeak = 0; // fraction with the reference's subject recognised
    double vignetted = 0;   // fraction with the vignette look (looksVignetted; a base's look)
    // With EvaluationOptions::layout: the mean IoU of the subject's mask in the image with the
    // layout's, and the fraction of images whose IoU is at least 0.5.
    double layoutIoU = 0;
    double layoutHeld = 0;
    // styleConfusion[expected][recognised]: image counts per (reference's style, style the
    // classifier saw), styleCount() x styleCount(); shows which styles fail and into what.
    std::vector<std::vector<int>> styleConfusion;
};

// The confusion matrix as a Markdown table (rows: expected style, columns: recognised).
std::string styleConfusionTable(const EvaluationScores& scores);

// Generates one image per pair (seed = pair index) at the model's default size. Throws what
// the pipeline throws; `progress(done, total)` after each image.
// `segmenter` is needed with options.layout (std::invalid_argument without).
EvaluationScores evaluateModel(Pipeline& pipeline, int imageSize, Classifiers& classifiers,
                               const EvaluationOptions& options,
                               const std::function<void(int, int)>& progress = {},
                               SubjectSegmenter* segmenter = nullptr);

// The autoencoder of a model folder, ready for inference. Throws std::runtime_error when the
// folder has no model.json.
nn::AutoencoderKL loadModelAutoencoder(const std::string& modelFolder);

// Images through `vae` as a generation gives them: encoded, the latent perturbed by Gaussian
// noise of a standard deviation drawn per image from [0, maxLatentNoise) (a sampled latent is
// never the encoder's), decoded. Deterministic given the generator's state.
ImageRoundTrip autoencoderRoundTrip(nn::AutoencoderKL vae, double maxLatentNoise);
// The segmenter's training round trip (eval --train-segmenter): the scaled latent has about unit
// spread, and a sampled latent is near the encoder's, not it.
constexpr double kSegmenterLatentNoise = 0.3;

// The ceiling a latent model's VAE sets: `count` renders of the held-out combinations (the
// targets of evaluationPair, dataset seed options.seed) encoded to the posterior mean and
// decoded by the model folder's VAE, then judged by the same classifiers. A style the VAE
// cannot reconstruct cannot be generated either. `imageSize` 0: the folder's own size.
EvaluationScores evaluateAutoencoder(const std::string& modelFolder, int imageSize,
                                     Classifiers& classifiers, int count, std::uint64_t seed);

} // namespace deadiff::train
