// The model downloader against a real HTTP server on 127.0.0.1 (tests/support/http_test_server):
// a complete download; a connection cut half way and resumed (the server's log shows only the
// rest was sent); a restart of the process mid-download (a killed `deadiff models download`
// and a cancelled Downloader both leave a .part that the next one resumes); a wrong SHA-256;
// 404; a server that ignores Range; disk full before (free-space check) and during the
// transfer (RLIMIT_FSIZE); proxies from the environment. Nothing leaves 127.0.0.1: the proxy
// test's host name is under .invalid and the proxy is the test server.
#include "core/models/models_folder.h"
#include "net/downloader.h"
#include "tests/support/ckpt_writer.h"
#include "tests/support/http_test_server.h"
#include "tests/support/process.h"
#include "tests/support/test_bytes.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>

#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <thread>

extern char** environ;

namespace deadiff::net {
namespace {

namespace fs = std::filesystem;
using test::HttpTestServer;

constexpr std::size_t kPayloadSize = 3 << 20;

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The server's log, a line per request, for failure messages.
std::string describe(const std::vector<HttpTestServer::Request>& requests) {
    std::ostringstream text;
    for (const HttpTestServer::Request& request : requests)
        text << request.method << ' ' << request.target << " range=\"" << request.range
             << "\" status=" << request.status << " body=" << request.bodyBytesSent
             << (request.cut ? " cut" : "") << '\n';
    return text.str();
}

struct DownloadRun {
    DownloadOutcome outcome;
    QStringList notices;
    qint64 lastReceived = -1;
    bool sawRate = false;
    bool sawVerifying = false;
    bool progressWentBack = false;
};

class Downloads : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("deadiff_downloads_" + std::to_string(std::random_device{}()));
        fs::create_directories(dir_);
        payload_ = test::randomBytes(kPayloadSize, 7);
        server_.serve("/payload.bin", payload_);
        // The expected hash comes from coreutils, not from the code under test.
        sha256_ = test::sha256sumOfBytes(payload_, dir_.string());
        ASSERT_EQ(sha256_.size(), 64u);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string target() const { return (dir_ / "models" / "vae" / "payload.bin").string(); }
    std::string part() const { return target() + ".part"; }

    DownloadSpec spec(const std::string& path = "/payload.bin") const {
        DownloadSpec spec;
        spec.url = QUrl(QString::fromStdString(server_.url(path)));
        spec.target = QString::fromStdString(target());
        spec.size = static_cast<qint64>(payload_.size());
        spec.sha256 = QString::fromStdString(sha256_);
        return spec;
    }

    static DownloadOptions fastOptions() {
        DownloadOptions options;
        options.firstRetryDelayMs = 10;
        options.maxRetries = 3;
        options.transferTimeoutMs = 10000;
        return options;
    }

    // Runs one download to its end; `onProgress` may act on it (cancel) mid-way.
    static DownloadRun download(const DownloadSpec& spec, const DownloadOptions& options,
                                const std::function<void(Downloader&, qint64)>& onProgress = {}) {
        Downloader downloader(spec, options);
        DownloadRun result;
        bool finished = false;
        QEventLoop loop;
        QObject::connect(&downloader, &Downloader::progress,
                         [&](qint64 received, qint64, double rate, double) {
                             if (received < result.lastReceived)
                                 result.progressWentBack = true;
                             result.lastReceived = received;
                             result.sawRate = result.sawRate || rate > 0;
                             if (onProgress)
                                 onProgress(downloader, received);
                         });
        QObject::connect(&downloader, &Downloader::verifying,
                         [&](qint64, qint64) { result.sawVerifying = true; });
        QObject::connect(&downloader, &Downloader::notice,
                         [&](const QString& text) { result.notices << text; });
        QObject::connect(&downloader, &Downloader::finished, [&](const DownloadOutcome& outcome) {
            result.outcome = outcome;
            finished = true;
            loop.quit();
        });
        QTimer::singleShot(0, &downloader, &Downloader::start);
        QTimer::singleShot(60000, &loop, &QEventLoop::quit);
        loop.exec();
        EXPECT_TRUE(finished) << "the download did not finish within a minute";
        return result;
    }

    fs::path dir_;
    HttpTestServer server_;
    std::string payload_;
    std::string sha256_;
};

TEST_F(Downloads, ACompleteDownloadIsVerifiedAndRenamed) {
    const DownloadRun result = download(spec(), fastOptions());
    ASSERT_EQ(result.outcome.status, DownloadStatus::Done) << result.outcome.message.toStdString();
    EXPECT_TRUE(readFile(target()) == payload_);
    EXPECT_FALSE(fs::exists(part()));
    EXPECT_TRUE(result.sawVerifying);
    EXPECT_EQ(result.lastReceived, static_cast<qint64>(payload_.size()));
    EXPECT_FALSE(result.progressWentBack);
    const auto requests = server_.requests();
    ASSERT_EQ(requests.size(), 1u) << describe(requests);
    EXPECT_EQ(requests[0].range, "");
    EXPECT_EQ(requests[0].bodyBytesSent, payload_.size());

    // Asked again, nothing is fetched: the file is there.
    const DownloadRun again = download(spec(), fastOptions());
    EXPECT_EQ(again.outcome.status, DownloadStatus::Done);
    EXPECT_EQ(server_.requests().size(), 1u) << describe(server_.requests());
}

TEST_F(Downloads, ACutConnectionIsResumedAndOnlyTheRestIsSent) {
    server_.cutNextResponseAfter(payload_.size() / 2);
    const DownloadRun result = download(spec(), fastOptions());
    ASSERT_EQ(result.outcome.status, DownloadStatus::Done) << result.outcome.message.toStdString();
    EXPECT_TRUE(readFile(target()) == payload_);
    std::vector<HttpTestServer::Request> requests = server_.requests();
    // Qt's HTTP channel may itself send the cut GET once more when the end of the connection
    // reaches it in a certain state (an idempotent request after an unexpected end of file); that
    // copy has no reply behind it, so whatever it brings is dropped. Seen under load in about one
    // run in ten; it is Qt's, not the downloader's, whose requests are the first and the last.
    if (requests.size() == 3u && requests[1].range.empty() && requests[1].path == requests[0].path)
        requests.erase(requests.begin() + 1);
    ASSERT_EQ(requests.size(), 2u) << describe(server_.requests());
    EXPECT_TRUE(requests[0].cut);
    EXPECT_EQ(requests[0].bodyBytesSent, payload_.size() / 2);
    EXPECT_EQ(requests[1].range, "bytes=" + std::to_string(payload_.size() / 2) + "-");
    EXPECT_EQ(requests[1].status, 206);
    EXPECT_EQ(requests[1].bodyBytesSent, payload_.size() - payload_.size() / 2);
    EXPECT_TRUE(result.notices.join(' ').contains(QStringLiteral("resuming at")))
        << result.notices.join('\n').toStdString();
}

TEST_F(Downloads, ACancelledDownloadKeepsItsPartAndANewDownloaderResumesIt) {
    server_.setBytesPerSecond(4 << 20);
    const DownloadRun first =
        download(spec(), fastOptions(), [](Downloader& downloader, qint64 received) {
            if (received >= (512 << 10))
                downloader.cancel();
        });
    ASSERT_EQ(first.outcome.status, DownloadStatus::Cancelled)
        << first.outcome.message.toStdString();
    EXPECT_FALSE(fs::exists(target()));
    ASSERT_TRUE(fs::exists(part()));
    const std::uintmax_t kept = fs::file_size(part());
    EXPECT_GE(kept, 512u << 10);
    EXPECT_LT(kept, payload_.size());

    server_.setBytesPerSecond(0);
    const DownloadRun second = download(spec(), fastOptions());
    ASSERT_EQ(second.outcome.status, DownloadStatus::Done) << second.outcome.message.toStdString();
    EXPECT_TRUE(readFile(target()) == payload_);
    const auto requests = server_.requests();
    ASSERT_EQ(requests.size(), 2u) << describe(requests);
    EXPECT_EQ(requests[1].range, "bytes=" + std::to_string(kept) + "-");
    EXPECT_EQ(requests[1].bodyBytesSent, payload_.size() - kept);
    EXPECT_TRUE(second.notices.join(' ').contains(QStringLiteral("Resuming at")));
}

TEST_F(Downloads, AWrongHashKeepsNothingAndSaysSo) {
    DownloadSpec wrong = spec();
    wrong.sha256 = QString(64, QLatin1Char('0'));
    const DownloadRun result = download(wrong, fastOptions());
    ASSERT_EQ(result.outcome.status, DownloadStatus::HashMismatch);
    EXPECT_FALSE(result.outcome.retryable);
    EXPECT_TRUE(result.outcome.message.contains(QString::fromStdString(sha256_)))
        << result.outcome.message.toStdString();
    EXPECT_TRUE(result.outcome.message.contains(QStringLiteral("Nothing was kept")));
    EXPECT_FALSE(fs::exists(target()));
    EXPECT_FALSE(fs::exists(part()));
}

TEST_F(Downloads, NotFoundFailsAtOnceWithoutRetriesOrFiles) {
    const DownloadRun result = download(spec("/no-such-file.bin"), fastOptions());
    ASSERT_EQ(result.outcome.status, DownloadStatus::Failed);
    EXPECT_FALSE(result.outcome.retryable);
    EXPECT_TRUE(result.outcome.message.contains(QStringLiteral("404")))
        << result.outcome.message.toStdString();
    EXPECT_EQ(server_.requests().size(), 1u) << describe(server_.requests());
    EXPECT_FALSE(fs::exists(target()));
    EXPECT_FALSE(fs::exists(part()));
}

TEST_F(Downloads, AServerIgnoringRangeMakesItStartOverAndSaySo) {
    // Half of the file from an earlier attempt, with its second quarter damaged: a correct
    // result proves the download started from zero.
    fs::create_directories(fs::path(target()).parent_path());
    std::string earlier = payload_.substr(0, payload_.size() / 2);
    std::fill(earlier.begin() + static_cast<long>(earlier.size() / 2), earlier.end(), 'x');
    std::ofstream(part(), std::ios::binary) << earlier;
    server_.setIgnoreRange(true);
    const DownloadRun result = download(spec(), fastOptions());
    ASSERT_EQ(result.outcome.status, DownloadStatus::Done) << result.outcome.message.toStdString();
    EXPECT_TRUE(readFile(target()) == payload_);
    const auto requests = server_.requests();
    ASSERT_EQ(requests.size(), 1u) << describe(requests);
    EXPECT_EQ(requests[0].range, "bytes=" + std::to_string(earlier.size()) + "-");
    EXPECT_EQ(requests[0].status, 200);
    EXPECT_TRUE(result.notices.join(' ').contains(QStringLiteral("ignored the request to resume")))
        << result.notices.join('\n').toStdString();
}

TEST_F(Downloads, TooLittleFreeSpaceIsRefusedBeforeAnyRequest) {
    DownloadOptions options = fastOptions();
    options.freeSpace = [](const std::string&) { return std::uint64_t{1} << 20; };
    const DownloadRun result = download(spec(), options);
    ASSERT_EQ(result.outcome.status, DownloadStatus::DiskFull);
    EXPECT_TRUE(result.outcome.retryable);
    EXPECT_TRUE(result.outcome.message.contains(QStringLiteral("3.15 MB more")))
        << result.outcome.message.toStdString();
    EXPECT_TRUE(result.outcome.message.contains(QStringLiteral("only 1.05 MB is free")))
        << result.outcome.message.toStdString();
    EXPECT_TRUE(server_.requests().empty());
    EXPECT_FALSE(fs::exists(part()));
}

// The disk fills half way: RLIMIT_FSIZE makes the kernel refuse writes past 1 MiB (EFBIG), as
// a full disk refuses them with ENOSPC. What was written stays; the next run resumes there.
TEST_F(Downloads, ADiskFullMidwayKeepsWhatWasWrittenAndResumesLater) {
    struct rlimit saved {};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
    const auto previous = std::signal(SIGXFSZ, SIG_IGN); // a write fails instead of killing us
    struct rlimit limited = saved;
    limited.rlim_cur = 1 << 20;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
    const DownloadRun full = download(spec(), fastOptions());
    ::setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, previous);
    ASSERT_EQ(full.outcome.status, DownloadStatus::DiskFull) << full.outcome.message.toStdString();
    EXPECT_TRUE(full.outcome.retryable);
    EXPECT_TRUE(full.outcome.message.contains(QStringLiteral("no room to write")))
        << full.outcome.message.toStdString();
    ASSERT_TRUE(fs::exists(part()));
    EXPECT_EQ(fs::file_size(part()), 1u << 20);
    EXPECT_FALSE(fs::exists(target()));

    const DownloadRun resumed = download(spec(), fastOptions());
    ASSERT_EQ(resumed.outcome.status, DownloadStatus::Done)
        << resumed.outcome.message.toStdString();
    EXPECT_TRUE(readFile(target()) == payload_);
    const auto requests = server_.requests();
    ASSERT_GE(requests.size(), 2u) << describe(requests);
    EXPECT_EQ(requests.back().range, "bytes=" + std::to_string(1 << 20) + "-");
    EXPECT_EQ(requests.back().bodyBytesSent, payload_.size() - (1 << 20));
}

TEST_F(Downloads, AServerFileOfAnotherSizeIsRefused) {
    DownloadSpec bigger = spec();
    bigger.size += 1;
    const DownloadRun result = download(bigger, fastOptions());
    ASSERT_EQ(result.outcome.status, DownloadStatus::Failed);
    EXPECT_TRUE(result.outcome.message.contains(QStringLiteral("the catalogue says")))
        << result.outcome.message.toStdString();
    EXPECT_FALSE(fs::exists(part()));
}

TEST_F(Downloads, RedirectsAreFollowed) {
    server_.redirect("/resolve/main/payload.bin", "/payload.bin");
    const DownloadRun result = download(spec("/resolve/main/payload.bin"), fastOptions());
    ASSERT_EQ(result.outcome.status, DownloadStatus::Done) << result.outcome.message.toStdString();
    EXPECT_TRUE(readFile(target()) == payload_);
}

// Sets an environment variable for one test.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const std::string& value)
        : name_(name) {
        if (const char* old = std::getenv(name))
            old_ = old, had_ = true;
        ::setenv(name, value.c_str(), 1);
    }
    ~ScopedEnv() {
        if (had_)
            ::setenv(name_, old_.c_str(), 1);
        else
            ::unsetenv(name_);
    }

private:
    const char* name_;
    std::string old_;
    bool had_ = false;
};

TEST_F(Downloads, TheProxyComesFromTheEnvironment) {
    // The test server is the proxy: a proxied request names the whole URL.
    const ScopedEnv proxy("http_proxy", server_.url(""));
    DownloadSpec viaProxy = spec();
    viaProxy.url = QUrl(QStringLiteral("http://models.example.invalid/payload.bin"));
    const DownloadRun result = download(viaProxy, fastOptions());
    ASSERT_EQ(result.outcome.status, DownloadStatus::Done) << result.outcome.message.toStdString();
    const auto requests = server_.requests();
    ASSERT_EQ(requests.size(), 1u) << describe(requests);
    EXPECT_EQ(requests[0].target, "http://models.example.invalid/payload.bin");
    EXPECT_EQ(requests[0].host, "models.example.invalid");
}

TEST_F(Downloads, LoopbackHostsBypassTheProxy) {
    const ScopedEnv proxy("http_proxy", "http://127.0.0.1:9"); // nothing listens there
    const DownloadRun result = download(spec(), fastOptions());
    ASSERT_EQ(result.outcome.status, DownloadStatus::Done) << result.outcome.message.toStdString();
    ASSERT_EQ(server_.requests().size(), 1u) << describe(server_.requests());
    EXPECT_EQ(server_.requests()[0].target, "/payload.bin");
}

// ---- the `deadiff models download` process ----

class CliDownloads : public Downloads {
protected:
    void SetUp() override {
        Downloads::SetUp();
        dataHome_ = (dir_ / "data").string();
    }

    std::string writeCatalog(const std::string& name, const std::string& kind,
                             const std::string& path, std::size_t size, const std::string& sha) {
        const fs::path catalog = dir_ / "catalog.json";
        std::ofstream(catalog) << R"({"models": [{"name": ")" << name << R"(", "kind": ")" << kind
                               << R"(", "url": ")" << server_.url(path) << R"(", "size": )" << size
                               << R"(, "sha256": ")" << sha
                               << R"(", "licence": "test data, free to use"}]})";
        return catalog.string();
    }

    std::vector<std::string> env() const {
        return {"XDG_DATA_HOME=" + dataHome_, "no_proxy=127.0.0.1,localhost"};
    }

    std::string installed(const std::string& kind, const std::string& file) const {
        return (fs::path(dataHome_) / "deadiff" / "models" / kind / file).string();
    }

    std::string dataHome_;
};

// The process is killed (no clean-up at all) a third of the way; a new process resumes from the
// bytes the .part file holds and fetches only the rest.
TEST_F(CliDownloads, AKilledProcessLeavesAPartThatTheNextProcessResumes) {
    const std::string catalog =
        writeCatalog("payload", "vae", "/payload.bin", payload_.size(), sha256_);
    const std::string partPath = installed("vae", "payload.bin") + ".part";
    server_.setBytesPerSecond(2 << 20);

    // (--no-convert: a .bin is a pickle by name, but this one is random bytes.)
    const std::vector<std::string> argv = {DEADIFF_CLI_EXE, "models", "download",    "payload",
                                           "--catalog",     catalog,  "--no-convert"};
    std::vector<char*> args;
    for (const std::string& arg : argv)
        args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> extra = env();
    std::vector<char*> environment;
    for (char** entry = environ; *entry != nullptr; ++entry)
        environment.push_back(*entry);
    for (std::string& entry : extra)
        environment.push_back(entry.data());
    environment.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid = 0;
    ASSERT_EQ(
        ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environment.data()),
        0);
    posix_spawn_file_actions_destroy(&actions);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::error_code ec;
    while (std::chrono::steady_clock::now() < deadline &&
           (!fs::exists(partPath, ec) || fs::file_size(partPath, ec) < payload_.size() / 3))
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    ASSERT_TRUE(fs::exists(partPath));
    const std::uintmax_t kept = fs::file_size(partPath);
    ASSERT_GE(kept, payload_.size() / 3);
    ASSERT_LT(kept, payload_.size());

    server_.setBytesPerSecond(0);
    const auto second = test::runProcess(argv, env());
    ASSERT_EQ(second.exitCode, 0) << second.err;
    EXPECT_NE(second.err.find("Resuming at"), std::string::npos) << second.err;
    EXPECT_NE(second.err.find("licence test data, free to use"), std::string::npos) << second.err;
    EXPECT_TRUE(readFile(installed("vae", "payload.bin")) == payload_);
    const auto requests = server_.requests();
    ASSERT_EQ(requests.size(), 2u) << describe(requests);
    EXPECT_EQ(requests[1].range, "bytes=" + std::to_string(kept) + "-");
    EXPECT_EQ(requests[1].bodyBytesSent, payload_.size() - kept);
}

TEST_F(CliDownloads, ExitStatusesTellFailuresApart) {
    const auto notFound =
        test::runProcess({DEADIFF_CLI_EXE, "models", "download", "payload", "--catalog",
                          writeCatalog("payload", "vae", "/missing.bin", payload_.size(), sha256_)},
                         env());
    EXPECT_EQ(notFound.exitCode, 1) << notFound.err;
    EXPECT_NE(notFound.err.find("HTTP 404"), std::string::npos) << notFound.err;

    const auto wrongHash = test::runProcess(
        {DEADIFF_CLI_EXE, "models", "download", "payload", "--catalog",
         writeCatalog("payload", "vae", "/payload.bin", payload_.size(), std::string(64, 'a'))},
        env());
    EXPECT_EQ(wrongHash.exitCode, 1) << wrongHash.err;
    EXPECT_NE(wrongHash.err.find("Nothing was kept"), std::string::npos) << wrongHash.err;
    EXPECT_FALSE(fs::exists(installed("vae", "payload.bin")));
    EXPECT_FALSE(fs::exists(installed("vae", "payload.bin.part")));

    // Nothing listens on the port any more: a network failure is worth retrying (75).
    std::string deadUrl;
    {
        HttpTestServer gone;
        deadUrl = gone.url("/payload.bin");
    }
    const fs::path catalog = dir_ / "dead.json";
    std::ofstream(catalog) << R"({"models": [{"name": "payload", "kind": "vae", "url": ")"
                           << deadUrl << R"(", "size": 10, "sha256": ")" << std::string(64, 'a')
                           << R"(", "licence": "x"}]})";
    const auto refused = test::runProcess({DEADIFF_CLI_EXE, "models", "download", "payload",
                                           "--catalog", catalog.string(), "--retries", "0"},
                                          env());
    EXPECT_EQ(refused.exitCode, 75) << refused.err;
    EXPECT_NE(refused.err.find("Gave up"), std::string::npos) << refused.err;

    const auto unknown = test::runProcess(
        {DEADIFF_CLI_EXE, "models", "download", "nothing", "--catalog", catalog.string()}, env());
    EXPECT_EQ(unknown.exitCode, 2);
    EXPECT_NE(unknown.err.find("has: payload"), std::string::npos) << unknown.err;
}

// A pickle checkpoint is converted once after its download; the name then means the
// safetensors file, so the checkpoint is never unpickled again.
TEST_F(CliDownloads, APickleIsConvertedOnceAndItsNameResolvesToTheConversion) {
    test::CkptSpec ckpt;
    ckpt.tensors.push_back({"first_stage_model.w", "FloatStorage", "0", 6, 0, {2, 3}, {3, 1}});
    ckpt.storages["0"] = std::string(24, '\x01');
    const std::string bytes = test::makeTorchCheckpoint(ckpt);
    server_.serve("/tiny.ckpt", bytes);
    const std::string sha = test::sha256sumOfBytes(bytes, dir_.string());
    const std::string catalog = writeCatalog("tiny", "controlnet", "/tiny.ckpt", bytes.size(), sha);

    const auto result = test::runProcess(
        {DEADIFF_CLI_EXE, "models", "download", "tiny", "--catalog", catalog}, env());
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const std::string converted = installed("controlnet", "tiny.safetensors");
    EXPECT_TRUE(fs::exists(installed("controlnet", "tiny.ckpt")));
    ASSERT_TRUE(fs::exists(converted)) << result.out << result.err;
    EXPECT_NE(result.out.find("converted: " + converted), std::string::npos) << result.out;
    const auto inspect = test::runProcess({DEADIFF_CLI_EXE, "inspect", converted, "--keys"});
    EXPECT_NE(inspect.out.find("first_stage_model.w"), std::string::npos) << inspect.out;
    const std::string root = (fs::path(dataHome_) / "deadiff" / "models").string();
    EXPECT_EQ(models::resolveModel("tiny", "controlnet", root), converted);

    // Asked again: already there, nothing fetched, nothing converted twice.
    const auto again = test::runProcess(
        {DEADIFF_CLI_EXE, "models", "download", "tiny", "--catalog", catalog}, env());
    EXPECT_EQ(again.exitCode, 0) << again.err;
    EXPECT_NE(again.out.find("already downloaded"), std::string::npos) << again.out;
    EXPECT_EQ(server_.requests().size(), 1u) << describe(server_.requests());
}

} // namespace
} // namespace deadiff::net

int main(int argc, char** argv) {
    // No test may reach beyond 127.0.0.1: the tests that want a proxy set it themselves.
    for (const char* name : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy",
                             "ALL_PROXY", "no_proxy", "NO_PROXY"})
        ::unsetenv(name);
    QCoreApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
