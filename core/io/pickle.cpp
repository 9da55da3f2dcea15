#include "core/io/pickle.h"

#include "core/io/bytes.h"

#include "core/io/format_error.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <unordered_map>

namespace deadiff::io {
namespace {

constexpr std::size_t kMaxGlobalNameLength = 512;
constexpr std::size_t kMaxRank = 32;

enum class GlobalRole {
    OrderedDict,
    RebuildTensorV2,
    RebuildParameter,
    StorageType,
    Inert,
};

struct AllowedGlobal {
    const char* name;
    GlobalRole role;
    DType dtype; // StorageType only
};

// docs/conventions.md, "Checkpoint reading policy". Nothing else is accepted.
constexpr AllowedGlobal kAllowedGlobals[] = {
    {"collections.OrderedDict", GlobalRole::OrderedDict, DType::F32},
    {"torch._utils._rebuild_tensor_v2", GlobalRole::RebuildTensorV2, DType::F32},
    {"torch._utils._rebuild_parameter", GlobalRole::RebuildParameter, DType::F32},
    {"torch.DoubleStorage", GlobalRole::StorageType, DType::F64},
    {"torch.FloatStorage", GlobalRole::StorageType, DType::F32},
    {"torch.HalfStorage", GlobalRole::StorageType, DType::F16},
    {"torch.BFloat16Storage", GlobalRole::StorageType, DType::BF16},
    {"torch.LongStorage", GlobalRole::StorageType, DType::I64},
    {"torch.IntStorage", GlobalRole::StorageType, DType::I32},
    {"torch.ShortStorage", GlobalRole::StorageType, DType::I16},
    {"torch.CharStorage", GlobalRole::StorageType, DType::I8},
    {"torch.ByteStorage", GlobalRole::StorageType, DType::U8},
    {"torch.BoolStorage", GlobalRole::StorageType, DType::Bool},
    // Newer PyTorch names untyped (byte) storages this way.
    {"torch.UntypedStorage", GlobalRole::StorageType, DType::U8},
    {"torch.storage.UntypedStorage", GlobalRole::StorageType, DType::U8},
    {"torch.storage._UntypedStorage", GlobalRole::StorageType, DType::U8},
    // Harmless globals real checkpoints carry (Lightning callbacks, numpy scores, versions):
    // inert placeholders, never imported, never called.
    {"pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint", GlobalRole::Inert, DType::F32},
    {"numpy.core.multiarray.scalar", GlobalRole::Inert, DType::F32},
    {"numpy.dtype", GlobalRole::Inert, DType::F32},
    {"_codecs.encode", GlobalRole::Inert, DType::F32},
    {"torch.torch_version.TorchVersion", GlobalRole::Inert, DType::F32},
};

const AllowedGlobal* findAllowed(const std::string& qualifiedName) {
    for (const AllowedGlobal& allowed : kAllowedGlobals)
        if (qualifiedName == allowed.name)
            return &allowed;
    return nullptr;
}

} // namespace

const char* kindName(PickleValue::Kind kind) {
    switch (kind) {
    case PickleValue::Kind::None:
        return "None";
    case PickleValue::Kind::Bool:
        return "bool";
    case PickleValue::Kind::Int:
        return "int";
    case PickleValue::Kind::Float:
        return "float";
    case PickleValue::Kind::String:
        return "str";
    case PickleValue::Kind::Bytes:
        return "bytes";
    case PickleValue::Kind::Tuple:
        return "tuple";
    case PickleValue::Kind::List:
        return "list";
    case PickleValue::Kind::Dict:
        return "dict";
    case PickleValue::Kind::Set:
        return "set";
    case PickleValue::Kind::Global:
        return "global";
    case PickleValue::Kind::Inert:
        return "inert object";
    case PickleValue::Kind::Storage:
        return "storage";
    case PickleValue::Kind::Tensor:
        return "tensor";
    }
    return "?";
}

class Unpickler {
public:
    Unpickler(const std::uint8_t* data, std::size_t size, const std::string& name,
              const UnpickleLimits& limits)
        : data_(data)
        , size_(size)
        , name_(name)
        , limits_(limits) {}

    PickleDocument run() {
        for (;;) {
            opcodePosition_ = position_;
            const std::uint8_t opcode = readByte();
            if (opcode == '.') { // STOP
                document_.root_ = pop();
                return std::move(document_);
            }
            step(opcode);
        }
    }

private:
    using Kind = PickleValue::Kind;

    [[noreturn]] void fail(const std::string& what) const {
        throw FormatError(name_ + ": cannot read the checkpoint's pickle: " + what + " (at byte " +
                          std::to_string(opcodePosition_) + ")");
    }

    // ---- input
    std::uint8_t readByte() {
        if (position_ >= size_)
            fail("the pickle ends without STOP (truncated?)");
        return data_[position_++];
    }
    const std::uint8_t* readBytes(std::uint64_t count) {
        if (count > size_ - position_)
            fail("the pickle ends inside a value of " + std::to_string(count) +
                 " bytes (truncated?)");
        const std::uint8_t* bytes = data_ + position_;
        position_ += static_cast<std::size_t>(count);
        return bytes;
    }
    std::uint64_t readUnsigned(int byteCount) {
        return readLittleEndian(readBytes(static_cast<std::uint64_t>(byteCount)), byteCount);
    }
    std::string readLine() {
        std::string line;
        for (;;) {
            const std::uint8_t byte = readByte();
            if (byte == '\n')
                return line;
            if (line.size() >= kMaxGlobalNameLength)
                fail("a GLOBAL name is longer than " + std::to_string(kMaxGlobalNameLength));
            line.push_back(static_cast<char>(byte));
        }
    }

    // ---- values
    PickleValue* make(Kind kind) {
        if (document_.values_.size() >= limits_.maxValues)
            fail("more than " + std::to_string(limits_.maxValues) + " values");
        document_.values_.push_back(std::make_unique<PickleValue>());
        PickleValue* value = document_.values_.back().get();
        value->kind = kind;
        return value;
    }
    PickleValue* makeInt(std::int64_t integer) {
        PickleValue* value = make(Kind::Int);
        value->integer = integer;
        return value;
    }
    PickleValue* makeText(Kind kind, const std::uint8_t* bytes, std::uint64_t size) {
        PickleValue* value = make(kind);
        value->text.assign(reinterpret_cast<const char*>(bytes), static_cast<std::size_t>(size));
        return value;
    }
    void adopt(PickleValue* parent, const PickleValue* child) {
        parent->depth = std::max(parent->depth, child->depth + 1);
        if (parent->depth > limits_.maxDepth)
            fail("containers nested deeper than " + std::to_string(limits_.maxDepth));
    }

    // ---- stack
    void push(PickleValue* value) {
        if (stack_.size() >= limits_.maxStack)
            fail("the stack grows beyond " + std::to_string(limits_.maxStack) + " entries");
        stack_.push_back(value);
    }
    PickleValue* pop() {
        if (stack_.size() <= floor())
            fail("stack underflow");
        PickleValue* value = stack_.back();
        stack_.pop_back();
        return value;
    }
    PickleValue* top() {
        if (stack_.size() <= floor())
            fail("stack underflow");
        return stack_.back();
    }
    std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
    // Pops everything above the last MARK, and the mark.
    std::vector<PickleValue*> popMark() {
        if (marks_.empty())
            fail("no MARK on the stack");
        const std::size_t mark = marks_.back();
        marks_.pop_back();
        std::vector<PickleValue*> items(stack_.begin() + static_cast<std::ptrdiff_t>(mark),
                                        stack_.end());
        stack_.resize(mark);
        return items;
    }
    PickleValue* expect(PickleValue* value, Kind kind, const char* what) {
        if (value->kind != kind)
            fail(std::string(what) + " expects a " + kindName(kind) + ", got a " +
                 kindName(value->kind));
        return value;
    }

    // ---- memo
    void memoize(std::uint64_t index, PickleValue* value) {
        if (memo_.size() >= limits_.maxMemo && memo_.find(index) == memo_.end())
            fail("the memo grows beyond " + std::to_string(limits_.maxMemo) + " entries");
        memo_[index] = value;
    }
    PickleValue* recall(std::uint64_t index) {
        const auto it = memo_.find(index);
        if (it == memo_.end())
            fail("memo entry " + std::to_string(index) + " was never stored");
        return it->second;
    }

    // ---- containers
    PickleValue* makeSequence(Kind kind, const std::vector<PickleValue*>& items) {
        PickleValue* value = make(kind);
        value->items.reserve(items.size());
        for (PickleValue* item : items) {
            adopt(value, item);
            value->items.push_back(item);
        }
        return value;
    }
    void appendTo(PickleValue* target, const std::vector<PickleValue*>& items, const char* op) {
        if (target->kind != Kind::List && target->kind != Kind::Set)
            fail(std::string(op) + " on a " + kindName(target->kind) + ", not a list");
        for (PickleValue* item : items) {
            adopt(target, item);
            target->items.push_back(item);
        }
    }
    void setItems(PickleValue* target, const std::vector<PickleValue*>& keysAndValues,
                  const char* op) {
        if (target->kind != Kind::Dict)
            fail(std::string(op) + " on a " + kindName(target->kind) + ", not a dict");
        if (keysAndValues.size() % 2 != 0)
            fail(std::string(op) + " with an odd number of keys and values");
        for (std::size_t i = 0; i < keysAndValues.size(); i += 2) {
            adopt(target, keysAndValues[i]);
            adopt(target, keysAndValues[i + 1]);
            target->entries.emplace_back(keysAndValues[i], keysAndValues[i + 1]);
        }
    }

    // ---- globals
    PickleValue* global(const std::string& module, const std::string& name) {
        const std::string qualified = module + "." + name;
        if (findAllowed(qualified) == nullptr)
            fail("refuses global '" + printableBytes(qualified) +
                 "': loading it would import and possibly run code. Only tensors, plain "
                 "containers and a few known harmless globals are allowed; do not load files "
                 "from untrusted sources");
        PickleValue* value = make(Kind::Global);
        value->text = qualified;
        return value;
    }
    const AllowedGlobal& roleOf(const PickleValue* callable, const char* op) {
        if (callable->kind != Kind::Global)
            fail(std::string(op) + " of a " + kindName(callable->kind) + ", not a global");
        return *findAllowed(callable->text);
    }

    std::int64_t nonNegative(const PickleValue* value, const char* what) {
        if (value->kind != Kind::Int && value->kind != Kind::Bool)
            fail(std::string(what) + " must be an int, got a " + kindName(value->kind));
        if (value->kind == Kind::Int && value->integer < 0)
            fail(std::string(what) + " is negative (" + std::to_string(value->integer) + ")");
        return value->kind == Kind::Int ? value->integer : value->boolean;
    }
    std::vector<std::int64_t> dimensions(const PickleValue* value, const char* what) {
        if (value->kind != Kind::Tuple && value->kind != Kind::List)
            fail(std::string(what) + " must be a tuple, got a " + kindName(value->kind));
        if (value->items.size() > kMaxRank)
            fail(std::string(what) + " has more than " + std::to_string(kMaxRank) + " dimensions");
        std::vector<std::int64_t> result;
        for (const PickleValue* item : value->items)
            result.push_back(nonNegative(item, what));
        return result;
    }

    PickleValue* rebuildTensor(const PickleValue* arguments) {
        const auto& args = arguments->items;
        if (args.size() < 6 || args.size() > 7)
            fail("_rebuild_tensor_v2 takes 6 or 7 arguments, got " + std::to_string(args.size()));
        if (args[0]->kind != Kind::Storage)
            fail("_rebuild_tensor_v2 expects a storage, got a " +
                 std::string(kindName(args[0]->kind)));
        auto tensor = std::make_unique<PickleTensor>();
        tensor->storage = args[0]->storage;
        tensor->storageOffset = nonNegative(args[1], "a tensor's storage offset");
        tensor->shape = dimensions(args[2], "a tensor's size");
        tensor->strides = dimensions(args[3], "a tensor's stride");
        if (tensor->shape.size() != tensor->strides.size())
            fail("a tensor's size and stride differ in length");
        if (args[5]->kind != Kind::Dict)
            fail("a tensor's backward hooks must be a dict");

        // Elements addressed: offset + sum((size - 1) * stride) must lie inside the storage.
        const std::uint64_t storageNumel = tensor->storage->numel;
        bool empty = false;
        for (const std::int64_t size : tensor->shape)
            empty = empty || size == 0;
        std::uint64_t last = static_cast<std::uint64_t>(tensor->storageOffset);
        std::uint64_t numel = 1;
        bool overflow = false;
        for (std::size_t d = 0; d < tensor->shape.size() && !empty; ++d) {
            const auto size = static_cast<std::uint64_t>(tensor->shape[d]);
            const auto stride = static_cast<std::uint64_t>(tensor->strides[d]);
            if (stride != 0 &&
                size - 1 > (std::numeric_limits<std::uint64_t>::max() - last) / stride)
                overflow = true;
            else
                last += (size - 1) * stride;
            if (numel > std::numeric_limits<std::uint64_t>::max() / size)
                overflow = true;
            else
                numel *= size;
        }
        if (overflow)
            fail("a tensor's size and stride overflow");
        if (!empty && last >= storageNumel)
            fail("a tensor (offset " + std::to_string(tensor->storageOffset) +
                 ") reaches element " + std::to_string(last) + " of storage '" +
                 printableBytes(tensor->storage->key) + "' which has " +
                 std::to_string(storageNumel) + " elements");
        if (empty && static_cast<std::uint64_t>(tensor->storageOffset) > storageNumel)
            fail("an empty tensor's offset lies past storage '" +
                 printableBytes(tensor->storage->key) + "'");

        PickleValue* value = make(Kind::Tensor);
        value->tensor = std::move(tensor);
        return value;
    }

    PickleValue* reduce(PickleValue* callable, PickleValue* arguments) {
        const AllowedGlobal& allowed = roleOf(callable, "REDUCE");
        expect(arguments, Kind::Tuple, "REDUCE");
        switch (allowed.role) {
        case GlobalRole::OrderedDict:
            if (!arguments->items.empty())
                fail("collections.OrderedDict called with arguments");
            return make(Kind::Dict);
        case GlobalRole::RebuildTensorV2:
            return rebuildTensor(arguments);
        case GlobalRole::RebuildParameter:
            if (arguments->items.empty() || arguments->items[0]->kind != Kind::Tensor)
                fail("_rebuild_parameter expects a tensor");
            return const_cast<PickleValue*>(arguments->items[0]);
        case GlobalRole::Inert: {
            PickleValue* value = make(Kind::Inert);
            value->text = callable->text;
            return value;
        }
        case GlobalRole::StorageType:
            break;
        }
        fail("'" + callable->text + "' cannot be called");
    }

    PickleValue* instantiate(PickleValue* cls) {
        const AllowedGlobal& allowed = roleOf(cls, "NEWOBJ");
        if (allowed.role == GlobalRole::OrderedDict)
            return make(Kind::Dict);
        if (allowed.role != GlobalRole::Inert)
            fail("'" + cls->text + "' cannot be instantiated");
        PickleValue* value = make(Kind::Inert);
        value->text = cls->text;
        return value;
    }

    PickleValue* persistentLoad(PickleValue* id) {
        // ('storage', storage_type, key, location, numel)
        if (id->kind != Kind::Tuple || id->items.size() != 5 ||
            id->items[0]->kind != Kind::String || id->items[0]->text != "storage")
            fail("unsupported persistent id (expected ('storage', type, key, location, numel))");
        const PickleValue* type = id->items[1];
        if (type->kind != Kind::Global || findAllowed(type->text)->role != GlobalRole::StorageType)
            fail("persistent id names a " + std::string(kindName(type->kind)) +
                 (type->kind == Kind::Global ? " '" + type->text + "'" : std::string()) +
                 ", not a storage type");
        const PickleValue* key = id->items[2];
        if (key->kind != Kind::String)
            fail("a storage key must be a string");
        if (id->items[3]->kind != Kind::String)
            fail("a storage location must be a string");
        const std::uint64_t numel =
            static_cast<std::uint64_t>(nonNegative(id->items[4], "a storage size"));
        const DType dtype = findAllowed(type->text)->dtype;
        if (numel > std::numeric_limits<std::uint64_t>::max() / itemSize(dtype))
            fail("storage '" + printableBytes(key->text) + "' is impossibly large");

        PickleStorage*& storage = storagesByKey_[key->text];
        if (storage == nullptr) {
            document_.storages_.push_back(
                std::make_unique<PickleStorage>(PickleStorage{key->text, dtype, numel}));
            storage = document_.storages_.back().get();
        } else if (storage->dtype != dtype || storage->numel != numel) {
            fail("storage '" + printableBytes(key->text) +
                 "' is referenced with different types or sizes");
        }
        PickleValue* value = make(Kind::Storage);
        value->storage = storage;
        return value;
    }

    void step(std::uint8_t opcode) {
        switch (opcode) {
        case 0x80: { // PROTO
            const std::uint8_t version = readByte();
            if (version < 2 || version > 5)
                fail("unsupported pickle protocol " + std::to_string(version));
            return;
        }
        case 0x95: // FRAME: framing only groups opcodes; the length is not needed
            readBytes(8);
            return;
        case '(': // MARK
            if (marks_.size() >= limits_.maxStack)
                fail("too many MARKs");
            marks_.push_back(stack_.size());
            return;
        case '0': // POP
            pop();
            return;
        case '1': // POP_MARK
            popMark();
            return;
        case '2': // DUP
            push(top());
            return;
        case 'N':
            push(make(Kind::None));
            return;
        case 0x88:   // NEWTRUE
        case 0x89: { // NEWFALSE
            PickleValue* value = make(Kind::Bool);
            value->boolean = opcode == 0x88;
            push(value);
            return;
        }
        case 'J': // BININT
            push(makeInt(static_cast<std::int32_t>(static_cast<std::uint32_t>(readUnsigned(4)))));
            return;
        case 'K': // BININT1
            push(makeInt(static_cast<std::int64_t>(readUnsigned(1))));
            return;
        case 'M': // BININT2
            push(makeInt(static_cast<std::int64_t>(readUnsigned(2))));
            return;
        case 0x8a:   // LONG1
        case 0x8b: { // LONG4
            const std::uint64_t length = readUnsigned(opcode == 0x8a ? 1 : 4);
            if (length > 8)
                fail("an integer of " + std::to_string(length) + " bytes is too large");
            const std::uint8_t* bytes = readBytes(length);
            std::uint64_t value = readLittleEndian(bytes, static_cast<int>(length));
            if (length > 0 && length < 8 && (bytes[length - 1] & 0x80) != 0)
                value |= ~std::uint64_t{0} << (8 * length); // sign-extend
            push(makeInt(static_cast<std::int64_t>(value)));
            return;
        }
        case 'G': { // BINFLOAT, big-endian
            const std::uint64_t bits = readBigEndian(readBytes(8), 8);
            PickleValue* value = make(Kind::Float);
            std::memcpy(&value->real, &bits, sizeof bits);
            push(value);
            return;
        }
        case 'X':   // BINUNICODE
        case 0x8c:  // SHORT_BINUNICODE
        case 0x8d:  // BINUNICODE8
        case 'T':   // BINSTRING (Python 2 str)
        case 'U': { // SHORT_BINSTRING
            const int lengthBytes = opcode == 0x8c || opcode == 'U' ? 1 : opcode == 0x8d ? 8 : 4;
            const std::uint64_t length = readUnsigned(lengthBytes);
            push(makeText(Kind::String, readBytes(length), length));
            return;
        }
        case 'B':    // BINBYTES
        case 'C':    // SHORT_BINBYTES
        case 0x8e: { // BINBYTES8
            const int lengthBytes = opcode == 'C' ? 1 : opcode == 0x8e ? 8 : 4;
            const std::uint64_t length = readUnsigned(lengthBytes);
            push(makeText(Kind::Bytes, readBytes(length), length));
            return;
        }
        case '}': // EMPTY_DICT
            push(make(Kind::Dict));
            return;
        case ']': // EMPTY_LIST
            push(make(Kind::List));
            return;
        case ')': // EMPTY_TUPLE
            push(make(Kind::Tuple));
            return;
        case 0x8f: // EMPTY_SET
            push(make(Kind::Set));
            return;
        case 't': // TUPLE
            push(makeSequence(Kind::Tuple, popMark()));
            return;
        case 'l': // LIST
            push(makeSequence(Kind::List, popMark()));
            return;
        case 0x91: // FROZENSET
            push(makeSequence(Kind::Set, popMark()));
            return;
        case 0x85:   // TUPLE1
        case 0x86:   // TUPLE2
        case 0x87: { // TUPLE3
            const std::size_t count = opcode - 0x84u;
            if (stack_.size() < floor() + count)
                fail("stack underflow");
            std::vector<PickleValue*> items(stack_.end() - static_cast<std::ptrdiff_t>(count),
                                            stack_.end());
            stack_.resize(stack_.size() - count);
            push(makeSequence(Kind::Tuple, items));
            return;
        }
        case 'd': { // DICT
            PickleValue* dict = make(Kind::Dict);
            setItems(dict, popMark(), "DICT");
            push(dict);
            return;
        }
        case 'a': { // APPEND
            PickleValue* item = pop();
            appendTo(top(), {item}, "APPEND");
            return;
        }
        case 'e': { // APPENDS
            const auto items = popMark();
            appendTo(top(), items, "APPENDS");
            return;
        }
        case 0x90: { // ADDITEMS
            const auto items = popMark();
            PickleValue* target = top();
            if (target->kind != Kind::Set)
                fail("ADDITEMS on a " + std::string(kindName(target->kind)) + ", not a set");
            appendTo(target, items, "ADDITEMS");
            return;
        }
        case 's': { // SETITEM
            PickleValue* value = pop();
            PickleValue* key = pop();
            setItems(top(), {key, value}, "SETITEM");
            return;
        }
        case 'u': { // SETITEMS
            const auto items = popMark();
            setItems(top(), items, "SETITEMS");
            return;
        }
        case 'c': { // GLOBAL "module\nname\n"
            const std::string module = readLine();
            const std::string name = readLine();
            push(global(module, name));
            return;
        }
        case 0x93: { // STACK_GLOBAL
            PickleValue* name = pop();
            PickleValue* module = pop();
            if (module->kind != Kind::String || name->kind != Kind::String)
                fail("STACK_GLOBAL expects two strings");
            push(global(module->text, name->text));
            return;
        }
        case 'R': { // REDUCE
            PickleValue* arguments = pop();
            PickleValue* callable = pop();
            push(reduce(callable, arguments));
            return;
        }
        case 0x81: { // NEWOBJ
            pop();   // arguments: an inert object ignores them
            push(instantiate(pop()));
            return;
        }
        case 0x92: { // NEWOBJ_EX
            pop();
            pop();
            push(instantiate(pop()));
            return;
        }
        case 'b': // BUILD: state of an inert object or a dict's attributes; never applied
            pop();
            top();
            return;
        case 'Q': // BINPERSID
            push(persistentLoad(pop()));
            return;
        case 'q': // BINPUT
            memoize(readUnsigned(1), top());
            return;
        case 'r': // LONG_BINPUT
            memoize(readUnsigned(4), top());
            return;
        case 0x94: // MEMOIZE
            memoize(memo_.size(), top());
            return;
        case 'h': // BINGET
            push(recall(readUnsigned(1)));
            return;
        case 'j': // LONG_BINGET
            push(recall(readUnsigned(4)));
            return;
        default:
            break;
        }
        const char shown = opcode >= 0x20 && opcode < 0x7f ? static_cast<char>(opcode) : '?';
        static const char* hex = "0123456789abcdef";
        fail(std::string("unsupported pickle opcode 0x") + hex[opcode >> 4] + hex[opcode & 15] +
             " ('" + shown + "')");
    }

    const std::uint8_t* data_;
    std::size_t size_;
    const std::string& name_;
    UnpickleLimits limits_;
    std::size_t position_ = 0;
    std::size_t opcodePosition_ = 0;
    std::vector<PickleValue*> stack_;
    std::vector<std::size_t> marks_;
    std::unordered_map<std::uint64_t, PickleValue*> memo_;
    std::unordered_map<std::string, PickleStorage*> storagesByKey_;
    PickleDocument document_;
};

PickleDocument unpickle(const std::uint8_t* data, std::size_t size,
                        const std::string& nameForErrors, const UnpickleLimits& limits) {
    return Unpickler(data, size, nameForErrors, limits).run();
}

} // namespace deadiff::io
