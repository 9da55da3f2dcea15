#include "core/io/format_error.h"
#include "core/io/safetensors.h"
#include "tests/support/paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>

namespace deadiff::io {
namespace {

namespace fs = std::filesystem;

class Safetensors : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff-st-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    // Writes a file by hand: u64 length, header text, data bytes.
    std::string writeRaw(const std::string& name, const std::string& header,
                         const std::string& data, std::int64_t lengthOverride = -1) {
        const std::string file = path(name);
        std::ofstream out(file, std::ios::binary);
        std::uint64_t length =
            lengthOverride >= 0 ? static_cast<std::uint64_t>(lengthOverride) : header.size();
        for (int i = 0; i < 8; ++i)
            out.put(static_cast<char>((length >> (8 * i)) & 0xff));
        out << header << data;
        return file;
    }

    std::string errorOf(const std::string& file) {
        try {
            SafetensorsFile::open(file);
        } catch (const FormatError& error) {
            return error.what();
        }
        return "";
    }

    fs::path dir_;
};

std::string floatBytes(std::initializer_list<float> values) {
    std::string bytes(values.size() * 4, '\0');
    std::memcpy(bytes.data(), values.begin(), bytes.size());
    return bytes;
}

TEST_F(Safetensors, ReadsAHandWrittenFile) {
    const std::string header = R"({"b":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},)"
                               R"("a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
                               R"("__metadata__":{"format":"pt"}})";
    std::string data(8, '\0');
    data[0] = 42;
    data += floatBytes({1.5f, -2.f, 3.25f, 0.f});
    const auto file = SafetensorsFile::open(writeRaw("x.safetensors", header, data));

    ASSERT_EQ(file.tensors().size(), 2u);
    EXPECT_EQ(file.tensors()[0].name, "a"); // file order, not JSON order
    EXPECT_EQ(file.metadata().at("format"), "pt");
    const auto a = file.tensor("a");
    EXPECT_EQ(a.scalar_type(), torch::kInt64);
    EXPECT_EQ(a.item<std::int64_t>(), 42);
    const auto b = file.tensor("b");
    EXPECT_EQ(b.sizes(), (std::vector<std::int64_t>{2, 2}));
    EXPECT_FLOAT_EQ(b[0][0].item<float>(), 1.5f);
    EXPECT_FLOAT_EQ(b[1][0].item<float>(), 3.25f);
    EXPECT_EQ(file.find("c"), nullptr);
    EXPECT_THROW(file.tensor("c"), std::runtime_error);
}

TEST_F(Safetensors, TensorsAreViewsIntoTheMapping) {
    const std::string header = R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})";
    const auto file =
        SafetensorsFile::open(writeRaw("v.safetensors", header, floatBytes({1.f, 2.f, 3.f})));
    auto w = file.tensor("w");
    const auto* begin = file.mapping()->data();
    const auto* ptr = static_cast<const std::uint8_t*>(w.data_ptr());
    EXPECT_GE(ptr, begin);
    EXPECT_LT(ptr, begin + file.mapping()->size());
    EXPECT_EQ(ptr, begin + file.tensors()[0].offset);

    // The view outlives the file object, and writing to it never touches the file.
    torch::Tensor survivor;
    {
        const auto again = SafetensorsFile::open(path("v.safetensors"));
        survivor = again.tensor("w");
    }
    survivor.mul_(10);
    EXPECT_FLOAT_EQ(survivor[2].item<float>(), 30.f);
    EXPECT_FLOAT_EQ(SafetensorsFile::open(path("v.safetensors")).tensor("w")[2].item<float>(), 3.f);
}

TEST_F(Safetensors, WriterProducesTheDocumentedLayout) {
    const auto f16 = torch::tensor({0.5f, -1.f}).to(torch::kFloat16);
    const auto i64 = torch::arange(6, torch::kInt64).reshape({2, 3});
    const auto strided = torch::arange(12, torch::kFloat32).reshape({3, 4}).t(); // non-contiguous
    writeSafetensors(path("w.safetensors"), {{"half", f16}, {"ids", i64}, {"t", strided}},
                     {{"note", "hi"}});

    std::ifstream in(path("w.safetensors"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::uint64_t length = 0;
    for (int i = 7; i >= 0; --i)
        length = (length << 8) | static_cast<unsigned char>(bytes[i]);
    EXPECT_EQ((8 + length) % 8, 0u) << "data must start 8-byte aligned";
    const auto header = nlohmann::json::parse(bytes.substr(8, length));
    EXPECT_EQ(header["__metadata__"]["note"], "hi");
    EXPECT_EQ(header["half"]["dtype"], "F16");
    EXPECT_EQ(header["half"]["data_offsets"], nlohmann::json({0, 4}));
    EXPECT_EQ(header["ids"]["dtype"], "I64");
    EXPECT_EQ(header["ids"]["shape"], nlohmann::json({2, 3}));
    EXPECT_EQ(header["ids"]["data_offsets"], nlohmann::json({4, 52}));
    EXPECT_EQ(header["t"]["shape"], nlohmann::json({4, 3}));
    EXPECT_EQ(bytes.size(), 8 + length + 4 + 48 + 48);
    // The transposed tensor is stored in its logical (row-major) order: t[0] = 0, 4, 8.
    float first[3];
    std::memcpy(first, bytes.data() + 8 + length + 52, sizeof first);
    EXPECT_EQ(first[0], 0.f);
    EXPECT_EQ(first[1], 4.f);
    EXPECT_EQ(first[2], 8.f);

    const auto file = SafetensorsFile::open(path("w.safetensors"));
    EXPECT_TRUE(torch::equal(file.tensor("half"), f16));
    EXPECT_TRUE(torch::equal(file.tensor("ids"), i64));
    EXPECT_TRUE(torch::equal(file.tensor("t"), strided));
}

TEST_F(Safetensors, EveryDtypeRoundTrips) {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto type :
         {torch::kFloat64, torch::kFloat32, torch::kFloat16, torch::kBFloat16, torch::kInt64,
          torch::kInt32, torch::kInt16, torch::kInt8, torch::kUInt8, torch::kBool})
        tensors.emplace_back(c10::toString(type), torch::arange(5).to(type));
    tensors.emplace_back("empty", torch::zeros({0, 3}));
    tensors.emplace_back("scalar", torch::tensor(7.f).reshape({}));
    writeSafetensors(path("all.safetensors"), tensors);
    const auto file = SafetensorsFile::open(path("all.safetensors"));
    for (const auto& [name, tensor] : tensors) {
        const auto loaded = file.tensor(name);
        EXPECT_EQ(loaded.scalar_type(), tensor.scalar_type()) << name;
        EXPECT_TRUE(torch::equal(loaded, tensor)) << name;
    }
}

TEST_F(Safetensors, FailedWriteLeavesThePreviousFileIntact) {
    writeSafetensors(path("keep.safetensors"), {{"a", torch::ones({2})}});
    std::vector<SafetensorsEntry> entries = {
        {"a", DType::F32, {2}, [] { return torch::zeros({2}); }},
        {"b", DType::F32, {2}, []() -> torch::Tensor { throw std::runtime_error("boom"); }}};
    EXPECT_THROW(writeSafetensors(path("keep.safetensors"), entries), std::runtime_error);
    const auto file = SafetensorsFile::open(path("keep.safetensors"));
    EXPECT_TRUE(torch::equal(file.tensor("a"), torch::ones({2})));
    for (const auto& entry : fs::directory_iterator(dir_))
        EXPECT_EQ(entry.path().filename(), "keep.safetensors") << "temporary file left behind";
}

TEST_F(Safetensors, WriterRejectsMismatchedEntries) {
    std::vector<SafetensorsEntry> entries = {
        {"a", DType::F32, {3}, [] { return torch::zeros({2}); }}};
    EXPECT_THROW(writeSafetensors(path("bad.safetensors"), entries), std::runtime_error);
    EXPECT_FALSE(fs::exists(path("bad.safetensors")));
    EXPECT_THROW(writeSafetensors(path("dup.safetensors"),
                                  {{"a", torch::zeros({1})}, {"a", torch::zeros({1})}}),
                 std::runtime_error);
}

TEST_F(Safetensors, EveryTruncationIsRejectedWithoutCrashing) {
    writeSafetensors(path("full.safetensors"),
                     {{"a", torch::arange(10, torch::kFloat32)}, {"b", torch::ones({3, 3})}});
    std::ifstream in(path("full.safetensors"), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
        std::ofstream(path("cut.safetensors"), std::ios::binary) << bytes.substr(0, cut);
        EXPECT_THROW(SafetensorsFile::open(path("cut.safetensors")), FormatError) << cut;
    }
}

TEST_F(Safetensors, ValidationErrorsSayWhatIsWrong) {
    const std::string f32x2 = floatBytes({1.f, 2.f});
    struct Case {
        std::string header;
        std::string expected;
        std::int64_t lengthOverride = -1;
    };
    const std::vector<Case> cases = {
        {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})", "header JSON"},
        {R"([1,2])", "not a JSON object"},
        {R"({"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", "unsupported dtype 'Q7'"},
        {R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", "needs 12"},
        {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,80]}})", "outside"},
        {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", "outside"},
        {R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", "non-negative"},
        {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", "[begin, end]"},
        {R"({"a":{"dtype":"F32","shape":[2]}})", "lacks"},
        {R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],)"
         R"("data_offsets":[0,8]}})",
         "overflows"},
        {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
         R"("b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})",
         "overlap"},
        {R"({"__metadata__":{"k":1}})", "not a string"},
        {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "exceeds the file", 1000},
        {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", "implausible",
         std::int64_t{1} << 40},
    };
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const std::string file = writeRaw("case" + std::to_string(i) + ".safetensors",
                                          cases[i].header, f32x2, cases[i].lengthOverride);
        const std::string message = errorOf(file);
        EXPECT_NE(message.find(cases[i].expected), std::string::npos)
            << "case " << i << ": " << message;
        EXPECT_NE(message.find(file), std::string::npos) << "the message names the file";
    }
}

TEST_F(Safetensors, MissingFileIsARuntimeErrorNamingIt) {
    try {
        SafetensorsFile::open(path("nope.safetensors"));
        FAIL();
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("nope.safetensors"), std::string::npos);
    }
}

// The oracle's files were written by the oracle's own Python writer; the prompt ids are
// listed in its README (official CLIP tokenizer output).
TEST(SafetensorsOracle, ReadsTheOracleTextEncoderFile) {
    const std::string file = test::oracleRef("text_encoder.safetensors");
    if (!fs::exists(file))
        GTEST_SKIP() << file << " absent";
    const auto oracle = SafetensorsFile::open(file);
    const auto ids = oracle.tensor("prompt_ids");
    ASSERT_EQ(ids.scalar_type(), torch::kInt64);
    ASSERT_EQ(ids.sizes(), (std::vector<std::int64_t>{1, 77}));
    const std::vector<std::int64_t> expected = {49406, 320, 20795, 268, 27202, 1876, 49407};
    for (std::size_t i = 0; i < expected.size(); ++i)
        EXPECT_EQ(ids[0][static_cast<std::int64_t>(i)].item<std::int64_t>(), expected[i]);
    EXPECT_EQ(ids[0][76].item<std::int64_t>(), 49407);
    const auto hidden = oracle.tensor("prompt_hidden");
    EXPECT_EQ(hidden.sizes(), (std::vector<std::int64_t>{1, 77, 768}));
    EXPECT_TRUE(torch::isfinite(hidden).all().item<bool>());
}

} // namespace
} // namespace deadiff::io
