// Precompiled header for deadiff_core (and the targets that reuse it). Only heavy,
// stable third-party headers belong here.
#pragma once

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>
