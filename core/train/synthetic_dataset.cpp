#include "core/train/synthetic_dataset.h"

#include "core/common/splitmix.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <stdexcept>

namespace deadiff::train {
namespace {

constexpr double kPi = 3.14159265358979323846;

// ---------------------------------------------------------------------------------------------
// Randomness. Our own generator and distributions: std::uniform_real_distribution and friends
// are implementation-defined, and samples must be identical with any standard library.

using Rng = SplitMixRng;

// ---------------------------------------------------------------------------------------------
// Names.

const std::vector<std::string> kSubjects = {"circle", "square", "triangle", "star",
                                            "heart",  "cross",  "ring",     "moon",
                                            "house",  "tree",   "arrow",    "cat"};

const std::vector<std::string> kStyles = {"neon",       "pastel stripes", "ink sketch", "mosaic",
                                          "watercolor", "woodcut",        "polka",      "blueprint",
                                          "pixel art",  "sunset"};

void checkImageSize(int size) {
    if (size < 16 || size > 1024)
        throw std::runtime_error("synthetic dataset: image size " + std::to_string(size) +
                                 " is outside 16..1024");
}

void checkSubject(int subject) {
    if (subject < 0 || subject >= static_cast<int>(kSubjects.size()))
        throw std::runtime_error("synthetic dataset: subject id " + std::to_string(subject) +
                                 " is out of range 0.." + std::to_string(kSubjects.size() - 1));
}

void checkStyle(int style) {
    if (style < 0 || style >= static_cast<int>(kStyles.size()))
        throw std::runtime_error("synthetic dataset: style id " + std::to_string(style) +
                                 " is out of range 0.." + std::to_string(kStyles.size() - 1));
}

int findName(const std::vector<std::string>& names, const std::string& name, const char* what) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it != names.end())
        return static_cast<int>(it - names.begin());
    std::string known;
    for (const std::string& n : names)
        known += (known.empty() ? "" : ", ") + n;
    throw std::runtime_error(std::string("synthetic dataset: unknown ") + what + " \"" + name +
                             "\"; known: " + known);
}

// ---------------------------------------------------------------------------------------------
// Subjects: filled polygons and holes in unit coordinates (radius about 1, y pointing down).

struct UnitPolygon {
    std::vector<cv::Point2d> points;
    bool hole = false;
};

std::vector<cv::Point2d> ellipsePoints(double cx, double cy, double rx, double ry, int count = 96) {
    std::vector<cv::Point2d> points;
    points.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const double t = 2.0 * kPi * i / count;
        points.emplace_back(cx + rx * std::cos(t), cy + ry * std::sin(t));
    }
    return points;
}

std::vector<cv::Point2d> rectanglePoints(double x0, double y0, double x1, double y1) {
    return {{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}};
}

std::vector<UnitPolygon> subjectPolygons(int subject) {
    switch (subject) {
    case 0: // circle
        return {{ellipsePoints(0, 0, 0.9, 0.9)}};
    case 1: // square
        return {{rectanglePoints(-0.78, -0.78, 0.78, 0.78)}};
    case 2: // triangle
        return {{{{0.0, -0.98}, {0.98, 0.72}, {-0.98, 0.72}}}};
    case 3: { // star
        std::vector<cv::Point2d> points;
        for (int i = 0; i < 10; ++i) {
            const double r = (i % 2 == 0) ? 1.0 : 0.42;
            const double t = -kPi / 2 + kPi * i / 5.0;
            points.emplace_back(r * std::cos(t), 0.08 + r * std::sin(t));
        }
        return {{points}};
    }
    case 4: { // heart
        std::vector<cv::Point2d> points;
        for (int i = 0; i < 96; ++i) {
            const double t = 2.0 * kPi * i / 96;
            const double x = 16.0 * std::pow(std::sin(t), 3);
            const double y = -(13.0 * std::cos(t) - 5.0 * std::cos(2 * t) - 2.0 * std::cos(3 * t) -
                               std::cos(4 * t));
            points.emplace_back(x / 17.0, y / 17.0 + 0.05);
        }
        return {{points}};
    }
    case 5: // cross
        return {{{{-0.27, -0.9},
                  {0.27, -0.9},
                  {0.27, -0.27},
                  {0.9, -0.27},
                  {0.9, 0.27},
                  {0.27, 0.27},
                  {0.27, 0.9},
                  {-0.27, 0.9},
                  {-0.27, 0.27},
                  {-0.9, 0.27},
                  {-0.9, -0.27},
                  {-0.27, -0.27}}}};
    case 6: // ring
        return {{ellipsePoints(0, 0, 0.92, 0.92)}, {ellipsePoints(0, 0, 0.55, 0.55), true}};
    case 7: // moon: a crescent opening to the right
        return {{ellipsePoints(-0.05, 0, 0.9, 0.9)}, {ellipsePoints(0.38, -0.2, 0.74, 0.74), true}};
    case 8: // house with a door
        return {{rectanglePoints(-0.68, -0.08, 0.68, 0.9)},
                {{{-0.98, -0.02}, {0.0, -0.92}, {0.98, -0.02}}},
                {rectanglePoints(-0.17, 0.38, 0.17, 0.9), true}};
    case 9: // fir tree
        return {{{{0.0, -1.0}, {0.58, -0.22}, {-0.58, -0.22}}},
                {{{0.0, -0.6}, {0.86, 0.48}, {-0.86, 0.48}}},
                {rectanglePoints(-0.15, 0.46, 0.15, 0.96)}};
    case 10: // arrow pointing right
        return {{{{-0.95, -0.2},
                  {0.12, -0.2},
                  {0.12, -0.62},
                  {0.97, 0.0},
                  {0.12, 0.62},
                  {0.12, 0.2},
                  {-0.95, 0.2}}}};
    case 11: // cat face: head, ears, eye holes
        return {{ellipsePoints(0, 0.18, 0.78, 0.66)},
                {{{-0.74, -0.08}, {-0.58, -0.95}, {-0.12, -0.44}}},
                {{{0.74, -0.08}, {0.58, -0.95}, {0.12, -0.44}}},
                {ellipsePoints(-0.3, 0.08, 0.12, 0.15, 32), true},
                {ellipsePoints(0.3, 0.08, 0.12, 0.15, 32), true},
                {{{-0.09, 0.36}, {0.09, 0.36}, {0.0, 0.47}}, true}};
    default:
        checkSubject(subject);
        return {};
    }
}

// How much a subject may turn: little, so that the arrow still points right, the house stands
// upright and pixel-art edges stay readable; circles and rings turn freely (it shows nowhere).
double rotationJitterDegrees(int subject) {
    switch (subject) {
    case 0:
    case 6:
        return 180.0; // rotation-invariant anyway
    default:
        return 12.0;
    }
}

// The farthest any point of the subject's unit shape is from its centre: how far it reaches in
// any rotation, in units of SubjectPlacement::radius.
double subjectExtent(int subject) {
    double extent = 0;
    for (const UnitPolygon& polygon : subjectPolygons(subject))
        for (const cv::Point2d& point : polygon.points)
            extent = std::max(extent, std::hypot(point.x, point.y));
    return extent;
}

// The subject rasterised at kSupersample× for antialiasing, with what the styles need.
constexpr int kSupersample = 4;

struct Geometry {
    int size = 0;
    cv::Mat fineMask;                          // CV_8UC1 0/255, size*kSupersample
    cv::Mat coverage;                          // CV_32FC1 0..1, size
    std::vector<std::vector<cv::Point>> edges; // contours of fineMask (fine pixels)
    double finePixelsPerUnit = 0.0;            // fine pixels per image size fraction (= size*k)

    double px(double fractionOfSize) const { return fractionOfSize * size; }
};

cv::Mat downsample(const cv::Mat& fine, int size) {
    cv::Mat coarse;
    cv::resize(fine, coarse, cv::Size(size, size), 0, 0, cv::INTER_AREA);
    cv::Mat result;
    coarse.convertTo(result, CV_32F, fine.depth() == CV_8U ? 1.0 / 255.0 : 1.0);
    return result;
}

Geometry rasterise(int subject, int size, const SubjectPlacement& placement) {
    Geometry g;
    g.size = size;
    const int fine = size * kSupersample;
    g.finePixelsPerUnit = fine;
    g.fineMask = cv::Mat::zeros(fine, fine, CV_8UC1);
    const double angle = placement.rotationDegrees * kPi / 180.0;
    const double c = std::cos(angle), s = std::sin(angle);
    constexpr int kShift = 4; // sub-pixel bits for fillPoly
    const double scale = placement.radius * fine * (1 << kShift);
    const double cx = placement.centerX * fine * (1 << kShift);
    const double cy = placement.centerY * fine * (1 << kShift);
    for (const UnitPolygon& polygon : subjectPolygons(subject)) {
        std::vector<cv::Point> points;
        points.reserve(polygon.points.size());
        for (const cv::Point2d& p : polygon.points)
            points.emplace_back(static_cast<int>(std::lround(cx + scale * (c * p.x - s * p.y))),
                                static_cast<int>(std::lround(cy + scale * (s * p.x + c * p.y))));
        const std::vector<std::vector<cv::Point>> polygons{points};
        cv::fillPoly(g.fineMask, polygons, cv::Scalar(polygon.hole ? 0 : 255), cv::LINE_8, kShift);
    }
    g.coverage = downsample(g.fineMask, size);
    cv::findContours(g.fineMask.clone(), g.edges, cv::RETR_LIST, cv::CHAIN_APPROX_NONE);
    return g;
}

// ---------------------------------------------------------------------------------------------
// Image helpers. Canvases are CV_32FC3 RGB in 0..1; alphas CV_32FC1 in 0..1.

cv::Vec3f hexColour(std::uint32_t rgb) {
    return {static_cast<float>((rgb >> 16) & 0xFF) / 255.0f,
            static_cast<float>((rgb >> 8) & 0xFF) / 255.0f,
            static_cast<float>(rgb & 0xFF) / 255.0f};
}

cv::Vec3f mixColour(const cv::Vec3f& a, const cv::Vec3f& b, float t) {
    return a * (1.0f - t) + b * t;
}

// A small per-sample shift so that two images of one style differ, but only a little.
cv::Vec3f jitterColour(const cv::Vec3f& colour, Rng& rng, double amount = 0.03) {
    const float shift = static_cast<float>(rng.symmetric(amount));
    cv::Vec3f result;
    for (int k = 0; k < 3; ++k)
        result[k] = std::clamp(colour[k] + shift + static_cast<float>(rng.symmetric(amount * 0.5)),
                               0.0f, 1.0f);
    return result;
}

cv::Mat flatCanvas(int size, const cv::Vec3f& colour) {
    return cv::Mat(size, size, CV_32FC3, cv::Scalar(colour[0], colour[1], colour[2]));
}

// canvas = canvas·(1−α) + colour·α
void paint(cv::Mat& canvas, const cv::Mat& alpha, const cv::Vec3f& colour, float opacity = 1.0f) {
    for (int y = 0; y < canvas.rows; ++y) {
        auto* row = canvas.ptr<cv::Vec3f>(y);
        const auto* a = alpha.ptr<float>(y);
        for (int x = 0; x < canvas.cols; ++x) {
            const float t = std::clamp(a[x] * opacity, 0.0f, 1.0f);
            row[x] = row[x] * (1.0f - t) + colour * t;
        }
    }
}

// canvas = canvas·(1−α) + layer·α
void paintLayer(cv::Mat& canvas, const cv::Mat& alpha, const cv::Mat& layer) {
    for (int y = 0; y < canvas.rows; ++y) {
        auto* row = canvas.ptr<cv::Vec3f>(y);
        const auto* l = layer.ptr<cv::Vec3f>(y);
        const auto* a = alpha.ptr<float>(y);
        for (int x = 0; x < canvas.cols; ++x) {
            const float t = std::clamp(a[x], 0.0f, 1.0f);
            row[x] = row[x] * (1.0f - t) + l[x] * t;
        }
    }
}

void addGrain(cv::Mat& canvas, Rng& rng, double amount) {
    for (int y = 0; y < canvas.rows; ++y) {
        auto* row = canvas.ptr<cv::Vec3f>(y);
        for (int x = 0; x < canvas.cols; ++x) {
            const float g = static_cast<float>(rng.symmetric(amount));
            row[x] += cv::Vec3f(g, g, g);
        }
    }
}

// Smooth value noise in 0..1 with about `cells` features across the image.
cv::Mat smoothNoise(int width, int height, int cellsX, int cellsY, Rng& rng) {
    cv::Mat grid(cellsY + 1, cellsX + 1, CV_32FC1);
    for (int y = 0; y < grid.rows; ++y)
        for (int x = 0; x < grid.cols; ++x)
            grid.at<float>(y, x) = static_cast<float>(rng.uniform());
    cv::Mat noise;
    cv::resize(grid, noise, cv::Size(width, height), 0, 0, cv::INTER_CUBIC);
    cv::min(cv::max(noise, 0.0), 1.0, noise);
    return noise;
}

cv::Mat smoothNoise(int size, int cells, Rng& rng) {
    return smoothNoise(size, size, cells, cells, rng);
}

float smoothstep(float edge0, float edge1, float x) {
    const float t = std::clamp((x - edge0) / (edge1 - edge0), 0.0f, 1.0f);
    return t * t * (3.0f - 2.0f * t);
}

cv::Mat gaussian(const cv::Mat& image, double sigmaPixels) {
    cv::Mat result;
    cv::GaussianBlur(image, result, cv::Size(0, 0), std::max(sigmaPixels, 0.3));
    return result;
}

// Parallel lines: 1 on a line, 0 between, antialiased. `width` and `period` in pixels.
cv::Mat lines(int size, double angleDegrees, double period, double width, double phase) {
    cv::Mat alpha(size, size, CV_32FC1);
    const double a = angleDegrees * kPi / 180.0;
    const double c = std::cos(a), s = std::sin(a);
    for (int y = 0; y < size; ++y) {
        auto* row = alpha.ptr<float>(y);
        for (int x = 0; x < size; ++x) {
            const double u = ((x + 0.5) * c + (y + 0.5) * s) / period + phase;
            const double distance = std::abs(u - std::floor(u) - 0.5) * period; // to line centre
            row[x] = static_cast<float>(std::clamp(width / 2.0 - distance + 0.5, 0.0, 1.0));
        }
    }
    return alpha;
}

// A square grid of round dots (every other row shifted when `staggered`), antialiased.
cv::Mat dots(int size, double spacing, double radius, double offsetX, double offsetY,
             bool staggered) {
    cv::Mat alpha(size, size, CV_32FC1);
    for (int y = 0; y < size; ++y) {
        auto* row = alpha.ptr<float>(y);
        const double gy = (y + 0.5) / spacing + offsetY;
        const double cellY = std::floor(gy);
        const double shift = (staggered && static_cast<long long>(cellY) % 2 != 0) ? 0.5 : 0.0;
        for (int x = 0; x < size; ++x) {
            const double gx = (x + 0.5) / spacing + offsetX + shift;
            const double dx = (gx - std::floor(gx) - 0.5) * spacing;
            const double dy = (gy - cellY - 0.5) * spacing;
            row[x] = static_cast<float>(
                std::clamp(radius - std::sqrt(dx * dx + dy * dy) + 0.5, 0.0, 1.0));
        }
    }
    return alpha;
}

// The subject's edge drawn as a line `width` (fraction of size) wide, centred on the edge.
cv::Mat outline(const Geometry& g, double width,
                const std::vector<std::vector<cv::Point>>* edges = nullptr) {
    cv::Mat fine = cv::Mat::zeros(g.fineMask.size(), CV_8UC1);
    const int thickness = std::max(1, static_cast<int>(std::lround(width * g.finePixelsPerUnit)));
    cv::drawContours(fine, edges ? *edges : g.edges, -1, cv::Scalar(255), thickness, cv::LINE_8);
    return downsample(fine, g.size);
}

// Distance to the subject's edge, from each point inside, on a grid of 2× the output size (in
// units of that grid). Half the supersampled resolution and the 3×3 mask: the full-resolution
// transform was the slowest step of the styles that use it, and their lines are several output
// pixels apart anyway.
constexpr int kDistanceScale = 2;

cv::Mat edgeDistance(const Geometry& g) {
    cv::Mat half;
    cv::resize(g.fineMask, half, cv::Size(g.size * kDistanceScale, g.size * kDistanceScale), 0, 0,
               cv::INTER_AREA);
    cv::Mat distance;
    cv::distanceTransform(half > 127, distance, cv::DIST_L2, cv::DIST_MASK_3);
    return distance;
}

// Distance (in output pixels) from each point inside the subject to its edge.
cv::Mat insideDistance(const Geometry& g) {
    cv::Mat coarse;
    cv::resize(edgeDistance(g), coarse, cv::Size(g.size, g.size), 0, 0, cv::INTER_AREA);
    return coarse / static_cast<double>(kDistanceScale);
}

// Contours of the subject shrunk by `inset` (fraction of size), in fine-mask pixels.
std::vector<std::vector<cv::Point>> insetEdges(const Geometry& g, double inset) {
    const cv::Mat inner = edgeDistance(g) > inset * g.size * kDistanceScale;
    std::vector<std::vector<cv::Point>> edges;
    cv::findContours(inner, edges, cv::RETR_LIST, cv::CHAIN_APPROX_NONE);
    constexpr int kToFine = kSupersample / kDistanceScale;
    for (auto& edge : edges)
        for (cv::Point& point : edge)
            point = point * kToFine + cv::Point(kToFine / 2, kToFine / 2);
    return edges;
}

cv::Mat verticalGradient(int size, const std::vector<std::pair<float, cv::Vec3f>>& stops) {
    cv::Mat canvas(size, size, CV_32FC3);
    for (int y = 0; y < size; ++y) {
        const float t = (static_cast<float>(y) + 0.5f) / static_cast<float>(size);
        cv::Vec3f colour = stops.front().second;
        for (std::size_t k = 1; k < stops.size(); ++k) {
            if (t <= stops[k].first) {
                const float span = stops[k].first - stops[k - 1].first;
                const float u = span > 0 ? (t - stops[k - 1].first) / span : 1.0f;
                colour = mixColour(stops[k - 1].second, stops[k].second, std::clamp(u, 0.0f, 1.0f));
                break;
            }
            colour = stops[k].second;
        }
        canvas.row(y).setTo(cv::Scalar(colour[0], colour[1], colour[2]));
    }
    return canvas;
}

// ---------------------------------------------------------------------------------------------
// Styles. Each keeps one palette and texture family for every subject; `rng` only moves phases,
// noise and colours slightly.

cv::Mat styleNeon(const Geometry& g, Rng& rng) {
    const int n = g.size;
    cv::Mat canvas = verticalGradient(
        n, {{0.0f, hexColour(0x0A0616)}, {1.0f, jitterColour(hexColour(0x1B0B36), rng, 0.02)}});
    const cv::Vec3f magenta = jitterColour(hexColour(0xFF2FD0), rng, 0.04);
    const cv::Vec3f cyan = jitterColour(hexColour(0x2FE6FF), rng, 0.04);
    paint(canvas, g.coverage, magenta, 0.10f);
    const cv::Mat outer = outline(g, 0.035);
    const std::vector<std::vector<cv::Point>> inner = insetEdges(g, 0.075);
    const cv::Mat innerLine = outline(g, 0.022, &inner);
    // Glow: blurred tubes added on top of the dark background.
    cv::Mat glow = gaussian(outer, g.px(0.045)) * 1.6;
    cv::Mat innerGlow = gaussian(innerLine, g.px(0.035)) * 1.2;
    for (int y = 0; y < n; ++y) {
        auto* row = canvas.ptr<cv::Vec3f>(y);
        for (int x = 0; x < n; ++x)
            row[x] += magenta * glow.at<float>(y, x) + cyan * innerGlow.at<float>(y, x);
    }
    paint(canvas, outer, mixColour(magenta, cv::Vec3f(1, 1, 1), 0.45f));
    paint(canvas, innerLine, mixColour(cyan, cv::Vec3f(1, 1, 1), 0.35f));
    addGrain(canvas, rng, 0.012);
    return canvas;
}

cv::Mat stylePastelStripes(const Geometry& g, Rng& rng) {
    const int n = g.size;
    cv::Mat canvas = flatCanvas(n, jitterColour(hexColour(0xFCF2E2), rng, 0.015));
    // Faint background stripes across the other diagonal keep the texture in every corner.
    paint(canvas, lines(n, -45.0, g.px(0.22), g.px(0.07), rng.uniform()), hexColour(0xF3E3CF),
          0.8f);
    const cv::Vec3f pink = jitterColour(hexColour(0xF5A3C0), rng, 0.025);
    const cv::Vec3f mint = jitterColour(hexColour(0x9FE3CB), rng, 0.025);
    const double stripeAngle = 45.0 + rng.symmetric(6.0);
    const double stripePhase = rng.uniform();
    const cv::Mat stripes = lines(n, stripeAngle, g.px(0.12), g.px(0.06), stripePhase);
    cv::Mat fill(n, n, CV_32FC3);
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x)
            fill.at<cv::Vec3f>(y, x) = mixColour(pink, mint, stripes.at<float>(y, x));
    paintLayer(canvas, g.coverage, fill);
    paint(canvas, outline(g, 0.03), jitterColour(hexColour(0xA78BDA), rng, 0.02));
    addGrain(canvas, rng, 0.01);
    return canvas;
}

std::vector<std::vector<cv::Point>> wobbly(const Geometry& g, Rng& rng, double amplitude) {
    const double amp = amplitude * g.finePixelsPerUnit;
    const double shiftX = rng.symmetric(amp * 0.8), shiftY = rng.symmetric(amp * 0.8);
    std::vector<std::vector<cv::Point>> result;
    for (const std::vector<cv::Point>& edge : g.edges) {
        const int f1 = 2 + rng.index(3), f2 = 5 + rng.index(4);
        const double p1 = rng.uniform(0, 2 * kPi), p2 = rng.uniform(0, 2 * kPi);
        const double q1 = rng.uniform(0, 2 * kPi), q2 = rng.uniform(0, 2 * kPi);
        std::vector<cv::Point> points;
        points.reserve(edge.size());
        const double count = static_cast<double>(edge.size());
        for (std::size_t i = 0; i < edge.size(); ++i) {
            const double t = 2 * kPi * static_cast<double>(i) / count;
            const double dx = amp * (std::sin(f1 * t + p1) + 0.5 * std::sin(f2 * t + p2));
            const double dy = amp * (std::sin(f1 * t + q1) + 0.5 * std::sin(f2 * t + q2));
            points.emplace_back(static_cast<int>(std::lround(edge[i].x + dx + shiftX)),
                                static_cast<int>(std::lround(edge[i].y + dy + shiftY)));
        }
        result.push_back(std::move(points));
    }
    return result;
}

cv::Mat styleInkSketch(const Geometry& g, Rng& rng) {
    const int n = g.size;
    cv::Mat canvas = flatCanvas(n, jitterColour(hexColour(0xF4F0E6), rng, 0.012));
    const cv::Mat paper = smoothNoise(n, 10, rng);
    paint(canvas, paper, hexColour(0xE4DDCD), 0.5f);
    const cv::Vec3f ink = hexColour(0x1E1E24);
    // Hatching inside, slightly irregular in strength.
    const double hatchAngle = 38.0 + rng.symmetric(6.0);
    const double hatchPhase = rng.uniform();
    const cv::Mat hatch = lines(n, hatchAngle, g.px(0.065), g.px(0.022), hatchPhase);
    const cv::Mat strength = smoothNoise(n, 4, rng);
    cv::Mat hatchAlpha = hatch.mul(g.coverage).mul(0.35 + 0.4 * strength);
    paint(canvas, hatchAlpha, ink);
    // The outline: three quick strokes that never quite agree.
    for (int pass = 0; pass < 3; ++pass) {
        const std::vector<std::vector<cv::Point>> strokes = wobbly(g, rng, 0.012);
        paint(canvas, outline(g, 0.016, &strokes), ink, 0.75f);
    }
    addGrain(canvas, rng, 0.022);
    return canvas;
}

cv::Mat styleMosaic(const Geometry& g, Rng& rng) {
    const int n = g.size;
    constexpr int kTiles = 16;
    const cv::Vec3f front[] = {hexColour(0xE76F51), hexColour(0xF4A261), hexColour(0xE9C46A)};
    const cv::Vec3f back[] = {hexColour(0x2A9D8F), hexColour(0x3AAE9F), hexColour(0x23867A)};
    const cv::Vec3f grout = jitterColour(hexColour(0x1E2B2F), rng, 0.015);
    std::vector<cv::Vec3f> tileColour(kTiles * kTiles);
    const auto tileStart = [n](int t) { return t * n / kTiles; };
    for (int ty = 0; ty < kTiles; ++ty)
        for (int tx = 0; tx < kTiles; ++tx) {
            const cv::Rect cell(tileStart(tx), tileStart(ty), tileStart(tx + 1) - tileStart(tx),
                                tileStart(ty + 1) - tileStart(ty));
            const bool inside = cv::mean(g.coverage(cell))[0] > 0.45;
            const cv::Vec3f base = inside ? front[rng.index(3)] : back[rng.index(3)];
            tileColour[static_cast<std::size_t>(ty * kTiles + tx)] = jitterColour(base, rng, 0.03);
        }
    const int groutWidth = std::max(1, static_cast<int>(std::lround(g.px(0.016))));
    // Which tile each row/column falls in, consistent with tileStart's rounding.
    std::vector<int> tileOf(static_cast<std::size_t>(n));
    for (int t = 0; t < kTiles; ++t)
        for (int p = tileStart(t); p < tileStart(t + 1); ++p)
            tileOf[static_cast<std::size_t>(p)] = t;
    cv::Mat canvas(n, n, CV_32FC3);
    for (int y = 0; y < n; ++y) {
        const int ty = tileOf[static_cast<std::size_t>(y)];
        const bool groutY = y - tileStart(ty) < groutWidth;
        for (int x = 0; x < n; ++x) {
            const int tx = tileOf[static_cast<std::size_t>(x)];
            const bool groutX = x - tileStart(tx) < groutWidth;
            canvas.at<cv::Vec3f>(y, x) =
                (groutX || groutY) ? grout : tileColour[static_cast<std::size_t>(ty * kTiles + tx)];
        }
    }
    addGrain(canvas, rng, 0.015);
    return canvas;
}

cv::Mat styleWatercolor(const Geometry& g, Rng& rng) {
    const int n = g.size;
    const cv::Vec3f paperColour = jitterColour(hexColour(0xFBF8F1), rng, 0.01);
    cv::Mat canvas = flatCanvas(n, paperColour);
    paint(canvas, smoothNoise(n, 12, rng), hexColour(0xEFE9DC), 0.6f);
    // Pigment: a blurred, noise-eroded mask, denser in pools, darker at the drying edge.
    const cv::Mat soft = gaussian(g.coverage, g.px(0.025));
    const cv::Mat edgeNoise = smoothNoise(n, 7, rng);
    const cv::Mat density = smoothNoise(n, 4, rng);
    const cv::Mat hueNoise = smoothNoise(n, 3, rng);
    cv::Mat pigment(n, n, CV_32FC1);
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) {
            const float v = soft.at<float>(y, x) + (edgeNoise.at<float>(y, x) - 0.5f) * 0.35f;
            pigment.at<float>(y, x) = smoothstep(0.3f, 0.6f, v);
        }
    const cv::Mat pooled = gaussian(pigment, g.px(0.03));
    const cv::Mat halo = gaussian(g.coverage, g.px(0.12));
    const cv::Vec3f blue = jitterColour(hexColour(0x3559A8), rng, 0.03);
    const cv::Vec3f violet = jitterColour(hexColour(0x8B5CB0), rng, 0.03);
    for (int y = 0; y < n; ++y) {
        auto* row = canvas.ptr<cv::Vec3f>(y);
        for (int x = 0; x < n; ++x) {
            const float p = pigment.at<float>(y, x);
            const float rim = std::max(0.0f, p - pooled.at<float>(y, x)) * 1.6f;
            const float alpha = std::clamp(p * (0.45f + 0.35f * density.at<float>(y, x)) + rim +
                                               0.12f * halo.at<float>(y, x),
                                           0.0f, 0.95f);
            const cv::Vec3f pigmentColour = mixColour(blue, violet, hueNoise.at<float>(y, x));
            // Pigment filters the paper (multiply), as watercolour does.
            for (int k = 0; k < 3; ++k)
                row[x][k] *= 1.0f - alpha * (1.0f - pigmentColour[k]);
        }
    }
    addGrain(canvas, rng, 0.01);
    return canvas;
}

cv::Mat styleWoodcut(const Geometry& g, Rng& rng) {
    const int n = g.size;
    cv::Mat canvas = flatCanvas(n, jitterColour(hexColour(0xE6D1A3), rng, 0.015));
    // Wood grain: horizontally stretched noise.
    paint(canvas, smoothNoise(n, n, 3, 24, rng), hexColour(0xCDB27E), 0.55f);
    const cv::Vec3f ink = jitterColour(hexColour(0x1F1610), rng, 0.015);
    // Background gouges: short horizontal ink strokes where the noise allows.
    const double gougeAngle = 90.0 + rng.symmetric(2.0);
    const double gougePhase = rng.uniform();
    const cv::Mat gouges = lines(n, gougeAngle, g.px(0.085), g.px(0.02), gougePhase);
    const cv::Mat gougeMask = smoothNoise(n, 6, rng);
    cv::Mat gougeAlpha(n, n, CV_32FC1);
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x)
            gougeAlpha.at<float>(y, x) = gouges.at<float>(y, x) *
                                         smoothstep(0.6f, 0.64f, gougeMask.at<float>(y, x)) *
                                         (1.0f - g.coverage.at<float>(y, x));
    paint(canvas, gougeAlpha, ink, 0.85f);
    // The block: rough-edged ink, carved by lines that follow the outline inwards.
    const cv::Mat distance = insideDistance(g);
    const cv::Mat roughness = smoothNoise(n, 16, rng);
    const double period = g.px(0.085);
    const double phase = rng.uniform();
    cv::Mat inkAlpha(n, n, CV_32FC1);
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) {
            const float d = distance.at<float>(y, x);
            const float cover =
                smoothstep(0.35f, 0.65f,
                           g.coverage.at<float>(y, x) + (roughness.at<float>(y, x) - 0.5f) * 0.5f);
            const double u = d / period + phase;
            const double fromCut = std::abs(u - std::floor(u) - 0.5) * period;
            const float cut =
                d > g.px(0.07)
                    ? static_cast<float>(std::clamp(g.px(0.018) - fromCut + 0.5, 0.0, 1.0))
                    : 0.0f;
            inkAlpha.at<float>(y, x) = cover * (1.0f - cut);
        }
    paint(canvas, inkAlpha, ink);
    addGrain(canvas, rng, 0.02);
    return canvas;
}

cv::Mat stylePolka(const Geometry& g, Rng& rng) {
    const int n = g.size;
    cv::Mat canvas = flatCanvas(n, jitterColour(hexColour(0xFFD23A), rng, 0.02));
    // Ben-Day dots in the background.
    const double benDayX = rng.uniform();
    const double benDayY = rng.uniform();
    paint(canvas, dots(n, g.px(0.07), g.px(0.016), benDayX, benDayY, true), hexColour(0xF59E2E),
          0.9f);
    const cv::Vec3f red = jitterColour(hexColour(0xE02D3C), rng, 0.025);
    cv::Mat fill = flatCanvas(n, red);
    const double dotX = rng.uniform();
    const double dotY = rng.uniform();
    paint(fill, dots(n, g.px(0.13), g.px(0.038), dotX, dotY, true), hexColour(0xFFF8EE));
    paintLayer(canvas, g.coverage, fill);
    paint(canvas, outline(g, 0.04), hexColour(0x141414));
    addGrain(canvas, rng, 0.01);
    return canvas;
}

cv::Mat styleBlueprint(const Geometry& g, Rng& rng) {
    const int n = g.size;
    cv::Mat canvas = flatCanvas(n, jitterColour(hexColour(0x1C4E92), rng, 0.02));
    const double gridPhaseX = rng.uniform(), gridPhaseY = rng.uniform();
    paint(canvas, lines(n, 0.0, g.px(1.0 / 32), g.px(0.008), gridPhaseX), hexColour(0x2F63A8),
          0.7f);
    paint(canvas, lines(n, 90.0, g.px(1.0 / 32), g.px(0.008), gridPhaseY), hexColour(0x2F63A8),
          0.7f);
    paint(canvas, lines(n, 0.0, g.px(1.0 / 8), g.px(0.014), gridPhaseX / 4), hexColour(0x5A86C4),
          0.8f);
    paint(canvas, lines(n, 90.0, g.px(1.0 / 8), g.px(0.014), gridPhaseY / 4), hexColour(0x5A86C4),
          0.8f);
    const cv::Vec3f chalk = hexColour(0xEAF2FF);
    paint(canvas, g.coverage, chalk, 0.10f);
    paint(canvas, lines(n, -45.0, g.px(0.05), g.px(0.01), rng.uniform()).mul(g.coverage), chalk,
          0.45f);
    paint(canvas, outline(g, 0.022), chalk);
    // A construction line offset from the outline, as drafting often shows.
    const std::vector<std::vector<cv::Point>> inner = insetEdges(g, 0.06);
    paint(canvas, outline(g, 0.01, &inner), chalk, 0.55f);
    addGrain(canvas, rng, 0.015);
    return canvas;
}

cv::Mat stylePixelArt(const Geometry& g, Rng& rng) {
    const int n = g.size;
    constexpr int kPixels = 16;
    const cv::Vec3f lightest = hexColour(0x9BBC0F), light = hexColour(0x8BAC0F);
    const cv::Vec3f dark = hexColour(0x306230), darkest = hexColour(0x0F380F);
    cv::Mat small;
    cv::resize(g.coverage, small, cv::Size(kPixels, kPixels), 0, 0, cv::INTER_AREA);
    const auto inside = [&](int x, int y) {
        return x >= 0 && y >= 0 && x < kPixels && y < kPixels && small.at<float>(y, x) > 0.42f;
    };
    cv::Mat pixels(kPixels, kPixels, CV_32FC3);
    const int dither = rng.index(2); // which checkerboard parity the background dither takes
    for (int y = 0; y < kPixels; ++y)
        for (int x = 0; x < kPixels; ++x) {
            cv::Vec3f colour = lightest;
            if (inside(x, y)) {
                const bool edge = !inside(x - 1, y) || !inside(x + 1, y) || !inside(x, y - 1) ||
                                  !inside(x, y + 1);
                colour = edge ? darkest : dark;
                if (!edge && !inside(x - 1, y - 1) && inside(x + 1, y + 1))
                    colour = light; // a highlight on the upper-left
            } else if (inside(x - 1, y - 1)) {
                colour = light; // drop shadow
            } else if (y >= kPixels - 3 && (x + y + dither) % 2 == 0) {
                colour = light; // ground dither
            }
            pixels.at<cv::Vec3f>(y, x) = colour;
        }
    cv::Mat canvas;
    cv::resize(pixels, canvas, cv::Size(n, n), 0, 0, cv::INTER_NEAREST);
    return canvas;
}

cv::Mat styleSunset(const Geometry& g, Rng& rng) {
    const int n = g.size;
    const float shift = static_cast<float>(rng.symmetric(0.05));
    cv::Mat canvas =
        verticalGradient(n, {{0.0f, jitterColour(hexColour(0x2B1850), rng, 0.02)},
                             {0.42f + shift, jitterColour(hexColour(0xB8407E), rng, 0.02)},
                             {0.75f + shift, jitterColour(hexColour(0xF47C48), rng, 0.02)},
                             {1.0f, jitterColour(hexColour(0xFFC861), rng, 0.02)}});
    // Thin bright bands low in the sky.
    cv::Mat bands = lines(n, 90.0, g.px(0.06), g.px(0.012), rng.uniform());
    for (int y = 0; y < n; ++y) {
        const float lower = smoothstep(0.55f, 0.95f, (static_cast<float>(y) + 0.5f) / n);
        bands.row(y) *= 0.35f * lower;
    }
    paint(canvas, bands, hexColour(0xFFE3A3));
    const cv::Vec3f silhouette = jitterColour(hexColour(0x160A24), rng, 0.01);
    paint(canvas, g.coverage, silhouette);
    // Rim light on the inner side of the edge.
    paint(canvas, outline(g, 0.03).mul(g.coverage), hexColour(0xFF8A5C), 0.55f);
    addGrain(canvas, rng, 0.012);
    return canvas;
}

using StyleRenderer = cv::Mat (*)(const Geometry&, Rng&);
const StyleRenderer kStyleRenderers[] = {
    styleNeon,    stylePastelStripes, styleInkSketch, styleMosaic,   styleWatercolor,
    styleWoodcut, stylePolka,         styleBlueprint, stylePixelArt, styleSunset};
static_assert(sizeof(kStyleRenderers) / sizeof(kStyleRenderers[0]) == 10,
              "one renderer per style name");

cv::Mat toRgb8(const cv::Mat& canvas) {
    cv::Mat rgb;
    canvas.convertTo(rgb, CV_8UC3, 255.0);
    return rgb;
}

// Allowed (not held-out) choices.
std::vector<int> trainingStylesFor(int subject, int excludedStyle = -1) {
    std::vector<int> styles;
    for (int t = 0; t < styleCount(); ++t)
        if (t != excludedStyle && !isHeldOut(subject, t))
            styles.push_back(t);
    return styles;
}

std::vector<int> trainingSubjectsFor(int style, int excludedSubject = -1) {
    std::vector<int> subjects;
    for (int s = 0; s < subjectCount(); ++s)
        if (s != excludedSubject && !isHeldOut(s, style))
            subjects.push_back(s);
    return subjects;
}

template <typename T> T pick(const std::vector<T>& choices, Rng& rng) {
    return choices[static_cast<std::size_t>(rng.index(static_cast<int>(choices.size())))];
}

} // namespace

// -------------------------------------------------------------------------------------------------

const std::vector<std::string>& subjectNames() {
    return kSubjects;
}
const std::vector<std::string>& styleNames() {
    return kStyles;
}
int subjectCount() {
    return static_cast<int>(kSubjects.size());
}
int styleCount() {
    return static_cast<int>(kStyles.size());
}
int subjectIndex(const std::string& name) {
    return findName(kSubjects, name, "subject");
}
int styleIndex(const std::string& name) {
    return findName(kStyles, name, "style");
}

std::string caption(int subject, int style) {
    checkSubject(subject);
    checkStyle(style);
    return kSubjects[static_cast<std::size_t>(subject)] + " in " +
           kStyles[static_cast<std::size_t>(style)] + " style";
}

std::string subjectCaption(int subject) {
    checkSubject(subject);
    return kSubjects[static_cast<std::size_t>(subject)];
}

std::vector<std::string> captionWords() {
    std::set<std::string> words{"in", "style"};
    for (const auto* names : {&kSubjects, &kStyles})
        for (const std::string& name : *names) {
            std::istringstream split(name);
            std::string word;
            while (split >> word)
                words.insert(word);
        }
    return {words.begin(), words.end()};
}

const std::vector<std::pair<int, int>>& heldOutCombinations() {
    // Subject s keeps style (3s + 1) mod styleCount back: 3 is coprime to the style count, so the
    // first styleCount subjects hold out every style once.
    static const std::vector<std::pair<int, int>> combinations = [] {
        std::vector<std::pair<int, int>> result;
        for (int s = 0; s < subjectCount(); ++s)
            result.emplace_back(s, (3 * s + 1) % styleCount());
        return result;
    }();
    return combinations;
}

bool isHeldOut(int subject, int style) {
    const auto& held = heldOutCombinations();
    return std::find(held.begin(), held.end(), std::make_pair(subject, style)) != held.end();
}

SubjectPlacement jitteredPlacement(int subject, std::uint64_t seed) {
    checkSubject(subject);
    Rng rng(combineSeeds(seed, 0x706C616365ULL));
    SubjectPlacement placement;
    placement.centerX = 0.5 + rng.symmetric(0.07);
    placement.centerY = 0.5 + rng.symmetric(0.07);
    placement.radius = rng.uniform(0.30, 0.38);
    placement.rotationDegrees = rng.symmetric(rotationJitterDegrees(subject));
    return placement;
}

cv::Mat renderSubjectMask(int subject, int size, const SubjectPlacement& placement) {
    checkSubject(subject);
    checkImageSize(size);
    cv::Mat mask;
    rasterise(subject, size, placement).coverage.convertTo(mask, CV_8UC1, 255.0);
    return mask;
}

SubjectPlacement freePlacement(int subject, std::uint64_t seed) {
    checkSubject(subject);
    Rng rng(combineSeeds(seed, 0x66726565ULL));
    SubjectPlacement placement;
    placement.radius = rng.uniform(0.14, 0.38);
    // A centre this far from the borders keeps the subject whole in any rotation (one pixel of
    // margin at 64 px); some shapes reach past the unit circle (a triangle's corners to 1.22).
    const double margin = subjectExtent(subject) * placement.radius + 0.02;
    placement.centerX = rng.uniform(margin, 1.0 - margin);
    placement.centerY = rng.uniform(margin, 1.0 - margin);
    placement.rotationDegrees = rng.symmetric(rotationJitterDegrees(subject));
    return placement;
}

SubjectPlacement offPriorPlacement(int subject, std::uint64_t seed) {
    checkSubject(subject);
    Rng rng(combineSeeds(seed, 0x6F6666ULL));
    SubjectPlacement placement;
    placement.radius = rng.uniform(0.20, 0.28);
    const double reach = std::min(0.25, 0.5 - subjectExtent(subject) * placement.radius - 0.02);
    const double leftOrRight = rng.uniform();
    const double offsetX = rng.uniform(0.12, reach);
    const double upOrDown = rng.uniform();
    const double offsetY = rng.uniform(0.12, reach);
    placement.centerX = 0.5 + (leftOrRight < 0.5 ? -offsetX : offsetX);
    placement.centerY = 0.5 + (upOrDown < 0.5 ? -offsetY : offsetY);
    placement.rotationDegrees = rng.symmetric(rotationJitterDegrees(subject));
    return placement;
}

cv::Mat renderSubjectEdges(int subject, int size, const SubjectPlacement& placement) {
    checkSubject(subject);
    checkImageSize(size);
    const Geometry g = rasterise(subject, size, placement);
    // Contours drawn kSupersample fine pixels wide are one image pixel wide after the area
    // average; any pixel the line covers by a quarter becomes an edge pixel.
    cv::Mat fineLines = cv::Mat::zeros(g.fineMask.size(), CV_8UC1);
    cv::drawContours(fineLines, g.edges, -1, cv::Scalar(255), kSupersample);
    const cv::Mat coverage = downsample(fineLines, size);
    cv::Mat edges;
    cv::threshold(coverage, edges, 0.25, 255.0, cv::THRESH_BINARY);
    edges.convertTo(edges, CV_8UC1);
    return edges;
}

cv::Mat renderSubjectDepth(int subject, int size, const SubjectPlacement& placement) {
    checkSubject(subject);
    checkImageSize(size);
    const Geometry g = rasterise(subject, size, placement);
    cv::Mat fineDistance;
    cv::distanceTransform(g.fineMask, fineDistance, cv::DIST_L2, 3);
    double deepest = 0;
    cv::minMaxLoc(fineDistance, nullptr, &deepest);
    const cv::Mat relief = downsample(fineDistance / std::max(deepest, 1.0), size);
    cv::Mat depth(size, size, CV_32FC1);
    for (int y = 0; y < size; ++y) {
        const float ground = 0.3f * static_cast<float>(y) / static_cast<float>(size - 1);
        for (int x = 0; x < size; ++x) {
            const float cover = g.coverage.at<float>(y, x);
            const float raised =
                0.55f + 0.45f * std::min(1.0f, relief.at<float>(y, x) / std::max(cover, 1e-3f));
            depth.at<float>(y, x) = (1.0f - cover) * ground + cover * raised;
        }
    }
    return depth;
}

cv::Mat cropToPlacement(const cv::Mat& image, const SubjectPlacement& placement) {
    if (image.empty() || image.rows != image.cols || !(placement.radius > 0))
        throw std::invalid_argument("cropToPlacement: a square image and a positive radius");
    const double size = image.cols;
    const double scale = 0.34 / placement.radius;
    // Pixel centres: destination u = scale * (x - cx) + size / 2 in continuous coordinates.
    const cv::Matx23d transform(
        scale, 0, size / 2 - scale * placement.centerX * size + 0.5 * (scale - 1), 0, scale,
        size / 2 - scale * placement.centerY * size + 0.5 * (scale - 1));
    cv::Mat crop;
    cv::warpAffine(image, crop, transform, image.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    return crop;
}

SyntheticImage renderSubject(int subject, int style, int size, std::uint64_t seed,
                             const SubjectPlacement& placement) {
    checkSubject(subject);
    checkStyle(style);
    checkImageSize(size);
    const Geometry geometry = rasterise(subject, size, placement);
    Rng rng(combineSeeds(seed, 0x7374796C65ULL + static_cast<std::uint64_t>(style)));
    SyntheticImage image;
    image.subject = subject;
    image.style = style;
    image.rgb = toRgb8(kStyleRenderers[style](geometry, rng));
    geometry.coverage.convertTo(image.mask, CV_8UC1, 255.0);
    return image;
}

SyntheticImage renderSubject(int subject, int style, int size, std::uint64_t seed) {
    return renderSubject(subject, style, size, seed, jitteredPlacement(subject, seed));
}

const char* pairTaskName(PairTask task) {
    switch (task) {
    case PairTask::StyleReference:
        return "stre";
    case PairTask::SemanticReference:
        return "sere";
    case PairTask::Reconstruction:
        return "reconstruction";
    }
    return "unknown";
}

SyntheticDataset::SyntheticDataset(SyntheticDatasetConfig config)
    : config_(config) {
    if (config_.imageSize < 16 || config_.imageSize > 1024)
        throw std::runtime_error("synthetic dataset: image size " +
                                 std::to_string(config_.imageSize) + " is outside 16..1024");
    double total = 0.0;
    for (double w : config_.taskWeights) {
        if (!(w >= 0.0) || !std::isfinite(w))
            throw std::runtime_error("synthetic dataset: task weights must be finite and >= 0");
        total += w;
    }
    if (total <= 0.0)
        throw std::runtime_error(
            "synthetic dataset: every task weight is zero; give STRE, SERE or reconstruction a "
            "positive weight");
}

std::uint64_t SyntheticDataset::sampleSeed(std::uint64_t index, std::uint64_t stream) const {
    return combineSeeds(combineSeeds(config_.seed, stream), index);
}

PairTask SyntheticDataset::taskOf(std::uint64_t index) const {
    Rng rng(sampleSeed(index, 1));
    const auto& w = config_.taskWeights;
    const double u = rng.uniform() * (w[0] + w[1] + w[2]);
    // A zero weight can never win: u < 0 and u < w0 + 0 (already taken) are both impossible.
    if (u < w[0])
        return PairTask::StyleReference;
    if (u < w[0] + w[1])
        return PairTask::SemanticReference;
    return PairTask::Reconstruction;
}

TrainingPair SyntheticDataset::trainingPair(std::uint64_t index) const {
    return trainingPair(index, taskOf(index));
}

TrainingPair SyntheticDataset::trainingPair(std::uint64_t index, PairTask task) const {
    Rng rng(sampleSeed(index, 2));
    const int size = config_.imageSize;
    const std::uint64_t referenceSeed = rng.next(), targetSeed = rng.next();
    TrainingPair pair;
    pair.task = task;
    switch (task) {
    case PairTask::StyleReference: {
        const int style = rng.index(styleCount());
        const int targetSubject = pick(trainingSubjectsFor(style), rng);
        const int referenceSubject = pick(trainingSubjectsFor(style, targetSubject), rng);
        pair.reference = renderSubject(referenceSubject, style, size, referenceSeed);
        pair.target = renderSubject(targetSubject, style, size, targetSeed);
        pair.text = caption(targetSubject, style);
        pair.qformerMode = "style";
        break;
    }
    case PairTask::SemanticReference: {
        const int subject = rng.index(subjectCount());
        const int targetStyle = pick(trainingStylesFor(subject), rng);
        const int referenceStyle = pick(trainingStylesFor(subject, targetStyle), rng);
        pair.reference = renderSubject(subject, referenceStyle, size, referenceSeed);
        pair.target = renderSubject(subject, targetStyle, size, targetSeed);
        pair.text = caption(subject, targetStyle);
        pair.qformerMode = "content";
        break;
    }
    case PairTask::Reconstruction: {
        const int subject = rng.index(subjectCount());
        const int style = pick(trainingStylesFor(subject), rng);
        pair.reference = renderSubject(subject, style, size, referenceSeed);
        // A deep copy: a training loop that augments the target in place must not touch the
        // reference.
        pair.target = pair.reference;
        pair.target.rgb = pair.reference.rgb.clone();
        pair.target.mask = pair.reference.mask.clone();
        pair.text.clear();
        pair.qformerMode = "style & content";
        break;
    }
    }
    return pair;
}

SyntheticImage SyntheticDataset::textToImageSample(std::uint64_t index) const {
    Rng rng(sampleSeed(index, 3));
    const std::uint64_t imageSeed = rng.next();
    const int subject = rng.index(subjectCount());
    const int style = config_.textToImageIncludesHeldOut ? rng.index(styleCount())
                                                         : pick(trainingStylesFor(subject), rng);
    SyntheticImage image = renderSubject(subject, style, config_.imageSize, imageSeed);
    image.rgb = applyLook(image.rgb, config_.look);
    return image;
}

namespace {

// An evaluation pair: the target (subject, style) and, as the style reference, the same style
// on another subject from a training combination.
TrainingPair styleReferencePair(int subject, int style, int imageSize, Rng& rng) {
    const std::uint64_t referenceSeed = rng.next(), targetSeed = rng.next();
    const int referenceSubject = pick(trainingSubjectsFor(style, subject), rng);
    TrainingPair pair;
    pair.task = PairTask::StyleReference;
    pair.reference = renderSubject(referenceSubject, style, imageSize, referenceSeed);
    pair.target = renderSubject(subject, style, imageSize, targetSeed);
    pair.text = caption(subject, style);
    pair.qformerMode = "style";
    return pair;
}

} // namespace

TrainingPair SyntheticDataset::evaluationPair(std::uint64_t index) const {
    const auto& held = heldOutCombinations();
    const auto [subject, style] = held[static_cast<std::size_t>(index % held.size())];
    Rng rng(sampleSeed(index, 4));
    return styleReferencePair(subject, style, config_.imageSize, rng);
}

TrainingPair SyntheticDataset::seenEvaluationPair(std::uint64_t index) const {
    // The same shape of pair as evaluationPair, but the target is a training combination, so a
    // score here minus the held-out score separates "takes a style from a reference" from
    // "composes a style with a subject it never saw it on".
    static const std::vector<std::pair<int, int>> seen = [] {
        std::vector<std::pair<int, int>> result;
        for (int style = 0; style < styleCount(); ++style)
            for (int subject = 0; subject < subjectCount(); ++subject)
                if (!isHeldOut(subject, style))
                    result.emplace_back(subject, style);
        return result;
    }();
    // Step through the list coprime to its length so that consecutive pairs vary both names.
    const std::size_t step = 25;
    const auto [subject, style] = seen[static_cast<std::size_t>(index * step % seen.size())];
    Rng rng(sampleSeed(index, 5));
    return styleReferencePair(subject, style, config_.imageSize, rng);
}

cv::Mat applyLook(const cv::Mat& rgb, BaseLook look) {
    if (look == BaseLook::Plain)
        return rgb.clone();
    if (rgb.type() != CV_8UC3)
        throw std::runtime_error("applyLook: expected an 8-bit RGB image");
    cv::Mat result(rgb.size(), rgb.type());
    const double cx = 0.5 * rgb.cols, cy = 0.5 * rgb.rows;
    const double scale = 1.0 / std::max(rgb.cols, rgb.rows);
    for (int y = 0; y < rgb.rows; ++y) {
        for (int x = 0; x < rgb.cols; ++x) {
            // Pixel centres, so that the factor is symmetric about the image's centre.
            const double r = std::hypot(x + 0.5 - cx, y + 0.5 - cy) * scale;
            const double t = std::clamp((r - kVignetteStart) / (0.75 - kVignetteStart), 0.0, 1.0);
            const double factor = 1.0 - kVignetteDepth * t * t * (3.0 - 2.0 * t);
            const auto& in = rgb.at<cv::Vec3b>(y, x);
            auto& out = result.at<cv::Vec3b>(y, x);
            for (int c = 0; c < 3; ++c)
                out[c] = cv::saturate_cast<std::uint8_t>(in[c] * factor);
        }
    }
    return result;
}

double vignetteRatio(const cv::Mat& rgb) {
    if (rgb.type() != CV_8UC3 || rgb.cols < 8 || rgb.rows < 8)
        throw std::runtime_error("vignetteRatio: expected an 8-bit RGB image of 8 px or more");
    const int w = rgb.cols, h = rgb.rows, bw = std::max(1, w / 8), bh = std::max(1, h / 8);
    const auto luma = [&](int x, int y) {
        const cv::Rect block(x, y, bw, bh);
        const cv::Scalar mean = cv::mean(rgb(block));
        return 0.299 * mean[0] + 0.587 * mean[1] + 0.114 * mean[2];
    };
    const double corners = luma(0, 0) + luma(w - bw, 0) + luma(0, h - bh) + luma(w - bw, h - bh);
    const double edges = luma((w - bw) / 2, 0) + luma((w - bw) / 2, h - bh) +
                         luma(0, (h - bh) / 2) + luma(w - bw, (h - bh) / 2);
    if (edges < 4 * 4.0) // edge blocks darker than 4/255 on average
        return 1.0;
    return corners / edges;
}

bool looksVignetted(const cv::Mat& rgb) {
    return vignetteRatio(rgb) < kVignetteThreshold;
}

cv::Mat contactSheet(const std::vector<cv::Mat>& rgbImages, int columns, int padding) {
    if (rgbImages.empty() || columns <= 0)
        return {};
    const cv::Size cell = rgbImages.front().size();
    const int rows = (static_cast<int>(rgbImages.size()) + columns - 1) / columns;
    cv::Mat sheet(padding + rows * (cell.height + padding),
                  padding + columns * (cell.width + padding), CV_8UC3, cv::Scalar(255, 255, 255));
    for (std::size_t i = 0; i < rgbImages.size(); ++i) {
        const int r = static_cast<int>(i) / columns, c = static_cast<int>(i) % columns;
        const cv::Mat& image = rgbImages[i];
        if (image.size() != cell || image.type() != CV_8UC3)
            continue;
        image.copyTo(
            sheet(cv::Rect(padding + c * (cell.width + padding),
                           padding + r * (cell.height + padding), cell.width, cell.height)));
    }
    return sheet;
}

} // namespace deadiff::train
