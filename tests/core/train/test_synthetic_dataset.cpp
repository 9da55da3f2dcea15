#include "core/train/synthetic_dataset.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <thread>

namespace deadiff::train {
namespace {

bool sameBytes(const cv::Mat& a, const cv::Mat& b) {
    return a.size() == b.size() && a.type() == b.type() &&
           std::equal(a.datastart, a.dataend, b.datastart, b.dataend);
}

bool samePair(const TrainingPair& a, const TrainingPair& b) {
    return a.task == b.task && a.text == b.text && a.qformerMode == b.qformerMode &&
           sameBytes(a.reference.rgb, b.reference.rgb) && sameBytes(a.target.rgb, b.target.rgb);
}

TEST(SyntheticDataset, NamesAreDistinctLowerCaseWords) {
    for (const auto* names : {&subjectNames(), &styleNames()}) {
        EXPECT_GE(names->size(), 8u);
        EXPECT_LE(names->size(), 12u);
        EXPECT_EQ(std::set<std::string>(names->begin(), names->end()).size(), names->size());
        for (const std::string& name : *names)
            for (char c : name)
                EXPECT_TRUE((c >= 'a' && c <= 'z') || c == ' ') << name;
    }
    EXPECT_EQ(subjectNames()[static_cast<std::size_t>(subjectIndex("star"))], "star");
    EXPECT_EQ(styleNames()[static_cast<std::size_t>(styleIndex("ink sketch"))], "ink sketch");
}

TEST(SyntheticDataset, UnknownNamesAndIdsThrowWithTheKnownNames) {
    try {
        subjectIndex("dog");
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("dog"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("circle"), std::string::npos);
    }
    EXPECT_THROW(styleIndex("cubism"), std::runtime_error);
    EXPECT_THROW(caption(subjectCount(), 0), std::runtime_error);
    EXPECT_THROW(caption(0, -1), std::runtime_error);
    EXPECT_THROW(renderSubject(0, styleCount(), 64, 1), std::runtime_error);
    EXPECT_THROW(renderSubject(0, 0, 8, 1), std::runtime_error);
}

TEST(SyntheticDataset, CaptionsFollowTheSubjectInStyleStyleFormat) {
    EXPECT_EQ(caption(subjectIndex("star"), styleIndex("pastel stripes")),
              "star in pastel stripes style");
    EXPECT_EQ(caption(subjectIndex("cat"), styleIndex("neon")), "cat in neon style");
    EXPECT_EQ(subjectCaption(subjectIndex("house")), "house");
    const std::vector<std::string> words = captionWords();
    for (const char* expected : {"in", "style", "pastel", "stripes", "cat", "neon"})
        EXPECT_NE(std::find(words.begin(), words.end(), expected), words.end()) << expected;
    EXPECT_TRUE(std::is_sorted(words.begin(), words.end()));
}

TEST(SyntheticDataset, InvalidConfigurationsThrow) {
    EXPECT_THROW(SyntheticDataset({15, 0, {1, 1, 1}}), std::runtime_error);
    EXPECT_THROW(SyntheticDataset({2048, 0, {1, 1, 1}}), std::runtime_error);
    EXPECT_THROW(SyntheticDataset({64, 0, {0, 0, 0}}), std::runtime_error);
    EXPECT_THROW(SyntheticDataset({64, 0, {1, -1, 1}}), std::runtime_error);
    EXPECT_THROW(SyntheticDataset({64, 0, {1, std::nan(""), 1}}), std::runtime_error);
}

TEST(SyntheticDataset, ImagesHaveTheConfiguredSizeAndType) {
    for (int size : {48, 64, 96}) {
        const TrainingPair pair = SyntheticDataset({size, 3, {1, 1, 1}}).trainingPair(0);
        for (const SyntheticImage* image : {&pair.reference, &pair.target}) {
            EXPECT_EQ(image->rgb.type(), CV_8UC3);
            EXPECT_EQ(image->rgb.size(), cv::Size(size, size));
            EXPECT_EQ(image->mask.type(), CV_8UC1);
            EXPECT_EQ(image->mask.size(), cv::Size(size, size));
            EXPECT_GT(cv::countNonZero(image->mask > 127), size * size / 20); // a subject is there
        }
    }
}

TEST(SyntheticDataset, SameSeedGivesIdenticalBytesInAnyCallOrder) {
    const SyntheticDataset a({64, 1234, {1, 1, 1}});
    const SyntheticDataset b({64, 1234, {1, 1, 1}});
    // b draws in reverse order, and draws other samples in between.
    std::vector<TrainingPair> forward;
    for (std::uint64_t i = 0; i < 12; ++i)
        forward.push_back(a.trainingPair(i));
    for (std::uint64_t i = 12; i-- > 0;) {
        b.textToImageSample(i + 100);
        EXPECT_TRUE(samePair(forward[i], b.trainingPair(i))) << "index " << i;
    }
    EXPECT_TRUE(sameBytes(a.textToImageSample(7).rgb, b.textToImageSample(7).rgb));
    EXPECT_TRUE(samePair(a.evaluationPair(3), b.evaluationPair(3)));
    EXPECT_TRUE(sameBytes(renderSubject(4, 5, 64, 99).rgb, renderSubject(4, 5, 64, 99).rgb));
}

TEST(SyntheticDataset, AnotherThreadDrawsTheSameBytes) {
    const SyntheticDataset dataset({64, 21, {1, 1, 1}});
    std::vector<TrainingPair> mine(6), theirs(6);
    std::thread worker([&] {
        for (std::uint64_t i = 0; i < 6; ++i)
            theirs[i] = dataset.trainingPair(i);
    });
    for (std::uint64_t i = 6; i-- > 0;)
        mine[i] = dataset.trainingPair(i);
    worker.join();
    for (std::size_t i = 0; i < 6; ++i)
        EXPECT_TRUE(samePair(mine[i], theirs[i])) << "index " << i;
}

TEST(SyntheticDataset, DifferentSeedsAndIndicesGiveDifferentSamples) {
    const SyntheticDataset a({64, 1, {1, 1, 1}});
    const SyntheticDataset b({64, 2, {1, 1, 1}});
    int differentAcrossSeeds = 0, differentAcrossIndices = 0;
    for (std::uint64_t i = 0; i < 10; ++i) {
        differentAcrossSeeds +=
            !sameBytes(a.trainingPair(i).target.rgb, b.trainingPair(i).target.rgb);
        differentAcrossIndices +=
            !sameBytes(a.trainingPair(i).target.rgb, a.trainingPair(i + 1).target.rgb);
    }
    EXPECT_EQ(differentAcrossSeeds, 10);
    EXPECT_EQ(differentAcrossIndices, 10);
    // One subject and style, two seeds: the jitter moves it, so the bytes differ.
    EXPECT_FALSE(sameBytes(renderSubject(3, 2, 64, 1).rgb, renderSubject(3, 2, 64, 2).rgb));
}

TEST(SyntheticDataset, PairsFollowThePapersPairingRules) {
    const SyntheticDataset dataset({32, 77, {1, 1, 1}});
    std::set<PairTask> seen;
    for (std::uint64_t i = 0; i < 240; ++i) {
        const TrainingPair pair = dataset.trainingPair(i);
        seen.insert(pair.task);
        const SyntheticImage& ref = pair.reference;
        const SyntheticImage& tgt = pair.target;
        switch (pair.task) {
        case PairTask::StyleReference:
            EXPECT_EQ(ref.style, tgt.style);
            EXPECT_NE(ref.subject, tgt.subject);
            EXPECT_EQ(pair.text, caption(tgt.subject, tgt.style));
            EXPECT_EQ(pair.qformerMode, "style");
            break;
        case PairTask::SemanticReference:
            EXPECT_EQ(ref.subject, tgt.subject);
            EXPECT_NE(ref.style, tgt.style);
            EXPECT_EQ(pair.text, caption(tgt.subject, tgt.style));
            EXPECT_EQ(pair.qformerMode, "content");
            break;
        case PairTask::Reconstruction:
            EXPECT_TRUE(sameBytes(ref.rgb, tgt.rgb));
            EXPECT_NE(ref.rgb.data, tgt.rgb.data); // separate pixels
            EXPECT_EQ(ref.subject, tgt.subject);
            EXPECT_EQ(ref.style, tgt.style);
            EXPECT_EQ(pair.text, "");
            EXPECT_EQ(pair.qformerMode, "style & content");
            break;
        }
        EXPECT_EQ(pair.task, dataset.taskOf(i));
    }
    EXPECT_EQ(seen.size(), 3u);
    // A forced task is honoured.
    EXPECT_EQ(dataset.trainingPair(5, PairTask::SemanticReference).task,
              PairTask::SemanticReference);
    EXPECT_EQ(dataset.trainingPair(5, PairTask::SemanticReference).qformerMode, "content");
}

TEST(SyntheticDataset, TasksAreDrawnOneToOneToOne) {
    const SyntheticDataset dataset({64, 5, {1, 1, 1}});
    int counts[3] = {0, 0, 0};
    constexpr int kDraws = 6000;
    for (std::uint64_t i = 0; i < kDraws; ++i)
        ++counts[static_cast<int>(dataset.taskOf(i))];
    // Expected 2000 each, standard deviation ~36.5: ±150 is about 4 sigma.
    for (int count : counts) {
        EXPECT_GT(count, 2000 - 150);
        EXPECT_LT(count, 2000 + 150);
    }
}

TEST(SyntheticDataset, ZeroTaskWeightsSwitchTasksOff) {
    const SyntheticDataset reconstructionOnly({64, 5, {0, 0, 1}});
    const SyntheticDataset noSere({64, 5, {1, 0, 1}});
    int stre = 0;
    for (std::uint64_t i = 0; i < 600; ++i) {
        EXPECT_EQ(reconstructionOnly.taskOf(i), PairTask::Reconstruction);
        EXPECT_NE(noSere.taskOf(i), PairTask::SemanticReference);
        stre += noSere.taskOf(i) == PairTask::StyleReference;
    }
    EXPECT_GT(stre, 200);
    EXPECT_LT(stre, 400);
}

TEST(SyntheticDataset, HeldOutCombinationsCoverEveryStyleAndSubject) {
    const auto& held = heldOutCombinations();
    std::set<int> subjects, styles;
    for (const auto& [subject, style] : held) {
        subjects.insert(subject);
        styles.insert(style);
        EXPECT_TRUE(isHeldOut(subject, style));
    }
    EXPECT_EQ(static_cast<int>(subjects.size()), subjectCount());
    EXPECT_EQ(static_cast<int>(styles.size()), styleCount());
    // Most combinations stay available for training.
    EXPECT_LT(held.size() * 5, static_cast<std::size_t>(subjectCount() * styleCount()));
}

TEST(SyntheticDataset, TrainingDrawsNeverContainHeldOutCombinations) {
    const SyntheticDataset dataset({16, 11, {1, 1, 1}});
    std::set<std::pair<int, int>> seen;
    for (std::uint64_t i = 0; i < 1500; ++i) {
        const TrainingPair pair = dataset.trainingPair(i);
        for (const SyntheticImage* image : {&pair.reference, &pair.target}) {
            EXPECT_FALSE(isHeldOut(image->subject, image->style)) << "draw " << i;
            seen.insert({image->subject, image->style});
        }
        const SyntheticImage sample = dataset.textToImageSample(i);
        EXPECT_FALSE(isHeldOut(sample.subject, sample.style)) << "text-to-image draw " << i;
    }
    // ... while every training combination does turn up.
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(subjectCount() * styleCount()) -
                               heldOutCombinations().size());
}

TEST(SyntheticDataset, TheBaseModelMaySeeEveryCombinationButPairsNever) {
    SyntheticDatasetConfig config{16, 11, {1, 1, 1}};
    config.textToImageIncludesHeldOut = true;
    const SyntheticDataset dataset(config);
    std::set<std::pair<int, int>> textToImage;
    for (std::uint64_t i = 0; i < 1500; ++i) {
        const SyntheticImage sample = dataset.textToImageSample(i);
        textToImage.insert({sample.subject, sample.style});
        const TrainingPair pair = dataset.trainingPair(i);
        EXPECT_FALSE(isHeldOut(pair.reference.subject, pair.reference.style)) << "draw " << i;
        EXPECT_FALSE(isHeldOut(pair.target.subject, pair.target.style)) << "draw " << i;
    }
    EXPECT_EQ(textToImage.size(), static_cast<std::size_t>(subjectCount() * styleCount()));
}

TEST(SyntheticDataset, EvaluationPairsTargetHeldOutCombinationsWithAnotherSubjectAsReference) {
    const SyntheticDataset dataset({32, 3, {1, 1, 1}});
    std::set<std::pair<int, int>> targets;
    for (std::uint64_t i = 0; i < heldOutCombinations().size() * 2; ++i) {
        const TrainingPair pair = dataset.evaluationPair(i);
        EXPECT_TRUE(isHeldOut(pair.target.subject, pair.target.style));
        EXPECT_FALSE(isHeldOut(pair.reference.subject, pair.reference.style));
        EXPECT_EQ(pair.reference.style, pair.target.style);
        EXPECT_NE(pair.reference.subject, pair.target.subject);
        EXPECT_EQ(pair.text, caption(pair.target.subject, pair.target.style));
        targets.insert({pair.target.subject, pair.target.style});
    }
    EXPECT_EQ(targets.size(), heldOutCombinations().size());
}

TEST(SyntheticDataset, SeenEvaluationPairsCoverEveryTrainingCombinationOnce) {
    const SyntheticDataset dataset({32, 3, {1, 1, 1}});
    const std::size_t training =
        static_cast<std::size_t>(subjectCount() * styleCount()) - heldOutCombinations().size();
    std::set<std::pair<int, int>> targets;
    for (std::uint64_t i = 0; i < training; ++i) {
        const TrainingPair pair = dataset.seenEvaluationPair(i);
        EXPECT_FALSE(isHeldOut(pair.target.subject, pair.target.style)) << "pair " << i;
        EXPECT_FALSE(isHeldOut(pair.reference.subject, pair.reference.style)) << "pair " << i;
        EXPECT_EQ(pair.reference.style, pair.target.style);
        EXPECT_NE(pair.reference.subject, pair.target.subject);
        targets.insert({pair.target.subject, pair.target.style});
    }
    EXPECT_EQ(targets.size(), training);
    // Twelve consecutive pairs see (nearly) every style and many subjects.
    std::set<int> styles;
    for (std::uint64_t i = 0; i < 12; ++i)
        styles.insert(dataset.seenEvaluationPair(i).target.style);
    EXPECT_GE(styles.size(), 9u);
}

// Independent sanity check that styles are told apart by colour alone: a nearest-centroid
// classifier over 64-bin colour histograms, fitted on one seed and tested on fresh samples.
std::vector<double> colourHistogram(const cv::Mat& rgb) {
    std::vector<double> histogram(64, 0.0);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x) {
            const cv::Vec3b p = rgb.at<cv::Vec3b>(y, x);
            histogram[static_cast<std::size_t>((p[0] / 64) * 16 + (p[1] / 64) * 4 + p[2] / 64)] +=
                1.0 / static_cast<double>(rgb.total());
        }
    return histogram;
}

TEST(SyntheticDataset, StylesAreSeparableByAColourHistogramClassifier) {
    constexpr int kPerStyle = 24;
    std::vector<std::vector<double>> centroids(static_cast<std::size_t>(styleCount()),
                                               std::vector<double>(64, 0.0));
    for (int style = 0; style < styleCount(); ++style)
        for (int i = 0; i < kPerStyle; ++i) {
            const auto h =
                colourHistogram(renderSubject(i % subjectCount(), style, 64, 1000 + i).rgb);
            for (std::size_t k = 0; k < h.size(); ++k)
                centroids[static_cast<std::size_t>(style)][k] += h[k] / kPerStyle;
        }
    int correct = 0, total = 0;
    for (int style = 0; style < styleCount(); ++style)
        for (int i = 0; i < kPerStyle; ++i) {
            const auto h = colourHistogram(
                renderSubject((i * 5 + 3) % subjectCount(), style, 64, 50000 + i).rgb);
            int best = -1;
            double bestDistance = 1e9;
            for (int c = 0; c < styleCount(); ++c) {
                double distance = 0.0;
                for (std::size_t k = 0; k < h.size(); ++k)
                    distance += std::abs(h[k] - centroids[static_cast<std::size_t>(c)][k]);
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = c;
                }
            }
            correct += best == style;
            ++total;
        }
    EXPECT_GE(correct, total * 95 / 100) << correct << " of " << total;
}

// The subject shows under every style: inside and outside its mask differ clearly in colour.
TEST(SyntheticDataset, EverySubjectStandsOutInEveryStyle) {
    for (int style = 0; style < styleCount(); ++style)
        for (int subject = 0; subject < subjectCount(); ++subject) {
            const SyntheticImage image = renderSubject(subject, style, 64, 400 + subject);
            const cv::Scalar inside = cv::mean(image.rgb, image.mask > 200);
            const cv::Scalar outside = cv::mean(image.rgb, image.mask < 55);
            const double contrast = std::abs(inside[0] - outside[0]) +
                                    std::abs(inside[1] - outside[1]) +
                                    std::abs(inside[2] - outside[2]);
            EXPECT_GT(contrast, 60.0) << subjectNames()[static_cast<std::size_t>(subject)] << " in "
                                      << styleNames()[static_cast<std::size_t>(style)];
        }
}

// Subjects differ in shape: a nearest-centroid classifier over masks normalised to their
// bounding box recognises the subject of freshly jittered masks.
cv::Mat normalisedMask(const cv::Mat& mask) {
    const cv::Rect box = cv::boundingRect(mask > 127);
    cv::Mat resized, result;
    cv::resize(mask(box), resized, cv::Size(24, 24), 0, 0, cv::INTER_AREA);
    resized.convertTo(result, CV_32F, 1.0 / 255.0);
    return result;
}

TEST(SyntheticDataset, SubjectMasksAreRecognisableAcrossJitter) {
    constexpr int kPerSubject = 16;
    std::vector<cv::Mat> centroids;
    for (int subject = 0; subject < subjectCount(); ++subject) {
        cv::Mat sum = cv::Mat::zeros(24, 24, CV_32F);
        for (int i = 0; i < kPerSubject; ++i)
            sum += normalisedMask(renderSubjectMask(subject, 64, jitteredPlacement(subject, i)));
        centroids.push_back(sum / kPerSubject);
    }
    int correct = 0, total = 0;
    for (int subject = 0; subject < subjectCount(); ++subject)
        for (int i = 0; i < kPerSubject; ++i) {
            const cv::Mat features =
                normalisedMask(renderSubjectMask(subject, 64, jitteredPlacement(subject, 900 + i)));
            int best = -1;
            double bestDistance = 1e9;
            for (int c = 0; c < subjectCount(); ++c) {
                const double distance =
                    cv::norm(features, centroids[static_cast<std::size_t>(c)], cv::NORM_L1);
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = c;
                }
            }
            correct += best == subject;
            ++total;
        }
    EXPECT_GE(correct, total * 95 / 100) << correct << " of " << total;
    // And at the canonical placement no two subjects nearly coincide.
    for (int a = 0; a < subjectCount(); ++a)
        for (int b = a + 1; b < subjectCount(); ++b) {
            const cv::Mat maskA = renderSubjectMask(a, 64, {}) > 127;
            const cv::Mat maskB = renderSubjectMask(b, 64, {}) > 127;
            const double iou = static_cast<double>(cv::countNonZero(maskA & maskB)) /
                               cv::countNonZero(maskA | maskB);
            EXPECT_LT(iou, 0.9) << subjectNames()[static_cast<std::size_t>(a)] << " vs "
                                << subjectNames()[static_cast<std::size_t>(b)];
        }
}

TEST(SyntheticDataset, TheRenderedMaskIsTheSubjectMask) {
    const SubjectPlacement placement = jitteredPlacement(8, 42);
    const SyntheticImage image = renderSubject(8, 3, 64, 42, placement);
    EXPECT_TRUE(sameBytes(image.mask, renderSubjectMask(8, 64, placement)));
    // Same placement, another style: the same mask.
    EXPECT_TRUE(sameBytes(image.mask, renderSubject(8, 6, 64, 42).mask));
}

TEST(SyntheticDataset, ContactSheetPlacesEveryImage) {
    const cv::Mat red(8, 8, CV_8UC3, cv::Scalar(255, 0, 0));
    const cv::Mat sheet = contactSheet({red, red, red}, 2, 1);
    EXPECT_EQ(sheet.size(), cv::Size(1 + 2 * 9, 1 + 2 * 9));
    EXPECT_EQ(sheet.at<cv::Vec3b>(1, 1), cv::Vec3b(255, 0, 0));
    EXPECT_EQ(sheet.at<cv::Vec3b>(10, 1), cv::Vec3b(255, 0, 0));
    EXPECT_EQ(sheet.at<cv::Vec3b>(10, 10), cv::Vec3b(255, 255, 255)); // the empty fourth cell
}

// The second demo base's look (issue 20): the vignette leaves the subject's disc untouched,
// darkens the corners by the documented smoothstep, and the statistic tells it from plain
// renders.
TEST(BaseLook, VignetteDarkensTowardsTheCornersOnly) {
    const cv::Mat plain = renderSubject(subjectIndex("cat"), styleIndex("watercolor"), 64, 3).rgb;
    EXPECT_EQ(cv::norm(applyLook(plain, BaseLook::Plain), plain, cv::NORM_INF), 0.0);
    const cv::Mat dark = applyLook(plain, BaseLook::Vignette);
    int untouched = 0;
    for (int y = 0; y < 64; ++y) {
        for (int x = 0; x < 64; ++x) {
            // The factor computed here on its own: 1 - 0.8 * smoothstep(0.55, 0.75, r).
            const double r = std::hypot(x + 0.5 - 32.0, y + 0.5 - 32.0) / 64.0;
            const double t = std::clamp((r - 0.55) / 0.2, 0.0, 1.0);
            const double factor = 1.0 - 0.8 * t * t * (3.0 - 2.0 * t);
            for (int c = 0; c < 3; ++c) {
                const double expected = std::round(plain.at<cv::Vec3b>(y, x)[c] * factor);
                ASSERT_NEAR(dark.at<cv::Vec3b>(y, x)[c], expected, 1.0) << x << "," << y;
            }
            untouched += r <= 0.55 ? 1 : 0;
            if (r <= 0.55) {
                ASSERT_EQ(dark.at<cv::Vec3b>(y, x), plain.at<cv::Vec3b>(y, x));
            }
        }
    }
    EXPECT_GT(untouched, 64 * 64 * 3 / 4); // the vignette is in the corners only
    // The corner pixel (r 0.696) keeps about a third of its value.
    EXPECT_NEAR(dark.at<cv::Vec3b>(0, 0)[0], plain.at<cv::Vec3b>(0, 0)[0] * 0.342, 2.0);
}

TEST(BaseLook, TheStatisticTellsVignettedRendersFromPlainOnes) {
    // Every style but neon, whose glow darkens its own corners (documented in the header).
    int plainFlagged = 0, vignettedMissed = 0, count = 0;
    for (int style = 0; style < styleCount(); ++style) {
        if (styleNames()[static_cast<std::size_t>(style)] == "neon")
            continue;
        for (int subject = 0; subject < subjectCount(); ++subject) {
            const cv::Mat plain =
                renderSubject(subject, style, 64, 100 + static_cast<std::uint64_t>(subject)).rgb;
            plainFlagged += looksVignetted(plain) ? 1 : 0;
            vignettedMissed += looksVignetted(applyLook(plain, BaseLook::Vignette)) ? 0 : 1;
            ++count;
        }
    }
    EXPECT_EQ(count, 108);
    EXPECT_EQ(plainFlagged, 0);
    EXPECT_EQ(vignettedMissed, 0);
    // A flat image reads as plain; a black one gives no evidence (1).
    EXPECT_DOUBLE_EQ(vignetteRatio(cv::Mat(64, 64, CV_8UC3, cv::Scalar(120, 80, 40))), 1.0);
    EXPECT_DOUBLE_EQ(vignetteRatio(cv::Mat(64, 64, CV_8UC3, cv::Scalar(0, 0, 0))), 1.0);
    EXPECT_THROW(vignetteRatio(cv::Mat(64, 64, CV_8UC1, cv::Scalar(9))), std::runtime_error);
}

TEST(BaseLook, TextToImageSamplesCarryTheConfiguredLookAndPairsStayPlain) {
    SyntheticDatasetConfig plainConfig, lookConfig;
    lookConfig.look = BaseLook::Vignette;
    const SyntheticDataset plain(plainConfig), look(lookConfig);
    for (std::uint64_t i = 0; i < 4; ++i) {
        const SyntheticImage a = plain.textToImageSample(i), b = look.textToImageSample(i);
        EXPECT_EQ(a.subject, b.subject);
        EXPECT_EQ(a.style, b.style);
        EXPECT_EQ(cv::norm(applyLook(a.rgb, BaseLook::Vignette), b.rgb, cv::NORM_INF), 0.0);
        EXPECT_EQ(cv::norm(plain.trainingPair(i).target.rgb, look.trainingPair(i).target.rgb,
                           cv::NORM_INF),
                  0.0);
    }
}

} // namespace
} // namespace deadiff::train
