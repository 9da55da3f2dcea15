// Model files as a result records them and a dropped PNG finds them again: the sha256 that
// names a model (A1111's "Model hash" is its first 10 digits), and where to look for a file
// that is no longer at the recorded path. Torch-free (the studio includes it).
#pragma once

#include <string>
#include <vector>

namespace deadiff::pipeline {

// The sha256 (hex) of a model file, through the process-wide io::FileHashCache (each file read
// once). A model folder has no single file: its hash is the sha256 of the lines
// "<name> <sha256>\n" for model.json, its weights and overlays in order. Empty for an empty
// path or a file that cannot be read (a hash never fails a generation).
std::string modelFileHash(const std::string& path);

// The TAESD decoder file for a model: taesd_decoder.safetensors in the model's folder (a model
// folder brings the one trained for its VAE), else in the models folder's taesd/. Empty when
// neither exists.
inline constexpr const char* kTaesdDecoderFile = "taesd_decoder.safetensors";
std::string taesdDecoderPath(const std::string& modelPath);

// A LoRA file's hash as A1111 records it in "Lora hashes": for .safetensors the sha256 of the
// tensor data after the header (kohya's addnet hash), for other files the whole file's sha256.
// Empty when the file cannot be read.
std::string loraFileHash(const std::string& path);

// Where a recorded model file (or folder) is now: the recorded path when it exists, else the
// first file of the same name in `folders` (e.g. the folders of the recent files and of the
// current model). With `sha256` given, only a candidate with that hash fits (each file is
// hashed once and remembered, so a 7 GB candidate costs a read only the first time). Empty when
// nothing fits. `hashOf` is the hash `sha256` was recorded with (loraFileHash for a LoRA).
using FileHasher = std::string (*)(const std::string& path);
std::string locateModelFile(const std::string& recordedPath, const std::string& sha256,
                            const std::vector<std::string>& folders,
                            FileHasher hashOf = modelFileHash);

} // namespace deadiff::pipeline
