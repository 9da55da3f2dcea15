// Batch job files (conventions.md "Batch job file"): parsed, then expanded into the planned
// requests and file names as `deadiff batch` and the studio's queue do before running. Any
// input must give a plan or a BatchJobError / RequestError naming the field.
#include "core/batch/batch_job.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace deadiff;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const batch::BatchJob job = batch::parseBatchJob(text, "/jobs");
        const batch::BatchPlan plan = batch::expandJob(job, 12345);
        (void)batch::toJson(job);
        (void)plan.images.size();
    } catch (const batch::BatchJobError&) {
    } catch (const RequestError&) {
    }
    return 0;
}
