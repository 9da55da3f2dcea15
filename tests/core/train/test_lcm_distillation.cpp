// `deadiff train --lcm` on the tiny model: the LoRA starts as the teacher, learns on a fixed
// batch, leaves the base weights untouched, and the file it writes is read by the product's LoRA
// loader and merges into exactly the student it trained.
#include "core/nn/lora.h"
#include "core/train/lcm_distillation.h"
#include "tests/support/tiny_model.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

namespace deadiff::train {
namespace {

namespace fs = std::filesystem;

class LcmDistillation : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ =
            fs::temp_directory_path() / ("deadiff_lcm_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
        trainer_ = std::make_unique<DeadiffTrainer>(test::tinyModelConfig(),
                                                    (dir_ / "tokenizer").string(), 1);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // STRE pairs at the tiny model's 32 px, half of them prompting the subject alone.
    static PairBatch pairs(int count) {
        SyntheticDatasetConfig config;
        config.imageSize = 32;
        config.seed = 5;
        const SyntheticDataset dataset(config);
        PairBatch batch;
        std::vector<cv::Mat> references, targets;
        for (int i = 0; i < count; ++i) {
            const TrainingPair pair = dataset.trainingPair(i, PairTask::StyleReference);
            references.push_back(pair.reference.rgb);
            targets.push_back(pair.target.rgb);
            batch.texts.push_back(i % 2 == 0 ? subjectCaption(pair.target.subject) : pair.text);
        }
        batch.references = imagesToTensor(references);
        batch.targets = imagesToTensor(targets);
        return batch;
    }

    // One UNet call on fixed inputs with the text context of "star" (zero image tokens).
    torch::Tensor unetOutput() {
        torch::NoGradGuard noGrad;
        const torch::Tensor text = trainer_->text()->forward(trainer_->tokenize({"star", "star"}));
        torch::manual_seed(11);
        const torch::Tensor x = torch::randn({2, 4, 8, 8});
        const torch::Tensor t = torch::tensor({500, 20}, torch::kInt64);
        const torch::Tensor images = torch::zeros(
            {2, trainer_->config().reference.blip.queryTokens, trainer_->config().unet.contextDim});
        return trainer_->unet()->forward(x, t, {images, text, images, text, 1.0});
    }

    LcmDistillOptions options() const {
        LcmDistillOptions options;
        options.rank = 4;
        options.learningRate = 1e-2;
        options.batch = 4;
        return options;
    }

    fs::path dir_;
    std::unique_ptr<DeadiffTrainer> trainer_;
};

TEST_F(LcmDistillation, TheStudentStartsAsTheTeacherLearnsAndLeavesTheBaseWeights) {
    trainer_->unet()->eval();
    const torch::Tensor teacher = unetOutput();
    LcmLoraDistiller distiller(*trainer_, (dir_ / "tokenizer").string(), options());
    ASSERT_FALSE(distiller.modules().empty());
    bool convolution = false;
    for (const nn::LoraModule& module : distiller.modules()) {
        EXPECT_EQ(module.target.weightKey.find("i_to_"), std::string::npos)
            << module.target.weightKey;
        EXPECT_FALSE(module.target.textEncoder);
        convolution = convolution || module.down.dim() == 4;
    }
    EXPECT_TRUE(convolution) << "the ResBlock convolutions are targets too";
    EXPECT_FALSE(LcmLoraDistiller::isTarget("model.diffusion_model.input_blocks.4.1."
                                            "transformer_blocks.0.attn2.i_to_k.weight"));
    EXPECT_TRUE(LcmLoraDistiller::isTarget("model.diffusion_model.input_blocks.4.1."
                                           "transformer_blocks.0.attn2.to_k.weight"));

    distiller.useLora(1.0); // up is zero: the student is the teacher
    EXPECT_TRUE(torch::equal(unetOutput(), teacher));

    const PairBatch batch = pairs(4);
    const double first = distiller.step(batch, 3);
    double last = first;
    for (int i = 0; i < 20; ++i)
        last = distiller.step(batch, 3);
    EXPECT_LT(last, 0.8 * first) << "first " << first << " last " << last;

    distiller.useLora(1.0);
    EXPECT_GT((unetOutput() - teacher).abs().max().item<double>(), 1e-4);
    distiller.useLora(0.0);
    EXPECT_TRUE(torch::equal(unetOutput(), teacher)); // the base weights are untouched
}

TEST_F(LcmDistillation, TheWrittenLoraMergesIntoTheStudentItTrained) {
    trainer_->unet()->eval();
    const fs::path file = dir_ / "lcm.safetensors";
    torch::Tensor student;
    std::size_t modules = 0;
    {
        LcmLoraDistiller distiller(*trainer_, (dir_ / "tokenizer").string(), options());
        const PairBatch batch = pairs(4);
        for (int i = 0; i < 5; ++i)
            distiller.step(batch, 7 + static_cast<std::uint64_t>(i));
        distiller.save(file.string());
        distiller.useLora(1.0);
        student = unetOutput();
        modules = distiller.modules().size();
    } // restores the UNet's own weights

    const nn::LoraTargetNames names(*trainer_->unet(), &*trainer_->text());
    const auto lora = std::make_shared<const nn::LoraFile>(nn::readLoraFile(file.string(), names));
    EXPECT_EQ(lora->modules.size(), modules);
    EXPECT_TRUE(lora->unmatchedKeys.empty());
    EXPECT_TRUE(lora->touchesUNet());
    EXPECT_FALSE(lora->touchesTextEncoder());
    const torch::Tensor teacher = unetOutput();
    nn::LoraMerger merger(nn::parametersByKey(*trainer_->unet(), nn::kUNetPrefix));
    merger.apply({{lora, 1.0}});
    const torch::Tensor merged = unetOutput();
    // The factors are stored in float16: the merged model is the student up to that rounding.
    const double change = (student - teacher).abs().max().item<double>();
    EXPECT_GT(change, 1e-4);
    EXPECT_LT((merged - student).abs().max().item<double>(), 0.02 * change);
    merger.apply({});
    EXPECT_TRUE(torch::equal(unetOutput(), teacher));
}

} // namespace
} // namespace deadiff::train
