#include "app/cli/args.h"
#include "app/cli/commands.h"
#include "app/cli/progress.h"

#include "core/io/sha256.h"
#include "core/models/catalog.h"
#include "core/models/models_folder.h"
#include "core/models/partial_download.h"
#include "core/pipeline/default_model.h"
#include "core/runtime/units.h"

#ifdef DEADIFF_HAVE_DOWNLOADER
#include "net/downloader.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTimer>
#endif

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <ostream>

namespace deadiff::cli {
namespace {

namespace fs = std::filesystem;

const char* const kModelsUsage =
    "Usage: deadiff models list [--catalog FILE]\n"
    "       deadiff models download NAME [--catalog FILE] [--no-convert]\n"
    "       deadiff models verify [NAME] [--catalog FILE]\n\n"
    "The models folder holds the weights that --model, --control and --depth-model find by\n"
    "name: $XDG_DATA_HOME/deadiff/models (default ~/.local/share/deadiff/models), with the\n"
    "folders deadiff/ base/ vae/ controlnet/ lora/ taesd/ depth/ and any you add.\n\n"
    "  list      what is in the models folder, downloads in progress, and what the catalogue\n"
    "            offers\n"
    "  download  fetch a catalogue entry: resumable, verified by SHA-256 before it is used;\n"
    "            a pickle checkpoint is then converted once to safetensors\n"
    "  verify    check the SHA-256 of downloaded models against the catalogue\n\n"
    "Run 'deadiff models <action> --help' for the options of an action.\n";

volatile std::sig_atomic_t interrupted = 0;

void onInterrupt(int) {
    interrupted = 1;
}

void addCatalogOption(Args& args) {
    args.option("--catalog", "FILE",
                "model catalogue (JSON, docs/models.md) [default: the one shipped with DEADiff "
                "Studio]");
}

std::string catalogPathFrom(const Args& args) {
    if (args.has("--catalog"))
        return args.value("--catalog");
    const std::string path = models::defaultCatalogPath();
    if (path.empty())
        throw std::runtime_error("the shipped model catalogue (model-catalog.json) is not "
                                 "installed; pass --catalog FILE");
    return path;
}

std::vector<models::CatalogEntry> loadCatalog(const Args& args) {
    try {
        return models::readCatalog(catalogPathFrom(args));
    } catch (const models::CatalogError& error) {
        throw UsageError(error.what());
    }
}

std::string requireRoot() {
    const std::string root = models::modelsRoot();
    if (root.empty())
        throw std::runtime_error("no models folder: neither XDG_DATA_HOME nor HOME is set");
    return root;
}

std::string percent(std::uint64_t part, std::uint64_t whole) {
    char text[16];
    std::snprintf(text, sizeof text, "%.0f%%",
                  whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / whole);
    return text;
}

std::string padded(const std::string& text, std::size_t width) {
    return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

int runList(const std::vector<std::string>& argv, Streams io) {
    Args args("models list [--catalog FILE]",
              "List the models folder (each model by the name --model, --control and\n"
              "--depth-model accept), downloads in progress, and the catalogue's models that are\n"
              "not downloaded yet.");
    addCatalogOption(args);
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    const std::string root = requireRoot();
    const models::ModelsListing listing = models::listModels(root);
    io.out << "models folder: " << root << (fs::is_directory(root) ? "" : " (does not exist yet)")
           << "\n";
    // Folders with models, kinds first; the empty ones are named once, so the layout shows.
    std::vector<std::string> folders;
    for (const models::InstalledModel& model : listing.models)
        if (std::find(folders.begin(), folders.end(), model.kind) == folders.end())
            folders.push_back(model.kind);
    for (const std::string& folder : folders) {
        io.out << "  " << folder << "/\n";
        for (const models::InstalledModel& model : listing.models)
            if (model.kind == folder)
                io.out << "    " << padded(model.name, 28) << padded(humanBytes(model.bytes), 10)
                       << fs::path(model.path).filename().string()
                       << (model.modelFolder ? "/ (model folder)" : "") << "\n";
    }
    std::string empty;
    for (const std::string& kind : models::modelKinds())
        if (std::find(folders.begin(), folders.end(), kind) == folders.end())
            empty += " " + kind + "/";
    if (!empty.empty())
        io.out << "  " << (folders.empty() ? "no models yet; the folders are" : "empty:") << empty
               << "\n";
    if (const std::string demo = pipeline::bundledModelDir(); !demo.empty())
        io.out << "bundled demo model (the default without --model): " << demo << "\n";

    std::vector<models::CatalogEntry> catalog;
    try {
        catalog = models::readCatalog(catalogPathFrom(args));
    } catch (const std::exception& error) {
        io.err << "deadiff models list: the catalogue is not usable: " << error.what() << "\n";
    }
    std::map<std::string, const models::CatalogEntry*> byPath;
    for (const models::CatalogEntry& entry : catalog)
        byPath[models::installPath(entry, root)] = &entry;
    if (!listing.partial.empty()) {
        io.out << "downloads in progress (run the download again to resume):\n";
        for (const models::PartialFile& part : listing.partial) {
            const auto entry = byPath.find(fs::path(part.path).replace_extension().string());
            io.out << "    " << padded(part.kind + "/" + part.fileName, 36)
                   << humanBytes(part.bytes);
            if (entry != byPath.end())
                io.out << " of " << humanBytes(entry->second->size) << " ("
                       << percent(part.bytes, entry->second->size) << "): deadiff models download "
                       << entry->second->name;
            io.out << "\n";
        }
    }
    bool header = false;
    for (const models::CatalogEntry& entry : catalog) {
        const models::EntryStatus status = models::entryStatus(entry, root);
        if (status.installed || status.partialBytes > 0)
            continue;
        if (!header)
            io.out << "in the catalogue, not downloaded:\n";
        header = true;
        io.out << "    " << padded(entry.name, 28) << padded(humanBytes(entry.size), 10)
               << entry.kind << "/  deadiff models download " << entry.name << "\n";
    }
    return kExitOk;
}

// What `deadiff models verify` found for one file.
bool verifyFile(const std::string& label, const std::string& path, const std::string& expected,
                Streams io) {
    ProgressBar bar(io.err);
    int reportedTenth = -1;
    const std::string actual = io::sha256OfFile(path, [&](std::uint64_t done, std::uint64_t total) {
        const int tenth = total == 0 ? 10 : static_cast<int>(done * 10 / total);
        if (tenth != reportedTenth) {
            reportedTenth = tenth;
            bar.line("verify " + label + ": " + humanBytes(done) + " of " + humanBytes(total));
        }
        return true;
    });
    bar.finish();
    if (actual == expected) {
        io.out << "ok        " << label << "  " << path << "\n";
        return true;
    }
    io.out << "MISMATCH  " << label << "  " << path << "\n"
           << "          expected " << expected << "\n"
           << "          found    " << actual << "\n"
           << "          the file is damaged or not the catalogue's: delete it and download "
              "again\n";
    return false;
}

int runVerify(const std::vector<std::string>& argv, Streams io) {
    Args args("models verify [NAME] [--catalog FILE]",
              "Recompute the SHA-256 of the downloaded models (or of NAME) and compare with the\n"
              "catalogue. Exit status 1 when a file does not match or NAME is not downloaded.");
    args.positional("NAME", "only this catalogue entry", false);
    addCatalogOption(args);
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    const std::string root = requireRoot();
    const std::vector<models::CatalogEntry> catalog = loadCatalog(args);
    const std::string only = args.positionalValue("NAME");
    if (!only.empty() && models::findEntry(catalog, only) == nullptr)
        throw UsageError("'" + only + "' is not in the catalogue (deadiff models list shows it)");
    bool allGood = true;
    int checked = 0;
    for (const models::CatalogEntry& entry : catalog) {
        if (!only.empty() && entry.name != only)
            continue;
        const models::EntryStatus status = models::entryStatus(entry, root);
        if (!status.installed) {
            if (!only.empty()) {
                io.out << "missing   " << entry.name << "  " << status.path
                       << (status.partialBytes > 0 ? " (download in progress)" : "") << "\n";
                allGood = false;
            }
            continue;
        }
        ++checked;
        allGood = verifyFile(entry.name, status.path, entry.sha256, io) && allGood;
        if (!status.converted.empty())
            io.out << "          converted to " << status.converted << "\n";
    }
    if (only.empty()) {
        std::map<std::string, bool> known;
        for (const models::CatalogEntry& entry : catalog) {
            const std::string path = models::installPath(entry, root);
            known[path] = true;
            known[models::convertedPath(path)] = true;
        }
        for (const models::InstalledModel& model : models::listModels(root).models)
            if (known.count(model.path) == 0)
                io.out << "unknown   " << model.kind << "/" << model.name
                       << "  not in the catalogue: no hash to check\n";
        io.out << checked << " downloaded model" << (checked == 1 ? "" : "s") << " checked\n";
    }
    return allGood ? kExitOk : kExitFailure;
}

// After a verified pickle download: convert once, so the checkpoint is never unpickled again
// (the name then resolves to the .safetensors).
int convertDownloaded(const std::string& path, Streams io) {
    const std::string output = models::convertedPath(path);
    std::error_code ec;
    if (fs::exists(output, ec)) {
        io.out << "converted: " << output << "\n";
        return kExitOk;
    }
    try {
        const std::uint64_t needed = io::tensorBytes(path);
        const std::uint64_t available = models::freeSpace(fs::path(path).parent_path().string());
        if (available < needed + (std::uint64_t{64} << 20)) {
            io.err << "not converted to safetensors: that needs " << humanBytes(needed) << " and "
                   << humanBytes(available) << " is free. Later: deadiff convert " << path << " "
                   << output << "\n";
            return kExitOk;
        }
        io.err << "converting to safetensors once, so the checkpoint is never unpickled again\n";
        convertReporting(path, output, io.err);
    } catch (const std::exception& error) {
        io.err << "deadiff models download: the download is complete and verified, but the "
                  "conversion to safetensors failed: "
               << error.what() << "\n";
        return kExitFailure;
    }
    io.out << "converted: " << output << " (you may delete " << fs::path(path).filename().string()
           << " to free " << humanBytes(fs::file_size(path, ec)) << ")\n";
    return kExitOk;
}

#ifdef DEADIFF_HAVE_DOWNLOADER

int exitCodeFor(const net::DownloadOutcome& outcome) {
    switch (outcome.status) {
    case net::DownloadStatus::Done:
        return kExitOk;
    case net::DownloadStatus::Cancelled:
        return kExitCancelled;
    case net::DownloadStatus::DiskFull:
        return kExitRetry;
    case net::DownloadStatus::HashMismatch:
        return kExitFailure;
    case net::DownloadStatus::Failed:
        break;
    }
    return outcome.retryable ? kExitRetry : kExitFailure;
}

// Runs the download on a local event loop; Ctrl+C cancels it (the .part file stays).
net::DownloadOutcome downloadBlocking(const models::CatalogEntry& entry, const std::string& target,
                                      int retries, Streams io) {
    std::unique_ptr<QCoreApplication> app;
    static int argc = 1;
    static char name[] = "deadiff";
    static char* argv[] = {name, nullptr};
    if (QCoreApplication::instance() == nullptr)
        app = std::make_unique<QCoreApplication>(argc, argv);

    net::DownloadSpec spec;
    spec.url = QUrl(QString::fromStdString(entry.url));
    spec.target = QString::fromStdString(target);
    spec.size = static_cast<qint64>(entry.size);
    spec.sha256 = QString::fromStdString(entry.sha256);
    net::DownloadOptions options;
    options.maxRetries = retries;
    net::Downloader downloader(spec, options);
    ProgressBar bar(io.err);
    net::DownloadOutcome outcome;
    QEventLoop loop;
    int shownPercent = -1;
    QObject::connect(&downloader, &net::Downloader::progress,
                     [&](qint64 received, qint64 total, double rate, double secondsLeft) {
                         // A log gets a line per percent, a terminal every update.
                         const int whole = total > 0 ? static_cast<int>(received * 100 / total) : 0;
                         if (!bar.interactive() && whole == shownPercent)
                             return;
                         shownPercent = whole;
                         std::string line = "download: " + humanBytes(received) + " of " +
                                            humanBytes(total) + " (" + percent(received, total) +
                                            ")";
                         if (rate > 0)
                             line += "  " + humanBytes(static_cast<std::uint64_t>(rate)) + "/s";
                         if (secondsLeft >= 0)
                             line += "  ETA " + formatDuration(secondsLeft);
                         bar.line(line);
                     });
    QObject::connect(&downloader, &net::Downloader::verifying, [&](qint64 hashed, qint64 total) {
        bar.line("verify SHA-256: " + humanBytes(hashed) + " of " + humanBytes(total));
    });
    QObject::connect(&downloader, &net::Downloader::notice, [&](const QString& text) {
        bar.finish();
        io.err << text.toStdString() << "\n" << std::flush;
    });
    QObject::connect(&downloader, &net::Downloader::finished,
                     [&](const net::DownloadOutcome& result) {
                         outcome = result;
                         loop.quit();
                     });
    interrupted = 0;
    const auto previous = std::signal(SIGINT, onInterrupt);
    QTimer interruptPoll;
    QObject::connect(&interruptPoll, &QTimer::timeout, [&] {
        if (interrupted != 0)
            downloader.cancel();
    });
    interruptPoll.start(100);
    QTimer::singleShot(0, &downloader, &net::Downloader::start);
    loop.exec();
    std::signal(SIGINT, previous);
    bar.finish();
    return outcome;
}

#endif

int runDownload(const std::vector<std::string>& argv, Streams io) {
    Args args("models download NAME [--catalog FILE] [--no-convert]",
              "Download a catalogue entry into the models folder. The size and the free space\n"
              "are checked first; the data goes to NAME.part and is resumed (HTTP Range) after\n"
              "an interruption, Ctrl+C or a restart: run the same command again. The file gets\n"
              "its name only after its SHA-256 matched the catalogue; a wrong hash keeps\n"
              "nothing. Proxies: http_proxy, https_proxy, no_proxy. A pickle checkpoint\n"
              "(.ckpt/.pth) is then converted once to .safetensors, which names resolve to.\n"
              "Exit status: 0 done, 1 failed (HTTP error, wrong hash), 2 bad arguments or\n"
              "catalogue, 75 worth retrying (network, disk space), 130 interrupted.");
    args.positional("NAME", "the catalogue entry (deadiff models list shows them)");
    addCatalogOption(args);
    args.flag("--no-convert", "keep a pickle checkpoint as it is (no safetensors conversion)");
    args.option("--retries", "N",
                "attempts after a network failure that brought no new byte (2 s, 4 s, ... apart)",
                "6");
    args.parse(argv);
    if (args.helpRequested()) {
        io.out << args.help();
        return kExitOk;
    }
    const std::string root = requireRoot();
    const std::vector<models::CatalogEntry> catalog = loadCatalog(args);
    const std::string name = args.positionalValue("NAME");
    const models::CatalogEntry* entry = models::findEntry(catalog, name);
    if (entry == nullptr) {
        std::string names;
        for (const models::CatalogEntry& known : catalog)
            names += (names.empty() ? "" : ", ") + known.name;
        throw UsageError("'" + name + "' is not in the catalogue; it has: " +
                         (names.empty() ? "nothing" : names));
    }
    const models::EntryStatus status = models::entryStatus(*entry, root);
    const bool convert = models::isPickleFile(status.path) && !args.has("--no-convert");
    if (status.installed) {
        io.out << "already downloaded: " << status.path << " (deadiff models verify " << entry->name
               << " checks it)\n";
        return convert ? convertDownloaded(status.path, io) : kExitOk;
    }
    io.err << entry->name << " (" << entry->kind << ", " << humanBytes(entry->size) << ")\n"
           << "  from    " << entry->url << "\n"
           << "  into    " << status.path << "\n"
           << "  sha256  " << entry->sha256 << "\n"
           << "  licence " << entry->licence << "\n"
           << std::flush;
#ifdef DEADIFF_HAVE_DOWNLOADER
    const long long retries = args.integer("--retries");
    if (retries < 0 || retries > 100)
        throw UsageError("option '--retries' must be between 0 and 100");
    const net::DownloadOutcome outcome =
        downloadBlocking(*entry, status.path, static_cast<int>(retries), io);
    if (outcome.status != net::DownloadStatus::Done) {
        io.err << "deadiff models download: " << outcome.message.toStdString() << "\n";
        return exitCodeFor(outcome);
    }
    io.err << outcome.message.toStdString() << "\n";
    io.out << status.path << "\n";
    return convert ? convertDownloaded(status.path, io) : kExitOk;
#else
    io.err << "deadiff models download: this deadiff was built without Qt Network, so it cannot "
              "download. Fetch the URL above with any tool into "
           << status.path << ", then check it with: deadiff models verify " << entry->name << "\n";
    return kExitFailure;
#endif
}

} // namespace

int runModels(const std::vector<std::string>& argv, Streams io) {
    if (argv.empty()) {
        io.err << kModelsUsage;
        return kExitUsage;
    }
    const std::string& action = argv.front();
    const std::vector<std::string> rest(argv.begin() + 1, argv.end());
    if (action == "--help" || action == "-h") {
        io.out << kModelsUsage;
        return kExitOk;
    }
    if (action == "list")
        return runList(rest, io);
    if (action == "download")
        return runDownload(rest, io);
    if (action == "verify")
        return runVerify(rest, io);
    throw UsageError("unknown action '" + action + "' (list, download or verify)");
}

std::string modelsHint() {
    return " (a path, or a name from 'deadiff models list': " + models::modelsRoot() + ")";
}

} // namespace deadiff::cli
