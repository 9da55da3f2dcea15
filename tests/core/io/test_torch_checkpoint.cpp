#include "core/io/format_error.h"
#include "core/io/torch_checkpoint.h"
#include "core/io/weight_file.h"
#include "tests/support/ckpt_writer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <unistd.h>

namespace deadiff::io {
namespace {

namespace fs = std::filesystem;
using test::fixturePath;

class TorchCheckpointTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff-ckpt-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& name, const std::string& bytes) {
        const std::string file = (dir_ / name).string();
        test::writeBinaryFile(file, bytes);
        return file;
    }

    static std::string errorOf(const std::string& file) {
        try {
            TorchCheckpoint::open(file);
        } catch (const FormatError& error) {
            return error.what();
        }
        return "";
    }

    fs::path dir_;
};

bool insideMapping(const torch::Tensor& tensor, const MappedFile& mapping) {
    const auto* first = static_cast<const std::uint8_t*>(tensor.data_ptr());
    return first >= mapping.data() &&
           first + tensor.numel() * tensor.element_size() <= mapping.data() + mapping.size();
}

// ---- files written by the real torch.save (tests/fixtures/make_torch_fixtures.py)

TEST_F(TorchCheckpointTest, ReadsATorchSaveStateDictExactly) {
    const TorchCheckpoint file = TorchCheckpoint::open(fixturePath("torch/state_dict.pt"));
    EXPECT_EQ(file.layout().folder, "state_dict");
    EXPECT_EQ(file.layout().stateDictKey, "");
    ASSERT_EQ(file.tensors().size(), 14u);
    EXPECT_EQ(file.tensors()[0].name, "linear.weight");
    EXPECT_EQ(file.tensors()[13].name, "empty");

    const auto f32 = torch::kFloat32;
    EXPECT_TRUE(
        torch::equal(file.tensor("linear.weight"), torch::arange(6, f32).reshape({2, 3}) / 4));
    EXPECT_TRUE(torch::equal(file.tensor("linear.bias"), torch::tensor({0.5f, -1.25f})));

    const torch::Tensor half = file.tensor("half");
    EXPECT_EQ(half.scalar_type(), torch::kFloat16);
    EXPECT_TRUE(torch::equal(half.to(f32), torch::tensor({-1.0f, -0.5f, 0.0f, 0.5f, 1.0f})));
    const torch::Tensor bf16 = file.tensor("bf16");
    EXPECT_EQ(bf16.scalar_type(), torch::kBFloat16);
    EXPECT_TRUE(torch::equal(bf16.to(f32), torch::tensor({1.0f, -2.0f, 3.5f})));
    const torch::Tensor index = file.tensor("index");
    EXPECT_EQ(index.scalar_type(), torch::kInt64);
    EXPECT_TRUE(torch::equal(
        index, torch::tensor({std::int64_t{-3}, std::int64_t{0}, std::int64_t{1} << 40})));
    EXPECT_TRUE(
        torch::equal(file.tensor("int32"), torch::tensor({7, -8}, torch::dtype(torch::kInt32))));
    EXPECT_TRUE(torch::equal(file.tensor("flag"),
                             torch::tensor({true, false, true}, torch::dtype(torch::kBool))));

    const torch::Tensor transposed = file.tensor("transposed");
    EXPECT_EQ(transposed.sizes(), (std::vector<std::int64_t>{4, 3}));
    EXPECT_EQ(transposed.strides(), (std::vector<std::int64_t>{1, 4}));
    EXPECT_TRUE(torch::equal(transposed, torch::arange(12, f32).reshape({3, 4}).t()));

    const torch::Tensor offsetView = file.tensor("offset_view");
    EXPECT_EQ(offsetView.strides(), (std::vector<std::int64_t>{5, 1}));
    EXPECT_TRUE(torch::equal(
        offsetView,
        torch::tensor({7.f, 8.f, 9.f, 12.f, 13.f, 14.f, 17.f, 18.f, 19.f}).reshape({3, 3})));

    const torch::Tensor scalar = file.tensor("scalar");
    EXPECT_EQ(scalar.dim(), 0);
    EXPECT_EQ(scalar.item<float>(), 3.25f);
    EXPECT_EQ(file.tensor("empty").sizes(), (std::vector<std::int64_t>{0, 3}));
}

TEST_F(TorchCheckpointTest, TensorsAreZeroCopyViewsAndTiedTensorsShareMemory) {
    const TorchCheckpoint file = TorchCheckpoint::open(fixturePath("torch/state_dict.pt"));
    for (const TensorInfo& info : file.tensors()) {
        const torch::Tensor tensor = file.tensor(info.name);
        if (tensor.numel() == 0)
            continue;
        EXPECT_TRUE(insideMapping(tensor, *file.mapping())) << info.name;
        const auto& layout = file.layout();
        const auto record = std::find_if(layout.tensors.begin(), layout.tensors.end(),
                                         [&](const auto& r) { return r.name == info.name; });
        ASSERT_NE(record, layout.tensors.end());
        const ZipEntry& entry = layout.archive.entries()[record->storageEntry];
        EXPECT_EQ(entry.name.rfind("state_dict/data/", 0), 0u) << entry.name;
        EXPECT_EQ(static_cast<const std::uint8_t*>(tensor.data_ptr()),
                  layout.archive.storedData(entry) +
                      record->storageOffset * static_cast<std::int64_t>(itemSize(info.dtype)))
            << info.name;
    }
    const torch::Tensor a = file.tensor("tied.a");
    const torch::Tensor b = file.tensor("tied.b");
    const torch::Tensor tail = file.tensor("tied.tail");
    EXPECT_EQ(a.data_ptr(), b.data_ptr());
    EXPECT_EQ(static_cast<float*>(tail.data_ptr()), static_cast<float*>(a.data_ptr()) + 2);
    EXPECT_TRUE(torch::equal(a, torch::tensor({10.f, 11.f, 12.f, 13.f})));
    EXPECT_TRUE(torch::equal(tail, torch::tensor({12.f, 13.f})));

    // The view outlives the checkpoint object (it holds the mapping).
    torch::Tensor survivor;
    {
        const TorchCheckpoint scoped = TorchCheckpoint::open(fixturePath("torch/state_dict.pt"));
        survivor = scoped.tensor("linear.weight");
    }
    EXPECT_EQ(survivor[1][2].item<float>(), 1.25f);
}

TEST_F(TorchCheckpointTest, FindsTheStateDictOfALightningCheckpoint) {
    const WeightFile file = WeightFile::open(fixturePath("torch/lightning.ckpt"));
    EXPECT_EQ(file.format(), WeightFormat::TorchZip);
    EXPECT_EQ(file.stateDictKey(), "state_dict");
    ASSERT_EQ(file.tensors().size(), 4u);
    const torch::Tensor conv = file.tensor("model.diffusion_model.conv.weight");
    EXPECT_EQ(conv.scalar_type(), torch::kFloat16);
    EXPECT_TRUE(torch::equal(conv.to(torch::kFloat32),
                             torch::arange(8, torch::kFloat32).reshape({2, 1, 2, 2}) / 8));
    EXPECT_TRUE(torch::equal(file.tensor("first_stage_model.decoder.bias"),
                             torch::tensor({1.5f, 2.5f, -0.5f})));
    EXPECT_TRUE(torch::equal(file.tensor("cond_stage_model.transformer.position_ids"),
                             torch::arange(4, torch::kInt64).reshape({1, 4})));
    EXPECT_TRUE(
        torch::equal(file.tensor("style_blip.query_tokens"), torch::full({1, 2, 3}, 0.125f)));
}

TEST_F(TorchCheckpointTest, RefusesHostileTorchSaveFilesNamingTheGlobal) {
    ::unlink("/tmp/deadiff-pwned");
    const std::string system = errorOf(fixturePath("torch/hostile_system.pt"));
    EXPECT_NE(system.find("refuses global 'posix.system'"), std::string::npos) << system;
    EXPECT_NE(system.find("hostile_system.pt"), std::string::npos) << system;
    const std::string eval = errorOf(fixturePath("torch/hostile_eval.pt"));
    EXPECT_NE(eval.find("refuses global '__builtin__.eval'"), std::string::npos) << eval;
    EXPECT_FALSE(fs::exists("/tmp/deadiff-pwned")) << "nothing was executed";
}

TEST_F(TorchCheckpointTest, LegacyTorchFilesAskForResaving) {
    try {
        WeightFile::open(fixturePath("torch/legacy.pt"));
        FAIL() << "legacy file accepted";
    } catch (const FormatError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("legacy"), std::string::npos) << message;
        EXPECT_NE(message.find("legacy.pt"), std::string::npos) << message;
        EXPECT_NE(message.find("safetensors"), std::string::npos) << message;
    }
}

TEST_F(TorchCheckpointTest, EveryTruncationOfARealFileIsAFormatError) {
    const std::string bytes = test::readBinaryFile(fixturePath("torch/lightning.ckpt"));
    for (std::size_t length = 0; length < bytes.size(); ++length) {
        const std::string file = write("cut.ckpt", bytes.substr(0, length));
        try {
            WeightFile::open(file);
            ADD_FAILURE() << "length " << length << " accepted";
        } catch (const FormatError& error) {
            EXPECT_NE(std::string(error.what()).find("cut.ckpt"), std::string::npos)
                << error.what();
        }
    }
}

TEST_F(TorchCheckpointTest, CorruptBytesNeverCrash) {
    const std::string bytes = test::readBinaryFile(fixturePath("torch/state_dict.pt"));
    int accepted = 0;
    for (std::size_t at = 0; at < bytes.size(); ++at) {
        std::string corrupt = bytes;
        corrupt[at] = static_cast<char>(corrupt[at] ^ 0x5a);
        try {
            const auto layout = readTorchCheckpointLayout(
                reinterpret_cast<const std::uint8_t*>(corrupt.data()), corrupt.size(), "c.pt");
            ++accepted; // e.g. a changed byte inside tensor data or padding
        } catch (const FormatError&) {
        }
    }
    EXPECT_LT(accepted, static_cast<int>(bytes.size()));
}

// ---- files written by our writer (tests/support/ckpt_writer.h)

struct Built {
    test::CkptSpec spec;
    std::vector<std::pair<std::string, torch::Tensor>> expected;
};

const char* storageTypeOf(torch::ScalarType type) {
    switch (type) {
    case torch::kFloat32:
        return "FloatStorage";
    case torch::kFloat16:
        return "HalfStorage";
    case torch::kBFloat16:
        return "BFloat16Storage";
    case torch::kFloat64:
        return "DoubleStorage";
    case torch::kInt64:
        return "LongStorage";
    case torch::kInt32:
        return "IntStorage";
    case torch::kInt16:
        return "ShortStorage";
    case torch::kInt8:
        return "CharStorage";
    case torch::kUInt8:
        return "ByteStorage";
    default:
        return "BoolStorage";
    }
}

// Each tensor gets its own contiguous storage.
Built buildSpec(const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
    Built built;
    int key = 0;
    for (const auto& [name, value] : tensors) {
        const torch::Tensor tensor = value.contiguous();
        const std::string storageKey = std::to_string(key++);
        built.spec.tensors.push_back({name, storageTypeOf(tensor.scalar_type()), storageKey,
                                      static_cast<std::uint64_t>(tensor.numel()), 0,
                                      tensor.sizes().vec(), tensor.strides().vec()});
        built.spec.storages[storageKey] = std::string(static_cast<const char*>(tensor.data_ptr()),
                                                      tensor.numel() * tensor.element_size());
        built.expected.emplace_back(name, tensor);
    }
    return built;
}

std::vector<std::pair<std::string, torch::Tensor>> sampleTensors() {
    torch::manual_seed(3);
    return {{"model.diffusion_model.input_blocks.0.0.weight", torch::randn({8, 4, 3, 3})},
            {"first_stage_model.encoder.conv_in.bias", torch::randn({8}).to(torch::kFloat16)},
            {"style_blip.query_tokens", torch::randn({1, 16, 8}).to(torch::kBFloat16)},
            {"cond_stage_model.transformer.text_model.embeddings.position_ids",
             torch::arange(77, torch::kInt64).unsqueeze(0)},
            {"double", torch::randn({3}, torch::kFloat64)},
            {"int8", torch::tensor({-5, 5}, torch::dtype(torch::kInt8))},
            {"bytes", torch::tensor({0, 255}, torch::dtype(torch::kUInt8))},
            {"scalar", torch::tensor(1.5f)}};
}

void expectSameTensors(const WeightFile& file,
                       const std::vector<std::pair<std::string, torch::Tensor>>& expected) {
    ASSERT_EQ(file.tensors().size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        EXPECT_EQ(file.tensors()[i].name, expected[i].first);
        const torch::Tensor tensor = file.tensor(expected[i].first);
        EXPECT_EQ(tensor.scalar_type(), expected[i].second.scalar_type()) << expected[i].first;
        EXPECT_TRUE(torch::equal(tensor, expected[i].second)) << expected[i].first;
    }
}

TEST_F(TorchCheckpointTest, RoundTripsEveryDtypeFlatNestedZip64AndDeflated) {
    for (const int variant : {0, 1, 2, 3, 4}) {
        Built built = buildSpec(sampleTensors());
        built.spec.nestUnderStateDict = variant == 1;
        built.spec.lightningExtras = variant == 2;
        built.spec.forceZip64 = variant == 3 || variant == 4;
        built.spec.deflateStorages = variant == 4;
        built.spec.folder = variant == 0 ? "archive" : "deadiff_v1";
        const std::string path =
            write("v" + std::to_string(variant) + ".ckpt", test::makeTorchCheckpoint(built.spec));
        SCOPED_TRACE("variant " + std::to_string(variant));
        const WeightFile file = WeightFile::open(path);
        EXPECT_EQ(file.stateDictKey(), variant == 1 || variant == 2 ? "state_dict" : "");
        expectSameTensors(file, built.expected);
    }
}

TEST_F(TorchCheckpointTest, ForcedZip64CheckpointIsZip64AndZeroCopy) {
    Built built = buildSpec(sampleTensors());
    built.spec.forceZip64 = true;
    const std::string path = write("zip64.ckpt", test::makeTorchCheckpoint(built.spec));
    const TorchCheckpoint file = TorchCheckpoint::open(path);
    EXPECT_TRUE(file.layout().archive.usesZip64());
    const torch::Tensor weight = file.tensor("model.diffusion_model.input_blocks.0.0.weight");
    EXPECT_TRUE(insideMapping(weight, *file.mapping()));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(weight.data_ptr()) % 64, 0u);
}

TEST_F(TorchCheckpointTest, ABadLocalHeaderFailsWhenItsTensorIsRead) {
    // Opening reads only the central directory and data.pkl (fast on a cold 7 GB file); a
    // storage's local header is checked when its tensor is read.
    Built built = buildSpec({{"a", torch::ones({4})}, {"b", torch::ones({2})}});
    std::string bytes = test::makeTorchCheckpoint(built.spec);
    const std::size_t header = bytes.find("archive/data/1") - 30;
    ASSERT_EQ(bytes.compare(header, 4, "PK\x03\x04"), 0);
    bytes[header + 3] = 9;
    const TorchCheckpoint file = TorchCheckpoint::open(write("lazy.ckpt", bytes));
    EXPECT_TRUE(torch::equal(file.tensor("a"), torch::ones({4})));
    try {
        file.tensor("b");
        ADD_FAILURE() << "bad local header accepted";
    } catch (const FormatError& error) {
        EXPECT_NE(std::string(error.what()).find("'archive/data/1': bad local header"),
                  std::string::npos)
            << error.what();
    }
}

TEST_F(TorchCheckpointTest, DeflatedStoragesAreCopies) {
    Built built = buildSpec(sampleTensors());
    built.spec.deflateStorages = true;
    const std::string path = write("deflated.ckpt", test::makeTorchCheckpoint(built.spec));
    const TorchCheckpoint file = TorchCheckpoint::open(path);
    const torch::Tensor weight = file.tensor("model.diffusion_model.input_blocks.0.0.weight");
    EXPECT_FALSE(insideMapping(weight, *file.mapping()));
    EXPECT_TRUE(torch::equal(weight, built.expected[0].second));
}

TEST_F(TorchCheckpointTest, ValidatesStoragesAgainstTheArchive) {
    Built missing = buildSpec({{"w", torch::ones({4})}});
    missing.spec.storages.clear();
    EXPECT_NE(errorOf(write("missing.ckpt", test::makeTorchCheckpoint(missing.spec)))
                  .find("needs archive entry 'archive/data/0', which is missing"),
              std::string::npos);

    Built shortStorage = buildSpec({{"w", torch::ones({4})}});
    shortStorage.spec.storages["0"].resize(12);
    const std::string shortError =
        errorOf(write("short.ckpt", test::makeTorchCheckpoint(shortStorage.spec)));
    EXPECT_NE(shortError.find("holds 12 bytes but tensor 'w' expects a storage of 16"),
              std::string::npos)
        << shortError;

    Built outside = buildSpec({{"w", torch::ones({4})}});
    outside.spec.tensors[0].storageOffset = 1;
    EXPECT_NE(errorOf(write("outside.ckpt", test::makeTorchCheckpoint(outside.spec)))
                  .find("reaches element 4"),
              std::string::npos);

    Built badType = buildSpec({{"w", torch::ones({4})}});
    badType.spec.tensors[0].storageType = "ComplexFloatStorage";
    EXPECT_NE(errorOf(write("complex.ckpt", test::makeTorchCheckpoint(badType.spec)))
                  .find("refuses global 'torch.ComplexFloatStorage'"),
              std::string::npos);

    Built duplicate = buildSpec({{"w", torch::ones({4})}, {"w", torch::ones({4})}});
    EXPECT_NE(errorOf(write("dup.ckpt", test::makeTorchCheckpoint(duplicate.spec)))
                  .find("tensor 'w' appears twice"),
              std::string::npos);

    const std::string noPickle = test::makeZip({{"archive/version", "3\n", false}});
    EXPECT_NE(errorOf(write("nopkl.ckpt", noPickle)).find("no data.pkl"), std::string::npos);

    const std::string twoPickles =
        test::makeZip({{"a/data.pkl", "\x80\x02}.", false}, {"b/data.pkl", "\x80\x02}.", false}});
    EXPECT_NE(errorOf(write("two.ckpt", twoPickles)).find("more than one data.pkl"),
              std::string::npos);

    const std::string bigEndian =
        test::makeZip({{"a/data.pkl", "\x80\x02}.", false}, {"a/byteorder", "big", false}});
    EXPECT_NE(errorOf(write("be.ckpt", bigEndian)).find("big-endian"), std::string::npos);

    const std::string listRoot = test::makeZip({{"a/data.pkl", "\x80\x02].", false}});
    EXPECT_NE(errorOf(write("list.ckpt", listRoot)).find("holds a list"), std::string::npos);

    const std::string noTensors = test::makeZip({{"a/data.pkl",
                                                  "\x80\x02}(\x8c\x05"
                                                  "epochK\x03u.",
                                                  false}});
    EXPECT_NE(
        errorOf(write("none.ckpt", noTensors)).find("no tensors found (top-level keys: 'epoch')"),
        std::string::npos);
}

TEST_F(TorchCheckpointTest, SkipsLightningExtrasWithoutRunningThem) {
    Built built = buildSpec({{"model.w", torch::ones({2})}});
    built.spec.lightningExtras = true;
    const std::string path = write("lightning.ckpt", test::makeTorchCheckpoint(built.spec));
    const TorchCheckpoint file = TorchCheckpoint::open(path);
    EXPECT_EQ(file.layout().stateDictKey, "state_dict");
    EXPECT_EQ(file.layout().skippedValues, 4u); // epoch, global_step, version, callbacks
    EXPECT_EQ(file.tensors().size(), 1u);
}

} // namespace
} // namespace deadiff::io
