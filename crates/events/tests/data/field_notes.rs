// Samples copied verbatim from shared/reference/tetragon-field-notes.txt.

/// process_exec of vim with parent (field notes, export-allowlist section).
pub const VIM_EXEC: &str = r##"{
"process_exec": {
"process": {
"exec_id": "bGludXg6MzgxMjI3MzQwMDAwMDAwOjE5ODgy",
"pid": 19882,
"uid": 0,
"cwd": "/etc/tetragon/tetragon.tp.d",
"binary": "/usr/bin/vim",
"arguments": "/tmp/network-monitoring.yaml",
"flags": "procFS auid",
"start_time": "2025-10-22T11:39:42.437624780Z",
"auid": 1000,
"parent_exec_id": "bGludXg6MzgxMjAxNzIwMDAwMDAwOjE5ODA4",
"tid": 19882,
"in_init_tree": false
},
"parent": {
"exec_id": "bGludXg6MzgxMjAxNzIwMDAwMDAwOjE5ODA4",
"pid": 19808,
"uid": 0,
"cwd": "/var/log/tetragon",
"binary": "/usr/bin/bash",
"flags": "procFS auid",
"start_time": "2025-10-22T11:39:16.817624791Z",
"auid": 1000,
"parent_exec_id": "bGludXg6MzgxMjAxNzIwMDAwMDAwOjE5ODA3",
"tid": 19808,
"in_init_tree": false
}
},
"node_name": "linux",
"time": "2025-10-22T11:39:42.437624740Z"
}"##;

/// process_exit with one ancestor (field notes, --enable-process-ancestors section).
pub const NSRESOURCEWORK_EXIT: &str = r##"{
"process_exit": {
"process": {
"exec_id": "bGludXg6NDM4OTU1MjEyNDA5NjI5OjI0NjU0",
"pid": 24654,
"uid": 0,
"cwd": "/",
"binary": "/usr/lib/systemd/systemd-nsresourcework",
"arguments": "xxxxxxxxxxxxxxxx",
"flags": "execve rootcwd clone",
"start_time": "2025-10-23T03:41:50.310034580Z",
"auid": 4294967295,
"parent_exec_id": "bGludXg6NDQxMDAwMDAwMDo2Mzk=",
"tid": 24654,
"in_init_tree": false
},
"parent": {
"exec_id": "bGludXg6NDQxMDAwMDAwMDo2Mzk=",
"pid": 639,
"uid": 0,
"cwd": "/",
"binary": "/usr/lib/systemd/systemd-nsresourced",
"flags": "procFS auid rootcwd",
"start_time": "2025-10-18T01:45:59.507624780Z",
"auid": 4294967295,
"parent_exec_id": "bGludXg6MzAwMDAwMDAwOjE=",
"tid": 639,
"in_init_tree": false
},
"time": "2025-10-23T03:46:51.359816431Z",
"ancestors": [
{
"exec_id": "bGludXg6MzAwMDAwMDAwOjE=",
"pid": 1,
"uid": 0,
"cwd": "/",
"binary": "/usr/lib/systemd/systemd",
"arguments": "--switched-root --system --deserialize=47",
"flags": "procFS auid rootcwd",
"start_time": "2025-10-18T01:45:55.397624980Z",
"auid": 4294967295,
"parent_exec_id": "bGludXg6MTow",
"tid": 1,
"in_init_tree": false
}
]
},
"node_name": "linux",
"time": "2025-10-23T03:46:51.359816222Z"
}"##;

/// process_exit of a kernel thread, with refcnt (field notes, matchData section).
pub const KTHREADD_EXIT: &str = r##"{
"process_exit": {
"process": {
"exec_id": "bG9jYWxob3N0LmxvY2FsZG9tYWluOjgzMTYxMDgyNDM5MjA6MzUxMA==",
"pid": 3510,
"uid": 0,
"binary": "[kthreadd]",
"flags": "execve",
"start_time": "2025-10-18T04:04:22.329706699Z",
"auid": 4294967295,
"parent_exec_id": "bG9jYWxob3N0LmxvY2FsZG9tYWluOjMwMDAwMDAwMDoy",
"refcnt": 1,
"tid": 3510,
"in_init_tree": false
},
"parent": {
"exec_id": "bG9jYWxob3N0LmxvY2FsZG9tYWluOjMwMDAwMDAwMDoy",
"pid": 2,
"uid": 0,
"binary": "[kthreadd]",
"flags": "procFS",
"start_time": "2025-10-18T01:45:46.521461396Z",
"auid": 4294967295,
"parent_exec_id": "bG9jYWxob3N0LmxvY2FsZG9tYWluOjE6MA==",
"tid": 2,
"in_init_tree": false
},
"time": "2025-10-18T04:14:57.209243030Z"
},
"node_name": "localhost.localdomain",
"time": "2025-10-18T04:14:57.209241777Z"
}"##;

/// process_exec in a Kubernetes pod (field notes, 'For Containers' section).
pub const XWING_CURL_EXEC: &str = r##"{
"process_exec": {
"process": {
"exec_id": "Z2tlLWpvaG4tNjMyLWRlZmF1bHQtcG9vbC03MDQxY2FjMC05czk1OjEzNTQ4Njc0MzIxMzczOjUyNjk5",
"pid": 52699,
"uid": 0,
"cwd": "/",
"binary": "/usr/bin/curl",
"arguments": "https://ebpf.io/applications/#...",
"flags": "execve rootcwd",
"start_time": "2023-10-06T22:03:57.700327580Z",
"auid": 4294967295,
"pod": {
"namespace": "default",
"name": "xwing",
"container": {
"id": "containerd://551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3",
"name": "spaceship",
"image": {
"id": "docker.io/tgraf/netperf@sha256:8e86f744bfea165fd4ce68caa05abc96500f40130b857773186401926af7e9e6",
"name": "docker.io/tgraf/netperf:latest"
},
"start_time": "2023-10-06T21:52:41Z",
"pid": 49
},
"pod_labels": {
"app.kubernetes.io/name": "xwing",
"class": "xwing",
"org": "alliance"
},
"workload": "xwing"
},
"docker": "551e161c47d8ff0eb665438a7bcd5b4",
"parent_exec_id": "Z2tlLWpvaG4tNjMyLWRlZmF1bHQtcG9vbC03MDQxY2FjMC05czk1OjEzNTQ4NjcwODgzMjk5OjUyNjk5",
"tid": 52699
},
"parent": {
"exec_id": "Z2tlLWpvaG4tNjMyLWRlZmF1bHQtcG9vbC03MDQxY2FjMC05czk1OjEzNTQ4NjcwODgzMjk5OjUyNjk5",
"pid": 52699,
"uid": 0,
"cwd": "/",
"binary": "/bin/bash",
"arguments": "-c \"curl https://ebpf.io/applications/#...\"",
"flags": "execve rootcwd clone",
"start_time": "2023-10-06T22:03:57.696889812Z",
"auid": 4294967295,
"pod": {
"namespace": "default",
"name": "xwing",
"container": {
"id": "containerd://551e161c47d8ff0eb665438a7bcd5b4e3ef5a297282b40a92b7c77d6bd168eb3",
"name": "spaceship",
"image": {
"id": "docker.io/tgraf/netperf@sha256:8e86f744bfea165fd4ce68caa05abc96500f40130b857773186401926af7e9e6",
"name": "docker.io/tgraf/netperf:latest"
},
"start_time": "2023-10-06T21:52:41Z",
"pid": 49
},
"pod_labels": {
"app.kubernetes.io/name": "xwing",
"class": "xwing",
"org": "alliance"
},
"workload": "xwing"
},
"docker": "551e161c47d8ff0eb665438a7bcd5b4",
"parent_exec_id": "Z2tlLWpvaG4tNjMyLWRlZmF1bHQtcG9vbC03MDQxY2FjMC05czk1OjEzNTQ4NjQ1MjQ1ODM5OjUyNjg5",
"tid": 52699
}
},
"node_name": "gke-john-632-default-pool-7041cac0-9s95",
"time": "2023-10-06T22:03:57.700326678Z"
}"##;

/// process_exit in a Kubernetes pod with node_labels (field notes, 'For Containers' section).
pub const ELASTIC_NC_EXIT: &str = r##"{
"process_exit": {
"process": {
"exec_id": "azNkLWVsYXN0aWMtc2VydmVyLTA6MTU1MjE3ODU1MjQxNDI5Nzo5NTU3MzA=",
"pid": 955730,
"uid": 1000,
"cwd": "/usr/share/elasticsearch",
"binary": "/usr/bin/nc",
"arguments": "-z -v -w5 127.0.0.1 8080",
"flags": "execve clone",
"start_time": "2025-10-23T08:42:43.200470544Z",
"auid": 4294967295,
"pod": {
"namespace": "default",
"name": "elasticsearch-quickstart-es-default-0",
"container": {
"id": "containerd://b0feb994b531d61af43add66ae0be1fe29271c67c3def8eff8dacb2ca172380e",
"name": "elasticsearch",
"image": {
"id": "docker.elastic.co/elasticsearch/elasticsearch@sha256:e0dd6421674d6b28224ca38cb9a19e79c1f365361e3e5b295cb87eca7ecfdad9",
"name": "docker.elastic.co/elasticsearch/elasticsearch:8.18.1"
},
"start_time": "2025-10-17T03:32:45Z",
"pid": 798764,
"security_context": {}
},
"pod_labels": {
"apps.kubernetes.io/pod-index": "0",
"common.k8s.elastic.co/type": "elasticsearch",
"controller-revision-hash": "elasticsearch-quickstart-es-default-6756799d95",
"elasticsearch.k8s.elastic.co/cluster-name": "elasticsearch-quickstart",
"elasticsearch.k8s.elastic.co/http-scheme": "https",
"elasticsearch.k8s.elastic.co/node-data": "true",
"elasticsearch.k8s.elastic.co/node-data_cold": "true",
"elasticsearch.k8s.elastic.co/node-data_content": "true",
"elasticsearch.k8s.elastic.co/node-data_frozen": "true",
"elasticsearch.k8s.elastic.co/node-data_hot": "true",
"elasticsearch.k8s.elastic.co/node-data_warm": "true",
"elasticsearch.k8s.elastic.co/node-ingest": "true",
"elasticsearch.k8s.elastic.co/node-master": "true",
"elasticsearch.k8s.elastic.co/node-ml": "true",
"elasticsearch.k8s.elastic.co/node-remote_cluster_client": "true",
"elasticsearch.k8s.elastic.co/node-transform": "true",
"elasticsearch.k8s.elastic.co/node-voting_only": "false",
"elasticsearch.k8s.elastic.co/statefulset-name": "elasticsearch-quickstart-es-default",
"elasticsearch.k8s.elastic.co/version": "8.18.1",
"statefulset.kubernetes.io/pod-name": "elasticsearch-quickstart-es-default-0"
},
"workload": "elasticsearch-quickstart-es-default",
"workload_kind": "StatefulSet"
},
"docker": "b0feb994b531d61af43add66ae0be1f",
"parent_exec_id": "azNkLWVsYXN0aWMtc2VydmVyLTA6MTU1MjE3ODU1MTA1NTAxOTo5NTU3MjM=",
"tid": 955730,
"in_init_tree": false
},
"parent": {
"exec_id": "azNkLWVsYXN0aWMtc2VydmVyLTA6MTU1MjE3ODU1MTA1NTAxOTo5NTU3MjM=",
"pid": 955723,
"uid": 1000,
"cwd": "/usr/share/elasticsearch",
"binary": "/usr/bin/bash",
"arguments": "/mnt/elastic-internal/scripts/readiness-port-script.sh",
"flags": "execve",
"start_time": "2025-10-23T08:42:43.199111326Z",
"auid": 4294967295,
"pod": {
"namespace": "default",
"name": "elasticsearch-quickstart-es-default-0",
"container": {
"id": "containerd://b0feb994b531d61af43add66ae0be1fe29271c67c3def8eff8dacb2ca172380e",
"name": "elasticsearch",
"image": {
"id": "docker.elastic.co/elasticsearch/elasticsearch@sha256:e0dd6421674d6b28224ca38cb9a19e79c1f365361e3e5b295cb87eca7ecfdad9",
"name": "docker.elastic.co/elasticsearch/elasticsearch:8.18.1"
},
"start_time": "2025-10-17T03:32:45Z",
"pid": 798758,
"security_context": {}
},
"pod_labels": {
"apps.kubernetes.io/pod-index": "0",
"common.k8s.elastic.co/type": "elasticsearch",
"controller-revision-hash": "elasticsearch-quickstart-es-default-6756799d95",
"elasticsearch.k8s.elastic.co/cluster-name": "elasticsearch-quickstart",
"elasticsearch.k8s.elastic.co/http-scheme": "https",
"elasticsearch.k8s.elastic.co/node-data": "true",
"elasticsearch.k8s.elastic.co/node-data_cold": "true",
"elasticsearch.k8s.elastic.co/node-data_content": "true",
"elasticsearch.k8s.elastic.co/node-data_frozen": "true",
"elasticsearch.k8s.elastic.co/node-data_hot": "true",
"elasticsearch.k8s.elastic.co/node-data_warm": "true",
"elasticsearch.k8s.elastic.co/node-ingest": "true",
"elasticsearch.k8s.elastic.co/node-master": "true",
"elasticsearch.k8s.elastic.co/node-ml": "true",
"elasticsearch.k8s.elastic.co/node-remote_cluster_client": "true",
"elasticsearch.k8s.elastic.co/node-transform": "true",
"elasticsearch.k8s.elastic.co/node-voting_only": "false",
"elasticsearch.k8s.elastic.co/statefulset-name": "elasticsearch-quickstart-es-default",
"elasticsearch.k8s.elastic.co/version": "8.18.1",
"statefulset.kubernetes.io/pod-name": "elasticsearch-quickstart-es-default-0"
},
"workload": "elasticsearch-quickstart-es-default",
"workload_kind": "StatefulSet"
},
"docker": "b0feb994b531d61af43add66ae0be1f",
"parent_exec_id": "azNkLWVsYXN0aWMtc2VydmVyLTA6MTU1MjE3ODU1MDU1NDAzMDo5NTU3MjM=",
"tid": 955723,
"in_init_tree": false
},
"time": "2025-10-23T08:42:43.201610160Z"
},
"node_name": "k3d-elastic-server-0",
"time": "2025-10-23T08:42:43.201610080Z",
"node_labels": {
"beta.kubernetes.io/arch": "amd64",
"beta.kubernetes.io/instance-type": "k3s",
"beta.kubernetes.io/os": "linux",
"kubernetes.io/arch": "amd64",
"kubernetes.io/hostname": "k3d-elastic-server-0",
"kubernetes.io/os": "linux",
"node-role.kubernetes.io/control-plane": "true",
"node-role.kubernetes.io/master": "true",
"node.kubernetes.io/instance-type": "k3s"
}
}"##;
