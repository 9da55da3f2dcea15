// The model catalogue: the shipped file's first entry is the issue's DEADiff checkpoint, and a
// catalogue with a wrong field is refused with a message naming the entry and the field.
#include "core/build_config.h"
#include "core/models/catalog.h"
#include "core/models/models_folder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

namespace deadiff::models {
namespace {

namespace fs = std::filesystem;

const char* const kDeadiffSha = "b485088b9e0134a53ea686929e385e78c22a16a965bdd4f78a94d1077eb828cf";

std::string entryJson(const std::string& fields) {
    return R"({"models": [{)" + fields + "}]}";
}

std::string validFields(const std::string& replace = {}, const std::string& with = {}) {
    std::string fields =
        R"("name": "x", "kind": "vae", "url": "https://example.org/a/x.safetensors", )"
        R"("size": 10, "sha256": ")" +
        std::string(kDeadiffSha) + R"(", "licence": "free")";
    if (!replace.empty())
        fields.replace(fields.find(replace), replace.size(), with);
    return fields;
}

std::string errorOf(const std::string& json) {
    try {
        parseCatalog(json, "test.json");
    } catch (const CatalogError& error) {
        return error.what();
    }
    return "(accepted)";
}

TEST(Catalog, TheShippedCatalogueStartsWithTheOfficialDeadiffWeights) {
    const std::string path = DEADIFF_SOURCE_DIR "/resources/model-catalog.json";
    const std::vector<CatalogEntry> catalog = readCatalog(path);
    ASSERT_FALSE(catalog.empty());
    const CatalogEntry& first = catalog.front();
    EXPECT_EQ(first.kind, "deadiff");
    EXPECT_EQ(first.url, "https://huggingface.co/qth/DEADiff/resolve/main/deadiff_v1.ckpt");
    EXPECT_EQ(first.fileName(), "deadiff_v1.ckpt");
    EXPECT_EQ(first.size, 7431519287u);
    EXPECT_EQ(first.sha256, kDeadiffSha);
    EXPECT_NE(first.licence.find("non-commercial"), std::string::npos) << first.licence;
    EXPECT_EQ(installPath(first, "/m"), "/m/deadiff/deadiff_v1.ckpt");
}

TEST(Catalog, AValidEntryIsReadWithItsHashInLowercase) {
    std::string upper = kDeadiffSha;
    for (char& c : upper)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const auto catalog = parseCatalog(entryJson(validFields(kDeadiffSha, upper)), "t");
    ASSERT_EQ(catalog.size(), 1u);
    EXPECT_EQ(catalog[0].sha256, kDeadiffSha);
    EXPECT_EQ(catalog[0].size, 10u);
    EXPECT_EQ(catalog[0].licence, "free");
    EXPECT_EQ(findEntry(catalog, "x"), &catalog[0]);
    EXPECT_EQ(findEntry(catalog, "y"), nullptr);
}

TEST(Catalog, TheFileNameIsTheUrlsLastSegmentDecoded) {
    CatalogEntry entry;
    entry.url = "https://host/repo/resolve/main/control%20v11.pth?download=true#x";
    EXPECT_EQ(entry.fileName(), "control v11.pth");
}

TEST(Catalog, BadEntriesAreRefusedNamingTheField) {
    EXPECT_NE(errorOf("{").find("not valid JSON"), std::string::npos);
    EXPECT_NE(errorOf(R"({"entries": []})").find("\"models\" array"), std::string::npos);
    EXPECT_NE(errorOf(entryJson(validFields("\"vae\"", "\"loras\""))).find("\"kind\" is \"loras\""),
              std::string::npos);
    EXPECT_NE(errorOf(entryJson(validFields("\"size\": 10", "\"size\": 0"))).find("\"size\""),
              std::string::npos);
    EXPECT_NE(errorOf(entryJson(validFields("\"size\": 10", "\"size\": -5"))).find("\"size\""),
              std::string::npos);
    EXPECT_NE(errorOf(entryJson(validFields(kDeadiffSha, "abc123"))).find("64 hexadecimal"),
              std::string::npos);
    EXPECT_NE(errorOf(entryJson(validFields("https://", "ftp://"))).find("https://"),
              std::string::npos);
    EXPECT_NE(errorOf(entryJson(validFields("/a/x.safetensors", "/a/.."))).find("plain file name"),
              std::string::npos);
    EXPECT_NE(errorOf(entryJson(validFields("/a/x.safetensors", "/a/"))).find("plain file name"),
              std::string::npos);
    EXPECT_NE(errorOf(entryJson(validFields("/a/x.safetensors", "/a/%2e%2e%2fetc")))
                  .find("plain file name"),
              std::string::npos);
    EXPECT_NE(errorOf(entryJson(validFields("\"licence\": \"free\"", "\"license\": \"free\"")))
                  .find("unknown key \"license\""),
              std::string::npos);
    const std::string missing = errorOf(entryJson(validFields(", \"licence\": \"free\"", "")));
    EXPECT_NE(missing.find("models[0] (\"x\"): \"licence\""), std::string::npos) << missing;
    const std::string twice = R"({"models": [{)" + validFields() + "}, {" + validFields() + "}]}";
    EXPECT_NE(errorOf(twice).find("appears twice"), std::string::npos);
}

TEST(Catalog, AStreamOrAHugeFileIsNotReadAsACatalogue) {
    EXPECT_THROW(readCatalog("/dev/zero"), CatalogError);
    EXPECT_THROW(readCatalog("/nonexistent/catalog.json"), CatalogError);
}

TEST(Catalog, EntryStatusSeesTheFileItsConversionAndADownloadInProgress) {
    const fs::path root =
        fs::temp_directory_path() / ("deadiff_catalog_" + std::to_string(std::random_device{}()));
    CatalogEntry entry;
    entry.kind = "deadiff";
    entry.url = "https://host/deadiff_v1.ckpt";
    EntryStatus status = entryStatus(entry, root.string());
    EXPECT_FALSE(status.installed);
    EXPECT_EQ(status.partialBytes, 0u);
    EXPECT_TRUE(status.converted.empty());

    fs::create_directories(root / "deadiff");
    std::ofstream(root / "deadiff" / "deadiff_v1.ckpt.part") << "12345";
    status = entryStatus(entry, root.string());
    EXPECT_FALSE(status.installed);
    EXPECT_EQ(status.partialBytes, 5u);

    std::ofstream(root / "deadiff" / "deadiff_v1.ckpt") << "x";
    std::ofstream(root / "deadiff" / "deadiff_v1.safetensors") << "x";
    status = entryStatus(entry, root.string());
    EXPECT_TRUE(status.installed);
    EXPECT_EQ(status.path, (root / "deadiff" / "deadiff_v1.ckpt").string());
    EXPECT_EQ(status.converted, (root / "deadiff" / "deadiff_v1.safetensors").string());
    fs::remove_all(root);
}

} // namespace
} // namespace deadiff::models
