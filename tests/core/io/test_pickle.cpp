#include "core/io/format_error.h"
#include "core/io/pickle.h"
#include "tests/support/ckpt_writer.h"

#include <gtest/gtest.h>

namespace deadiff::io {
namespace {

using Kind = PickleValue::Kind;
using test::PickleWriter;

PickleDocument load(const std::string& bytes, const UnpickleLimits& limits = {}) {
    return unpickle(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "t.pkl",
                    limits);
}

std::string errorOf(const std::string& bytes, const UnpickleLimits& limits = {}) {
    try {
        load(bytes, limits);
    } catch (const FormatError& error) {
        return error.what();
    }
    return "";
}

// A storage persistent id: ('storage', torch.<type>, key, 'cpu', numel) then BINPERSID.
PickleWriter& storage(PickleWriter& pickle, const std::string& type, const std::string& key,
                      std::int64_t numel) {
    return pickle.mark()
        .string("storage")
        .global("torch", type)
        .string(key)
        .string("cpu")
        .integer(numel)
        .tuple()
        .binPersId();
}

// _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())
std::string tensorPickle(std::int64_t numel, std::int64_t offset,
                         const std::vector<std::int64_t>& shape,
                         const std::vector<std::int64_t>& strides) {
    PickleWriter pickle;
    pickle.proto(2).global("torch._utils", "_rebuild_tensor_v2").mark();
    storage(pickle, "FloatStorage", "0", numel);
    pickle.integer(offset).mark();
    for (const auto size : shape)
        pickle.integer(size);
    pickle.tuple().mark();
    for (const auto stride : strides)
        pickle.integer(stride);
    pickle.tuple().boolean(false).global("collections", "OrderedDict").emptyTuple().reduce();
    return pickle.tuple().reduce().stop().bytes();
}

TEST(Unpickle, ReadsScalarsAndContainers) {
    PickleWriter pickle;
    pickle.proto(2).emptyDict().mark();
    pickle.string("small").integer(200);
    pickle.string("medium").integer(-70000);
    pickle.string("big").integer(std::int64_t{1} << 40);
    pickle.string("negative_long").raw(std::string("\x8a\x02\x00\xff", 4)); // LONG1 -256
    pickle.string("real").real(-2.5);
    pickle.string("flags").mark().boolean(true).boolean(false).none().op('l');
    pickle.string("pair").integer(1).integer(2).op('\x86');
    pickle.string("bytes").raw(std::string("C\x03"
                                           "abc",
                                           5));
    pickle.setItems().stop();

    const PickleDocument document = load(pickle.bytes());
    const PickleValue& root = document.root();
    ASSERT_EQ(root.kind, Kind::Dict);
    ASSERT_EQ(root.entries.size(), 8u);
    EXPECT_EQ(root.entries[0].first->text, "small");
    EXPECT_EQ(root.entries[0].second->integer, 200);
    EXPECT_EQ(root.entries[1].second->integer, -70000);
    EXPECT_EQ(root.entries[2].second->integer, std::int64_t{1} << 40);
    EXPECT_EQ(root.entries[3].second->integer, -256);
    EXPECT_EQ(root.entries[4].second->kind, Kind::Float);
    EXPECT_EQ(root.entries[4].second->real, -2.5);
    const PickleValue& flags = *root.entries[5].second;
    ASSERT_EQ(flags.kind, Kind::List);
    ASSERT_EQ(flags.items.size(), 3u);
    EXPECT_TRUE(flags.items[0]->boolean);
    EXPECT_FALSE(flags.items[1]->boolean);
    EXPECT_EQ(flags.items[2]->kind, Kind::None);
    const PickleValue& pair = *root.entries[6].second;
    ASSERT_EQ(pair.kind, Kind::Tuple);
    EXPECT_EQ(pair.items[1]->integer, 2);
    EXPECT_EQ(root.entries[7].second->kind, Kind::Bytes);
    EXPECT_EQ(root.entries[7].second->text, "abc");
}

TEST(Unpickle, MemoSharesValues) {
    PickleWriter pickle;
    pickle.proto(2).emptyList().binPut(0).mark().string("x").binPut(1).binGet(1).op('e');
    pickle.binGet(0).op('a'); // the list contains itself: a cycle must not hang anything
    const PickleDocument document = load(pickle.stop().bytes());
    const PickleValue& list = document.root();
    ASSERT_EQ(list.items.size(), 3u);
    EXPECT_EQ(list.items[0], list.items[1]);
    EXPECT_EQ(list.items[2], &list);
}

TEST(Unpickle, Protocol4FramesAndStackGlobal) {
    std::string bytes = "\x80\x04\x95";
    bytes += std::string("\x20\0\0\0\0\0\0\0", 8);
    bytes += "\x8c\x0b"
             "collections\x94\x8c\x0b"
             "OrderedDict\x94\x93\x94)R\x94.";
    const PickleDocument document = load(bytes);
    EXPECT_EQ(document.root().kind, Kind::Dict);
}

TEST(Unpickle, RebuildsTensorDescriptions) {
    const PickleDocument document = load(tensorPickle(12, 1, {2, 3}, {1, 2}));
    const PickleValue& root = document.root();
    ASSERT_EQ(root.kind, Kind::Tensor);
    EXPECT_EQ(root.tensor->storage->key, "0");
    EXPECT_EQ(root.tensor->storage->dtype, DType::F32);
    EXPECT_EQ(root.tensor->storage->numel, 12u);
    EXPECT_EQ(root.tensor->storageOffset, 1);
    EXPECT_EQ(root.tensor->shape, (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(root.tensor->strides, (std::vector<std::int64_t>{1, 2}));
}

TEST(Unpickle, TensorsMustStayInsideTheirStorage) {
    EXPECT_EQ(errorOf(tensorPickle(6, 0, {2, 3}, {3, 1})), "");
    EXPECT_NE(errorOf(tensorPickle(6, 1, {2, 3}, {3, 1})).find("reaches element 6"),
              std::string::npos);
    EXPECT_NE(errorOf(tensorPickle(6, 0, {2, 3}, {4, 1})).find("reaches element 6"),
              std::string::npos);
    EXPECT_NE(errorOf(tensorPickle(6, 0, {3}, {1, 1})).find("differ in length"), std::string::npos);
    EXPECT_NE(errorOf(tensorPickle(6, 0, {2}, {-1})).find("negative"), std::string::npos);
    EXPECT_NE(errorOf(tensorPickle(6, 0, {std::int64_t{1} << 40}, {1})).find("reaches element"),
              std::string::npos);
    EXPECT_NE(errorOf(tensorPickle(6, 0, {std::int64_t{1} << 40, std::int64_t{1} << 40},
                                   {std::int64_t{1} << 40, std::int64_t{1} << 40}))
                  .find("overflow"),
              std::string::npos);
    EXPECT_EQ(errorOf(tensorPickle(0, 0, {0, 3}, {3, 1})), "") << "empty tensors are fine";
    EXPECT_NE(errorOf(tensorPickle(0, 5, {0}, {1})).find("past storage"), std::string::npos);
}

TEST(Unpickle, RefusesForbiddenGlobalsByName) {
    const std::pair<std::string, std::string> forbidden[] = {
        {"os", "system"},
        {"posix", "system"},
        {"builtins", "eval"},
        {"__builtin__", "eval"},
        {"subprocess", "Popen"},
        {"torch._utils", "_rebuild_tensor"},
        {"torch", "load"},
        {"collections", "defaultdict"},
        {"numpy.core.multiarray", "_reconstruct"}};
    for (const auto& [module, name] : forbidden) {
        PickleWriter pickle;
        pickle.proto(2).global(module, name).string("echo pwned").op('\x85').reduce().stop();
        const std::string message = errorOf(pickle.bytes());
        EXPECT_NE(message.find("refuses global '" + module + "." + name + "'"), std::string::npos)
            << message;
        EXPECT_NE(message.find("t.pkl"), std::string::npos) << message;

        // The same through STACK_GLOBAL, and anywhere in the file (here inside a list).
        PickleWriter stacked;
        stacked.proto(4).emptyList().mark().integer(1).string(module).string(name).op('\x93');
        stacked.op('e').stop();
        EXPECT_NE(errorOf(stacked.bytes()).find(module + "." + name), std::string::npos);
    }
}

TEST(Unpickle, HarmlessGlobalsBecomeInertValues) {
    PickleWriter pickle;
    pickle.proto(2).emptyDict().mark();
    pickle.global("pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint").emptyDict();
    // numpy.core.multiarray.scalar(numpy.dtype('f8', False, True), _codecs.encode('...'))
    pickle.string("score").global("numpy.core.multiarray", "scalar");
    pickle.global("numpy", "dtype").string("f8").boolean(false).boolean(true).op('\x87').reduce();
    pickle.mark().integer(3).string("<").none().none().none().integer(-1).integer(-1).integer(0);
    pickle.tuple().op('b'); // BUILD: state ignored
    pickle.global("_codecs", "encode").string("abc").string("latin1").op('\x86').reduce();
    pickle.op('\x86').reduce();
    pickle.string("version").global("torch.torch_version", "TorchVersion").string("1.13.0");
    pickle.op('\x85').reduce();
    pickle.string("object").global("pytorch_lightning.callbacks.model_checkpoint",
                                   "ModelCheckpoint");
    pickle.emptyTuple().op('\x81').emptyDict().op('b'); // NEWOBJ + BUILD
    pickle.setItems().stop();

    const PickleDocument document = load(pickle.bytes());
    const auto& entries = document.root().entries;
    ASSERT_EQ(entries.size(), 4u);
    EXPECT_EQ(entries[0].first->kind, Kind::Global);
    EXPECT_EQ(entries[0].first->text,
              "pytorch_lightning.callbacks.model_checkpoint.ModelCheckpoint");
    EXPECT_EQ(entries[1].second->kind, Kind::Inert);
    EXPECT_EQ(entries[1].second->text, "numpy.core.multiarray.scalar");
    EXPECT_EQ(entries[2].second->kind, Kind::Inert);
    EXPECT_EQ(entries[3].second->kind, Kind::Inert);
}

TEST(Unpickle, AllowedGlobalsAreUsedOnlyAsIntended) {
    PickleWriter callStorage;
    callStorage.proto(2).global("torch", "FloatStorage").emptyTuple().reduce().stop();
    EXPECT_NE(errorOf(callStorage.bytes()).find("cannot be called"), std::string::npos);

    PickleWriter newTensor;
    newTensor.proto(2).global("torch._utils", "_rebuild_tensor_v2").emptyTuple().op('\x81');
    EXPECT_NE(errorOf(newTensor.stop().bytes()).find("cannot be instantiated"), std::string::npos);

    PickleWriter badPid;
    badPid.proto(2).string("not a storage").binPersId().stop();
    EXPECT_NE(errorOf(badPid.bytes()).find("persistent id"), std::string::npos);

    PickleWriter notAType;
    notAType.proto(2).mark().string("storage").global("collections", "OrderedDict");
    notAType.string("0").string("cpu").integer(1).tuple().binPersId().stop();
    EXPECT_NE(errorOf(notAType.bytes()).find("not a storage type"), std::string::npos);

    PickleWriter conflicting;
    conflicting.proto(2).mark();
    storage(conflicting, "FloatStorage", "0", 4);
    storage(conflicting, "HalfStorage", "0", 4);
    conflicting.op('l').stop();
    EXPECT_NE(errorOf(conflicting.bytes()).find("different types"), std::string::npos);

    PickleWriter reduceNonGlobal;
    reduceNonGlobal.proto(2).integer(1).emptyTuple().reduce().stop();
    EXPECT_NE(errorOf(reduceNonGlobal.bytes()).find("not a global"), std::string::npos);
}

TEST(Unpickle, RefusesUnsupportedOpcodes) {
    for (const std::string& opcode :
         {std::string("i"), std::string("o"), std::string("P"), std::string("I"), std::string("S"),
          std::string("\xff"), std::string("\x82"), std::string("\x97")}) {
        const std::string message = errorOf("\x80\x02" + opcode + ".");
        EXPECT_NE(message.find("unsupported pickle opcode"), std::string::npos)
            << int(static_cast<unsigned char>(opcode[0])) << ": " << message;
    }
    EXPECT_NE(errorOf("\x80\x09N.").find("protocol 9"), std::string::npos);
}

TEST(Unpickle, MalformedStreams) {
    EXPECT_NE(errorOf("").find("without STOP"), std::string::npos);
    EXPECT_NE(errorOf("\x80\x02").find("without STOP"), std::string::npos);
    EXPECT_NE(errorOf("\x80\x02.").find("underflow"), std::string::npos);
    EXPECT_NE(errorOf("\x80\x02"
                      "a.")
                  .find("underflow"),
              std::string::npos);
    EXPECT_NE(errorOf("\x80\x02Nh\x05.").find("never stored"), std::string::npos);
    EXPECT_NE(errorOf("\x80\x02"
                      "e.")
                  .find("no MARK"),
              std::string::npos);
    EXPECT_NE(errorOf("\x80\x02NNa.").find("not a list"), std::string::npos);
    EXPECT_NE(errorOf("\x80\x02}(Nu.").find("odd number"), std::string::npos);
    EXPECT_NE(errorOf("\x80\x02X\xff\xff\xff\x7f"
                      "abc.")
                  .find("truncated"),
              std::string::npos);
    EXPECT_NE(errorOf("\x80\x02\x8a\x09"
                      "123456789.")
                  .find("too large"),
              std::string::npos);
    EXPECT_NE(errorOf("\x80\x02"
                      "c" +
                      std::string(1000, 'a') + "\nb\n.")
                  .find("longer than"),
              std::string::npos);
    // MARK hides what is below it: POP cannot reach past it.
    EXPECT_NE(errorOf("\x80\x02N(0.").find("underflow"), std::string::npos);
}

TEST(Unpickle, EveryTruncationIsAFormatError) {
    // Our writer's pickle of a nested Lightning-style dict with a tensor.
    test::CkptSpec spec;
    spec.lightningExtras = true;
    spec.tensors.push_back({"a", "HalfStorage", "0", 4, 0, {2, 2}, {2, 1}});
    spec.storages["0"] = std::string(8, '\0');
    const std::string bytes = test::makeStateDictPickle(spec);
    ASSERT_EQ(errorOf(bytes), "");
    for (std::size_t length = 0; length < bytes.size(); ++length)
        EXPECT_NE(errorOf(bytes.substr(0, length)), "") << "length " << length;
}

TEST(Unpickle, LimitsBoundDepthStackMemoAndValues) {
    std::string deep = "\x80\x02";
    for (int i = 0; i < 100; ++i)
        deep += "]";
    for (int i = 0; i < 99; ++i)
        deep += "a";
    deep += ".";
    EXPECT_NE(errorOf(deep).find("nested deeper than 64"), std::string::npos);

    UnpickleLimits small;
    small.maxStack = 10;
    small.maxMemo = 3;
    small.maxValues = 50;
    EXPECT_NE(errorOf("\x80\x02" + std::string(11, 'N') + ".", small).find("stack grows"),
              std::string::npos);
    EXPECT_NE(errorOf("\x80\x02Nq\x01q\x02q\x03q\x04.", small).find("memo grows"),
              std::string::npos);
    std::string many = "\x80\x02]";
    for (int i = 0; i < 60; ++i)
        many += "Na";
    EXPECT_NE(errorOf(many + ".", small).find("more than 50 values"), std::string::npos);
}

} // namespace
} // namespace deadiff::io
