#!/usr/bin/env python3
"""Cross-toolchain check of the Auspex gRPC API with Python grpcio.

Generates Python stubs from Auspex's own .proto files (crates/events/proto) with
grpcio-tools, as a Tetragon Python client would from Tetragon's, then talks to a
running agent:

  1. GetVersion, GetHealth, grpc.health.v1 Check("liveness");
  2. GetEvents filtered server-side on a marker binary: runs the marker and
     expects its process_exec with exec_id, pid and binary;
  3. AddTracingPolicy, ListTracingPolicies (enabled), DeleteTracingPolicy,
     ListTracingPolicies (gone);
  4. the deprecated EnableTracingPolicy answers UNIMPLEMENTED.

Usage: client.py --address 127.0.0.1:PORT --proto-dir DIR --marker PATH
                 --policy FILE --policy-name NAME
Exit status 0 when every check passed; otherwise 1 with the failed check on stderr.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time


def generate_stubs(proto_dir, out_dir):
    """Runs grpc_tools.protoc on tetragon/*.proto; returns nothing, raises on failure."""
    import grpc_tools
    from grpc_tools import protoc

    wkt = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    files = sorted(
        os.path.join("tetragon", f)
        for f in os.listdir(os.path.join(proto_dir, "tetragon"))
        if f.endswith(".proto")
    )
    args = [
        "grpc_tools.protoc",
        "-I" + proto_dir,
        "-I" + wkt,
        "--python_out=" + out_dir,
        "--grpc_python_out=" + out_dir,
    ] + files
    rc = protoc.main(args)
    if rc != 0:
        raise RuntimeError("grpc_tools.protoc failed (%d) on %s" % (rc, files))


def check(cond, what):
    if not cond:
        raise AssertionError(what)
    print("ok:", what, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--address", required=True)
    ap.add_argument("--proto-dir", required=True)
    ap.add_argument("--marker", required=True)
    ap.add_argument("--policy", required=True)
    ap.add_argument("--policy-name", required=True)
    ap.add_argument("--timeout", type=float, default=30.0)
    args = ap.parse_args()

    import grpc

    out = tempfile.mkdtemp(prefix="auspex-grpc-stubs-")
    generate_stubs(args.proto_dir, out)
    sys.path.insert(0, out)
    from tetragon import events_pb2, sensors_pb2, sensors_pb2_grpc, tetragon_pb2

    channel = grpc.insecure_channel(args.address)
    grpc.channel_ready_future(channel).result(timeout=args.timeout)
    stub = sensors_pb2_grpc.FineGuidanceSensorsStub(channel)

    version = stub.GetVersion(sensors_pb2.GetVersionRequest(), timeout=10).version
    check(version != "", "GetVersion answers (%s)" % version)
    health = stub.GetHealth(tetragon_pb2.GetHealthStatusRequest(), timeout=10)
    check(
        any(h.status == tetragon_pb2.HEALTH_STATUS_RUNNING for h in health.health_status),
        "GetHealth says running",
    )

    # Standard health service (grpc.health.v1), raw bytes: HealthCheckRequest{service:
    # "liveness"} -> HealthCheckResponse{status: SERVING (1)}.
    check_rpc = channel.unary_unary("/grpc.health.v1.Health/Check")
    answer = check_rpc(b"\x0a\x08liveness", timeout=10)
    check(answer == b"\x08\x01", "grpc.health.v1 says liveness SERVING")

    # -- GetEvents, filtered by the server on the marker binary ---------------------------
    request = events_pb2.GetEventsRequest(
        allow_list=[
            events_pb2.Filter(
                binary_regex=["^" + re.escape(args.marker) + "$"],
                event_set=[events_pb2.PROCESS_EXEC],
                # Evaluated by the server too (a CEL expression over the event).
                cel_expression=["process_exec.process.pid > 1 && has(process_exec.process.exec_id)"],
            )
        ]
    )
    call = stub.GetEvents(request)
    call.initial_metadata()  # the server has subscribed this stream once headers arrive
    got = []
    failure = []

    def reader():
        try:
            for ev in call:
                got.append(ev)
                return
        except grpc.RpcError as e:  # cancelled below, or a real error
            if e.code() != grpc.StatusCode.CANCELLED:
                failure.append(e)

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    child = subprocess.Popen([args.marker], stdout=subprocess.DEVNULL)
    child.wait()
    t.join(args.timeout)
    call.cancel()
    check(not failure, "GetEvents stream without error %s" % failure)
    check(len(got) == 1, "the marker's exec arrives over GetEvents")
    ev = got[0]
    check(ev.WhichOneof("event") == "process_exec", "it is a process_exec")
    proc = ev.process_exec.process
    check(proc.exec_id != "", "exec_id is set (%s)" % proc.exec_id)
    check(proc.pid.value == child.pid, "pid %d is the marker's" % proc.pid.value)
    check(proc.binary == args.marker, "binary is %s" % proc.binary)
    check(ev.node_name != "", "node_name is set")
    check(ev.time.seconds > 0, "time is set")

    # -- Tracing policies -------------------------------------------------------------------
    with open(args.policy) as f:
        yaml = f.read()
    stub.AddTracingPolicy(sensors_pb2.AddTracingPolicyRequest(yaml=yaml), timeout=60)
    listed = stub.ListTracingPolicies(sensors_pb2.ListTracingPoliciesRequest(), timeout=30)
    mine = [p for p in listed.policies if p.name == args.policy_name]
    check(len(mine) == 1, "ListTracingPolicies shows %s" % args.policy_name)
    check(mine[0].state == sensors_pb2.TP_STATE_ENABLED, "it is enabled")
    check(mine[0].id > 0, "it has an id")
    try:
        stub.AddTracingPolicy(sensors_pb2.AddTracingPolicyRequest(yaml=yaml), timeout=60)
        check(False, "adding it twice is refused")
    except grpc.RpcError as e:
        check(e.code() == grpc.StatusCode.ALREADY_EXISTS, "adding it twice is refused (%s)" % e.code())
    try:
        stub.EnableTracingPolicy(
            sensors_pb2.EnableTracingPolicyRequest(name=args.policy_name), timeout=10
        )
        check(False, "EnableTracingPolicy (deprecated) is refused")
    except grpc.RpcError as e:
        check(
            e.code() == grpc.StatusCode.UNIMPLEMENTED,
            "EnableTracingPolicy (deprecated) is refused (%s)" % e.code(),
        )
    stub.DeleteTracingPolicy(
        sensors_pb2.DeleteTracingPolicyRequest(name=args.policy_name), timeout=60
    )
    listed = stub.ListTracingPolicies(sensors_pb2.ListTracingPoliciesRequest(), timeout=30)
    check(
        all(p.name != args.policy_name for p in listed.policies),
        "DeleteTracingPolicy removed it",
    )
    channel.close()
    print("python grpc client: all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # one line for the Rust test's failure message
        print("python grpc client: FAILED: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
