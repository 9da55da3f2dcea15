#!/usr/bin/python3
"""Checks packaging/cluster/kubernetes-*.yaml without a cluster (kubectl needs an API server to
validate, Debian packages no offline schema validator): the files parse as YAML, and what
deadiff relies on holds. The Indexed Job's completions equal its --shard-count, it runs
--shard env, its pod failure policy fails the Job on status 2 and retries 75, restartPolicy is
Never (a pod failure policy requires it), every pod mounts the -o folder from one shared claim,
and the merge Job runs --merge on the same job file and folder and claim.

Usage: check_kubernetes_jobs.py PACKAGING_CLUSTER_DIR. Exit 77 (ctest: skipped) without PyYAML.
"""
import os
import sys

try:
    import yaml
except ImportError:
    print("skipped: PyYAML is not installed (Debian: apt-get install python3-yaml)")
    sys.exit(77)

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def load_one(path):
    with open(path, encoding="utf-8") as stream:
        documents = [d for d in yaml.safe_load_all(stream) if d is not None]
    check(len(documents) == 1, f"{path}: expected one document, found {len(documents)}")
    document = documents[0]
    check(document.get("apiVersion") == "batch/v1", f"{path}: apiVersion is not batch/v1")
    check(document.get("kind") == "Job", f"{path}: kind is not Job")
    return document


def option(command, name):
    if name not in command:
        return None
    index = command.index(name)
    return command[index + 1] if index + 1 < len(command) else None


def container_of(path, job):
    pod = job["spec"]["template"]["spec"]
    check(pod.get("restartPolicy") == "Never", f"{path}: restartPolicy must be Never")
    containers = pod["containers"]
    check(len(containers) == 1, f"{path}: expected one container")
    return pod, containers[0]


def mounted_claim(path, pod, container, folder):
    """The claim of the volume mounted above `folder`."""
    for mount in container.get("volumeMounts", []):
        if folder.startswith(mount["mountPath"].rstrip("/") + "/"):
            for volume in pod.get("volumes", []):
                if volume["name"] == mount["name"]:
                    return volume.get("persistentVolumeClaim", {}).get("claimName")
    failures.append(f"{path}: {folder} is not on a mounted volume")
    return None


def main():
    folder = sys.argv[1]
    shards_path = os.path.join(folder, "kubernetes-indexed-job.yaml")
    merge_path = os.path.join(folder, "kubernetes-merge-job.yaml")
    shards = load_one(shards_path)
    merge = load_one(merge_path)

    spec = shards["spec"]
    check(spec.get("completionMode") == "Indexed", f"{shards_path}: completionMode is not Indexed")
    pod, container = container_of(shards_path, shards)
    command = container["command"]
    check(command[:2] == ["deadiff", "batch"], f"{shards_path}: the command is not deadiff batch")
    check(option(command, "--shard") == "env", f"{shards_path}: no --shard env")
    count = option(command, "--shard-count")
    check(count is not None and str(spec.get("completions")) == count,
          f"{shards_path}: completions {spec.get('completions')} != --shard-count {count}")
    check(int(spec.get("parallelism", 1)) <= int(spec.get("completions", 1)),
          f"{shards_path}: parallelism above completions")
    actions = {}
    for rule in spec.get("podFailurePolicy", {}).get("rules", []):
        codes = rule.get("onExitCodes", {})
        check(codes.get("containerName", container["name"]) == container["name"],
              f"{shards_path}: a rule names another container")
        for code in codes.get("values", []):
            actions[code] = (codes.get("operator"), rule["action"])
    check(actions.get(2) == ("In", "FailJob"), f"{shards_path}: status 2 does not fail the Job")
    check(actions.get(75) == ("In", "Count"), f"{shards_path}: status 75 is not retried")
    out = option(command, "-o")
    claim = mounted_claim(shards_path, pod, container, out or "")
    check(os.path.isabs(command[2]), f"{shards_path}: the job file path is not absolute")

    merge_pod, merge_container = container_of(merge_path, merge)
    merge_command = merge_container["command"]
    check("--merge" in merge_command, f"{merge_path}: no --merge")
    check(merge_command[2] == command[2], f"{merge_path}: another job file than the shards'")
    check(option(merge_command, "-o") == out, f"{merge_path}: another -o folder than the shards'")
    check(mounted_claim(merge_path, merge_pod, merge_container, out or "") == claim,
          f"{merge_path}: another volume claim than the shards'")

    for failure in failures:
        print("FAIL:", failure)
    if failures:
        sys.exit(1)
    print(f"ok: Indexed Job of {spec['completions']} shards ({spec.get('parallelism')} at a time), "
          f"-o {out} on claim {claim}; merge Job on the same folder")


if __name__ == "__main__":
    main()
