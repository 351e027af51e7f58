#!/bin/sh
# Loads every policy file of the Tetragon example corpus (/corpus, list in /corpus/FILES) into one
# running agent: `auspex policy validate FILE`, then `auspex policy add FILE` (LOADED, and the
# policies are deleted again, or REFUSED with the agent's reason). One agent for the whole corpus:
# under TCG an agent start costs seconds, a policy load only its verification.
# Prints "CORPUS <file> <INVALID|LOADED|REFUSED|KILLED> <detail>" and ships the refusal as FILE
# corpus:<file>. Resumable: /init re-runs it if a Sigkill policy of the corpus kills this shell;
# the file being loaded then is reported KILLED and a fresh agent takes over.
. /vm-lib.sh
AGENT_WAIT=${vm_corpus_wait:-90}
progress=/tmp/corpus.progress
current=/tmp/corpus.current
touch $progress

# corpus_agent: a fresh agent with no policy (a killed run's agent may still hold one).
corpus_agent() {
    if [ -s /tmp/corpus.pid ]; then
        kill -9 "$(cat /tmp/corpus.pid)" 2>/dev/null
        sleep 1
    fi
    if agent_start corpus; then
        echo "$AGENT_PID" >/tmp/corpus.pid
        return 0
    fi
    check corpus-agent-start FAIL "agent for the corpus not ready (rc=$AGENT_RC): $(reason /tmp/corpus.err)"
    return 1
}

if [ -s $current ]; then
    f=$(cat $current)
    out "CORPUS $f KILLED the loading shell was killed while this policy was loaded"
    echo "$f" >>$progress
    rm -f $current
fi
corpus_agent || exit 0
while read -r f; do
    [ -n "$f" ] || continue
    grep -qxF "$f" $progress && continue
    echo "$f" >$current
    if ! $AUSPEX policy validate "/corpus/$f" >/tmp/c.val 2>&1; then
        out "CORPUS $f INVALID"
        ship "corpus:$f" /tmp/c.val
    else
        before=$(grep -c 'policy loaded' /tmp/corpus.err)
        if $AUSPEX policy add "/corpus/$f" >/tmp/c.out 2>/tmp/c.err; then
            loaded=$(grep 'policy loaded' /tmp/corpus.err | tail -n +$((before + 1)) |
                sed 's/.*policy loaded *//' | tr '\n' ' ')
            # Names from `validate` ("FILE: ok (a, b)"); each is deleted again.
            stop_rc=0
            for name in $(sed -n 's/.*: ok (\(.*\))$/\1/p' /tmp/c.val | tr ',' ' '); do
                $AUSPEX policy delete "$name" >/dev/null 2>>/tmp/c.err || stop_rc=1
            done
            alive "$AGENT_PID" || stop_rc=2
            out "CORPUS $f LOADED stop_rc=$stop_rc $loaded"
        else
            rc=$?
            out "CORPUS $f REFUSED rc=$rc"
            sed 's/^auspex: error: the agent rejected [^:]*: //' /tmp/c.err >/tmp/c.reason
            ship "corpus:$f" /tmp/c.reason
        fi
    fi
    echo "$f" >>$progress
    rm -f $current
    if ! alive "$AGENT_PID"; then
        check corpus-agent-alive FAIL "the corpus agent exited after $f (rc: $(wait "$AGENT_PID"; echo $?)); a new one takes over"
        corpus_agent || exit 0
    fi
done </corpus/FILES
agent_stop
exit 0
