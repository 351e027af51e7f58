# Shared helpers of the guest scripts (sourced; busybox sh). fd 3 is the host channel (ttyS1).
AUSPEX=/usr/local/bin/auspex
MARKER=/usr/local/bin/auspex-marker
POLICIES=/etc/auspex-vm/policies
# Seconds to wait for "auspex agent ready" (TCG runs code 7-11x slower than the host).
AGENT_WAIT=${vm_agent_wait:-120}

out() {
    echo "$*"
    echo "$*" >&3
}

# check NAME STATUS DETAIL...   STATUS: PASS FAIL NOTIMPL NA
check() {
    _n=$1
    _s=$2
    shift 2
    out "CHECK $_n $_s $*"
}

# ship NAME FILE: send a file to the host, each line prefixed with "| ".
ship() {
    echo "FILE $1" >&3
    [ -f "$2" ] && sed 's/^/| /' "$2" >&3
    echo "ENDFILE $1" >&3
}

# alive PID: the process exists and is not a zombie.
alive() {
    _st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$1/status" 2>/dev/null)
    [ -n "$_st" ] && [ "$_st" != Z ]
}

# agent_start NAME [AGENT ARGS...]: start the agent (export file /tmp/NAME.ev, stderr /tmp/NAME.err)
# and wait until it is ready. Returns 0 ready (AGENT_PID set), 1 exited (AGENT_RC), 2 time-out.
agent_start() {
    _name=$1
    shift
    rm -f "/tmp/$_name.ev" "/tmp/$_name.err" "/tmp/$_name.out"
    $AUSPEX agent --export-filename "/tmp/$_name.ev" --tracing-policy-dir /nonexistent "$@" \
        >"/tmp/$_name.out" 2>"/tmp/$_name.err" </dev/null &
    AGENT_PID=$!
    AGENT_RC=
    _t=0
    while [ "$_t" -lt $((AGENT_WAIT * 10)) ]; do
        if grep -q 'auspex agent ready' "/tmp/$_name.err"; then
            return 0
        fi
        if ! alive "$AGENT_PID"; then
            wait "$AGENT_PID"
            AGENT_RC=$?
            return 1
        fi
        sleep 0.1
        _t=$((_t + 1))
    done
    kill -9 "$AGENT_PID" 2>/dev/null
    wait "$AGENT_PID"
    AGENT_RC=timeout
    return 2
}

# agent_stop: SIGTERM (the agent drains, flushes and exits 0); SIGKILL after 60 s.
agent_stop() {
    kill -TERM "$AGENT_PID" 2>/dev/null
    (sleep 60 && kill -9 "$AGENT_PID" 2>/dev/null) &
    _killer=$!
    wait "$AGENT_PID"
    AGENT_RC=$?
    kill "$_killer" 2>/dev/null
    wait "$_killer" 2>/dev/null
    return 0
}

# reason FILE: the first line of the agent's refusal (the line after "auspex: error: ...:" when
# the error continues on indented lines, else the error itself).
reason() {
    awk '
        !f && /auspex: error:/ { f = 1; e = $0; sub(/^.*auspex: error: */, "", e); next }
        f { if ($0 ~ /^[ \t]/) { sub(/^[ \t]+/, ""); print; d = 1 } ; exit }
        END { if (f && !d) print e }
    ' "$1"
}

# link_types PID: the BPF link types the process holds (from /proc/PID/fdinfo), e.g. "perf_event".
link_types() {
    cat /proc/"$1"/fdinfo/* 2>/dev/null | sed -n 's/^link_type:[[:space:]]*//p' | sort | uniq -c |
        awk '{printf "%s%s x%s", (n++ ? ", " : ""), $2, $1}'
}

# wait_grep PATTERN FILE: wait up to 15 s for PATTERN to appear in FILE (events are exported
# asynchronously); returns grep's status.
wait_grep() {
    _t=0
    while [ "$_t" -lt 150 ]; do
        grep -q "$1" "$2" 2>/dev/null && return 0
        sleep 0.1
        _t=$((_t + 1))
    done
    return 1
}

# probe_registered SYMBOL: the kernel has a probe on SYMBOL: a kprobe (debugfs kprobes/list) or,
# for a kprobe.multi link, an fprobe (ftrace's enabled_functions). PROBE_SEEN = the line found.
probe_registered() {
    PROBE_SEEN=$(grep -m1 "[[:space:]]$1+0x[0-9a-f]*[[:space:]]" /sys/kernel/debug/kprobes/list 2>/dev/null) &&
        PROBE_SEEN="kprobes/list: $PROBE_SEEN" && return 0
    PROBE_SEEN=$(grep -m1 "^$1[[:space:]]" /sys/kernel/tracing/enabled_functions 2>/dev/null) &&
        PROBE_SEEN="fprobe (tracing/enabled_functions): $PROBE_SEEN" && return 0
    return 1
}
