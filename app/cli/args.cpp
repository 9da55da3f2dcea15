#include "app/cli/args.h"

#include <cerrno>
#include <cstdlib>
#include <sstream>

namespace deadiff::cli {

Args::Args(std::string synopsis, std::string description)
    : synopsis_(std::move(synopsis))
    , description_(std::move(description)) {}

Args& Args::flag(const std::string& name, const std::string& help) {
    specs_.push_back({name, {}, help, {}, false, false});
    return *this;
}

Args& Args::option(const std::string& name, const std::string& metavar, const std::string& help,
                   const std::string& defaultValue) {
    specs_.push_back({name, metavar, help, defaultValue, true, false});
    return *this;
}

Args& Args::repeatable(const std::string& name, const std::string& metavar,
                       const std::string& help) {
    specs_.push_back({name, metavar, help, {}, true, true});
    return *this;
}

Args& Args::positional(const std::string& name, const std::string& help, bool required) {
    positionals_.push_back({name, help, required});
    return *this;
}

const Args::Spec* Args::findSpec(const std::string& name) const {
    for (const Spec& spec : specs_)
        if (spec.name == name)
            return &spec;
    return nullptr;
}

void Args::parse(const std::vector<std::string>& argv) {
    std::vector<std::string> loose;
    bool onlyPositionals = false;
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        if (onlyPositionals || arg.size() < 2 || arg[0] != '-' || arg == "-") {
            loose.push_back(arg);
            continue;
        }
        if (arg == "--") {
            onlyPositionals = true;
            continue;
        }
        if (arg == "--help" || arg == "-h") {
            helpRequested_ = true;
            continue;
        }
        std::string name = arg;
        std::string inlineValue;
        bool hasInline = false;
        if (const auto eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
            name = arg.substr(0, eq);
            inlineValue = arg.substr(eq + 1);
            hasInline = true;
        }
        const Spec* spec = findSpec(name);
        if (spec == nullptr)
            throw UsageError("unknown option '" + name + "'");
        std::vector<std::string>& slot = given_[spec->name];
        if (!spec->takesValue) {
            if (hasInline)
                throw UsageError("option '" + name + "' takes no value");
            slot.emplace_back();
            occurrences_.emplace_back(spec->name, std::string());
            continue;
        }
        if (!spec->multiple && !slot.empty())
            throw UsageError("option '" + name + "' given more than once");
        if (hasInline) {
            slot.push_back(inlineValue);
        } else {
            if (i + 1 >= argv.size())
                throw UsageError("option '" + name + "' needs a value (" + spec->metavar + ")");
            slot.push_back(argv[++i]);
        }
        occurrences_.emplace_back(spec->name, slot.back());
    }
    if (helpRequested_)
        return;
    if (loose.size() > positionals_.size()) {
        throw UsageError("unexpected argument '" + loose[positionals_.size()] + "'");
    }
    for (size_t i = 0; i < positionals_.size(); ++i) {
        if (i < loose.size())
            positionalValues_[positionals_[i].name] = loose[i];
        else if (positionals_[i].required)
            throw UsageError("missing " + positionals_[i].name);
    }
}

bool Args::has(const std::string& name) const {
    const auto it = given_.find(name);
    return it != given_.end() && !it->second.empty();
}

std::string Args::value(const std::string& name) const {
    const auto it = given_.find(name);
    if (it != given_.end() && !it->second.empty())
        return it->second.back();
    const Spec* spec = findSpec(name);
    return spec != nullptr ? spec->defaultValue : std::string();
}

std::vector<std::string> Args::values(const std::string& name) const {
    const auto it = given_.find(name);
    return it != given_.end() ? it->second : std::vector<std::string>{};
}

std::string Args::positionalValue(const std::string& name) const {
    const auto it = positionalValues_.find(name);
    return it != positionalValues_.end() ? it->second : std::string();
}

long long Args::integer(const std::string& name) const {
    const std::string text = value(name);
    errno = 0;
    char* end = nullptr;
    const long long parsed = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE)
        throw UsageError("option '" + name + "' expects an integer, got '" + text + "'");
    return parsed;
}

double Args::number(const std::string& name) const {
    const std::string text = value(name);
    errno = 0;
    char* end = nullptr;
    const double parsed = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno == ERANGE)
        throw UsageError("option '" + name + "' expects a number, got '" + text + "'");
    return parsed;
}

std::string Args::help() const {
    std::ostringstream out;
    out << "Usage: deadiff " << synopsis_ << "\n\n" << description_ << "\n";
    if (!positionals_.empty()) {
        out << "\nArguments:\n";
        for (const Positional& p : positionals_)
            out << "  " << p.name << std::string(p.name.size() < 24 ? 24 - p.name.size() : 1, ' ')
                << p.help << (p.required ? "" : " (optional)") << "\n";
    }
    out << "\nOptions:\n";
    for (const Spec& spec : specs_) {
        std::string left = spec.name + (spec.takesValue ? " " + spec.metavar : "");
        out << "  " << left << std::string(left.size() < 24 ? 24 - left.size() : 1, ' ')
            << spec.help;
        if (spec.multiple)
            out << " (repeatable)";
        if (!spec.defaultValue.empty())
            out << " [default: " << spec.defaultValue << "]";
        out << "\n";
    }
    out << "  --help" << std::string(18, ' ') << "show this help\n";
    return out.str();
}

} // namespace deadiff::cli
