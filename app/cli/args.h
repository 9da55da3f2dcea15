// A small declarative command-line parser for the `deadiff` subcommands: options with values
// (`--steps 30`, `--steps=30`), repeatable options (`--style a.png --style b.png`), flags and
// positionals, with generated help. Errors are UsageError with a message naming the option.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace deadiff::cli {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Args {
public:
    // `synopsis` is the usage line after "deadiff", e.g. "inspect [options] FILE".
    Args(std::string synopsis, std::string description);

    Args& flag(const std::string& name, const std::string& help);
    Args& option(const std::string& name, const std::string& metavar, const std::string& help,
                 const std::string& defaultValue = {});
    Args& repeatable(const std::string& name, const std::string& metavar, const std::string& help);
    Args& positional(const std::string& name, const std::string& help, bool required = true);

    // Throws UsageError. "--help"/"-h" sets helpRequested() and skips required checks.
    void parse(const std::vector<std::string>& argv);

    bool helpRequested() const { return helpRequested_; }
    bool has(const std::string& name) const;
    std::string value(const std::string& name) const;
    std::vector<std::string> values(const std::string& name) const;
    // Every option given, in command-line order (name, value): for options that attach to the
    // one before them (--hint after --control).
    const std::vector<std::pair<std::string, std::string>>& occurrences() const {
        return occurrences_;
    }
    std::string positionalValue(const std::string& name) const;

    // Typed accessors; a malformed number is a UsageError naming the option.
    long long integer(const std::string& name) const;
    double number(const std::string& name) const;

    std::string help() const;

private:
    struct Spec {
        std::string name;
        std::string metavar;
        std::string help;
        std::string defaultValue;
        bool takesValue = false;
        bool multiple = false;
    };
    struct Positional {
        std::string name;
        std::string help;
        bool required = true;
    };

    const Spec* findSpec(const std::string& name) const;

    std::string synopsis_;
    std::string description_;
    std::vector<Spec> specs_;
    std::vector<Positional> positionals_;
    std::map<std::string, std::vector<std::string>> given_;
    std::vector<std::pair<std::string, std::string>> occurrences_;
    std::map<std::string, std::string> positionalValues_;
    bool helpRequested_ = false;
};

} // namespace deadiff::cli
