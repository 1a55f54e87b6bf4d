"""The render mode of k8s_release in one task: file_set's pure diff, then the module on a real directory."""

import os

from ansible_collections.refarch.network.plugins.module_utils import file_set


def texts(actions):
    return [a.text for a in actions]


def test_diff_writes_what_differs_removes_what_must_not_exist_and_leaves_other_names():
    have = {"values.yaml": "a: 1\n", "manifests.yaml": "---\nkind: X\n", "release.yaml": None}
    wanted = {"values.yaml": "a: 1\n", "manifests.yaml": None, "release.yaml": "name: r\n"}
    actions = file_set.diff("/d", True, have, wanted)
    assert texts(actions) == ["remove /d/manifests.yaml", "write /d/release.yaml"]
    assert [(d["before"], d["after"]) for d in file_set.file_diffs(actions)] == [("---\nkind: X\n", ""), ("", "name: r\n")]
    assert texts(file_set.diff("/d", False, dict.fromkeys(wanted), {"values.yaml": "a: 1\n", "x": None})) == [
        "create directory /d", "write /d/values.yaml"]
    assert texts(file_set.diff("/d", True, have, wanted, present=False)) == ["remove directory /d"]
    assert file_set.diff("/d", False, {}, wanted, present=False) == []


def test_module_writes_once_reports_exactly_in_check_mode_and_removes_the_directory(module, tmp_path):
    path = str(tmp_path / "traefik")
    os.makedirs(path)
    with open(os.path.join(path, "notes.txt"), "w") as f:  # another name: never touched
        f.write("mine")
    args = {"path": path, "files": {"values.yaml": "a: 1\n", "release.yaml": "name: traefik\n", "manifests.yaml": ""}}
    check = module("k8s_release_files", args, check_mode=True, diff=True)
    assert check["changed"] and not os.path.exists(os.path.join(path, "values.yaml"))
    first = module("k8s_release_files", args)
    assert first["actions"] == check["actions"] == ["write %s/release.yaml" % path, "write %s/values.yaml" % path]
    assert [d["after"] for d in check["diff"]] == ["name: traefik\n", "a: 1\n"]
    assert sorted(os.listdir(path)) == ["notes.txt", "release.yaml", "values.yaml"]
    assert oct(os.stat(os.path.join(path, "values.yaml")).st_mode & 0o777) == "0o644"
    assert module("k8s_release_files", args)["changed"] is False
    # the chart is gone from the release: its files go, the manifests come
    changed = module("k8s_release_files", {"path": path, "files": {"values.yaml": "", "release.yaml": None,
                                                                   "manifests.yaml": "---\nkind: X\n"}})
    assert changed["actions"] == ["write %s/manifests.yaml" % path, "remove %s/release.yaml" % path,
                                  "remove %s/values.yaml" % path]
    assert sorted(os.listdir(path)) == ["manifests.yaml", "notes.txt"]
    gone = module("k8s_release_files", {"path": path, "state": "absent"})
    assert gone["changed"] and not os.path.exists(path)
    assert module("k8s_release_files", {"path": path, "state": "absent"})["changed"] is False


def test_a_path_as_a_file_name_is_refused(module, tmp_path):
    result = module("k8s_release_files", {"path": str(tmp_path), "files": {"../x": "a"}})
    assert result.failed and result["field"] == "files" and "'../x' is not a file name inside path" in result["msg"]
    assert not os.path.exists(str(tmp_path.parent / "x"))


def test_a_file_that_cannot_be_written_fails_naming_the_action(module, tmp_path):
    path = tmp_path / "release"
    path.mkdir()
    (path / "values.yaml").mkdir()  # a directory where the file goes: the write fails
    result = module("k8s_release_files", {"path": str(path), "files": {"values.yaml": "a: 1\n"}})
    assert result.failed and result["failed_action"] == "write %s/values.yaml" % path, result
    assert "k8s_release_files stopped at" in result["msg"] and "Is a directory" in result["msg"]
