// Procedural paired data for training the bundled demo DEADiff (issue 9): small RGB images of a
// named SUBJECT (a shape or simple object) rendered in a named STYLE (palette, texture, stroke),
// with captions "<subject> in <style> style", and the paper's three paired tasks (STRE, SERE,
// reconstruction). Everything is a pure function of (seed, index): the same seed gives
// byte-identical samples in any call order, on any thread.
#pragma once

#include "core/common/enum_names.h"

#include <opencv2/core/mat.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace deadiff::train {

// Subject and style names, in id order. Every name is lower-case ASCII words, so each caption
// word is one token of the word-level CLIP vocabulary (word_vocabulary.h).
const std::vector<std::string>& subjectNames();
const std::vector<std::string>& styleNames();
int subjectCount();
int styleCount();
// Throws std::runtime_error naming the unknown name and the known ones.
int subjectIndex(const std::string& name);
int styleIndex(const std::string& name);

// "<subject> in <style> style", e.g. "star in pastel stripes style".
std::string caption(int subject, int style);
// The style-free caption: the subject's name alone.
std::string subjectCaption(int subject);
// Every distinct word of every caption, sorted: what the text encoder's vocabulary must hold.
std::vector<std::string> captionWords();

// The (subject, style) combinations never rendered for training: one style per subject, chosen
// so that every style is held out for at least one subject. Fixed (independent of the seed), so
// that a model trained with one seed is evaluated on combinations it never saw.
const std::vector<std::pair<int, int>>& heldOutCombinations();
bool isHeldOut(int subject, int style);

// Where and how large the subject sits; fractions of the image size, rotation in degrees.
struct SubjectPlacement {
    double centerX = 0.5;
    double centerY = 0.5;
    double radius = 0.34; // the unit shape's radius 1 maps to radius * size
    double rotationDegrees = 0.0;
};

// A placement with the dataset's jitter (position, scale, rotation) drawn from `seed`.
SubjectPlacement jitteredPlacement(int subject, std::uint64_t seed);

struct SyntheticImage {
    int subject = 0;
    int style = 0;
    cv::Mat rgb;  // CV_8UC3, RGB order, size × size
    cv::Mat mask; // CV_8UC1, the subject's coverage (255 = inside), antialiased
};

// Renders `subject` in `style` at size×size. `seed` drives the placement jitter and the style's
// small per-sample variation (texture phase, noise, slight colour shifts). Deterministic.
SyntheticImage renderSubject(int subject, int style, int size, std::uint64_t seed);
// The same with an explicit placement (example references, tests).
SyntheticImage renderSubject(int subject, int style, int size, std::uint64_t seed,
                             const SubjectPlacement& placement);
// The subject's coverage alone (CV_8UC1, 255 inside), antialiased.
cv::Mat renderSubjectMask(int subject, int size, const SubjectPlacement& placement);

// Layouts for the demo ControlNets (issue 21). The renders above keep the subject near the
// centre at about a third of the size (jitteredPlacement), so a model trained on them always
// paints it there; a ControlNet must move it.
// Anywhere the subject fits whole, radius 0.14..0.38 of the size, any of the subject's rotations:
// what a ControlNet trains on.
SubjectPlacement freePlacement(int subject, std::uint64_t seed);
// A layout the base never paints: radius 0.20..0.28 (the base: 0.30..0.38) and the centre
// 0.12..0.25 of the size away from the middle along both axes (the base: within 0.07), towards
// a corner drawn from `seed`; the subject stays whole. What `deadiff eval --layout` asks for.
SubjectPlacement offPriorPlacement(int subject, std::uint64_t seed);
// The subject's outline as a canny ControlNet reads it: white lines about one pixel wide on
// black (CV_8UC1), traced from the exact shape (holes included), not from a render's texture.
cv::Mat renderSubjectEdges(int subject, int size, const SubjectPlacement& placement);
// A depth map of the scene as MiDaS-style depth ControlNets read it (near = bright): the subject
// a raised relief (0.55 at its rim to 1 at its innermost point, from the distance to its edge)
// over a ground that comes nearer towards the bottom (0 at the top row, 0.3 at the bottom).
// CV_32FC1 in [0, 1].
cv::Mat renderSubjectDepth(int subject, int size, const SubjectPlacement& placement);
// The part of an image around `placement`, scaled so that a subject there has the renders' usual
// radius (0.34 of the size) at the centre of a size x size picture; outside the image the border
// pixels repeat. What the subject classifier, trained on centred subjects, reads of a layout.
cv::Mat cropToPlacement(const cv::Mat& image, const SubjectPlacement& placement);

// The paper's three training tasks (architecture spec §8). The numeric values are the index
// into SyntheticDatasetConfig::taskWeights.
enum class PairTask {
    StyleReference = 0,    // STRE: same style, different subjects; style Q-Former ("style")
    SemanticReference = 1, // SERE: same subject, different styles; content Q-Former ("content")
    Reconstruction = 2,    // one image for both Q-Formers; empty CLIP text
};
const char* pairTaskName(PairTask task); // "stre", "sere", "reconstruction"

struct TrainingPair {
    PairTask task = PairTask::Reconstruction;
    SyntheticImage reference; // what the vision encoder / Q-Formers see
    SyntheticImage target;    // what the UNet learns to denoise (own pixels, never shared)
    // CLIP text: the target's caption for STRE and SERE, empty for reconstruction.
    std::string text;
    // The official `subject_text` mode (blip_diffusion.py:255-314): "style", "content" or
    // "style & content" (both Q-Formers on the same image).
    std::string qformerMode;
};

// A base model's own look (issue 20, the paper's Fig. 10 in miniature): what a fine-tune of the
// demo base learns besides the subjects and styles. Vignette darkens every render towards its
// corners (applyLook); the centre, where the subject and most of the style's texture sit, keeps
// its colours, so the subject and style classifiers still read it.
enum class BaseLook { Plain, Vignette };

constexpr auto enumNames(BaseLook) {
    return std::array{EnumName<BaseLook>{BaseLook::Plain, "plain"},
                      EnumName<BaseLook>{BaseLook::Vignette, "vignette"}};
}

// The render with `look` applied (a copy; Plain returns the image unchanged). Vignette multiplies
// each pixel by 1 - kVignetteDepth * smoothstep(kVignetteStart, 0.75, r), r = the distance from
// the centre in image sizes: untouched inside r 0.55 (the subject never reaches further than
// 0.45 from the centre along an axis), about a third at the corner pixels (r 0.70). Nearer
// vignettes and a frame were measured against the shipped classifiers on 600 renders:
// darkening from r 0.35 cost the subject classifier up to 17 % of pastel-stripes images, a dark
// frame 70 % of everything.
constexpr double kVignetteStart = 0.55;
constexpr double kVignetteDepth = 0.8;
cv::Mat applyLook(const cv::Mat& rgb, BaseLook look);

// The statistic that tells a vignetted image from a plain one: mean luma of the four corner
// blocks (side size/8) over mean luma of the four blocks at the middles of the edges. Plain
// backgrounds are about even there (~1; a vertical gradient such as sunset's cancels over the
// four), the vignette takes it to ~0.75. Images whose edge blocks are near black give 1 (no
// evidence either way). Neon's own glow darkens its corners relative to the edges (down to 0.33
// when the subject sits near an edge), so about half of plain neon renders read as vignetted.
double vignetteRatio(const cv::Mat& rgb);
// vignetteRatio below kVignetteThreshold: the image carries the vignette look.
constexpr double kVignetteThreshold = 0.88;
bool looksVignetted(const cv::Mat& rgb);

struct SyntheticDatasetConfig {
    int imageSize = 64;
    std::uint64_t seed = 0;
    // Relative odds of STRE, SERE and reconstruction (the paper: 1:1:1). Zeros switch a task
    // off (ablations such as reconstruction-only).
    std::array<double, 3> taskWeights{1.0, 1.0, 1.0};
    // textToImageSample() also draws the held-out combinations. The held-out evaluation asks
    // DEADiff to take a style it never saw on that subject from a reference; the base model,
    // like SD, may know every combination by name (the pairs of stage 2 never contain them).
    bool textToImageIncludesHeldOut = false;
    // The look of textToImageSample()'s renders (a base model's fine-tune data); the paired
    // samples of stage 2 and evaluation stay plain.
    BaseLook look = BaseLook::Plain;
};

// An endless, random-access source of samples. Sample i depends only on (config, i).
class SyntheticDataset {
public:
    // Throws std::runtime_error for a size below 16 or above 1024, or weights that are negative
    // or all zero.
    explicit SyntheticDataset(SyntheticDatasetConfig config = {});
    const SyntheticDatasetConfig& config() const { return config_; }

    // Training draws never contain a held-out combination, in the reference or the target.
    TrainingPair trainingPair(std::uint64_t index) const;
    // The same draw with the task forced (batches of one task, tests).
    TrainingPair trainingPair(std::uint64_t index, PairTask task) const;
    PairTask taskOf(std::uint64_t index) const;
    // Stage 1 (base text-to-image model): one training combination with its caption (or any
    // combination with textToImageIncludesHeldOut).
    SyntheticImage textToImageSample(std::uint64_t index) const;

    // Evaluation: a STRE pair whose TARGET is a held-out combination (cycling through
    // heldOutCombinations()) and whose reference shows the same style on another subject, from
    // a training combination. `text` is the target's caption.
    TrainingPair evaluationPair(std::uint64_t index) const;
    // The same for training combinations (seen in stage 2): a diagnostic baseline.
    TrainingPair seenEvaluationPair(std::uint64_t index) const;

private:
    std::uint64_t sampleSeed(std::uint64_t index, std::uint64_t stream) const;
    SyntheticDatasetConfig config_;
};

// A grid of images (rows × columns of equal-size RGB images, padding between), for looking at
// samples. Missing cells stay the padding colour.
cv::Mat contactSheet(const std::vector<cv::Mat>& rgbImages, int columns, int padding = 2);

} // namespace deadiff::train
