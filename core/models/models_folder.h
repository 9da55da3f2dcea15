// The models folder: one place for the weights this product uses, so that a model is named
// instead of hunted for. Layout (docs/models.md):
//
//   $XDG_DATA_HOME/deadiff/models/      ($XDG_DATA_HOME defaults to ~/.local/share)
//     deadiff/  base/  vae/  controlnet/  lora/  taesd/  depth/   (+ folders the user adds)
//
// Each folder holds weight files (.safetensors, .ckpt, .pth, .pt, .bin, .onnx) and model
// folders (a folder with a model.json, like the demo model); a download in progress is
// NAME.part. Torch-free (the GUI includes it).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace deadiff {
struct GenerationRequest;
}

namespace deadiff::models {

// "deadiff", "base", "vae", "controlnet", "lora", "taesd", "depth" (conventions.md).
const std::vector<std::string>& modelKinds();
bool isModelKind(const std::string& kind);

// $XDG_DATA_HOME/deadiff/models, else $HOME/.local/share/deadiff/models; empty when neither
// variable is set. The folder need not exist.
std::string modelsRoot();

// The suffix of a download in progress: "deadiff_v1.ckpt.part".
extern const char* const kPartSuffix;

struct InstalledModel {
    std::string name; // the file's stem, or the model folder's name
    std::string kind; // the folder it is in: a model kind or a folder the user added
    std::string path;
    std::uint64_t bytes = 0; // file size; for a model folder, the sum of its files
    bool modelFolder = false;
};

struct PartialFile {
    std::string kind;
    std::string fileName; // without ".part"
    std::string path;     // with ".part"
    std::uint64_t bytes = 0;
};

struct ModelsListing {
    std::string root;
    std::vector<InstalledModel> models; // kinds in modelKinds() order, then added folders; by name
    std::vector<PartialFile> partial;
};

// What is in the models folder now. A missing root lists nothing. Symbolic links are followed
// (a user may link a file kept elsewhere).
ModelsListing listModels(const std::string& root = modelsRoot());

// A name matched more than one model and the caller's kind did not decide.
class AmbiguousModelName : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A --model/--control/--depth-model value as a path. An existing file or folder is returned
// unchanged (paths work as they always did). Otherwise `value` is a model name: a file name
// ("deadiff_v1.ckpt"), a stem ("deadiff_v1") or "kind/name", looked up first in the folder of
// `preferredKind`, then in the others. Of one stem, .safetensors wins over a model folder over a
// pickle (so a converted checkpoint is never unpickled again). Returns `value` unchanged when
// nothing matches (the caller's "no such file" message applies); throws AmbiguousModelName
// when several folders other than `preferredKind`'s match.
std::string resolveModel(const std::string& value, const std::string& preferredKind,
                         const std::string& root = modelsRoot());

// resolveModel on every model field of a request: model (kind "deadiff"), base ("base"), vae
// ("vae") and each ControlNet
// unit's model ("controlnet") and preprocess_model ("depth").
void resolveModelNames(GenerationRequest& request, const std::string& root = modelsRoot());

// Whether a file name is a pickle checkpoint (.ckpt, .pth, .pt): loading it runs the restricted
// unpickler; converting it to safetensors once avoids that.
bool isPickleFile(const std::string& path);
// Whether a file name is a safetensors file (.safetensors, any case).
bool isSafetensorsFile(const std::string& path);
// Where the safetensors conversion of a weight file goes: the same folder and stem,
// ".safetensors" (the path itself for a .safetensors file).
std::string convertedPath(const std::string& path);

} // namespace deadiff::models
