#include "app/cli/commands.h"

#include <iostream>

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    return deadiff::cli::runCli(args, {std::cout, std::cerr});
}
