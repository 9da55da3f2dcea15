// Every kind of file the product reads goes through io::BoundedFile: a stream with no end
// (/dev/zero, a FIFO with or without a writer), a socket or a folder given as any of them is
// refused at once with a message naming the path, and no file is read past its bound. Each
// probe runs in a forked child with a deadline and an address-space limit, so a reader that
// would block forever or read /dev/zero into memory fails the test instead of hanging the suite
// or the machine.
#include "core/batch/batch_job.h"
#include "core/batch/manifest.h"
#include "core/depth/depth_estimator.h"
#include "core/image/image_io.h"
#include "core/io/bounded_file.h"
#include "core/io/png.h"
#include "core/io/weight_file.h"
#include "core/pipeline/model_config.h"
#include "core/tokenize/bert_tokenizer.h"
#include "core/tokenize/clip_tokenizer.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

namespace deadiff::io {
namespace {

namespace fs = std::filesystem;

// Child exit codes of probe().
constexpr int kRefusedNamingPath = 0;
constexpr int kReturnedNormally = 10;
constexpr int kMessageLacksPath = 11;
constexpr int kOutOfMemory = 12;

std::uint64_t virtualMemorySize() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmSize:", 0) == 0)
            return std::stoull(line.substr(7)) * 1024;
    return 0;
}

struct ProbeResult {
    int exitCode = -1; // -1: killed by a signal
    int signal = 0;
    double seconds = 0;
    std::string describe() const {
        if (signal == SIGALRM)
            return "blocked (killed after the deadline)";
        if (signal != 0)
            return std::string("killed by signal ") + strsignal(signal);
        switch (exitCode) {
        case kRefusedNamingPath:
            return "refused naming the path";
        case kReturnedNormally:
            return "read it without complaint";
        case kMessageLacksPath:
            return "refused without naming the path";
        case kOutOfMemory:
            return "ran out of memory reading it";
        default:
            return "exit code " + std::to_string(exitCode);
        }
    }
};

// Runs `read(path)` in a child process that has 5 s and 1 GiB of address space beyond what
// the test process already maps.
ProbeResult probe(const std::function<void(const std::string&)>& read, const std::string& path) {
    const std::uint64_t limit = virtualMemorySize() + (std::uint64_t{1} << 30);
    const auto start = std::chrono::steady_clock::now();
    const pid_t child = ::fork();
    if (child == 0) {
        const rlimit as{limit, limit};
        ::setrlimit(RLIMIT_AS, &as);
        ::alarm(5);
        int code = kReturnedNormally;
        try {
            read(path);
        } catch (const std::bad_alloc&) {
            code = kOutOfMemory;
        } catch (const std::exception& error) {
            code = std::string(error.what()).find(path) != std::string::npos ? kRefusedNamingPath
                                                                             : kMessageLacksPath;
        }
        ::_exit(code);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    ProbeResult result;
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (WIFEXITED(status))
        result.exitCode = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.signal = WTERMSIG(status);
    return result;
}

class BoundedFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("deadiff-bounded-" + std::to_string(::getpid()));
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        if (socket_ >= 0)
            ::close(socket_);
        fs::remove_all(dir_);
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }
    // A FIFO with no writer: open(O_RDONLY) on it blocks until one comes.
    std::string fifo(const std::string& name) {
        const std::string at = path(name);
        EXPECT_EQ(::mkfifo(at.c_str(), 0600), 0) << std::strerror(errno);
        return at;
    }
    std::string socketFile(const std::string& name) {
        const std::string at = path(name);
        socket_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::strncpy(address.sun_path, at.c_str(), sizeof address.sun_path - 1);
        EXPECT_EQ(::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
        return at;
    }
    void write(const std::string& name, const std::string& content) {
        std::ofstream(path(name), std::ios::binary) << content;
    }
    fs::path dir_;
    int socket_ = -1;
};

TEST_F(BoundedFileTest, ReadsARegularFileWhole) {
    write("a.txt", "hello");
    const std::vector<std::uint8_t> bytes = readBoundedFile(path("a.txt"), 5, "test file");
    EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "hello");
    EXPECT_EQ(readBoundedTextFile(path("a.txt"), 100, "test file"), "hello");
    EXPECT_EQ(BoundedFile::open(path("a.txt"), 5, "test file").readHead(3).size(), 3u);
    EXPECT_EQ(BoundedFile::open(path("a.txt"), 5, "test file").readHead(99).size(), 5u);
}

TEST_F(BoundedFileTest, RefusesAFileOverItsBoundBeforeReading) {
    write("big.json", std::string(1001, 'x'));
    try {
        BoundedFile::open(path("big.json"), 1000, "batch job");
        FAIL() << "a file over the bound was opened";
    } catch (const FileAccessError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find(path("big.json")), std::string::npos) << message;
        EXPECT_NE(message.find("1001 bytes"), std::string::npos) << message;
        EXPECT_NE(message.find("batch job"), std::string::npos) << message;
    }
}

TEST_F(BoundedFileTest, AFileWhoseSizeLiesIsCutAtTheBound) {
    // /proc files report size 0 and produce text when read: the bound holds all the same.
    const std::string maps = "/proc/self/maps";
    EXPECT_GT(readBoundedFile(maps, 1 << 24, "test file").size(), 0u);
    EXPECT_THROW(readBoundedFile(maps, 16, "test file"), FileAccessError);
}

TEST_F(BoundedFileTest, NamesWhatIsNotARegularFile) {
    const std::string pipe = fifo("pipe");
    const std::string socket = socketFile("sock");
    const struct {
        std::string path;
        std::string kind;
    } cases[] = {{"/dev/zero", "character device"},
                 {pipe, "FIFO"},
                 {socket, "socket"},
                 {dir_.string(), "folder"},
                 {path("absent.png"), "no such file"}};
    for (const auto& c : cases) {
        const std::string problem = regularFileProblem(c.path, "image");
        EXPECT_NE(problem.find(c.path), std::string::npos) << problem;
        EXPECT_NE(problem.find(c.kind), std::string::npos) << problem;
        try {
            BoundedFile::open(c.path, 1 << 20, "image");
            ADD_FAILURE() << c.path << " was opened";
        } catch (const FileAccessError& error) {
            EXPECT_EQ(std::string(error.what()), problem);
        }
    }
    write("ok.png", "x");
    EXPECT_EQ(regularFileProblem(path("ok.png"), "image"), "");
}

// Each reader the product has, as the product calls it.
struct Reader {
    const char* kind;
    std::function<void(const std::string&)> read;
};

std::vector<Reader> everyReader() {
    return {
        {"style/content image", [](const std::string& p) { image::readImageRgb(p); }},
        {"depth map", [](const std::string& p) { image::readImageGrayFloat(p); }},
        {"weights (model, ControlNet)", [](const std::string& p) { WeightFile::open(p); }},
        {"model.json", [](const std::string& p) { pipeline::readModelConfig(p); }},
        {"CLIP vocabulary",
         [](const std::string& p) { tokenize::ClipTokenizer::fromBpeArchive(p); }},
        {"CLIP vocab.json",
         [](const std::string& p) { tokenize::ClipTokenizer::fromVocabAndMerges(p, p); }},
        {"BERT vocabulary", [](const std::string& p) { tokenize::BertTokenizer::load(p); }},
        {"depth model", [](const std::string& p) { depth::DepthEstimator::load(p); }},
        {"batch job", [](const std::string& p) { batch::loadBatchJob(p); }},
        {"PNG dropped on the studio", [](const std::string& p) { readPngText(p); }},
    };
}

TEST_F(BoundedFileTest, EveryReaderRefusesEndlessStreamsAtOnce) {
    // A FIFO with no writer blocks open(); /dev/zero never ends; a FIFO that a writer keeps
    // filling never ends either.
    const std::string silent = fifo("silent.png");
    const std::string busy = fifo("busy.png");
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        const int fd = ::open(busy.c_str(), O_RDWR | O_NONBLOCK); // never blocks, keeps it open
        const std::string chunk(4096, 'z');
        while (!stop.load())
            if (::write(fd, chunk.data(), chunk.size()) < 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
        ::close(fd);
    });
    for (const Reader& reader : everyReader()) {
        for (const std::string& input : {std::string("/dev/zero"), silent, busy}) {
            const ProbeResult result = probe(reader.read, input);
            EXPECT_EQ(result.exitCode, kRefusedNamingPath)
                << reader.kind << " given " << input << ": " << result.describe();
            EXPECT_LT(result.seconds, 2.0) << reader.kind << " given " << input;
        }
    }
    stop = true;
    writer.join();
}

TEST_F(BoundedFileTest, EveryReaderRefusesFoldersAndSockets) {
    const std::string socket = socketFile("sock");
    const std::string folder = path("folder.png");
    fs::create_directories(folder);
    for (const Reader& reader : everyReader()) {
        for (const std::string& input : {folder, socket}) {
            const ProbeResult result = probe(reader.read, input);
            EXPECT_EQ(result.exitCode, kRefusedNamingPath)
                << reader.kind << " given " << input << ": " << result.describe();
        }
    }
}

TEST_F(BoundedFileTest, ABatchManifestThatIsAFifoIsTreatedAsDamaged) {
    fifo("manifest.json");
    const ProbeResult result = probe(
        [](const std::string& folder) {
            if (!batch::readManifestBaseSeed(folder))
                throw std::runtime_error(folder + ": no seed");
        },
        dir_.string());
    EXPECT_EQ(result.exitCode, kRefusedNamingPath) << result.describe();
}

} // namespace
} // namespace deadiff::io
