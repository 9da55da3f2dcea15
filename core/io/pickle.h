// A restricted unpickler for the data.pkl of PyTorch checkpoints (torch.save, protocol 2+).
//
// It never imports or calls anything. It rebuilds plain containers and scalars, turns the
// allowlisted torch globals into tensor descriptions (storage key, dtype, offset, shape,
// strides), turns a short named list of harmless globals that real checkpoints carry into inert
// placeholders, and refuses every other GLOBAL with a FormatError naming it (see
// docs/conventions.md, "Checkpoint reading policy"). Stack, memo, value count and nesting depth
// are bounded, so hostile input costs at most memory proportional to its size.
//
// LibTorch-free so it can be fuzzed alone.
#pragma once

#include "core/io/dtype.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace deadiff::io {

// A storage referenced by a persistent id ('storage', torch.FloatStorage, key, location, numel).
struct PickleStorage {
    std::string key; // the archive entry is <folder>/data/<key>
    DType dtype = DType::F32;
    std::uint64_t numel = 0; // elements of `dtype`
};

// What torch._utils._rebuild_tensor_v2 would build: a strided view of a storage.
struct PickleTensor {
    const PickleStorage* storage = nullptr;
    std::int64_t storageOffset = 0; // in elements
    std::vector<std::int64_t> shape;
    std::vector<std::int64_t> strides; // in elements
};

struct PickleValue {
    enum class Kind {
        None,
        Bool,
        Int,
        Float,
        String, // str (UTF-8)
        Bytes,
        Tuple,
        List,
        Dict, // dict and collections.OrderedDict, in insertion order, duplicates kept
        Set,
        Global,  // an allowlisted global that was named but not (yet) used
        Inert,   // a harmless global (or what calling / instantiating it would give)
        Storage, // a persistent id
        Tensor,
    };

    Kind kind = Kind::None;
    bool boolean = false;
    std::int64_t integer = 0;
    double real = 0.0;
    std::string text;                      // String, Bytes; Global and Inert: "module.name"
    std::vector<const PickleValue*> items; // Tuple, List, Set
    std::vector<std::pair<const PickleValue*, const PickleValue*>> entries; // Dict
    const PickleStorage* storage = nullptr;                                 // Storage
    std::unique_ptr<PickleTensor> tensor;                                   // Tensor
    int depth = 0; // container nesting below this value (bounded)
};

const char* kindName(PickleValue::Kind kind);

// The result of unpickling: values live in an arena owned here (cycles made with the memo are
// harmless: nothing is freed recursively).
class PickleDocument {
public:
    const PickleValue& root() const { return *root_; }
    const std::vector<std::unique_ptr<PickleStorage>>& storages() const { return storages_; }

private:
    friend class Unpickler;
    std::vector<std::unique_ptr<PickleValue>> values_;
    std::vector<std::unique_ptr<PickleStorage>> storages_; // one per distinct key
    const PickleValue* root_ = nullptr;
};

struct UnpickleLimits {
    std::size_t maxValues = 4'000'000;
    std::size_t maxStack = 1'000'000;
    std::size_t maxMemo = 1'000'000;
    int maxDepth = 64;
};

// Throws FormatError naming `nameForErrors` and what is wrong (forbidden global, unknown
// opcode, truncated stream, bad arguments, limit exceeded).
PickleDocument unpickle(const std::uint8_t* data, std::size_t size,
                        const std::string& nameForErrors, const UnpickleLimits& limits = {});

} // namespace deadiff::io
